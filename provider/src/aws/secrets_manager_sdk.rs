//! `SecretsManagerApi` over `aws-sdk-secretsmanager`.

use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::types::Tag;

use super::error::AwsError;
use super::secrets_manager::{SecretInfo, SecretsManagerApi};
use super::{Secret, Tags, stop};

/// The Secrets Manager client plus where it sends requests (for error messages).
#[derive(Clone, Debug)]
pub struct SdkSecretsManager {
    client: Client,
    endpoint: String,
}

impl SdkSecretsManager {
    pub fn new(client: Client, endpoint: impl Into<String>) -> SdkSecretsManager {
        SdkSecretsManager { client, endpoint: endpoint.into() }
    }
}

fn sdk_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

#[async_trait]
impl SecretsManagerApi for SdkSecretsManager {
    async fn create_secret(&self, name: &str, description: &str, tags: &Tags) -> Result<SecretInfo, AwsError> {
        let out = self
            .client
            .create_secret()
            .name(name)
            .description(description)
            .set_tags(Some(sdk_tags(tags)))
            .send()
            .await
            .map_err(|e| stop::from_sdk(e, &self.endpoint))?;
        Ok(SecretInfo {
            arn: out.arn().unwrap_or_default().to_string(),
            name: out.name().unwrap_or(name).to_string(),
            tags: tags.clone(),
            scheduled_for_deletion: false,
            has_value: out.version_id().is_some(),
        })
    }

    async fn describe_secret(&self, id: &str) -> Result<Option<SecretInfo>, AwsError> {
        let out = match self.client.describe_secret().secret_id(id).send().await {
            Ok(out) => out,
            Err(e) => {
                let e = stop::from_sdk(e, &self.endpoint);
                return if e.is_not_found() { Ok(None) } else { Err(e) };
            }
        };
        let tags = out
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
            .collect();
        let has_value = out
            .version_ids_to_stages()
            .is_some_and(|v| v.values().any(|stages| stages.iter().any(|s| s == "AWSCURRENT")));
        Ok(Some(SecretInfo {
            arn: out.arn().unwrap_or_default().to_string(),
            name: out.name().unwrap_or_default().to_string(),
            tags,
            scheduled_for_deletion: out.deleted_date().is_some(),
            has_value,
        }))
    }

    async fn get_secret_value(&self, arn: &str) -> Result<Option<Secret>, AwsError> {
        match self.client.get_secret_value().secret_id(arn).send().await {
            Ok(out) => Ok(out.secret_string().map(Secret::new)),
            Err(e) => {
                let e = stop::from_sdk(e, &self.endpoint);
                // A secret without a current version answers ResourceNotFoundException too.
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    async fn put_secret_value(&self, arn: &str, value: &Secret) -> Result<(), AwsError> {
        self.client
            .put_secret_value()
            .secret_id(arn)
            .secret_string(value.expose())
            .send()
            .await
            .map_err(|e| stop::from_sdk(e, &self.endpoint))?;
        Ok(())
    }

    async fn delete_secret(&self, arn: &str, recovery_days: i64) -> Result<(), AwsError> {
        self.client
            .delete_secret()
            .secret_id(arn)
            .recovery_window_in_days(recovery_days)
            .send()
            .await
            .map_err(|e| stop::from_sdk(e, &self.endpoint))?;
        Ok(())
    }

    async fn restore_secret(&self, arn: &str) -> Result<(), AwsError> {
        self.client.restore_secret().secret_id(arn).send().await.map_err(|e| stop::from_sdk(e, &self.endpoint))?;
        Ok(())
    }

    async fn tag_secret(&self, arn: &str, tags: &Tags) -> Result<(), AwsError> {
        self.client
            .tag_resource()
            .secret_id(arn)
            .set_tags(Some(sdk_tags(tags)))
            .send()
            .await
            .map_err(|e| stop::from_sdk(e, &self.endpoint))?;
        Ok(())
    }

    async fn untag_secret(&self, arn: &str, keys: &[String]) -> Result<(), AwsError> {
        self.client
            .untag_resource()
            .secret_id(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| stop::from_sdk(e, &self.endpoint))?;
        Ok(())
    }
}
