//! Target: duration parsing (`engine::duration::parse`) and the deadline a `timeouts` value turns
//! into (`resources::timeouts::deadline`). Any text parses or is refused without a panic or a
//! hang; what Go's `time.Duration.String` writes (and what Terraform users write, any mix of
//! units) parses to exactly that duration; no text, however large, makes a deadline overflow.

use std::time::Duration;

use proptest::prelude::*;

use super::inputs::arb_string;
use super::run;
use crate::engine::duration;
use crate::engine::value::Value;
use crate::resources::timeouts;

const UNITS: [(&str, u128); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Go's `time.Duration.String()` for a non-negative duration of `ns` nanoseconds (any size).
fn go_format(ns: u128) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let frac = |v: u128, digits: u32| -> String {
        let scale = 10u128.pow(digits);
        let (w, f) = (v / scale, v % scale);
        if f == 0 {
            return w.to_string();
        }
        let f = format!("{f:0width$}", width = digits as usize);
        format!("{w}.{}", f.trim_end_matches('0'))
    };
    if ns < 1_000 {
        return format!("{ns}ns");
    }
    if ns < 1_000_000 {
        return format!("{}µs", frac(ns, 3));
    }
    if ns < 1_000_000_000 {
        return format!("{}ms", frac(ns, 6));
    }
    let secs = frac(ns % 60_000_000_000, 9);
    let mins = ns / 60_000_000_000;
    if mins == 0 {
        return format!("{secs}s");
    }
    let (h, m) = (mins / 60, mins % 60);
    if h == 0 { format!("{m}m{secs}s") } else { format!("{h}h{m}m{secs}s") }
}

/// What `parse` must return for `ns` nanoseconds: the duration, or nothing beyond `Duration::MAX`.
fn expected(ns: u128) -> Option<Duration> {
    let secs = u64::try_from(ns / 1_000_000_000).ok()?;
    Some(Duration::new(secs, (ns % 1_000_000_000) as u32))
}

fn any_nanos() -> impl Strategy<Value = u128> {
    prop_oneof![
        any::<u64>().prop_map(u128::from),
        (0u128..=7 * 24 * 3_600_000_000_000),
        (0u128..2_000_000_000),
        any::<u128>(),
        Just(u128::from(u64::MAX) * 1_000_000_000 + 999_999_999),
        Just(u128::from(u64::MAX) * 1_000_000_000 + 1_000_000_000),
    ]
}

#[test]
fn durations_go_writes_parse_back_exactly() {
    run("duration_go_format", 5000, any_nanos(), |ns| {
        let text = go_format(ns);
        prop_assert_eq!(duration::parse(&text), expected(ns), "{:?}", text);
        Ok(())
    });
}

/// A duration written as a sum of whole amounts of random units, e.g. `1h90m0.5s250ms`.
fn unit_sum() -> impl Strategy<Value = (u128, String)> {
    let part = (0u64..100_000, 0usize..UNITS.len(), prop_oneof![Just(0u32), 1u32..4]);
    prop::collection::vec(part, 1..5).prop_map(|parts| {
        let mut total = 0u128;
        let mut text = String::new();
        for (n, u, tenths_digits) in parts {
            let (unit, unit_ns) = UNITS[u];
            // `n` tenths-or-smaller of a unit when fraction digits are asked for: "12.34m".
            let scale = 10u128.pow(tenths_digits);
            total += u128::from(n) * unit_ns / scale;
            let whole = u128::from(n) / scale;
            let frac = u128::from(n) % scale;
            if tenths_digits == 0 {
                text.push_str(&format!("{n}{unit}"));
            } else {
                text.push_str(&format!("{whole}.{frac:0w$}{unit}", w = tenths_digits as usize));
            }
        }
        (total, text)
    })
}

#[test]
fn mixed_unit_durations_parse_to_their_sum() {
    run("duration_unit_sum", 5000, unit_sum(), |(ns, text)| {
        // A fractional part is truncated to whole nanoseconds per component, as Go does.
        prop_assert_eq!(duration::parse(&text), expected(ns), "{:?}", text);
        Ok(())
    });
}

fn duration_like() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[0-9.]{0,25}(ns|us|µs|μs|ms|s|m|h|d|)([0-9.]{0,22}(ns|us|ms|s|m|h|x))?",
        1 => "[ \t]*[+-]?[0-9]{1,3}[a-zµ]{0,3}",
        1 => "[0-9]{18,45}(s|h|ns)",
        2 => arb_string(),
    ]
}

#[test]
fn any_text_is_a_duration_or_refused_and_never_breaks_a_deadline() {
    run("duration_any_text", 5000, duration_like(), |text| {
        let _ = duration::parse(&text);
        let state = Value::Object(
            [("timeouts".to_string(), Value::Object([("update".to_string(), Value::string(text))].into()))].into(),
        );
        let before = tokio::time::Instant::now();
        let d = timeouts::deadline(&state, "update");
        prop_assert!(d >= before);
        prop_assert!(d <= tokio::time::Instant::now() + timeouts::MAX_LIMIT);
        Ok(())
    });
}
