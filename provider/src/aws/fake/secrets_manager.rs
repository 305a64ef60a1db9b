//! `FakeSecretsManager`: secrets in memory, with the rules the emulator follows (moto's Secrets
//! Manager plus the emulator's rules SM5 to SM7, `docs/emulator.md`; the contract suite compares
//! the two).
//!
//! - `CreateSecret` on a name in use: `ResourceExistsException`; on the name of a secret scheduled
//!   for deletion: `InvalidRequestException` (SM5), until it is restored or its window ends;
//! - `PutSecretValue`, `TagResource` and `UntagResource` on a secret scheduled for deletion:
//!   `InvalidRequestException`; `DeleteSecret`'s recovery window must be 7 to 30 days;
//! - an unknown name or ARN: `ResourceNotFoundException`. The ARN ends with `-` and six characters.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use super::{Recorder, locked};
use crate::aws::error::AwsError;
use crate::aws::secrets_manager::{SecretInfo, SecretsManagerApi};
use crate::aws::{Secret, Tags};

/// Operation names accepted by [`FakeSecretsManager::fail_next`] (the trait's method names).
pub const OPS: &[&str] = &[
    "create_secret",
    "describe_secret",
    "get_secret_value",
    "put_secret_value",
    "delete_secret",
    "restore_secret",
    "tag_secret",
    "untag_secret",
];
/// Those that change something.
pub const LOSABLE_OPS: &[&str] =
    &["create_secret", "put_secret_value", "delete_secret", "restore_secret", "tag_secret", "untag_secret"];

const ACCOUNT_REGION: &str = "us-east-1:123456789012";

#[derive(Clone, Debug)]
struct StoredSecret {
    arn: String,
    name: String,
    tags: Tags,
    value: Option<String>,
    scheduled: bool,
}

#[derive(Default)]
struct State {
    rec: Recorder,
    /// By name.
    secrets: BTreeMap<String, StoredSecret>,
    serial: u32,
}

/// See the module documentation.
#[derive(Default)]
pub struct FakeSecretsManager {
    state: Mutex<State>,
}

fn not_found() -> AwsError {
    AwsError::from_code("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
}

fn marked_deleted() -> AwsError {
    AwsError::from_code(
        "InvalidRequestException",
        "You can't perform this operation on the secret because it was marked for deletion.",
    )
}

impl State {
    fn find_mut(&mut self, id: &str) -> Result<&mut StoredSecret, AwsError> {
        self.secrets.values_mut().find(|s| s.arn == id || s.name == id).ok_or_else(not_found)
    }
}

impl FakeSecretsManager {
    pub fn new() -> FakeSecretsManager {
        FakeSecretsManager::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        locked(&self.state)
    }

    // ---- test controls -------------------------------------------------------------------

    recorder_controls!("FakeSecretsManager");

    /// The current value of a secret (by name or ARN), as DMS would read it.
    pub fn value_of(&self, id: &str) -> Option<String> {
        self.lock().secrets.values().find(|s| s.arn == id || s.name == id).and_then(|s| s.value.clone())
    }

    /// Every secret: (name, scheduled for deletion).
    pub fn secrets(&self) -> Vec<(String, bool)> {
        self.lock().secrets.values().map(|s| (s.name.clone(), s.scheduled)).collect()
    }

    /// Removes a secret at once (`ForceDeleteWithoutRecovery`, or the end of its recovery window).
    pub fn purge(&self, name: &str) {
        self.lock().secrets.remove(name);
    }

    /// ARNs of the secrets carrying the tag `key` = `value`.
    pub fn arns_tagged(&self, key: &str, value: &str) -> Vec<String> {
        let st = self.lock();
        st.secrets
            .values()
            .filter(|s| s.tags.get(key).map(String::as_str) == Some(value))
            .map(|s| s.arn.clone())
            .collect()
    }

    fn info(s: &StoredSecret) -> SecretInfo {
        SecretInfo {
            arn: s.arn.clone(),
            name: s.name.clone(),
            tags: s.tags.clone(),
            scheduled_for_deletion: s.scheduled,
            has_value: s.value.is_some(),
        }
    }

    fn served_create(&self, name: &str, tags: &Tags) -> Result<SecretInfo, AwsError> {
        let mut st = self.lock();
        st.rec.begin("create_secret", name)?;
        if let Some(s) = st.secrets.get(name) {
            return Err(if s.scheduled {
                AwsError::from_code(
                    "InvalidRequestException",
                    "You can't create this secret because a secret with this name is already scheduled for deletion.",
                )
            } else {
                AwsError::from_code(
                    "ResourceExistsException",
                    format!("The operation failed because the secret {name} already exists."),
                )
            });
        }
        st.serial += 1;
        let arn = format!("arn:aws:secretsmanager:{ACCOUNT_REGION}:secret:{name}-Fk{:04}", st.serial % 10_000);
        let s = StoredSecret { arn, name: name.to_string(), tags: tags.clone(), value: None, scheduled: false };
        let info = Self::info(&s);
        st.secrets.insert(name.to_string(), s);
        Ok(info)
    }

    fn served_describe(&self, id: &str) -> Result<Option<SecretInfo>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("describe_secret", id)?;
        Ok(st.secrets.values().find(|s| s.arn == id || s.name == id).map(Self::info))
    }

    /// A change to a live secret: `f` on it, refused when it is scheduled for deletion.
    fn served_change(&self, op: &str, id: &str, f: impl FnOnce(&mut StoredSecret)) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin(op, id)?;
        let s = st.find_mut(id)?;
        if s.scheduled {
            return Err(marked_deleted());
        }
        f(s);
        Ok(())
    }

    fn served_delete(&self, id: &str, days: i64) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_secret", id)?;
        if !(7..=30).contains(&days) {
            return Err(AwsError::from_code(
                "InvalidParameterException",
                "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
            ));
        }
        let s = st.find_mut(id)?;
        if s.scheduled {
            return Err(marked_deleted());
        }
        s.scheduled = true;
        Ok(())
    }

    fn served_restore(&self, id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("restore_secret", id)?;
        st.find_mut(id)?.scheduled = false;
        Ok(())
    }
}

