//! Credentials: where they come from (the provider block, a profile, or the default chain), the
//! roles assumed on top (`assume_role_with_web_identity`, `assume_role`), the account checks, resolving them once within a time bound, and validating them with STS
//! `GetCallerIdentity`. Every failure is a diagnostic that says what to set.

use aws_config::ConfigLoader;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_runtime::env_config::file::EnvConfigFiles as ProfileFiles;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_types::SdkConfig;

use super::roles::{AssumeRoleCredentials, WebIdentity, WebIdentityCredentials, WebIdentityToken};
use super::settings::{LOAD_TIMEOUT, Settings};
use crate::aws::error::ErrorKind;
use crate::aws::sts::{self, ValidationLimits};
use crate::engine::Diagnostics;
use crate::engine::diag::{AttrPath, Diagnostic};

pub(super) fn credentials_help() -> &'static str {
    "Set access_key and secret_key in the provider block, or the environment variables AWS_ACCESS_KEY_ID and \
     AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for temporary credentials), or name a profile of the shared \
     credentials file with profile or AWS_PROFILE."
}

/// Sets the loader's credentials source from the provider block: its keys, else its profile, else
/// the SDK's default chain. Returns the loader and the source's name for messages and logs.
pub(super) fn with_credentials(
    mut loader: ConfigLoader,
    settings: &Settings,
    profile_files: Option<&ProfileFiles>,
    partial: bool,
) -> Result<(ConfigLoader, String), Diagnostics> {
    let cred_source;
    match (&settings.access_key, &settings.secret_key) {
        (Some(ak), Some(sk)) => {
            loader = loader.credentials_provider(Credentials::new(
                ak.clone(),
                sk.clone(),
                settings.token.clone(),
                None,
                "dmslink-provider-block",
            ));
            cred_source = "provider block".to_string();
        }
        (Some(_), None) | (None, Some(_)) if !partial => {
            let path = if settings.access_key.is_some() { "secret_key" } else { "access_key" };
            return Err(Diagnostic::error(
                "Incomplete AWS credentials",
                format!("Both access_key and secret_key must be set. {}", credentials_help()),
            )
            .at(AttrPath::attr(path))
            .into());
        }
        _ => match &settings.profile {
            Some(p) => {
                let mut b = ProfileFileCredentialsProvider::builder().profile_name(p);
                if let Some(files) = profile_files {
                    b = b.profile_files(files.clone());
                }
                loader = loader.credentials_provider(b.build());
                cred_source = format!("profile {p:?}");
            }
            None => cred_source = "default chain (environment, shared files, container, instance)".to_string(),
        },
    }
    Ok((loader, cred_source))
}

/// `assume_role_with_web_identity`, then `assume_role` (with the web identity's credentials when
/// both are set, as the AWS provider chains them). `env` fills what the block leaves out.
pub(super) fn with_roles(
    sdk: SdkConfig,
    settings: &Settings,
    env: &dyn Fn(&str) -> Option<String>,
    partial: bool,
) -> Result<SdkConfig, Diagnostics> {
    let mut sdk = sdk;
    if let Some(block) = &settings.web_identity {
        let at = |n: &str| AttrPath::attr("assume_role_with_web_identity").then_attr(n);
        let from_env = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let mut session = block.session.clone();
        if session.role_arn.is_empty() {
            session.role_arn = from_env("AWS_ROLE_ARN").unwrap_or_default();
        }
        if session.session_name.is_none() {
            session.session_name = from_env("AWS_ROLE_SESSION_NAME");
        }
        let token = match (&block.token, &block.token_file) {
            (Some(t), _) => Some(WebIdentityToken::Inline(t.clone())),
            (None, Some(f)) => Some(WebIdentityToken::File(f.clone())),
            (None, None) => from_env("AWS_WEB_IDENTITY_TOKEN_FILE").map(WebIdentityToken::File),
        };
        match (session.role_arn.is_empty(), token) {
            _ if partial => {}
            (true, _) => {
                return Err(Diagnostic::error(
                    "Missing role to assume with the web identity",
                    "Set assume_role_with_web_identity.role_arn, or the AWS_ROLE_ARN environment variable.",
                )
                .at(at("role_arn"))
                .into());
            }
            (false, None) => {
                return Err(Diagnostic::error(
                    "Missing web identity token",
                    "Set web_identity_token or web_identity_token_file in assume_role_with_web_identity, or the \
                     AWS_WEB_IDENTITY_TOKEN_FILE environment variable.",
                )
                .at(at("web_identity_token_file"))
                .into());
            }
            (false, Some(token)) => {
                let base = sts::sdk_config_for_sts(&sdk, settings.endpoints.sts.as_deref());
                let provider = WebIdentityCredentials::new(&base, WebIdentity { session, token });
                sdk = sdk.into_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build();
            }
        }
    }
    if let Some(ar) = &settings.assume_role {
        let base = sts::sdk_config_for_sts(&sdk, settings.endpoints.sts.as_deref());
        let provider = AssumeRoleCredentials::new(&base, ar.clone());
        sdk = sdk.into_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build();
    }
    Ok(sdk)
}

