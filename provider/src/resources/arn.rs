//! Schema validators for ARN arguments (the parser is the crate's one, `crate::arn`).

use crate::arn::Arn;

/// A schema validator for the ARN of one kind of DMS object (`endpoint`, `rep`, `task`): a known
/// string that is not such an ARN is an error at the path naming what the argument needs.
pub fn dms_arn_attr(
    kind: &'static str,
    what: &'static str,
) -> impl Fn(&crate::engine::Value, &crate::engine::AttrPath, &mut crate::engine::Diagnostics) + Send + Sync + 'static {
    move |v, path, diags| {
        let Some(text) = v.as_str() else { return };
        let shown = crate::engine::diag::quote_input(text);
        match Arn::parse(text) {
            Some(arn) if arn.service == "dms" && arn.resource_type() == kind => {}
            Some(arn) => diags.error_at(
                path.clone(),
                "Wrong kind of ARN",
                format!(
                    "{shown} is a {}:{} ARN, but this argument needs the ARN of {what} (arn:aws:dms:<region>:<account>:{kind}:<id>).",
                    arn.service,
                    arn.resource_type()
                ),
            ),
            None => diags.error_at(
                path.clone(),
                "Invalid ARN",
                format!("{shown} is not an ARN; expected the ARN of {what} (arn:aws:dms:<region>:<account>:{kind}:<id>)."),
            ),
        }
    }
}
