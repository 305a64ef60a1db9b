//! The one ARN parser of the crate: `arn:<partition>:<service>:<region>:<account>:<resource>`.
//! Plain text in, borrowed parts out; no Terraform or AWS SDK types, so the AWS layer, the
//! provider configuration and the resources all take it from here.

#[derive(Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// `None` unless the text has all six parts with a partition, a service and a resource.
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

    /// The account id, `None` where the ARN has none (an S3 bucket's).
    pub fn account_id(&self) -> Option<&'a str> {
        Some(self.account).filter(|a| !a.is_empty())
    }

    /// The account id of the ARN `text`: `None` when it is no ARN or names no account.
    pub fn account_of(text: &'a str) -> Option<&'a str> {
        Arn::parse(text)?.account_id()
    }

    /// The resource type before the first `:` or `/` (`endpoint`, `rep`, `task`, `role`).
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

    #[test]
    fn parses_global_arns_whose_resource_holds_colons_and_slashes() {
        let a = Arn::parse("arn:aws-us-gov:iam::123456789012:role/ops/deployer").unwrap_or_else(|| panic!("parse"));
        assert_eq!((a.partition, a.service, a.region, a.resource_type()), ("aws-us-gov", "iam", "", "role"));
        assert_eq!(a.resource, "role/ops/deployer");
        let t = Arn::parse("arn:aws:dms:eu-west-1:1:task:a:b").unwrap_or_else(|| panic!("parse"));
        assert_eq!(t.resource, "task:a:b");
        assert!(Arn::parse("arn::iam::1:role/x").is_none());
        assert!(Arn::parse("arn:aws:iam::1:").is_none());
    }

    #[test]
    fn the_account_is_there_only_when_the_arn_names_one() {
        assert_eq!(Arn::account_of("arn:aws:iam::123456789012:role/service-role/dms-vpc-role"), Some("123456789012"));
        assert_eq!(Arn::account_of("arn:aws:dms:us-east-1:210987654321:rep:ABC"), Some("210987654321"));
        assert_eq!(Arn::account_of("arn:aws:s3:::my-bucket"), None);
        assert_eq!(Arn::account_of("a:b:c:d:123456789012:e"), None, "not an ARN");
        assert_eq!(Arn::account_of(""), None);
    }
}