/// `allowed_account_ids` / `forbidden_account_ids` against the account the credentials belong to.
pub(super) fn check_account(settings: &Settings, account_id: Option<&str>) -> Result<(), Diagnostics> {
    let (allowed, forbidden) = (&settings.allowed_account_ids, &settings.forbidden_account_ids);
    if allowed.is_empty() && forbidden.is_empty() {
        return Ok(());
    }
    let Some(account) = account_id else {
        let attr = if allowed.is_empty() { "forbidden_account_ids" } else { "allowed_account_ids" };
        return Err(Diagnostic::error(
            "Account ID unknown",
            format!(
                "{attr} is set, but the account of the credentials is not known: skip_credentials_validation \
                 skips the STS call that tells it. Remove one of the two."
            ),
        )
        .at(AttrPath::attr(attr))
        .into());
    };
    if !allowed.is_empty() && !allowed.iter().any(|a| a == account) {
        return Err(Diagnostic::error(
            "AWS account not allowed",
            format!(
                "The credentials belong to account {account}, which is not in allowed_account_ids ({}). Nothing \
                 was changed. Use credentials of an allowed account, or add {account} to the list.",
                allowed.join(", ")
            ),
        )
        .at(AttrPath::attr("allowed_account_ids"))
        .into());
    }
    if forbidden.iter().any(|a| a == account) {
        return Err(Diagnostic::error(
            "AWS account forbidden",
            format!(
                "The credentials belong to account {account}, which forbidden_account_ids lists. Nothing was \
                 changed. Use credentials of another account."
            ),
        )
        .at(AttrPath::attr("forbidden_account_ids"))
        .into());
    }
    Ok(())
}

/// Who the validated credentials belong to.
pub(super) struct Identity {
    pub(super) account_id: Option<String>,
    pub(super) partition: String,
}

/// Validates `creds` with STS GetCallerIdentity, bounded by the STS limits and `max_retries`.
pub(super) async fn validate_with_sts(
    sdk: &SdkConfig,
    settings: &Settings,
    creds: Credentials,
    cred_source: &str,
) -> Result<Identity, Diagnostics> {
    let max_attempts = settings.attempts(None).min(ValidationLimits::default().max_attempts);
    // `max_retries = 0` asks for no retry at all: one round of one attempt.
    let busy_rounds = if max_attempts <= 1 { 1 } else { ValidationLimits::default().busy_rounds };
    let limits = ValidationLimits { max_attempts, busy_rounds, ..ValidationLimits::default() };
    match sts::get_caller_identity(sdk, settings.endpoints.sts.as_deref(), creds, limits).await {
        Ok(id) => Ok(Identity { account_id: Some(id.account).filter(|a| !a.is_empty()), partition: id.partition }),
        Err(e) => {
            let summary = if e.kind == ErrorKind::AccessDenied {
                "Invalid AWS credentials"
            } else {
                "Could not validate AWS credentials"
            };
            Err(Diagnostic::error(
                summary,
                format!(
                    "Validating the credentials ({cred_source}) with STS GetCallerIdentity failed: {e}. \
                     Check the credentials, region and endpoints.sts, or set skip_credentials_validation = true \
                     for endpoints without STS."
                ),
            )
            .into())
        }
    }
}

/// Resolves credentials once (bounded), turning failures into a diagnostic that says what to set.
pub(super) async fn resolve_credentials(sdk: &SdkConfig, settings: &Settings) -> Result<Credentials, Diagnostics> {
    let Some(provider) = sdk.credentials_provider() else {
        return Err(Diagnostic::error("No AWS credentials", credentials_help()).into());
    };
    let result = match tokio::time::timeout(LOAD_TIMEOUT, provider.provide_credentials()).await {
        Ok(r) => r,
        Err(_) => {
            return Err(Diagnostic::error(
                "Loading AWS credentials timed out",
                format!("No credentials were found within {}s. {}", LOAD_TIMEOUT.as_secs(), credentials_help()),
            )
            .into());
        }
    };
    match result {
        Ok(c) => Ok(c),
        Err(e) => {
            let role =
                settings.assume_role.as_ref().map(|a| (&a.session.role_arn, "assume_role.role_arn")).or_else(|| {
                    settings
                        .web_identity
                        .as_ref()
                        .map(|w| (&w.session.role_arn, "assume_role_with_web_identity.role_arn"))
                });
            let (summary, mut detail) = match (&e, role) {
                (CredentialsError::CredentialsNotLoaded(_), _) => (
                    "No valid AWS credentials found",
                    "No credentials were found in the provider block, the environment, the shared credentials and \
                     config files, web identity, or container and instance metadata."
                        .to_string(),
                ),
                (_, Some(_)) => (
                    "Could not assume the IAM role",
                    format!("Loading credentials failed: {}.", DisplayErrorContext(&e)),
                ),
                _ => (
                    "Could not load AWS credentials",
                    format!("Loading credentials failed: {}.", DisplayErrorContext(&e)),
                ),
            };
            if let Some((arn, attr)) = role
                && !arn.is_empty()
            {
                detail.push_str(&format!(" The provider assumes the role {arn} ({attr})."));
            }
            detail.push(' ');
            detail.push_str(credentials_help());
            Err(Diagnostic::error(summary, detail).into())
        }
    }
}
