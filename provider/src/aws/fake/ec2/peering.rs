//! VPC peering in the fake: the timed states, the accepter's side in another account or region, DNS options only when active, routes that go blackhole.

use super::*;

// ---- VPC peering ------------------------------------------------------------------------------

pub(super) fn peering_not_found(id: &str) -> AwsError {
    err("InvalidVpcPeeringConnectionID.NotFound", format!("The vpcPeeringConnection ID '{id}' does not exist"))
}

pub(super) fn not_permitted(message: impl Into<String>) -> AwsError {
    err("OperationNotPermitted", message)
}

impl FakeEc2 {
    /// The VPC's CIDR, if this fake has it.
    pub(super) fn vpc_cidr(&self, vpc_id: &str) -> Option<String> {
        self.lock().vpcs.get(vpc_id).map(|r| r.vpc.cidr_block.clone())
    }

    /// Runs `f` on the peering `id`, wherever it lives (this fake or a linked one); one lock at a
    /// time, so two fakes calling each other cannot deadlock.
    pub(super) fn with_peering<R>(&self, id: &str, f: impl FnOnce(&mut PeeringRec) -> R) -> Option<R> {
        if let Some(rec) = self.lock().peerings.get_mut(id) {
            return Some(f(rec));
        }
        for other in self.world() {
            if let Some(rec) = other.lock().peerings.get_mut(id) {
                return Some(f(rec));
            }
        }
        None
    }

    /// `InvalidVpcPeeringConnectionID.NotFound` for a route target that is an unknown peering.
    pub(super) fn unknown_peering(&self, target: &RouteTarget) -> Option<AwsError> {
        match target {
            RouteTarget::VpcPeering(id) if self.with_peering(id, |_| ()).is_none() => Some(peering_not_found(id)),
            _ => None,
        }
    }

    pub(super) fn is_side(&self, side: &PeerSide) -> bool {
        side.owner_id == self.account && side.region == self.region
    }

    pub(super) fn peering_create(&self, input: CreateVpcPeeringInput) -> Result<VpcPeering, AwsError> {
        self.lock().rec.begin("create_vpc_peering_connection", &input.vpc_id)?;
        let Some(cidr) = self.vpc_cidr(&input.vpc_id) else {
            return Err(err("InvalidVpcID.NotFound", format!("The vpc ID '{}' does not exist", input.vpc_id)));
        };
        if !input.peer_vpc_id.starts_with("vpc-") {
            return Err(invalid_parameter(format!("Invalid id: \"{}\"", input.peer_vpc_id)));
        }
        let peer_account = input.peer_owner_id.clone().unwrap_or_else(|| self.account.clone());
        let peer_region = input.peer_region.clone().unwrap_or_else(|| self.region.clone());
        let peer_fake = if peer_account == self.account && peer_region == self.region {
            None
        } else {
            self.world().into_iter().find(|f| f.account == peer_account && f.region == peer_region)
        };
        let peer_cidr = match &peer_fake {
            None if peer_account == self.account && peer_region == self.region => self.vpc_cidr(&input.peer_vpc_id),
            None => None,
            Some(f) => f.vpc_cidr(&input.peer_vpc_id),
        };
        // AWS accepts the request and fails it asynchronously.
        let (next, message) = match (&peer_cidr, parse_cidr(&cidr)) {
            (None, _) => ("failed", format!("The peer VPC '{}' does not exist", input.peer_vpc_id)),
            (Some(pc), Some(own)) if parse_cidr(pc).is_some_and(|p| cidrs_overlap(own, p)) => {
                ("failed", "Overlapping CIDRs".to_string())
            }
            _ => ("pending-acceptance", "Pending Acceptance by ".to_string() + &peer_account),
        };
        let mut st = self.lock();
        let id = st.id("pcx");
        let peering = VpcPeering {
            id: id.clone(),
            status: "initiating-request".to_string(),
            status_message: message,
            requester: PeerSide {
                vpc_id: input.vpc_id.clone(),
                owner_id: self.account.clone(),
                region: self.region.clone(),
                cidr_blocks: vec![cidr],
                allow_dns_resolution_from_remote_vpc: None,
            },
            accepter: PeerSide {
                vpc_id: input.peer_vpc_id.clone(),
                owner_id: peer_account,
                region: peer_region,
                cidr_blocks: peer_cidr.into_iter().collect(),
                allow_dns_resolution_from_remote_vpc: None,
            },
            tags: input.tags,
        };
        let rec = PeeringRec {
            peering,
            life: Life::timed("initiating-request", &[(timing::PEERING_INITIATING, next)]),
            requester_dns: false,
            accepter_dns: false,
        };
        let view = rec.view();
        st.peerings.insert(id, rec);
        Ok(view)
    }

