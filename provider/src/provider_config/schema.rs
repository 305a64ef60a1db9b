//! The provider block's schema: its attributes, named as in `hashicorp/aws`, with their
//! descriptions (the docs' provider page) and per-attribute validators.

use std::collections::HashSet;

use super::validate;
use crate::engine::{Attribute, Block, NestedBlock, Schema, Type};

/// TF's AWS provider retries 25 times by default.
pub const DEFAULT_MAX_RETRIES: i64 = 25;
/// More attempts than this only lengthen a failure (each attempt backs off up to 20 s).
pub const MAX_RETRIES_LIMIT: i64 = 100;
/// The services whose endpoints the `endpoints` block overrides, with their names in the docs.
pub(super) const SERVICES: &[(&str, &str)] = &[
    ("dms", "AWS Database Migration Service"),
    ("ec2", "Amazon EC2"),
    ("rds", "Amazon RDS"),
    ("iam", "AWS IAM"),
    ("logs", "Amazon CloudWatch Logs (a replication task's log)"),
    ("secretsmanager", "AWS Secrets Manager (the login secrets of `manage_login_secret`)"),
    ("sts", "AWS STS (credential validation and `assume_role`)"),
    ("s3", "Amazon S3"),
];

pub fn schema() -> Schema {
    let mut endpoints = Block::new(
        "Custom endpoint URLs, one per AWS service, e.g. a local emulator. Each wins over \
         `AWS_ENDPOINT_URL_<SERVICE>` and `AWS_ENDPOINT_URL`.",
    );
    for (svc, name) in SERVICES {
        endpoints = endpoints.attr(
            Attribute::optional(svc, Type::String)
                .describe(&format!("Endpoint URL for {name}, e.g. `http://127.0.0.1:5000`."))
                .validate(validate::validate_url_attr),
        );
    }
    let assume_role = role_session_attrs(
        Block::new("Assume an IAM role (STS `AssumeRole`) with the base credentials before any other call."),
        "the base credentials",
    )
    .attr(
        Attribute::optional("external_id", Type::String)
            .describe("External ID the role's trust policy requires, if any.")
            .validate(validate::validate_external_id_attr),
    )
    .attr(
        Attribute::optional("source_identity", Type::String)
            .describe(
                "Source identity recorded in CloudTrail for every call of the session (2-64 characters of \
                 `[\\w+=,.@-]`); the role's trust policy must allow `sts:SetSourceIdentity`.",
            )
            .validate(validate::validate_source_identity_attr),
    )
    .attr(
        Attribute::optional("tags", Type::map(Type::String))
            .describe("Session tags (at most 50); the role's trust policy must allow `sts:TagSession`.")
            .validate(validate::validate_session_tags_attr),
    )
    .attr(
        Attribute::optional("transitive_tag_keys", Type::set(Type::String))
            .describe("Keys of `tags` that pass on to roles this session assumes in turn (role chaining).")
            .validate(validate::validate_transitive_tag_keys_attr),
    );
    let web_identity = role_session_attrs(
        Block::new(
            "Assume an IAM role with an OpenID Connect token (STS `AssumeRoleWithWebIdentity`), e.g. the \
             identity token of a CI job. No base credentials are needed. With `assume_role` as well, that role \
             is then assumed with these credentials.",
        ),
        "the token",
    )
    .attr(
        Attribute::optional("web_identity_token", Type::String)
            .sensitive()
            .describe("The OpenID Connect token itself. Never logged. Give this or `web_identity_token_file`."),
    )
    .attr(Attribute::optional("web_identity_token_file", Type::String).describe(
        "Path of a file holding the token, read at each call (CI systems rotate it). Defaults to \
         `AWS_WEB_IDENTITY_TOKEN_FILE`.",
    ));
    let default_tags = Block::new("Tags applied to every taggable object the provider creates.").attr(
        Attribute::optional("tags", Type::map(Type::String))
            .describe("Tags added to every resource's `tags_all`; a resource's own `tags` win on equal keys.")
            .validate(crate::tag_rules::validate_tags),
    );
    let block = Block::new(
        "The dmslink provider builds an AWS DMS replication stack. It reads AWS settings like the \
         `hashicorp/aws` provider: explicit arguments, then environment variables, then the shared \
         configuration and credentials files.",
    )
    .attr(
        Attribute::optional("region", Type::String)
            .describe("AWS region, e.g. `ap-southeast-2`. Defaults to `AWS_REGION`, `AWS_DEFAULT_REGION` or the profile's region.")
            .validate(validate::validate_region_attr),
    )
    .attr(Attribute::optional("profile", Type::String).describe(
        "Named profile of the shared configuration and credentials files. Defaults to `AWS_PROFILE`, then `default`. \
         When set, it wins over credentials in the environment.",
    ))
    .attr(
        Attribute::optional("access_key", Type::String)
            .describe("Access key ID. Defaults to `AWS_ACCESS_KEY_ID`. Must be set together with `secret_key`."),
    )
    .attr(
        Attribute::optional("secret_key", Type::String)
            .sensitive()
            .describe("Secret access key. Defaults to `AWS_SECRET_ACCESS_KEY`. Never logged."),
    )
    .attr(
        Attribute::optional("token", Type::String)
            .sensitive()
            .describe("Session token of temporary credentials. Defaults to `AWS_SESSION_TOKEN`. Never logged."),
    )
    .attr(
        Attribute::optional("max_retries", Type::Number)
            .describe(&format!(
                "How many times a failed AWS request (throttling, 5xx, connection reset) is retried, with \
                 exponential backoff. Defaults to {DEFAULT_MAX_RETRIES}; `0` turns retries off."
            ))
            .whole_range(0, MAX_RETRIES_LIMIT),
    )
    .attr(Attribute::optional("skip_credentials_validation", Type::Bool).describe(
        "Skip the STS `GetCallerIdentity` check at configuration (for endpoints without STS). The account ID is then unknown.",
    ))
    .attr(
        Attribute::optional("custom_ca_bundle", Type::String)
            .describe(
                "Path to a PEM file of certificate authorities to trust, in addition to the system's, for every AWS \
                 call (e.g. the CA of a TLS-inspecting corporate proxy, or of a private endpoint). Defaults to \
                 `AWS_CA_BUNDLE`. A leading `~` is the home directory. The file is read at configuration; a file \
                 that cannot be read or holds no certificate is an error there.",
            )
            .validate(validate::validate_non_blank_attr),
    )
    .attr(
        Attribute::optional("http_proxy", Type::String)
            .sensitive()
            .describe(
                "URL of the proxy for `http://` AWS endpoints, e.g. `http://proxy.example.com:3128` \
                 (`http://user:password@host:port` for basic authentication). Defaults to `HTTP_PROXY` or \
                 `http_proxy`. When no HTTPS proxy is configured anywhere, it carries `https://` requests too.",
            )
            .validate(validate::validate_proxy_url_attr),
    )
    .attr(
        Attribute::optional("https_proxy", Type::String)
            .sensitive()
            .describe(
                "URL of the proxy for `https://` AWS endpoints (all of AWS's own). Defaults to `HTTPS_PROXY` or \
                 `https_proxy`, then `http_proxy`.",
            )
            .validate(validate::validate_proxy_url_attr),
    )
    .attr(Attribute::optional("no_proxy", Type::String).describe(
        "Comma-separated hosts, domains (`.example.com`) and CIDR blocks reached without a proxy. Defaults to \
         `NO_PROXY` or `no_proxy`. With none of `http_proxy`, `https_proxy` and `no_proxy` set, the proxy \
         environment variables apply as the AWS SDK reads them.",
    ))
    .attr(
        Attribute::optional("retry_mode", Type::String)
            .describe(
                "How failed requests are retried: `standard` (exponential backoff with jitter) or `adaptive` \
                 (also slows the client down while AWS throttles it). Defaults to `AWS_RETRY_MODE`, then \
                 `standard`.",
            )
            .validate(validate::validate_retry_mode_attr),
    )
    .attr(
        Attribute::optional("allowed_account_ids", Type::set(Type::String))
            .describe(
                "The only AWS account IDs the provider may work in. Configuration fails, naming the account, \
                 when the credentials belong to any other. Conflicts with `forbidden_account_ids`.",
            )
            .validate(validate::validate_account_ids_attr),
    )
    .attr(
        Attribute::optional("forbidden_account_ids", Type::set(Type::String))
            .describe(
                "AWS account IDs the provider must never work in (e.g. production from a test pipeline). \
                 Configuration fails, naming the account, when the credentials belong to one of them.",
            )
            .validate(validate::validate_account_ids_attr),
    )
    .attr(Attribute::optional("shared_config_files", Type::list(Type::String)).describe(
        "Paths of shared configuration files to read instead of `~/.aws/config` (or `AWS_CONFIG_FILE`). \
         A leading `~` is the home directory; a file that does not exist is an error.",
    ))
    .attr(Attribute::optional("shared_credentials_files", Type::list(Type::String)).describe(
        "Paths of shared credentials files to read instead of `~/.aws/credentials` (or \
         `AWS_SHARED_CREDENTIALS_FILE`). A leading `~` is the home directory; a file that does not exist is an \
         error.",
    ))
    .block(NestedBlock::single("assume_role", assume_role))
    .block(NestedBlock::single("assume_role_with_web_identity", web_identity))
    .block(NestedBlock::single("endpoints", endpoints))
    .block(NestedBlock::single("default_tags", default_tags));
    Schema::new(0, block)
}

