//! The Secrets Manager calls dmslink makes for a login secret it owns (`manage_login_secret`): the
//! secret is created empty and tagged, its value written once the database's address is known, its
//! tags kept in step with the stack's, and it is scheduled for deletion with the stack (restored when
//! a stack of the same name comes back within the recovery window). dmslink reads a value only at
//! import, of a login secret it owns (the user and port).

use async_trait::async_trait;

use super::Secret;
use super::Tags;
use super::error::AwsError;

/// What `DescribeSecret` says of a secret. No value: dmslink never reads one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecretInfo {
    pub arn: String,
    pub name: String,
    pub tags: Tags,
    /// `DeletedDate` is set: the secret waits out its recovery window (`RestoreSecret` brings it
    /// back; its name cannot be reused until then).
    pub scheduled_for_deletion: bool,
    /// It has a current version (`VersionIdsToStages` names `AWSCURRENT`): a value was written.
    pub has_value: bool,
}

#[async_trait]
pub trait SecretsManagerApi: Send + Sync {
    /// `CreateSecret` without a value. `ResourceExistsException` (kind `AlreadyExists`) when the
    /// name is taken; `InvalidRequestException` when a secret of that name is scheduled for deletion.
    async fn create_secret(&self, name: &str, description: &str, tags: &Tags) -> Result<SecretInfo, AwsError>;
    /// `DescribeSecret` by name or ARN; `None` when it does not exist.
    async fn describe_secret(&self, id: &str) -> Result<Option<SecretInfo>, AwsError>;
    /// `GetSecretValue` of the current version; `None` when the secret has no value. Only for a
    /// login secret dmslink owns, at import (its user and port; the password is never kept).
    async fn get_secret_value(&self, arn: &str) -> Result<Option<Secret>, AwsError>;
    /// `PutSecretValue`: a new current version holding `value`.
    async fn put_secret_value(&self, arn: &str, value: &Secret) -> Result<(), AwsError>;
    /// `DeleteSecret` with `RecoveryWindowInDays`.
    async fn delete_secret(&self, arn: &str, recovery_days: i64) -> Result<(), AwsError>;
    /// `RestoreSecret`: cancels a scheduled deletion.
    async fn restore_secret(&self, arn: &str) -> Result<(), AwsError>;
    /// `TagResource`.
    async fn tag_secret(&self, arn: &str, tags: &Tags) -> Result<(), AwsError>;
    /// `UntagResource`.
    async fn untag_secret(&self, arn: &str, keys: &[String]) -> Result<(), AwsError>;
}
