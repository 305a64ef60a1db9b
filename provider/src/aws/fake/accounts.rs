//! `FakeAccounts`: the [`Ec2Factory`] of the fakes. Roles are allowed with
//! [`FakeAccounts::allow_role`]; assuming one gives the EC2 fake of the role's account in the asked
//! region (made and linked to the others on first use, so peerings cross between them). An unknown
//! role or a wrong external id answers `AccessDenied`, as STS `AssumeRole` does.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use super::ec2::FakeEc2;
use super::locked;
use crate::aws::ec2::{Ec2Api, Ec2Factory, RoleToAssume};
use crate::aws::error::AwsError;

#[derive(Default)]
struct State {
    /// role ARN → the external id it demands.
    roles: BTreeMap<String, Option<String>>,
    /// (account, region) → its EC2.
    fakes: BTreeMap<(String, String), Arc<FakeEc2>>,
    /// Every request, as `role-or-"-" region`.
    calls: Vec<String>,
}

/// See the module documentation.
pub struct FakeAccounts {
    home: Arc<FakeEc2>,
    state: Mutex<State>,
}

impl FakeAccounts {
    /// Accounts around the provider's EC2 fake (`home`: no role, its region).
    pub fn new(home: Arc<FakeEc2>) -> FakeAccounts {
        let mut st = State::default();
        st.fakes.insert((home.account().to_string(), home.region().to_string()), home.clone());
        FakeAccounts { home, state: Mutex::new(st) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        locked(&self.state)
    }

    /// `role_arn` may be assumed (with this external id, if any).
    pub fn allow_role(&self, role_arn: &str, external_id: Option<&str>) {
        self.lock().roles.insert(role_arn.to_string(), external_id.map(str::to_string));
    }

    /// The EC2 fake of `account` in `region` (made and linked on first use): to set up the other
    /// side of a peering in tests and inspect it afterwards.
    pub fn ec2_of(&self, account: &str, region: &str) -> Arc<FakeEc2> {
        let mut st = self.lock();
        if let Some(f) = st.fakes.get(&(account.to_string(), region.to_string())) {
            return f.clone();
        }
        let f = Arc::new(FakeEc2::in_account(account, region));
        for other in st.fakes.values() {
            FakeEc2::link(&f, other);
        }
        st.fakes.insert((account.to_string(), region.to_string()), f.clone());
        f
    }

    pub fn calls(&self) -> Vec<String> {
        self.lock().calls.clone()
    }
}

/// The account of `arn:aws:iam::<account>:role/<name>`.
fn role_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| a.len() == 12)
}

#[async_trait]
impl Ec2Factory for FakeAccounts {
    async fn ec2(&self, role: Option<&RoleToAssume>, region: Option<&str>) -> Result<Arc<dyn Ec2Api>, AwsError> {
        let region = region.unwrap_or(self.home.region()).to_string();
        let account = {
            let mut st = self.lock();
            st.calls.push(format!("{} {region}", role.map_or("-", |r| r.role_arn.as_str())));
            match role {
                None => self.home.account().to_string(),
                Some(r) => {
                    let denied = || {
                        AwsError::from_code(
                            "AccessDenied",
                            format!("User is not authorized to perform: sts:AssumeRole on resource: {}", r.role_arn),
                        )
                    };
                    match st.roles.get(&r.role_arn) {
                        Some(want) if want.is_none() || *want == r.external_id => {}
                        _ => return Err(denied()),
                    }
                    role_account(&r.role_arn).ok_or_else(denied)?.to_string()
                }
            }
        };
        Ok(self.ec2_of(&account, &region))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::aws::ec2::{CreateVpcPeeringInput, Tags};
    use crate::aws::error::ErrorKind;

    fn role(arn: &str, external_id: Option<&str>) -> RoleToAssume {
        RoleToAssume { role_arn: arn.into(), external_id: external_id.map(str::to_string), session_name: None }
    }

    #[tokio::test(start_paused = true)]
    async fn fake_accounts_assume_roles_and_peer_across_accounts() {
        let home = Arc::new(FakeEc2::new());
        let accounts = FakeAccounts::new(home.clone());
        let arn = "arn:aws:iam::111111111111:role/peer-accepter";

        // Unknown role, then a wrong external id: refused like STS.
        let e = accounts.ec2(Some(&role(arn, None)), None).await.err().unwrap();
        assert_eq!(e.kind, ErrorKind::AccessDenied);
        accounts.allow_role(arn, Some("ext-1"));
        assert!(accounts.ec2(Some(&role(arn, Some("ext-2"))), None).await.is_err());

        let other = accounts.ec2(Some(&role(arn, Some("ext-1"))), None).await.unwrap();
        let peer_vpc = other.create_vpc("10.0.0.0/24", &Tags::new()).await.unwrap();
        assert_eq!(accounts.ec2_of("111111111111", "us-east-1").vpc_count(), 1);
        assert_eq!(home.vpc_count(), 0);

        // A request from the home account is accepted through the role.
        let app = home.create_vpc("10.1.0.0/16", &Tags::new()).await.unwrap();
        let p = home
            .create_vpc_peering_connection(CreateVpcPeeringInput {
                vpc_id: app.id,
                peer_vpc_id: peer_vpc.id,
                peer_owner_id: Some("111111111111".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        tokio::time::advance(std::time::Duration::from_secs(1)).await;
        assert_eq!(other.find_vpc_peering_connection(&p.id).await.unwrap().unwrap().status, "pending-acceptance");
        other.accept_vpc_peering_connection(&p.id).await.unwrap();
        tokio::time::advance(std::time::Duration::from_secs(1)).await;
        assert_eq!(home.find_vpc_peering_connection(&p.id).await.unwrap().unwrap().status, "active");

        // No role, another region: the home account's fake there.
        let west = accounts.ec2(None, Some("eu-west-1")).await.unwrap();
        assert!(west.describe_availability_zones().await.unwrap()[0].name.starts_with("eu-west-1"));
        assert_eq!(accounts.ec2_of(crate::aws::fake::ec2::DEFAULT_ACCOUNT, "eu-west-1").region(), "eu-west-1");
        assert_eq!(accounts.calls().len(), 4);
    }
}
