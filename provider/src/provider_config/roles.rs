//! The two role-based credential sources of the provider block, as STS calls of our own:
//! `assume_role` (STS `AssumeRole` with the base credentials) and `assume_role_with_web_identity`
//! (STS `AssumeRoleWithWebIdentity`, unsigned, with an OIDC token such as a CI system's).
//!
//! Why not aws-config's providers: its `AssumeRoleProvider` cannot send transitive tag keys or a
//! source identity, and its `WebIdentityTokenCredentialsProvider` takes neither a token string nor
//! a duration. Our calls also carry the `dmslink/<version>` User-Agent. The SDK's identity cache
//! (of the `SdkConfig` these providers are set on) calls them again before the credentials expire;
//! a token file is read on every call, since CI systems rotate it.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{self, ProvideCredentials};
use aws_sdk_sts::types::{PolicyDescriptorType, Tag};
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_types::SdkConfig;

use crate::aws::user_agent::DmslinkUserAgent;

/// What both calls share.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct RoleSession {
    pub(super) role_arn: String,
    pub(super) session_name: Option<String>,
    pub(super) duration: Option<Duration>,
    pub(super) policy: Option<String>,
    pub(super) policy_arns: Vec<String>,
}

/// `assume_role`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct AssumeRole {
    pub(super) session: RoleSession,
    pub(super) external_id: Option<String>,
    pub(super) source_identity: Option<String>,
    pub(super) tags: Vec<(String, String)>,
    pub(super) transitive_tag_keys: Vec<String>,
}

/// Where a web identity token comes from.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum WebIdentityToken {
    /// `web_identity_token` (sensitive; never in a message).
    Inline(String),
    /// `web_identity_token_file` or `AWS_WEB_IDENTITY_TOKEN_FILE`: read at each call.
    File(String),
}

/// `assume_role_with_web_identity`.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct WebIdentity {
    pub(super) session: RoleSession,
    pub(super) token: WebIdentityToken,
}

fn session_name(s: &RoleSession) -> String {
    s.session_name.clone().unwrap_or_else(|| {
        let secs = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        format!("dmslink-{secs}")
    })
}

fn duration_seconds(s: &RoleSession) -> Option<i32> {
    s.duration.map(|d| i32::try_from(d.as_secs()).unwrap_or(i32::MAX))
}

fn policy_arns(s: &RoleSession) -> Option<Vec<PolicyDescriptorType>> {
    (!s.policy_arns.is_empty())
        .then(|| s.policy_arns.iter().map(|a| PolicyDescriptorType::builder().arn(a).build()).collect())
}

fn sts_client(base: &SdkConfig) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::from_conf(aws_sdk_sts::config::Builder::from(base).interceptor(DmslinkUserAgent).build())
}

fn credentials_of(out: Option<&aws_sdk_sts::types::Credentials>, source: &'static str) -> provider::Result {
    let Some(c) = out else {
        return Err(CredentialsError::unhandled("STS answered without credentials"));
    };
    let expiry = SystemTime::try_from(c.expiration).ok();
    Ok(Credentials::new(
        c.access_key_id.clone(),
        c.secret_access_key.clone(),
        Some(c.session_token.clone()),
        expiry,
        source,
    ))
}

/// `assume_role`: the base credentials of `base` call STS `AssumeRole`.
#[derive(Debug)]
pub(super) struct AssumeRoleCredentials {
    client: aws_sdk_sts::Client,
    spec: AssumeRole,
}

impl AssumeRoleCredentials {
    /// `base`: the loaded configuration (region, base credentials, STS endpoint).
    pub(super) fn new(base: &SdkConfig, spec: AssumeRole) -> AssumeRoleCredentials {
        AssumeRoleCredentials { client: sts_client(base), spec }
    }

    async fn assume(&self) -> provider::Result {
        let s = &self.spec;
        let tags = s
            .tags
            .iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(CredentialsError::invalid_configuration)?;
        let out = self
            .client
            .assume_role()
            .role_arn(&s.session.role_arn)
            .role_session_name(session_name(&s.session))
            .set_external_id(s.external_id.clone())
            .set_duration_seconds(duration_seconds(&s.session))
            .set_policy(s.session.policy.clone())
            .set_policy_arns(policy_arns(&s.session))
            .set_tags((!tags.is_empty()).then_some(tags))
            .set_transitive_tag_keys((!s.transitive_tag_keys.is_empty()).then(|| s.transitive_tag_keys.clone()))
            .set_source_identity(s.source_identity.clone())
            .send()
            .await
            .map_err(|e| {
                CredentialsError::provider_error(format!(
                    "STS AssumeRole of {} failed: {}",
                    s.session.role_arn,
                    DisplayErrorContext(&e)
                ))
            })?;
        credentials_of(out.credentials(), "dmslink-assume-role")
    }
}

impl ProvideCredentials for AssumeRoleCredentials {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(self.assume())
    }
}

/// `assume_role_with_web_identity`: an unsigned STS call with the token; no base credentials.
#[derive(Debug)]
pub(super) struct WebIdentityCredentials {
    client: aws_sdk_sts::Client,
    spec: WebIdentity,
}

impl WebIdentityCredentials {
    pub(super) fn new(base: &SdkConfig, spec: WebIdentity) -> WebIdentityCredentials {
        WebIdentityCredentials { client: sts_client(base), spec }
    }

    async fn assume(&self) -> provider::Result {
        let s = &self.spec;
        let token = match &s.token {
            WebIdentityToken::Inline(t) => t.clone(),
            WebIdentityToken::File(path) => match tokio::fs::read_to_string(path).await {
                Ok(t) if !t.trim().is_empty() => t.trim().to_string(),
                Ok(_) => {
                    return Err(CredentialsError::invalid_configuration(format!(
                        "the web identity token file {path} is empty"
                    )));
                }
                Err(e) => {
                    return Err(CredentialsError::invalid_configuration(format!(
                        "the web identity token file {path} cannot be read: {e}"
                    )));
                }
            },
        };
        let out = self
            .client
            .assume_role_with_web_identity()
            .role_arn(&s.session.role_arn)
            .role_session_name(session_name(&s.session))
            .web_identity_token(token)
            .set_duration_seconds(duration_seconds(&s.session))
            .set_policy(s.session.policy.clone())
            .set_policy_arns(policy_arns(&s.session))
            .send()
            .await
            .map_err(|e| {
                CredentialsError::provider_error(format!(
                    "STS AssumeRoleWithWebIdentity of {} failed: {}",
                    s.session.role_arn,
                    DisplayErrorContext(&e)
                ))
            })?;
        credentials_of(out.credentials(), "dmslink-web-identity")
    }
}

impl ProvideCredentials for WebIdentityCredentials {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(self.assume())
    }
}

#[cfg(test)]
#[path = "roles_tests.rs"]
mod tests;
