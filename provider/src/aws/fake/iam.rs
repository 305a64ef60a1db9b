//! `FakeIam`: roles, inline and attached policies, customer-managed policies and tags in memory,
//! enough for `dms-vpc-role`.
//!
//! Rules (IAM error codes): unknown role, inline policy, managed policy or policy version
//! `NoSuchEntity`; name taken `EntityAlreadyExists`; trust policy not JSON
//! `MalformedPolicyDocument`; a role with attached or inline policies cannot be deleted (`DeleteConflict`);
//! detaching a policy that is not attached `NoSuchEntity`.
//!
//! A linked [`super::FakeDms`] asks [`FakeIam::dms_vpc_role_ready`] before creating a subnet
//! group or an instance: as the emulator (`strictness.py`), the role needs the managed policy or
//! own policies granting DMS's EC2 actions ([`Reading::AsEmulator`]). IAM is eventually
//! consistent: with [`FakeIam::set_dms_propagation_delay`], DMS keeps answering
//! `AccessDeniedFault` for that many checks after the role was created or given a policy.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use super::{Recorder, locked};
use crate::aws::error::AwsError;
use crate::aws::iam::{
    AttachedPolicy, CreateRoleInput, DMS_CLOUDWATCH_LOGS_POLICY, DMS_CLOUDWATCH_LOGS_ROLE, DMS_VPC_POLICY,
    DMS_VPC_ROLE, IamApi, ManagedPolicy, Role, Tags, dms_trust_policy, dms_vpc_policy_arn,
};
use crate::aws::iam_policy::{NamedPolicy, Reading, evaluate};

/// Operation names accepted by [`FakeIam::fail_next`] (the `IamApi` method names).
pub const OPS: &[&str] = &[
    "get_role",
    "list_attached_role_policies",
    "list_role_policies",
    "get_role_policy",
    "get_policy",
    "get_policy_version",
    "create_role",
    "attach_role_policy",
    "detach_role_policy",
    "delete_role",
    "tag_role",
    "untag_role",
    "put_role_policy",
    "delete_role_policy",
];

/// Operations whose answer [`FakeIam::lose_next_answer`] can lose: those that change something.
pub const LOSABLE_OPS: &[&str] = &[
    "create_role",
    "attach_role_policy",
    "detach_role_policy",
    "delete_role",
    "tag_role",
    "untag_role",
    "put_role_policy",
    "delete_role_policy",
];

struct RoleRec {
    role: Role,
    policies: Vec<AttachedPolicy>,
    /// Inline policies: name -> document.
    inline: BTreeMap<String, String>,
}

/// A customer-managed policy: its versions' documents, `v1` first.
struct PolicyRec {
    name: String,
    versions: Vec<String>,
    default: usize,
}

#[derive(Default)]
struct State {
    roles: BTreeMap<String, RoleRec>,
    managed: BTreeMap<String, PolicyRec>,
    rec: Recorder,
    counter: u64,
    propagation_delay: u32,
    denials_left: u32,
}

/// See the module documentation.
pub struct FakeIam {
    account: String,
    state: Mutex<State>,
}

impl Default for FakeIam {
    fn default() -> FakeIam {
        FakeIam::new()
    }
}

fn no_such_entity(message: impl Into<String>) -> AwsError {
    AwsError::from_code("NoSuchEntity", message)
}

fn valid_role_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

impl FakeIam {
    pub fn new() -> FakeIam {
        FakeIam::in_account("123456789012")
    }