/// The attributes `assume_role` and `assume_role_with_web_identity` share; `with` names what the
/// role is assumed with.
fn role_session_attrs(block: Block, with: &str) -> Block {
    block
        .attr(
            Attribute::optional("role_arn", Type::String)
                .describe(&format!(
                    "ARN of the IAM role to assume with {with}, e.g. `arn:aws:iam::123456789012:role/deployer`."
                ))
                .validate(validate::validate_role_arn_attr),
        )
        .attr(
            Attribute::optional("session_name", Type::String)
                .describe("Session name for the assumed role (2-64 characters of `[\\w+=,.@-]`). Defaults to `dmslink-<unix time>`.")
                .validate(validate::validate_session_name_attr),
        )
        .attr(
            Attribute::optional("duration", Type::String)
                .describe(
                    "How long the session's credentials last, a duration from `15m` to `12h` such as `1h30m` (the \
                     role's maximum session duration bounds it). Defaults to STS's one hour.",
                )
                .validate(validate::validate_session_duration_attr),
        )
        .attr(
            Attribute::optional("policy", Type::String)
                .describe("An IAM policy document (JSON) that further restricts the session's permissions.")
                .validate(validate::validate_session_policy_attr),
        )
        .attr(
            Attribute::optional("policy_arns", Type::set(Type::String))
                .describe("ARNs of managed IAM policies that further restrict the session's permissions (at most 10).")
                .validate(validate::validate_policy_arns_attr),
        )
}

