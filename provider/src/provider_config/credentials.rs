//! Credentials: where they come from (the provider block, a profile, or the default chain),
//! `assume_role`, resolving them once within a time bound, and validating them with STS
//! `GetCallerIdentity`. Every failure is a diagnostic that says what to set.

use aws_config::ConfigLoader;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_types::SdkConfig;

use super::settings::{LOAD_TIMEOUT, Settings, attempts};
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
                loader = loader.credentials_provider(ProfileFileCredentialsProvider::builder().profile_name(p).build());
                cred_source = format!("profile {p:?}");
            }
            None => cred_source = "default chain (environment, shared files, container, instance)".to_string(),
        },
    }
    Ok((loader, cred_source))
}

/// assume_role: the base credentials of `sdk` call STS AssumeRole (at the STS override, if any).
pub(super) async fn with_assume_role(sdk: SdkConfig, settings: &Settings) -> SdkConfig {
    let Some(ar) = &settings.assume_role else {
        return sdk;
    };
    let base = sts::sdk_config_for_sts(&sdk, settings.endpoints.sts.as_deref());
    let mut b = AssumeRoleProvider::builder(ar.role_arn.clone()).configure(&base);
    if let Some(r) = sdk.region() {
        b = b.region(r.clone());
    }
    if let Some(s) = &ar.session_name {
        b = b.session_name(s.clone());
    }
    if let Some(x) = &ar.external_id {
        b = b.external_id(x.clone());
    }
    let provider = b.build().await;
    sdk.into_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build()
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
    let max_attempts = attempts(settings.max_retries).min(ValidationLimits::default().max_attempts);
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
            let (summary, mut detail) = match (&e, &settings.assume_role) {
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
            if let Some(ar) = &settings.assume_role {
                detail.push_str(&format!(" The provider assumes the role {} (assume_role.role_arn).", ar.role_arn));
            }
            detail.push(' ');
            detail.push_str(credentials_help());
            Err(Diagnostic::error(summary, detail).into())
        }
    }
}