    pub fn in_account(account: &str) -> FakeIam {
        FakeIam { account: account.to_string(), state: Mutex::new(State::default()) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        locked(&self.state)
    }

    // ---- test controls -------------------------------------------------------------------

    recorder_controls!("FakeIam");

    /// Puts a ready `dms-vpc-role` in place (created by someone else, as in most accounts).
    pub fn add_dms_vpc_role(&self) -> Role {
        let mut st = self.lock();
        let role = self.new_role(&mut st, DMS_VPC_ROLE, &dms_trust_policy(), None, Tags::new());
        st.roles.insert(
            DMS_VPC_ROLE.to_string(),
            RoleRec {
                role: role.clone(),
                policies: vec![AttachedPolicy {
                    name: "AmazonDMSVPCManagementRole".to_string(),
                    arn: dms_vpc_policy_arn("aws"),
                }],
                inline: BTreeMap::new(),
            },
        );
        role
    }

    /// After `dms-vpc-role` is created or given its policy, DMS denies this many more checks.
    pub fn set_dms_propagation_delay(&self, checks: u32) {
        self.lock().propagation_delay = checks;
    }

    pub fn role_exists(&self, name: &str) -> bool {
        self.lock().roles.contains_key(name)
    }

    pub fn attached_policy_arns(&self, name: &str) -> Vec<String> {
        self.lock().roles.get(name).map(|r| r.policies.iter().map(|p| p.arn.clone()).collect()).unwrap_or_default()
    }

    /// Puts (or replaces) an inline policy of `role` (PutRolePolicy). The document is kept as
    /// given, even when IAM would refuse it, so readers of malformed documents can be tested.
    pub fn put_role_policy(&self, role: &str, name: &str, document: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        let delay = st.propagation_delay;
        Self::role_mut(&mut st, role)?.inline.insert(name.to_string(), document.to_string());
        if role == DMS_VPC_ROLE {
            st.denials_left = delay;
        }
        Ok(())
    }

    /// Creates a customer-managed policy (CreatePolicy) with `document` as version `v1`; its ARN.
    pub fn create_policy(&self, name: &str, document: &str) -> String {
        let arn = format!("arn:aws:iam::{}:policy/{name}", self.account);
        let rec = PolicyRec { name: name.to_string(), versions: vec![document.to_string()], default: 0 };
        self.lock().managed.insert(arn.clone(), rec);
        arn
    }

    /// Adds a version to a customer-managed policy (CreatePolicyVersion), the default one when
    /// `set_default`.
    pub fn create_policy_version(&self, arn: &str, document: &str, set_default: bool) -> Result<(), AwsError> {
        let mut st = self.lock();
        let rec = st.managed.get_mut(arn).ok_or_else(|| no_such_policy(arn))?;
        rec.versions.push(document.to_string());
        if set_default {
            rec.default = rec.versions.len() - 1;
        }
        Ok(())
    }

    /// `dms-cloudwatch-logs-role` exists, trusts `dms.amazonaws.com` and has
    /// `AmazonDMSCloudWatchLogsRole` attached: DMS then writes task logs (emulator rule L4).
    pub fn dms_logs_role_ready(&self) -> bool {
        let st = self.lock();
        st.roles.get(DMS_CLOUDWATCH_LOGS_ROLE).is_some_and(|r| {
            r.role.trusts_dms()
                && r.policies.iter().any(|p| p.arn.ends_with(&format!(":iam::aws:{DMS_CLOUDWATCH_LOGS_POLICY}")))
        })
    }

    /// What DMS sees: `dms-vpc-role` exists, trusts `dms.amazonaws.com` and has
    /// `AmazonDMSVPCManagementRole` attached or own policies granting what DMS needs, and the
    /// propagation delay has passed.
    pub fn dms_vpc_role_ready(&self) -> bool {
        let mut st = self.lock();
        let ready = st.roles.get(DMS_VPC_ROLE).is_some_and(|r| {
            r.role.trusts_dms()
                && (r.policies.iter().any(|p| p.arn.ends_with(&format!(":iam::aws:{DMS_VPC_POLICY}")))
                    || evaluate(&Self::own_policies(&st, r), Reading::AsEmulator).all())
        });
        if !ready {
            return false;
        }
        if st.denials_left > 0 {
            st.denials_left -= 1;
            return false;
        }
        true
    }

    // ---- internals -------------------------------------------------------------------------

    fn new_role(&self, st: &mut State, name: &str, policy: &str, path: Option<&str>, tags: Tags) -> Role {
        st.counter += 1;
        let path = path.unwrap_or("/").to_string();
        Role {
            name: name.to_string(),
            arn: format!("arn:aws:iam::{}:role{path}{name}", self.account),
            id: format!("AROA{:017}", st.counter),
            path,
            assume_role_policy: policy.to_string(),
            description: None,
            tags,
        }
    }

    fn role_mut<'a>(st: &'a mut State, name: &str) -> Result<&'a mut RoleRec, AwsError> {
        st.roles.get_mut(name).ok_or_else(|| no_such_role(name))
    }

    fn role_ref<'a>(st: &'a State, name: &str) -> Result<&'a RoleRec, AwsError> {
        st.roles.get(name).ok_or_else(|| no_such_role(name))
    }

    /// The role's inline policies and the default versions of its attached customer-managed ones.
    fn own_policies(st: &State, rec: &RoleRec) -> Vec<NamedPolicy> {
        let inline = rec.inline.iter().map(|(name, doc)| NamedPolicy::read(format!("inline policy {name}"), doc));
        let attached = rec.policies.iter().filter_map(|p| {
            let policy = st.managed.get(&p.arn)?;
            Some(NamedPolicy::read(p.arn.clone(), policy.versions.get(policy.default)?))
        });
        inline.chain(attached).collect()
    }
}

