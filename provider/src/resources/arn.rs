//! ARN parsing for plan-time checks: `arn:<partition>:<service>:<region>:<account>:<resource>`.

#[derive(Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let arn = Arn {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        };
        let ok = !arn.partition.is_empty() && !arn.service.is_empty() && !arn.resource.is_empty();
        ok.then_some(arn)
    }

    /// The resource type before the first `:` or `/` (`endpoint`, `rep`, `task`).
    pub fn resource_type(&self) -> &'a str {
        self.resource.split([':', '/']).next().unwrap_or("")
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dms_arns() {
        let a = Arn::parse("arn:aws:dms:us-east-1:123456789012:endpoint:ABC").unwrap_or_else(|| panic!("parse"));
        assert_eq!(
            (a.service, a.region, a.account, a.resource_type()),
            ("dms", "us-east-1", "123456789012", "endpoint")
        );
        assert!(Arn::parse("arn:aws:dms").is_none());
        assert!(Arn::parse("not-an-arn").is_none());
    }
}
