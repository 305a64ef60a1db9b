//! `IamApi` over `aws-sdk-iam`.

use async_trait::async_trait;
use aws_sdk_iam::Client;
use aws_sdk_iam::types as t;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

use super::error::{AwsError, ErrorKind};
use super::iam::{AttachedPolicy, CreateRoleInput, IamApi, ManagedPolicy, Role, Tags, decode_policy_document};
use super::stop;

/// The IAM client plus where it sends requests (for error messages).
#[derive(Clone, Debug)]
pub struct SdkIam {
    client: Client,
    endpoint: String,
}

impl SdkIam {
    pub fn new(client: Client, endpoint: impl Into<String>) -> SdkIam {
        SdkIam { client, endpoint: endpoint.into() }
    }
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn err<E>(&self, e: SdkError<E, HttpResponse>) -> AwsError
    where
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    {
        stop::from_sdk(e, &self.endpoint)
    }
}

fn sdk_tags(tags: &Tags) -> Result<Option<Vec<t::Tag>>, AwsError> {
    if tags.is_empty() {
        return Ok(None);
    }
    tags.iter()
        .map(|(k, v)| {
            t::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| AwsError::new(ErrorKind::Other, "", format!("could not build an IAM tag: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

pub(crate) fn role_from_sdk(r: &t::Role) -> Role {
    Role {
        name: r.role_name().to_string(),
        arn: r.arn().to_string(),
        id: r.role_id().to_string(),
        path: r.path().to_string(),
        assume_role_policy: r.assume_role_policy_document().map(decode_policy_document).unwrap_or_default(),
        description: r.description().filter(|d| !d.is_empty()).map(str::to_string),
        tags: r.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect(),
    }
}

#[async_trait]
impl IamApi for SdkIam {
    async fn get_role(&self, name: &str) -> Result<Option<Role>, AwsError> {
        match self.client.get_role().role_name(name).send().await {
            Ok(out) => Ok(out.role().map(role_from_sdk)),
            Err(e) => {
                let e = self.err(e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    async fn list_attached_role_policies(&self, role_name: &str) -> Result<Vec<AttachedPolicy>, AwsError> {
        let items = self
            .client
            .list_attached_role_policies()
            .role_name(role_name)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e))?;
        Ok(items
            .iter()
            .map(|p| AttachedPolicy {
                name: p.policy_name().unwrap_or_default().to_string(),
                arn: p.policy_arn().unwrap_or_default().to_string(),
            })
            .collect())
    }

    async fn list_role_policies(&self, role_name: &str) -> Result<Vec<String>, AwsError> {
        self.client
            .list_role_policies()
            .role_name(role_name)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e))
    }

    async fn get_role_policy(&self, role_name: &str, policy_name: &str) -> Result<String, AwsError> {
        let out = self
            .client
            .get_role_policy()
            .role_name(role_name)
            .policy_name(policy_name)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(decode_policy_document(out.policy_document()))
    }

    async fn get_policy(&self, policy_arn: &str) -> Result<ManagedPolicy, AwsError> {
        let out = self.client.get_policy().policy_arn(policy_arn).send().await.map_err(|e| self.err(e))?;
        let p = out.policy().ok_or_else(|| AwsError::new(ErrorKind::Other, "", "IAM GetPolicy returned no policy"))?;
        Ok(ManagedPolicy {
            name: p.policy_name().unwrap_or_default().to_string(),
            arn: p.arn().unwrap_or(policy_arn).to_string(),
            default_version_id: p.default_version_id().unwrap_or_default().to_string(),
        })
    }

    async fn get_policy_version(&self, policy_arn: &str, version_id: &str) -> Result<String, AwsError> {
        let out = self
            .client
            .get_policy_version()
            .policy_arn(policy_arn)
            .version_id(version_id)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(out.policy_version().and_then(|v| v.document()).map(decode_policy_document).unwrap_or_default())
    }

    async fn create_role(&self, input: CreateRoleInput) -> Result<Role, AwsError> {
        let out = self
            .client
            .create_role()
            .role_name(&input.name)
            .assume_role_policy_document(&input.assume_role_policy)
            .set_description(input.description.clone())
            .set_path(input.path.clone())
            .set_tags(sdk_tags(&input.tags)?)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.role()
            .map(role_from_sdk)
            .ok_or_else(|| AwsError::new(ErrorKind::Other, "", "IAM CreateRole returned no role"))
    }

    async fn attach_role_policy(&self, role_name: &str, policy_arn: &str) -> Result<(), AwsError> {
        self.client
            .attach_role_policy()
            .role_name(role_name)
            .policy_arn(policy_arn)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn detach_role_policy(&self, role_name: &str, policy_arn: &str) -> Result<(), AwsError> {
        self.client
            .detach_role_policy()
            .role_name(role_name)
            .policy_arn(policy_arn)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn put_role_policy(&self, role_name: &str, policy_name: &str, document: &str) -> Result<(), AwsError> {
        self.client
            .put_role_policy()
            .role_name(role_name)
            .policy_name(policy_name)
            .policy_document(document)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn delete_role_policy(&self, role_name: &str, policy_name: &str) -> Result<(), AwsError> {
        self.client
            .delete_role_policy()
            .role_name(role_name)
            .policy_name(policy_name)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn delete_role(&self, name: &str) -> Result<(), AwsError> {
        self.client.delete_role().role_name(name).send().await.map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn tag_role(&self, name: &str, tags: &Tags) -> Result<(), AwsError> {
        let Some(tags) = sdk_tags(tags)? else { return Ok(()) };
        self.client.tag_role().role_name(name).set_tags(Some(tags)).send().await.map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn untag_role(&self, name: &str, keys: &[String]) -> Result<(), AwsError> {
        if keys.is_empty() {
            return Ok(());
        }
        self.client
            .untag_role()
            .role_name(name)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use aws_smithy_types::DateTime;

    #[test]
    fn sdk_role_maps_and_decodes_trust_policy() {
        let r = t::Role::builder()
            .role_name("dms-vpc-role")
            .role_id("AROAEXAMPLE")
            .arn("arn:aws:iam::123456789012:role/dms-vpc-role")
            .path("/")
            .create_date(DateTime::from_secs(0))
            .assume_role_policy_document(
                "%7B%22Statement%22%3A%5B%7B%22Principal%22%3A%7B%22Service%22%3A%22dms.amazonaws.com%22%7D%7D%5D%7D",
            )
            .tags(t::Tag::builder().key("dmslink:managed").value("true").build().unwrap())
            .build()
            .unwrap();
        let d = role_from_sdk(&r);
        assert_eq!(d.name, "dms-vpc-role");
        assert!(d.trusts_dms(), "{}", d.assume_role_policy);
        assert!(d.assume_role_policy.starts_with("{\"Statement\""));
        assert_eq!(d.tags.get("dmslink:managed").map(String::as_str), Some("true"));
    }

    #[test]
    fn empty_tags_send_nothing() {
        assert_eq!(sdk_tags(&Tags::new()).unwrap(), None);
        let tags = sdk_tags(&Tags::from([("a".to_string(), "b".to_string())])).unwrap().unwrap();
        assert_eq!((tags[0].key(), tags[0].value()), ("a", "b"));
    }
}