fn no_such_role(name: &str) -> AwsError {
    no_such_entity(format!("The role with name {name} cannot be found."))
}

fn no_such_policy(arn: &str) -> AwsError {
    no_such_entity(format!("Policy {arn} does not exist or is not attachable."))
}

#[async_trait]
impl IamApi for FakeIam {
    async fn get_role(&self, name: &str) -> Result<Option<Role>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("get_role", name)?;
        Ok(st.roles.get(name).map(|r| r.role.clone()))
    }

    async fn list_attached_role_policies(&self, role_name: &str) -> Result<Vec<AttachedPolicy>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("list_attached_role_policies", role_name)?;
        Ok(Self::role_mut(&mut st, role_name)?.policies.clone())
    }

    async fn list_role_policies(&self, role_name: &str) -> Result<Vec<String>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("list_role_policies", role_name)?;
        Ok(Self::role_ref(&st, role_name)?.inline.keys().cloned().collect())
    }

    async fn get_role_policy(&self, role_name: &str, policy_name: &str) -> Result<String, AwsError> {
        let mut st = self.lock();
        st.rec.begin("get_role_policy", format!("{role_name} {policy_name}"))?;
        Self::role_ref(&st, role_name)?
            .inline
            .get(policy_name)
            .cloned()
            .ok_or_else(|| no_such_entity(format!("The role policy with name {policy_name} cannot be found.")))
    }

    async fn get_policy(&self, policy_arn: &str) -> Result<ManagedPolicy, AwsError> {
        let mut st = self.lock();
        st.rec.begin("get_policy", policy_arn)?;
        let rec = st.managed.get(policy_arn).ok_or_else(|| no_such_policy(policy_arn))?;
        Ok(ManagedPolicy {
            name: rec.name.clone(),
            arn: policy_arn.to_string(),
            default_version_id: format!("v{}", rec.default + 1),
        })
    }

    async fn get_policy_version(&self, policy_arn: &str, version_id: &str) -> Result<String, AwsError> {
        let mut st = self.lock();
        st.rec.begin("get_policy_version", format!("{policy_arn} {version_id}"))?;
        let rec = st.managed.get(policy_arn).ok_or_else(|| no_such_policy(policy_arn))?;
        let index = version_id.strip_prefix('v').and_then(|n| n.parse::<usize>().ok()).and_then(|n| n.checked_sub(1));
        index.and_then(|i| rec.versions.get(i)).cloned().ok_or_else(|| {
            no_such_entity(format!("Policy {policy_arn} version {version_id} does not exist or is not attachable."))
        })
    }

    async fn create_role(&self, input: CreateRoleInput) -> Result<Role, AwsError> {
        self.answer("create_role", self.served_create_role(input))
    }

    async fn attach_role_policy(&self, role_name: &str, policy_arn: &str) -> Result<(), AwsError> {
        self.answer("attach_role_policy", self.served_attach_role_policy(role_name, policy_arn))
    }

    async fn detach_role_policy(&self, role_name: &str, policy_arn: &str) -> Result<(), AwsError> {
        self.answer("detach_role_policy", self.served_detach_role_policy(role_name, policy_arn))
    }

    async fn delete_role(&self, name: &str) -> Result<(), AwsError> {
        self.answer("delete_role", self.served_delete_role(name))
    }

    async fn tag_role(&self, name: &str, tags: &Tags) -> Result<(), AwsError> {
        self.answer("tag_role", self.served_tag_role(name, tags))
    }

    async fn untag_role(&self, name: &str, keys: &[String]) -> Result<(), AwsError> {
        self.answer("untag_role", self.served_untag_role(name, keys))
    }

    async fn put_role_policy(&self, role_name: &str, policy_name: &str, document: &str) -> Result<(), AwsError> {
        let served = (|| {
            self.lock().rec.begin("put_role_policy", format!("{role_name} {policy_name}"))?;
            if serde_json::from_str::<serde_json::Value>(document).map_or(true, |v| !v.is_object()) {
                return Err(AwsError::from_code("MalformedPolicyDocument", "This policy contains invalid Json"));
            }
            FakeIam::put_role_policy(self, role_name, policy_name, document)
        })();
        self.answer("put_role_policy", served)
    }

    async fn delete_role_policy(&self, role_name: &str, policy_name: &str) -> Result<(), AwsError> {
        let served = (|| {
            let mut st = self.lock();
            st.rec.begin("delete_role_policy", format!("{role_name} {policy_name}"))?;
            Self::role_mut(&mut st, role_name)?
                .inline
                .remove(policy_name)
                .map(|_| ())
                .ok_or_else(|| no_such_entity(format!("The role policy with name {policy_name} cannot be found.")))
        })();
        self.answer("delete_role_policy", served)
    }
}

