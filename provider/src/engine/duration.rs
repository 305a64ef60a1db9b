//! Go-style durations ("1h30m", "90s", "500ms") as Terraform users write them in `timeouts`.

use std::time::Duration;

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// Parses a non-negative Go duration exactly, in whole nanoseconds (a fractional part is truncated
/// per component, as Go does). `None` for anything else, including durations longer than
/// [`Duration::MAX`]; callers bound the length they accept.
pub fn parse(text: &str) -> Option<Duration> {
    let s = text.trim();
    if s.is_empty() {
        return None;
    }
    if s == "0" {
        return Some(Duration::ZERO);
    }
    let mut total: u128 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let (number, after) = rest.split_at(num_len);
        let unit_len = after.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let unit_nanos: u128 = match unit {
            "ns" => 1,
            // Go accepts the micro sign and the Greek mu.
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => NANOS_PER_SEC,
            "m" => 60 * NANOS_PER_SEC,
            "h" => 3600 * NANOS_PER_SEC,
            _ => return None,
        };
        total = total.checked_add(component(number, unit_nanos)?)?;
        rest = next;
    }
    let secs = u64::try_from(total / NANOS_PER_SEC).ok()?;
    // The remainder is below 10⁹ and fits.
    let nanos = u32::try_from(total % NANOS_PER_SEC).ok()?;
    Some(Duration::new(secs, nanos))
}

/// `12`, `1.5`, `.5` or `5.` of a unit, in nanoseconds; `None` when it is not a number or overflows.
fn component(number: &str, unit_nanos: u128) -> Option<u128> {
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    if (whole.is_empty() && frac.is_empty()) || frac.contains('.') {
        return None;
    }
    let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let mut nanos = whole.checked_mul(unit_nanos)?;
    // Digits past the 20th are below a nanosecond of any unit (an hour is 3.6·10¹² ns).
    let frac = &frac[..frac.len().min(20)];
    if !frac.is_empty() {
        let digits: u128 = frac.parse().ok()?;
        let scale = 10u128.pow(u32::try_from(frac.len()).ok()?);
        nanos = nanos.checked_add(digits * unit_nanos / scale)?;
    }
    Some(nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse("30m"), Some(Duration::from_secs(1800)));
        assert_eq!(parse("1h10m5s"), Some(Duration::from_secs(4205)));
        assert_eq!(parse("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse("0"), Some(Duration::ZERO));
        assert_eq!(parse("1.5µs"), Some(Duration::from_nanos(1500)));
        assert_eq!(parse(".5s5.ms"), Some(Duration::from_millis(505)));
        for bad in ["", "10", "m", "5 minutes", "-1s", "1d", ".s", "1.2.3s", "1e3s", "1_000s"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    /// Found by fuzzing: through f64 the nanoseconds of long durations were lost (what Go writes
    /// for its longest duration read back 191 ns off), and the greek mu Go accepts was refused.
    #[test]
    fn durations_are_exact_to_the_nanosecond_up_to_the_longest_duration() {
        assert_eq!(parse("2562047h47m16.854775807s"), Some(Duration::new(9_223_372_036, 854_775_807)));
        assert_eq!(parse("1.000000001h"), Some(Duration::new(3600, 3_600)));
        assert_eq!(parse("3\u{3bc}s"), Some(Duration::from_micros(3)));
        assert_eq!(parse("10000000000000000000s"), Some(Duration::from_secs(10_000_000_000_000_000_000)));
        assert_eq!(parse("18446744073709551615.999999999s"), Some(Duration::MAX));
        // Longer than `Duration` holds: refused, not wrapped or saturated.
        assert_eq!(parse("18446744073709551616s"), None);
        assert_eq!(parse("18446744073709551615s1s"), None);
    }
}