    pub(super) fn peering_accept(&self, id: &str) -> Result<VpcPeering, AwsError> {
        self.lock().rec.begin("accept_vpc_peering_connection", id)?;
        let (account, region) = (self.account.clone(), self.region.clone());
        self.with_peering(id, |rec| {
            if rec.peering.accepter.owner_id != account || rec.peering.accepter.region != region {
                return Err(not_permitted(format!(
                    "User in account {account} ({region}) cannot accept peering {id}: it is for account {} in {}",
                    rec.peering.accepter.owner_id, rec.peering.accepter.region
                )));
            }
            if rec.life.status != "pending-acceptance" {
                return Err(err(
                    "InvalidStateTransition",
                    format!(
                        "Invalid state transition for {id}, attempted to transition from {} to active",
                        rec.life.status
                    ),
                ));
            }
            rec.life.set("provisioning", &[(timing::PEERING_PROVISIONING, "active")]);
            rec.peering.status_message = "Provisioning".to_string();
            Ok(rec.view())
        })
        .unwrap_or_else(|| Err(peering_not_found(id)))
    }

    pub(super) fn peering_find(&self, id: &str) -> Result<Option<VpcPeering>, AwsError> {
        self.lock().rec.begin("find_vpc_peering_connection", id)?;
        Ok(self.with_peering(id, |rec| rec.view()))
    }

    pub(super) fn peering_list(&self, filters: &Filters) -> Result<Vec<VpcPeering>, AwsError> {
        self.lock().rec.begin("find_vpc_peering_connections", format!("{filters:?}"))?;
        let mut out = Vec::new();
        let mut fakes = vec![None];
        fakes.extend(self.world().into_iter().map(Some));
        for other in fakes {
            let st = match &other {
                None => self.lock(),
                Some(f) => f.lock(),
            };
            out.extend(select(st.peerings.values(), filters, PeeringRec::view)?);
        }
        Ok(out)
    }

    pub(super) fn peering_modify_dns(
        &self,
        id: &str,
        requester: Option<bool>,
        accepter: Option<bool>,
    ) -> Result<(), AwsError> {
        self.lock().rec.begin("modify_vpc_peering_dns", id)?;
        self.with_peering(id, |rec| {
            if rec.life.status != "active" {
                return Err(not_permitted(format!(
                    "Peering {id} is not active. Peering options can be added only to active peerings."
                )));
            }
            if requester.is_some() && !self.is_side(&rec.peering.requester) {
                return Err(not_permitted(format!("The requester options of {id} can only be changed by its owner")));
            }
            if accepter.is_some() && !self.is_side(&rec.peering.accepter) {
                return Err(not_permitted(format!("The accepter options of {id} can only be changed by its owner")));
            }
            if let Some(v) = requester {
                rec.requester_dns = v;
            }
            if let Some(v) = accepter {
                rec.accepter_dns = v;
            }
            Ok(())
        })
        .unwrap_or_else(|| Err(peering_not_found(id)))
    }

    pub(super) fn peering_delete(&self, id: &str) -> Result<(), AwsError> {
        self.lock().rec.begin("delete_vpc_peering_connection", id)?;
        self.with_peering(id, |rec| match rec.life.status.as_str() {
            "deleted" | "deleting" => Ok(()),
            s @ ("failed" | "rejected") => Err(err(
                "InvalidStateTransition",
                format!("Invalid state transition for {id}, attempted to transition from {s} to deleting"),
            )),
            _ => {
                rec.life.set("deleting", &[(timing::PEERING_DELETING, "deleted")]);
                rec.peering.status_message = "Deleted by owner".to_string();
                Ok(())
            }
        })
        .unwrap_or_else(|| Err(peering_not_found(id)))?;
        // Routes through it stop carrying traffic, on both sides.
        let target = RouteTarget::VpcPeering(id.to_string());
        let mut fakes = vec![None];
        fakes.extend(self.world().into_iter().map(Some));
        for other in fakes {
            let mut st = match &other {
                None => self.lock(),
                Some(f) => f.lock(),
            };
            for rt in st.rts.values_mut() {
                for r in rt.routes.iter_mut().filter(|r| r.target == target) {
                    r.state = "blackhole".to_string();
                }
            }
        }
        Ok(())
    }
}