/// What the calls whose answer can be lost do (`IamApi` passes their answers through
/// `answer`).
impl FakeIam {
    fn served_create_role(&self, input: CreateRoleInput) -> Result<Role, AwsError> {
        let mut st = self.lock();
        st.rec.begin("create_role", &input.name)?;
        if !valid_role_name(&input.name) {
            return Err(AwsError::from_code("ValidationError", format!("Invalid role name {:?}", input.name)));
        }
        if st.roles.contains_key(&input.name) {
            return Err(AwsError::from_code(
                "EntityAlreadyExists",
                format!("Role with name {} already exists.", input.name),
            ));
        }
        if serde_json::from_str::<serde_json::Value>(&input.assume_role_policy).map_or(true, |v| !v.is_object()) {
            return Err(AwsError::from_code("MalformedPolicyDocument", "This policy contains invalid Json"));
        }
        let mut role =
            self.new_role(&mut st, &input.name, &input.assume_role_policy, input.path.as_deref(), input.tags.clone());
        role.description = input.description.clone();
        st.roles
            .insert(input.name.clone(), RoleRec { role: role.clone(), policies: Vec::new(), inline: BTreeMap::new() });
        if input.name == DMS_VPC_ROLE {
            st.denials_left = st.propagation_delay;
        }
        Ok(role)
    }

    fn served_attach_role_policy(&self, role_name: &str, policy_arn: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("attach_role_policy", format!("{role_name} {policy_arn}"))?;
        let parts: Vec<&str> = policy_arn.splitn(6, ':').collect();
        if parts.len() != 6 || parts[0] != "arn" || parts[2] != "iam" || !parts[5].starts_with("policy/") {
            return Err(AwsError::from_code("InvalidInput", format!("ARN {policy_arn} is not valid.")));
        }
        let delay = st.propagation_delay;
        let rec = Self::role_mut(&mut st, role_name)?;
        if !rec.policies.iter().any(|p| p.arn == policy_arn) {
            let name = policy_arn.rsplit('/').next().unwrap_or_default().to_string();
            rec.policies.push(AttachedPolicy { name, arn: policy_arn.to_string() });
        }
        if role_name == DMS_VPC_ROLE {
            st.denials_left = delay;
        }
        Ok(())
    }