#[async_trait]
impl SecretsManagerApi for FakeSecretsManager {
    async fn create_secret(&self, name: &str, _description: &str, tags: &Tags) -> Result<SecretInfo, AwsError> {
        let served = self.served_create(name, tags);
        self.answer("create_secret", served)
    }

    async fn describe_secret(&self, id: &str) -> Result<Option<SecretInfo>, AwsError> {
        let served = self.served_describe(id);
        self.answer("describe_secret", served)
    }

    async fn get_secret_value(&self, arn: &str) -> Result<Option<Secret>, AwsError> {
        let served = {
            let mut st = self.lock();
            st.rec.begin("get_secret_value", arn).and_then(|()| {
                let s = st.find_mut(arn)?;
                if s.scheduled { Err(marked_deleted()) } else { Ok(s.value.clone().map(Secret::new)) }
            })
        };
        self.answer("get_secret_value", served)
    }

    async fn put_secret_value(&self, arn: &str, value: &Secret) -> Result<(), AwsError> {
        let v = value.expose().to_string();
        let served = self.served_change("put_secret_value", arn, |s| s.value = Some(v));
        self.answer("put_secret_value", served)
    }

    async fn delete_secret(&self, arn: &str, recovery_days: i64) -> Result<(), AwsError> {
        let served = self.served_delete(arn, recovery_days);
        self.answer("delete_secret", served)
    }

    async fn restore_secret(&self, arn: &str) -> Result<(), AwsError> {
        let served = self.served_restore(arn);
        self.answer("restore_secret", served)
    }

    async fn tag_secret(&self, arn: &str, tags: &Tags) -> Result<(), AwsError> {
        let served = self.served_change("tag_secret", arn, |s| s.tags.extend(tags.clone()));
        self.answer("tag_secret", served)
    }

    async fn untag_secret(&self, arn: &str, keys: &[String]) -> Result<(), AwsError> {
        let served = self.served_change("untag_secret", arn, |s| {
            for k in keys {
                s.tags.remove(k);
            }
        });
        self.answer("untag_secret", served)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::aws::error::ErrorKind;

    #[tokio::test]
    async fn a_name_scheduled_for_deletion_is_refused_until_restored() {
        let sm = FakeSecretsManager::new();
        let tags = Tags::from([("k".to_string(), "v".to_string())]);
        let s = sm.create_secret("stack-tgt-login", "d", &tags).await.unwrap();
        assert!(!s.has_value);
        let again = sm.create_secret("stack-tgt-login", "d", &tags).await.unwrap_err();
        assert_eq!(again.kind, ErrorKind::AlreadyExists, "{again:?}");
        sm.put_secret_value(&s.arn, &Secret::new("{}")).await.unwrap();
        assert!(sm.describe_secret("stack-tgt-login").await.unwrap().unwrap().has_value);
        assert_eq!(sm.delete_secret(&s.arn, 3).await.unwrap_err().code, "InvalidParameterException");
        sm.delete_secret(&s.arn, 7).await.unwrap();
        assert!(sm.describe_secret(&s.arn).await.unwrap().unwrap().scheduled_for_deletion);
        let refused = sm.create_secret("stack-tgt-login", "d", &tags).await.unwrap_err();
        assert_eq!(refused.code, "InvalidRequestException");
        assert_eq!(sm.put_secret_value(&s.arn, &Secret::new("{}")).await.unwrap_err().code, "InvalidRequestException");
        sm.restore_secret(&s.arn).await.unwrap();
        sm.untag_secret(&s.arn, &["k".to_string()]).await.unwrap();
        let back = sm.describe_secret(&s.arn).await.unwrap().unwrap();
        assert!(!back.scheduled_for_deletion && back.tags.is_empty());
        sm.purge("stack-tgt-login");
        assert_eq!(sm.describe_secret(&s.arn).await.unwrap(), None);
        assert_eq!(sm.put_secret_value(&s.arn, &Secret::new("{}")).await.unwrap_err().kind, ErrorKind::NotFound);
    }
}
