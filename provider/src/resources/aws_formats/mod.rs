//! What AWS accepts in the arguments users write, checked at validate before any AWS call. Each
//! check returns the reason in a sentence the diagnostic can carry; resources add the path and
//! the summary. Where AWS documents a rule the function cites it; where it does not, the rule is
//! the stricter plausible one and says so.

pub mod dms;
pub mod kms;
pub mod net;
pub mod rds;
pub mod windows;

/// Quotes a user's input for a reason text (cut short, escaped).
pub(crate) fn q(s: &str) -> String {
    crate::engine::diag::quote_input(s)
}

use crate::engine::{AttrPath, Diagnostics, Value};

/// A schema validator from a format check: a known string that fails it is an error at the path.
pub fn attr(
    summary: &'static str,
    check: fn(&str) -> Result<(), String>,
) -> impl Fn(&Value, &AttrPath, &mut Diagnostics) + Send + Sync + 'static {
    move |v, path, diags| {
        if let Some(s) = v.as_str()
            && let Err(why) = check(s)
        {
            diags.error_at(path.clone(), summary, why);
        }
    }
}

/// The same for each string of a list or set.
pub fn each(
    summary: &'static str,
    check: fn(&str) -> Result<(), String>,
) -> impl Fn(&Value, &AttrPath, &mut Diagnostics) + Send + Sync + 'static {
    move |v, path, diags| {
        for (i, e) in v.as_elements().unwrap_or_default().iter().enumerate() {
            if let Some(s) = e.as_str()
                && let Err(why) = check(s)
            {
                diags.error_at(path.then_index(i), summary, why);
            }
        }
    }
}