    fn served_detach_role_policy(&self, role_name: &str, policy_arn: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("detach_role_policy", format!("{role_name} {policy_arn}"))?;
        let rec = Self::role_mut(&mut st, role_name)?;
        let before = rec.policies.len();
        rec.policies.retain(|p| p.arn != policy_arn);
        if rec.policies.len() == before {
            return Err(no_such_entity(format!("Policy {policy_arn} was not found.")));
        }
        Ok(())
    }

    fn served_delete_role(&self, name: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_role", name)?;
        let rec = Self::role_mut(&mut st, name)?;
        if !rec.policies.is_empty() {
            return Err(AwsError::from_code("DeleteConflict", "Cannot delete entity, must detach all policies first."));
        }
        if !rec.inline.is_empty() {
            return Err(AwsError::from_code("DeleteConflict", "Cannot delete entity, must delete policies first."));
        }
        st.roles.remove(name);
        Ok(())
    }

    fn served_tag_role(&self, name: &str, tags: &Tags) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("tag_role", name)?;
        let rec = Self::role_mut(&mut st, name)?;
        rec.role.tags.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(())
    }

    fn served_untag_role(&self, name: &str, keys: &[String]) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("untag_role", name)?;
        let rec = Self::role_mut(&mut st, name)?;
        for k in keys {
            rec.role.tags.remove(k);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::aws::error::ErrorKind;
    use crate::aws::iam::{DmsVpcRoleStatus, dms_vpc_role_status};

    fn dms_role_input() -> CreateRoleInput {
        CreateRoleInput {
            name: DMS_VPC_ROLE.into(),
            assume_role_policy: dms_trust_policy(),
            tags: Tags::from([("dmslink:managed".to_string(), "true".to_string())]),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn fake_iam_dms_vpc_role_lifecycle() {
        let iam = FakeIam::new();
        assert_eq!(dms_vpc_role_status(&iam, "aws").await.unwrap(), DmsVpcRoleStatus::Missing);
        assert!(!iam.dms_vpc_role_ready());
        let role = iam.create_role(dms_role_input()).await.unwrap();
        assert_eq!(role.arn, "arn:aws:iam::123456789012:role/dms-vpc-role");
        assert!(matches!(
            dms_vpc_role_status(&iam, "aws").await.unwrap(),
            DmsVpcRoleStatus::Incomplete { ref grants, trusts_dms: true, .. } if !grants.all()
        ));
        assert!(!iam.dms_vpc_role_ready());
        iam.attach_role_policy(DMS_VPC_ROLE, &dms_vpc_policy_arn("aws")).await.unwrap();
        assert!(matches!(dms_vpc_role_status(&iam, "aws").await.unwrap(), DmsVpcRoleStatus::Ready(_)));
        assert!(iam.dms_vpc_role_ready());

        assert_eq!(iam.create_role(dms_role_input()).await.unwrap_err().kind, ErrorKind::AlreadyExists);
        let e = iam.delete_role(DMS_VPC_ROLE).await.unwrap_err();
        assert_eq!((e.code.as_str(), e.kind), ("DeleteConflict", ErrorKind::DependencyViolation));
        iam.detach_role_policy(DMS_VPC_ROLE, &dms_vpc_policy_arn("aws")).await.unwrap();
        assert_eq!(
            iam.detach_role_policy(DMS_VPC_ROLE, &dms_vpc_policy_arn("aws")).await.unwrap_err().kind,
            ErrorKind::NotFound
        );
        iam.delete_role(DMS_VPC_ROLE).await.unwrap();
        assert_eq!(iam.get_role(DMS_VPC_ROLE).await.unwrap(), None);
        assert_eq!(iam.list_attached_role_policies(DMS_VPC_ROLE).await.unwrap_err().kind, ErrorKind::NotFound);
    }

    #[tokio::test]
    async fn fake_iam_propagation_delay_and_validation() {
        let iam = FakeIam::new();
        iam.set_dms_propagation_delay(2);
        iam.create_role(dms_role_input()).await.unwrap();
        iam.attach_role_policy(DMS_VPC_ROLE, &dms_vpc_policy_arn("aws")).await.unwrap();
        assert!(!iam.dms_vpc_role_ready());
        assert!(!iam.dms_vpc_role_ready());
        assert!(iam.dms_vpc_role_ready());

        let bad = CreateRoleInput { name: "x".into(), assume_role_policy: "not json".into(), ..Default::default() };
        assert_eq!(iam.create_role(bad).await.unwrap_err().code, "MalformedPolicyDocument");
        let bad = CreateRoleInput { name: "bad name".into(), assume_role_policy: "{}".into(), ..Default::default() };
        assert_eq!(iam.create_role(bad).await.unwrap_err().code, "ValidationError");
        assert_eq!(iam.attach_role_policy(DMS_VPC_ROLE, "nope").await.unwrap_err().code, "InvalidInput");
    }

    #[tokio::test]
    async fn fake_iam_tags_failures_and_seed() {
        let iam = FakeIam::new();
        let role = iam.add_dms_vpc_role();
        assert!(role.trusts_dms());
        assert!(iam.dms_vpc_role_ready());
        iam.tag_role(DMS_VPC_ROLE, &Tags::from([("a".to_string(), "1".to_string())])).await.unwrap();
        iam.untag_role(DMS_VPC_ROLE, &["a".to_string()]).await.unwrap();
        assert!(iam.get_role(DMS_VPC_ROLE).await.unwrap().unwrap().tags.is_empty());
        iam.fail_next("get_role", AwsError::from_code("AccessDenied", "no iam:GetRole"));
        assert_eq!(iam.get_role(DMS_VPC_ROLE).await.unwrap_err().kind, ErrorKind::AccessDenied);
        assert_eq!(iam.calls(), vec!["tag_role", "untag_role", "get_role", "get_role"]);
        assert_eq!(iam.attached_policy_arns(DMS_VPC_ROLE), vec![dms_vpc_policy_arn("aws")]);
    }

    fn seed_policy() -> String {
        serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": crate::aws::iam_policy::DMS_VPC_ACTIONS, "Resource": "*"}
        ]})
        .to_string()
    }

    #[tokio::test]
    async fn fake_iam_inline_policies_make_dms_vpc_role_ready_as_in_the_emulator() {
        let iam = FakeIam::new();
        iam.set_dms_propagation_delay(1);
        iam.create_role(dms_role_input()).await.unwrap();
        assert!(!iam.dms_vpc_role_ready());
        let nothing = serde_json::json!({"Statement": []}).to_string();
        iam.put_role_policy(DMS_VPC_ROLE, "dmsvpcpolicy", &nothing).unwrap();
        assert!(!iam.dms_vpc_role_ready());
        iam.put_role_policy(DMS_VPC_ROLE, "dmsvpcpolicy", &seed_policy()).unwrap();
        assert!(!iam.dms_vpc_role_ready(), "a freshly put policy propagates as an attachment does");
        assert!(iam.dms_vpc_role_ready());
        assert!(matches!(dms_vpc_role_status(&iam, "aws").await.unwrap(), DmsVpcRoleStatus::Ready(_)));

        assert_eq!(iam.list_role_policies(DMS_VPC_ROLE).await.unwrap(), vec!["dmsvpcpolicy"]);
        assert_eq!(iam.get_role_policy(DMS_VPC_ROLE, "dmsvpcpolicy").await.unwrap(), seed_policy());
        let e = iam.get_role_policy(DMS_VPC_ROLE, "other").await.unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("NoSuchEntity", "The role policy with name other cannot be found.")
        );
        assert_eq!(iam.list_role_policies("nobody").await.unwrap_err().kind, ErrorKind::NotFound);
        assert_eq!(iam.put_role_policy("nobody", "p", "{}").unwrap_err().code, "NoSuchEntity");
        let e = iam.delete_role(DMS_VPC_ROLE).await.unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("DeleteConflict", "Cannot delete entity, must delete policies first.")
        );
    }

    #[tokio::test]
    async fn fake_iam_customer_managed_policies_count_by_their_default_version() {
        let iam = FakeIam::new();
        iam.create_role(dms_role_input()).await.unwrap();
        let arn = iam.create_policy("dms-vpc", "{}");
        assert_eq!(arn, "arn:aws:iam::123456789012:policy/dms-vpc");
        iam.attach_role_policy(DMS_VPC_ROLE, &arn).await.unwrap();
        iam.create_policy_version(&arn, &seed_policy(), false).unwrap();
        assert!(!iam.dms_vpc_role_ready());
        assert_eq!(iam.get_policy(&arn).await.unwrap().default_version_id, "v1");
        assert_eq!(iam.get_policy_version(&arn, "v2").await.unwrap(), seed_policy());
        iam.create_policy_version(&arn, &seed_policy(), true).unwrap();
        assert!(iam.dms_vpc_role_ready());
        let p = iam.get_policy(&arn).await.unwrap();
        assert_eq!((p.name.as_str(), p.default_version_id.as_str()), ("dms-vpc", "v3"));
        assert!(matches!(dms_vpc_role_status(&iam, "aws").await.unwrap(), DmsVpcRoleStatus::Ready(_)));

        let e = iam.get_policy_version(&arn, "v9").await.unwrap_err();
        assert_eq!(e.message, format!("Policy {arn} version v9 does not exist or is not attachable."));
        assert_eq!(iam.get_policy_version(&arn, "x").await.unwrap_err().code, "NoSuchEntity");
        let e = iam.get_policy("arn:aws:iam::123456789012:policy/none").await.unwrap_err();
        assert_eq!((e.code.as_str(), e.kind), ("NoSuchEntity", ErrorKind::NotFound));
    }

    #[tokio::test]
    async fn status_lists_policies_it_may_not_read_as_granting_nothing() {
        let iam = FakeIam::new();
        iam.create_role(dms_role_input()).await.unwrap();
        iam.put_role_policy(DMS_VPC_ROLE, "dmsvpcpolicy", &seed_policy()).unwrap();
        iam.fail_next(
            "get_role_policy",
            AwsError::from_code("AccessDenied", "not authorized to perform iam:GetRolePolicy"),
        );
        let DmsVpcRoleStatus::Incomplete { grants, trusts_dms: true, .. } =
            dms_vpc_role_status(&iam, "aws").await.unwrap()
        else {
            panic!("not incomplete")
        };
        assert_eq!(grants.missing.len(), 8);
        assert_eq!(
            grants.unreadable,
            vec!["inline policy dmsvpcpolicy (AccessDenied: not authorized to perform iam:GetRolePolicy)"]
        );
        // Other errors are errors.
        iam.fail_next("list_role_policies", AwsError::from_code("ServiceFailure", "busy"));
        assert_eq!(dms_vpc_role_status(&iam, "aws").await.unwrap_err().code, "ServiceFailure");
        // The managed policy needs no reading of the others.
        iam.attach_role_policy(DMS_VPC_ROLE, &dms_vpc_policy_arn("aws")).await.unwrap();
        iam.clear_calls();
        assert!(matches!(dms_vpc_role_status(&iam, "aws").await.unwrap(), DmsVpcRoleStatus::Ready(_)));
        assert_eq!(iam.calls(), vec!["get_role", "list_attached_role_policies"]);
    }
}
