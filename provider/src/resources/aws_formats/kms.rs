//! KMS key ARNs, as DMS (`CreateEndpoint`, `CreateReplicationInstance`) and RDS (`CreateDBInstance`)
//! take them in `KmsKeyId`.

use super::q;

/// A key ARN, `arn:<partition>:kms:<region>:<account>:key/<key id>`. AWS also takes a key id, an
/// alias name or an alias ARN, but reports the key's ARN afterwards: anything but the key ARN would
/// show as a change (and a replacement) at every plan, so only the key ARN is accepted.
pub fn key_arn(text: &str) -> Result<(), String> {
    let arn = crate::arn::Arn::parse(text).filter(|a| a.service == "kms");
    let Some(arn) = arn else {
        return Err(format!(
            "{} is not a KMS key ARN; write arn:aws:kms:<region>:<account>:key/<key id> (`aws kms describe-key --key-id <id or alias>` prints it).",
            q(text)
        ));
    };
    let account_ok = arn.account.len() == 12 && arn.account.bytes().all(|b| b.is_ascii_digit());
    let key = arn.resource.strip_prefix("key/").unwrap_or_default();
    let key_ok = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if arn.resource.starts_with("alias/") {
        Err(format!(
            "{} is an alias ARN; AWS reports the key's ARN once it is used, so write the key ARN (`aws kms describe-key --key-id {}` prints it as KeyMetadata.Arn).",
            q(text),
            q(arn.resource)
        ))
    } else if arn.region.is_empty() || !account_ok || !key_ok {
        Err(format!("{} is not a KMS key ARN; write arn:aws:kms:<region>:<12-digit account>:key/<key id>.", q(text)))
    } else {
        Ok(())
    }
}

/// The region of a KMS key ARN (already checked by [`key_arn`]).
pub fn region_of(text: &str) -> Option<&str> {
    crate::arn::Arn::parse(text).map(|a| a.region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_key_arn_is_a_kms_key_arn() {
        assert!(key_arn("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab").is_ok());
        assert!(key_arn("arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234abcd").is_ok());
        for bad in [
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "alias/dms",
            "arn:aws:kms:us-east-1:123456789012:alias/dms",
            "arn:aws:kms::123456789012:key/abc",
            "arn:aws:kms:us-east-1:1234:key/abc",
            "arn:aws:kms:us-east-1:123456789012:key/",
            "arn:aws:s3:us-east-1:123456789012:key/abc",
            "arn:aws:kms:us-east-1:123456789012:key/a b",
        ] {
            assert!(key_arn(bad).is_err(), "{bad}");
        }
        assert!(key_arn("arn:aws:kms:us-east-1:123456789012:alias/dms").is_err_and(|e| e.contains("alias")));
    }
}
