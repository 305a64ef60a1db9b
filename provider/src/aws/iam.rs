//! The IAM calls dmslink makes: the account-wide `dms-vpc-role` DMS needs before it creates a
//! replication subnet group or instance (aws-behaviour.md §1.6). Checked by default; created on
//! request with the AWS-managed policy; never deleted unless dmslink created it. A role whose own
//! policies grant DMS's EC2 actions (the seed's inline policy) does as well ([`super::iam_policy`]).

use async_trait::async_trait;

use super::error::{AwsError, ErrorKind};
pub use super::iam_policy::decode_policy_document;
use super::iam_policy::{Grants, NamedPolicy, Reading, evaluate};

pub use super::Tags;

/// The role name DMS looks for (exactly this; `name_prefix` does not work).
pub const DMS_VPC_ROLE: &str = "dms-vpc-role";
/// The managed policy's path and name (the ARN needs the partition: [`dms_vpc_policy_arn`]).
pub const DMS_VPC_POLICY: &str = "policy/service-role/AmazonDMSVPCManagementRole";

/// `arn:<partition>:iam::aws:policy/service-role/AmazonDMSVPCManagementRole`.
pub fn dms_vpc_policy_arn(partition: &str) -> String {
    format!("arn:{partition}:iam::aws:{DMS_VPC_POLICY}")
}

/// The role DMS writes task logs to CloudWatch through (exactly this name; research brief §3.2,
/// AWS re:Post "dms-cloudwatch-logs-not-appearing").
pub const DMS_CLOUDWATCH_LOGS_ROLE: &str = "dms-cloudwatch-logs-role";
/// Its managed policy's path and name (`arn:<partition>:iam::aws:` + this).
pub const DMS_CLOUDWATCH_LOGS_POLICY: &str = "policy/service-role/AmazonDMSCloudWatchLogsRole";

/// The trust policy that lets DMS assume the role.
pub fn dms_trust_policy() -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "dms.amazonaws.com" },
            "Action": "sts:AssumeRole"
        }]
    })
    .to_string()
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Role {
    pub name: String,
    pub arn: String,
    pub id: String,
    pub path: String,
    /// The trust policy as JSON text (IAM sends it URL-encoded; this is decoded).
    pub assume_role_policy: String,
    pub description: Option<String>,
    pub tags: Tags,
}

