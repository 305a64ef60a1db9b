//! Route tables and routes, VPC peering calls, network interfaces, tags and availability zones.

use super::*;

impl FakeEc2 {
    pub(super) fn op_find_route_table(&self, id: &str) -> Result<Option<RouteTable>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_route_table", id)?;
        Ok(st.rts.get(id).cloned())
    }

    pub(super) fn op_find_route_tables(&self, filters: &Filters) -> Result<Vec<RouteTable>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_route_tables", format!("{filters:?}"))?;
        select(st.rts.values(), filters, RouteTable::clone)
    }

    /// CreateRoute and ReplaceRoute: the target peering and the table must exist, `check` passes
    /// on the table and the target is reachable from its VPC; then `change` applies.
    fn write_route(
        &self,
        op: &str,
        route_table_id: &str,
        destination_cidr: &str,
        target: &RouteTarget,
        check: impl FnOnce(&RouteTable) -> Result<(), AwsError>,
        change: impl FnOnce(&mut RouteTable),
    ) -> Result<(), AwsError> {
        // Looked up before this fake's lock is taken: the peering may live in a linked fake.
        let unknown_pcx = self.unknown_peering(target);
        let mut st = self.lock();
        st.rec.begin(op, format!("{route_table_id} {destination_cidr}"))?;
        if let Some(e) = unknown_pcx {
            return Err(e);
        }
        let rt = st.rts.get(route_table_id).ok_or_else(|| route_table_not_found(route_table_id))?;
        check(rt)?;
        let vpc_id = rt.vpc_id.clone();
        Self::check_route_target(&st, &vpc_id, target)?;
        if let Some(rt) = st.rts.get_mut(route_table_id) {
            change(rt);
        }
        Ok(())
    }

    pub(super) fn op_create_route(
        &self,
        route_table_id: &str,
        destination_cidr: &str,
        target: &RouteTarget,
    ) -> Result<(), AwsError> {
        let check = |rt: &RouteTable| {
            if parse_cidr(destination_cidr).is_none() {
                return Err(invalid_parameter(format!(
                    "Value ({destination_cidr}) for parameter destinationCidrBlock is invalid"
                )));
            }
            if rt.routes.iter().any(|r| r.destination_cidr_block == destination_cidr) {
                return Err(err(
                    "RouteAlreadyExists",
                    format!("The route identified by {destination_cidr} already exists."),
                ));
            }
            Ok(())
        };
        self.write_route("create_route", route_table_id, destination_cidr, target, check, |rt| {
            rt.routes.push(Route {
                destination_cidr_block: destination_cidr.to_string(),
                target: target.clone(),
                state: "active".to_string(),
                origin: "CreateRoute".to_string(),
            });
        })
    }

    pub(super) fn op_replace_route(
        &self,
        route_table_id: &str,
        destination_cidr: &str,
        target: &RouteTarget,
    ) -> Result<(), AwsError> {
        let check = |rt: &RouteTable| {
            if rt.routes.iter().any(|r| r.destination_cidr_block == destination_cidr && r.target != RouteTarget::Local)
            {
                return Ok(());
            }
            Err(err(
                "InvalidRoute.NotFound",
                format!("There is no route defined for '{destination_cidr}' in the route table."),
            ))
        };
        self.write_route("replace_route", route_table_id, destination_cidr, target, check, |rt| {
            if let Some(r) = rt.routes.iter_mut().find(|r| r.destination_cidr_block == destination_cidr) {
                r.target = target.clone();
                r.state = "active".to_string();
            }
        })
    }

    pub(super) fn op_delete_route(&self, route_table_id: &str, destination_cidr: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_route", format!("{route_table_id} {destination_cidr}"))?;
        let rt = st.rts.get_mut(route_table_id).ok_or_else(|| route_table_not_found(route_table_id))?;
        match rt.routes.iter().position(|r| r.destination_cidr_block == destination_cidr) {
            None => Err(err(
                "InvalidRoute.NotFound",
                format!("no route with destination-cidr-block {destination_cidr} in route table {route_table_id}"),
            )),
            Some(i) if rt.routes[i].target == RouteTarget::Local => Err(invalid_parameter(format!(
                "cannot remove local route {destination_cidr} in route table {route_table_id}"
            ))),
            Some(i) => {
                rt.routes.remove(i);
                Ok(())
            }
        }
    }

    pub(super) fn op_create_vpc_peering_connection(
        &self,
        input: CreateVpcPeeringInput,
    ) -> Result<VpcPeering, AwsError> {
        self.peering_create(input)
    }

    pub(super) fn op_accept_vpc_peering_connection(&self, id: &str) -> Result<VpcPeering, AwsError> {
        self.peering_accept(id)
    }

    pub(super) fn op_find_vpc_peering_connection(&self, id: &str) -> Result<Option<VpcPeering>, AwsError> {
        self.peering_find(id)
    }

    pub(super) fn op_find_vpc_peering_connections(&self, filters: &Filters) -> Result<Vec<VpcPeering>, AwsError> {
        self.peering_list(filters)
    }

    pub(super) fn op_modify_vpc_peering_dns(
        &self,
        id: &str,
        requester: Option<bool>,
        accepter: Option<bool>,
    ) -> Result<(), AwsError> {
        self.peering_modify_dns(id, requester, accepter)
    }

    pub(super) fn op_delete_vpc_peering_connection(&self, id: &str) -> Result<(), AwsError> {
        self.peering_delete(id)
    }

    pub(super) fn op_find_network_interfaces(&self, filters: &Filters) -> Result<Vec<NetworkInterface>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_network_interfaces", format!("{filters:?}"))?;
        select(st.enis.values(), filters, NetworkInterface::clone)
    }

    pub(super) fn op_delete_network_interface(&self, id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_network_interface", id)?;
        let Some(eni) = st.enis.get(id) else {
            return Err(err(
                "InvalidNetworkInterfaceID.NotFound",
                format!("The networkInterface ID '{id}' does not exist"),
            ));
        };
        if eni.status != "available" {
            return Err(err(
                "InvalidNetworkInterface.InUse",
                format!("Network interface '{id}' is currently in use ({}).", eni.status),
            ));
        }
        st.enis.remove(id);
        Ok(())
    }

    pub(super) fn op_create_tags(&self, resource_ids: &[String], tags: &Tags) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("create_tags", resource_ids.join(" "))?;
        for id in resource_ids {
            Self::tags_of_mut(&mut st, id)?;
        }
        for id in resource_ids {
            let t = Self::tags_of_mut(&mut st, id)?;
            t.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        Ok(())
    }

    pub(super) fn op_delete_tags(&self, resource_ids: &[String], keys: &[String]) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_tags", resource_ids.join(" "))?;
        for id in resource_ids {
            let t = Self::tags_of_mut(&mut st, id)?;
            for k in keys {
                t.remove(k);
            }
        }
        Ok(())
    }

    pub(super) fn op_describe_availability_zones(&self) -> Result<Vec<AvailabilityZone>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("describe_availability_zones", "")?;
        Ok(st.azs.clone())
    }
}
