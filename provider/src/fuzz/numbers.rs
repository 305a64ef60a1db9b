//! Target: number parsing and conversion (`engine::value::Number`): any text parses or is refused
//! without a panic or a hang, huge exponents included; what parses is in normal form; every
//! spelling of an integer reads back as that integer; floats round-trip.

use proptest::prelude::*;

use super::inputs::{arb_string, decimal_text};
use super::run;
use crate::engine::value::Number;

/// Text around the number grammar: signs, points, exponents, digits, letters.
fn number_like() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => decimal_text(),
        2 => "[+-]{0,2}[0-9.eE+-]{0,12}",
        1 => "[ \t]*[+-]?(Infinity|infinity|NaN|inf|0x1F|1_000)[ \t]*",
        1 => "[+-]?[0-9]{0,3}[eE][+-]?[0-9]{18,30}",
        2 => arb_string(),
    ]
}

#[test]
fn number_parsing_never_panics_and_yields_normal_form() {
    run("number_parse", 3000, number_like(), |text| {
        let Some(n) = Number::parse(&text) else { return Ok(()) };
        // The normal form parses to itself.
        prop_assert_eq!(Number::parse(n.as_str()), Some(n.clone()), "{:?}", text);
        let (i, u, f) = (n.as_i64(), n.as_u64(), n.as_f64());
        if let Some(i) = i {
            prop_assert_eq!(Number::from_i64(i), n.clone());
        }
        if let Some(u) = u {
            prop_assert_eq!(Number::from_u64(u), n.clone());
        }
        // The exact text and the float agree with what Rust reads from the input itself.
        let t = text.trim().trim_start_matches('+');
        if let (Ok(direct), Some(f)) = (t.parse::<f64>(), f)
            && !t.contains(['I', 'i', 'N'])
        {
            prop_assert!(direct == f || (direct - f).abs() <= f.abs() * 1e-15, "{:?}: {} vs {}", text, direct, f);
        }
        let _ = n.is_exact_f64();
        Ok(())
    });
}

/// Ways to write the integer `i`: plain, signed, zero-padded, with a zero fraction, with an
/// exponent that cancels extra zeros.
fn integer_spelling() -> impl Strategy<Value = (i64, String)> {
    (any::<i64>(), 0usize..6, 0u8..5).prop_map(|(i, k, style)| {
        let sign = if i < 0 { "-" } else { "" };
        let digits = i.unsigned_abs().to_string();
        let text = match style {
            0 => i.to_string(),
            1 => format!("{sign}{}{digits}", "0".repeat(k)),
            2 => format!("{i}.{}", "0".repeat(k + 1)),
            3 => format!("{sign}{digits}{}e-{k}", "0".repeat(k)),
            _ if i >= 0 => format!("+{i}"),
            _ => format!("{i}e0"),
        };
        (i, text)
    })
}

#[test]
fn every_spelling_of_an_integer_reads_back() {
    run("number_integers", 3000, integer_spelling(), |(i, text)| {
        let n = Number::parse(&text).ok_or_else(|| TestCaseError::fail(format!("{text:?} refused")))?;
        prop_assert_eq!(n.as_i64(), Some(i), "{:?} -> {}", text, n);
        prop_assert_eq!(n.as_u64(), u64::try_from(i).ok());
        Ok(())
    });
}

#[test]
fn floats_round_trip() {
    run("number_floats", 3000, any::<f64>(), |f| {
        let n = Number::from_f64(f);
        if f.is_nan() {
            return Ok(());
        }
        prop_assert_eq!(n.as_f64(), Some(f));
        prop_assert!(n.is_exact_f64());
        prop_assert_eq!(Number::parse(n.as_str()), Some(n));
        Ok(())
    });
}