impl Role {
    /// The trust policy names `dms.amazonaws.com` as a principal.
    pub fn trusts_dms(&self) -> bool {
        self.assume_role_policy.contains("dms.amazonaws.com")
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttachedPolicy {
    pub name: String,
    pub arn: String,
}

/// A managed policy (`GetPolicy`): its document is that of its default version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ManagedPolicy {
    pub name: String,
    pub arn: String,
    pub default_version_id: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateRoleInput {
    pub name: String,
    /// JSON text, e.g. [`dms_trust_policy`].
    pub assume_role_policy: String,
    pub description: Option<String>,
    pub path: Option<String>,
    pub tags: Tags,
}

#[async_trait]
pub trait IamApi: Send + Sync {
    /// `Ok(None)` when there is no such role (`NoSuchEntity`).
    async fn get_role(&self, name: &str) -> Result<Option<Role>, AwsError>;
    async fn list_attached_role_policies(&self, role_name: &str) -> Result<Vec<AttachedPolicy>, AwsError>;
    /// The names of the role's inline policies.
    async fn list_role_policies(&self, role_name: &str) -> Result<Vec<String>, AwsError>;
    /// An inline policy's document as JSON text (IAM sends it URL-encoded; this is decoded).
    async fn get_role_policy(&self, role_name: &str, policy_name: &str) -> Result<String, AwsError>;
    /// `NoSuchEntity` (kind `NotFound`) when there is no such policy.
    async fn get_policy(&self, policy_arn: &str) -> Result<ManagedPolicy, AwsError>;
    /// One version's document as JSON text (decoded, as [`IamApi::get_role_policy`]).
    async fn get_policy_version(&self, policy_arn: &str, version_id: &str) -> Result<String, AwsError>;
    /// `EntityAlreadyExists` (kind `AlreadyExists`) when the name is taken.
    async fn create_role(&self, input: CreateRoleInput) -> Result<Role, AwsError>;
    async fn attach_role_policy(&self, role_name: &str, policy_arn: &str) -> Result<(), AwsError>;
    async fn detach_role_policy(&self, role_name: &str, policy_arn: &str) -> Result<(), AwsError>;
    /// `DeleteConflict` (kind `DependencyViolation`) while policies are attached.
    async fn delete_role(&self, name: &str) -> Result<(), AwsError>;
    async fn tag_role(&self, name: &str, tags: &Tags) -> Result<(), AwsError>;
    /// Puts (creates or replaces) an inline policy (`PutRolePolicy`); `document` is JSON text.
    async fn put_role_policy(&self, role_name: &str, policy_name: &str, document: &str) -> Result<(), AwsError>;
    /// `NoSuchEntity` (kind `NotFound`) when the role or the policy is gone.
    async fn delete_role_policy(&self, role_name: &str, policy_name: &str) -> Result<(), AwsError>;
    async fn untag_role(&self, name: &str, keys: &[String]) -> Result<(), AwsError>;
}

/// Where `dms-vpc-role` stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DmsVpcRoleStatus {
    Missing,
    /// The role exists but lacks the trust of `dms.amazonaws.com`, or neither has the managed
    /// policy nor policies of its own granting every action DMS needs (`grants`).
    Incomplete {
        role: Role,
        trusts_dms: bool,
        /// Boxed: a status is mostly `Ready`, and this keeps the variants' sizes close.
        grants: Box<Grants>,
    },
    Ready(Role),
}

/// Looks at `dms-vpc-role`: present, trusting DMS, and either with `AmazonDMSVPCManagementRole`
/// attached or with inline and attached policies that grant DMS's EC2 actions (read cautiously:
/// [`Reading::Cautious`]).
pub async fn dms_vpc_role_status(iam: &dyn IamApi, partition: &str) -> Result<DmsVpcRoleStatus, AwsError> {
    let Some(role) = iam.get_role(DMS_VPC_ROLE).await? else {
        return Ok(DmsVpcRoleStatus::Missing);
    };
    let managed = dms_vpc_policy_arn(partition);
    let attached = iam.list_attached_role_policies(DMS_VPC_ROLE).await?;
    let grants = if attached.iter().any(|p| p.arn == managed) {
        Grants::default()
    } else {
        evaluate(&own_policies(iam, DMS_VPC_ROLE, &attached).await?, Reading::Cautious)
    };
    let trusts_dms = role.trusts_dms();
    Ok(if grants.all() && trusts_dms {
        DmsVpcRoleStatus::Ready(role)
    } else {
        DmsVpcRoleStatus::Incomplete { role, trusts_dms, grants: Box::new(grants) }
    })
}

/// The documents of the role's inline policies and of its `attached` managed policies (their
/// default versions). A policy the caller may not read, or that went away meanwhile, is listed
/// with the reason instead: it then grants nothing, and the error says so.
pub async fn own_policies(
    iam: &dyn IamApi,
    role_name: &str,
    attached: &[AttachedPolicy],
) -> Result<Vec<NamedPolicy>, AwsError> {
    let unreadable = |e: &AwsError| matches!(e.kind, ErrorKind::AccessDenied | ErrorKind::NotFound);
    let why = |e: &AwsError| format!("{}: {}", e.code, e.message);
    let mut out = Vec::new();
    let names = match iam.list_role_policies(role_name).await {
        Ok(names) => names,
        Err(e) if unreadable(&e) => {
            out.push(NamedPolicy::unread("inline policies", why(&e)));
            Vec::new()
        }
        Err(e) => return Err(e),
    };
    for name in names {
        let label = format!("inline policy {name}");
        out.push(match iam.get_role_policy(role_name, &name).await {
            Ok(doc) => NamedPolicy::read(label, doc),
            Err(e) if unreadable(&e) => NamedPolicy::unread(label, why(&e)),
            Err(e) => return Err(e),
        });
    }
    for policy in attached {
        let doc = match iam.get_policy(&policy.arn).await {
            Ok(found) => iam.get_policy_version(&policy.arn, &found.default_version_id).await,
            Err(e) => Err(e),
        };
        out.push(match doc {
            Ok(doc) => NamedPolicy::read(policy.arn.clone(), doc),
            Err(e) if unreadable(&e) => NamedPolicy::unread(policy.arn.clone(), why(&e)),
            Err(e) => return Err(e),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_arn_follows_partition() {
        assert_eq!(dms_vpc_policy_arn("aws"), "arn:aws:iam::aws:policy/service-role/AmazonDMSVPCManagementRole");
        assert!(dms_vpc_policy_arn("aws-cn").starts_with("arn:aws-cn:iam::aws:"));
    }

    #[test]
    fn trust_policy_names_dms() {
        let doc: serde_json::Value = serde_json::from_str(&dms_trust_policy()).unwrap_or_default();
        assert_eq!(doc["Statement"][0]["Principal"]["Service"], "dms.amazonaws.com");
        assert_eq!(doc["Statement"][0]["Action"], "sts:AssumeRole");
    }

    #[test]
    fn policy_documents_are_url_decoded() {
        assert_eq!(decode_policy_document("%7B%22a%22%3A%22b%20c%22%7D"), r#"{"a":"b c"}"#);
        assert_eq!(decode_policy_document(r#"{"a":1}"#), r#"{"a":1}"#);
        assert_eq!(decode_policy_document("100%"), "100%");
        assert_eq!(decode_policy_document("%zz"), "%zz");
    }
}