/// Attribute names that are sensitive in the schema (for callers that log configs).
pub fn sensitive_attributes() -> HashSet<&'static str> {
    HashSet::from(["secret_key", "token", "http_proxy", "https_proxy", "web_identity_token"])
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn provider_schema_has_every_attribute_and_hides_secrets() {
        let s = schema();
        for name in
            ["region", "profile", "access_key", "secret_key", "token", "max_retries", "skip_credentials_validation"]
        {
            let a = s.block.attribute(name).unwrap_or_else(|| panic!("missing {name}"));
            assert!(!a.description.is_empty(), "{name} has no description");
        }
        assert!(s.block.attribute("secret_key").unwrap().sensitive);
        assert!(s.block.attribute("token").unwrap().sensitive);
        assert!(!s.block.attribute("access_key").unwrap().sensitive);
        let ar = s.block.nested_block("assume_role").unwrap();
        for name in ["role_arn", "session_name", "external_id"] {
            assert!(ar.block.attribute(name).is_some(), "assume_role.{name}");
        }
        let ep = s.block.nested_block("endpoints").unwrap();
        for name in ["dms", "ec2", "rds", "iam", "logs", "secretsmanager", "sts", "s3"] {
            assert!(!ep.block.attribute(name).unwrap().description.is_empty(), "endpoints.{name}");
        }
        let dt = s.block.nested_block("default_tags").unwrap();
        assert_eq!(dt.block.attribute("tags").unwrap().value_type(), Type::map(Type::String));
        assert_eq!(s.block.attribute("max_retries").unwrap().value_type(), Type::Number);
        assert_eq!(
            sensitive_attributes(),
            HashSet::from(["secret_key", "token", "http_proxy", "https_proxy", "web_identity_token"])
        );
        for name in ["custom_ca_bundle", "http_proxy", "https_proxy", "no_proxy"] {
            let a = s.block.attribute(name).unwrap_or_else(|| panic!("missing {name}"));
            assert_eq!(a.sensitive, sensitive_attributes().contains(name), "{name}");
        }
    }
}
