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
