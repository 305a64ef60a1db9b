//! Internet and VPN gateways: attachments and their timed states, route propagation.

use super::*;

impl FakeEc2 {
    pub(super) fn op_create_internet_gateway(&self, tags: &Tags) -> Result<InternetGateway, AwsError> {
        let mut st = self.lock();
        st.rec.begin("create_internet_gateway", "")?;
        let id = st.id("igw");
        let igw = InternetGateway { id: id.clone(), attachments: Vec::new(), tags: tags.clone() };
        st.igws.insert(id, igw.clone());
        Ok(igw)
    }

    pub(super) fn op_attach_internet_gateway(&self, igw_id: &str, vpc_id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("attach_internet_gateway", format!("{igw_id} {vpc_id}"))?;
        Self::vpc_must_exist(&st, vpc_id)?;
        let Some(igw) = st.igws.get(igw_id) else {
            return Err(err(
                "InvalidInternetGatewayID.NotFound",
                format!("The internetGateway ID '{igw_id}' does not exist"),
            ));
        };
        if let Some(a) = igw.attachments.first() {
            return Err(err(
                "Resource.AlreadyAssociated",
                format!("resource {igw_id} is already attached to network {}", a.vpc_id),
            ));
        }
        if let Some(other) = st.igws.values().find(|g| g.attachments.iter().any(|a| a.vpc_id == vpc_id)) {
            return Err(err(
                "Resource.AlreadyAssociated",
                format!("network {vpc_id} already has an internet gateway attached ({})", other.id),
            ));
        }
        if let Some(igw) = st.igws.get_mut(igw_id) {
            igw.attachments.push(GatewayAttachment { vpc_id: vpc_id.to_string(), state: "available".to_string() });
        }
        Ok(())
    }

    pub(super) fn op_detach_internet_gateway(&self, igw_id: &str, vpc_id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("detach_internet_gateway", format!("{igw_id} {vpc_id}"))?;
        let Some(igw) = st.igws.get_mut(igw_id) else {
            return Err(err(
                "InvalidInternetGatewayID.NotFound",
                format!("The internetGateway ID '{igw_id}' does not exist"),
            ));
        };
        if !igw.attachments.iter().any(|a| a.vpc_id == vpc_id) {
            return Err(err("Gateway.NotAttached", format!("resource {igw_id} is not attached to network {vpc_id}")));
        }
        igw.attachments.retain(|a| a.vpc_id != vpc_id);
        Self::blackhole_routes(&mut st, igw_id);
        Ok(())
    }

    pub(super) fn op_find_internet_gateway(&self, id: &str) -> Result<Option<InternetGateway>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_internet_gateway", id)?;
        Ok(st.igws.get(id).cloned())
    }

    pub(super) fn op_find_internet_gateways(&self, filters: &Filters) -> Result<Vec<InternetGateway>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_internet_gateways", format!("{filters:?}"))?;
        select(st.igws.values(), filters, InternetGateway::clone)
    }

    pub(super) fn op_delete_internet_gateway(&self, id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_internet_gateway", id)?;
        let Some(igw) = st.igws.get(id) else {
            return Err(err(
                "InvalidInternetGatewayID.NotFound",
                format!("The internetGateway ID '{id}' does not exist"),
            ));
        };
        if !igw.attachments.is_empty() {
            return Err(dependency(format!("The internetGateway '{id}' has dependencies and cannot be deleted.")));
        }
        st.igws.remove(id);
        Self::blackhole_routes(&mut st, id);
        Ok(())
    }

    pub(super) fn op_create_vpn_gateway(&self, input: CreateVpnGatewayInput) -> Result<VpnGateway, AwsError> {
        let mut st = self.lock();
        st.rec.begin("create_vpn_gateway", input.amazon_side_asn.map(|a| a.to_string()).unwrap_or_default())?;
        if let Some(asn) = input.amazon_side_asn {
            let private16 = (64512..=65534).contains(&asn);
            let private32 = (4_200_000_000..=4_294_967_294).contains(&asn);
            if !(private16 || private32 || asn == 7224 || asn == 9059 || asn == 10124 || asn == 17493) {
                return Err(invalid_parameter(format!("The ASN {asn} is not a valid private ASN")));
            }
        }
        let id = st.id("vgw");
        let vgw = VpnGateway {
            id: id.clone(),
            state: "pending".to_string(),
            amazon_side_asn: Some(input.amazon_side_asn.unwrap_or(64512)),
            attachments: Vec::new(),
            tags: input.tags,
        };
        st.vgws.insert(
            id,
            VgwRec {
                vgw: vgw.clone(),
                life: Life::timed("pending", &[(timing::PENDING, "available")]),
                attachments: Vec::new(),
            },
        );
        Ok(vgw)
    }

    pub(super) fn op_attach_vpn_gateway(&self, vgw_id: &str, vpc_id: &str) -> Result<GatewayAttachment, AwsError> {
        let mut st = self.lock();
        st.rec.begin("attach_vpn_gateway", format!("{vgw_id} {vpc_id}"))?;
        Self::vpc_must_exist(&st, vpc_id)?;
        let not_found = || err("InvalidVpnGatewayID.NotFound", format!("The vpnGateway ID '{vgw_id}' does not exist"));
        let Some(vgw) = st.vgws.get(vgw_id) else { return Err(not_found()) };
        match vgw.life.status.as_str() {
            "deleted" | "deleting" => return Err(not_found()),
            "available" => {}
            other => {
                return Err(err(
                    "IncorrectState",
                    format!("The state '{other}' of vpn gateway '{vgw_id}' is not valid for this operation"),
                ));
            }
        }
        if let Some(a) = vgw.live_attachment(vpc_id)
            && matches!(a.life.status.as_str(), "attaching" | "attached")
        {
            // Already there: the same answer as the first attach.
            return Ok(GatewayAttachment { vpc_id: vpc_id.to_string(), state: a.life.status.clone() });
        }
        // One VPC at a time, until the detach elsewhere is `detached` (AttachVpnGateway,
        // DetachVpnGateway API reference); the code and message of the emulator's ec2_ext.py.
        if vgw.is_attached_anywhere().is_some() {
            return Err(err(
                "VpnGatewayAttachmentLimitExceeded",
                format!("The virtual private gateway '{vgw_id}' is already attached to a VPC."),
            ));
        }
        let other = st.vgws.values().find(|g| g.vgw.id != vgw_id && g.live_attachment(vpc_id).is_some());
        if let Some(other) = other {
            return Err(err(
                "VpnGatewayAttachmentLimitExceeded",
                format!("The VPC '{vpc_id}' already has a VPN gateway attached ({})", other.vgw.id),
            ));
        }
        if let Some(vgw) = st.vgws.get_mut(vgw_id) {
            vgw.attachments.retain(|a| a.vpc_id != vpc_id);
            let life = Life::timed("attaching", &[(timing::VGW_ATTACHING, "attached")]);
            vgw.attachments.push(VgwAttachmentRec { vpc_id: vpc_id.to_string(), life });
        }
        Ok(GatewayAttachment { vpc_id: vpc_id.to_string(), state: "attaching".to_string() })
    }

    pub(super) fn op_detach_vpn_gateway(&self, vgw_id: &str, vpc_id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("detach_vpn_gateway", format!("{vgw_id} {vpc_id}"))?;
        // As the emulator's vpn.py (terraform-provider-aws#11720 retries exactly this): a connection
        // on the way up or down holds the attachment; an `available` one does not (it is cut).
        if Self::vpn_connections_on(&st, vgw_id, &["pending", "deleting"]) {
            return Err(err(
                "InvalidParameterValue",
                "This call cannot be completed because there are pending VPNs or Virtual Interfaces",
            ));
        }
        let Some(vgw) = st.vgws.get_mut(vgw_id) else {
            return Err(err("InvalidVpnGatewayID.NotFound", format!("The vpnGateway ID '{vgw_id}' does not exist")));
        };
        let Some(a) = vgw
            .attachments
            .iter_mut()
            .find(|a| a.vpc_id == vpc_id && matches!(a.life.status.as_str(), "attaching" | "attached"))
        else {
            return Err(err(
                "InvalidVpnGatewayAttachment.NotFound",
                format!("The attachment with vpn gateway ID '{vgw_id}' and vpc ID '{vpc_id}' does not exist"),
            ));
        };
        a.life.set("detaching", &[(timing::VGW_DETACHING, "detached")]);
        // Propagation through a detached gateway stops.
        for rt in st.rts.values_mut().filter(|r| r.vpc_id == vpc_id) {
            rt.propagating_vgws.retain(|g| g != vgw_id);
        }
        Self::blackhole_routes(&mut st, vgw_id);
        Ok(())
    }

    pub(super) fn op_find_vpn_gateway(&self, id: &str) -> Result<Option<VpnGateway>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_vpn_gateway", id)?;
        Ok(st.vgws.get(id).map(VgwRec::view))
    }

    pub(super) fn op_find_vpn_gateways(&self, filters: &Filters) -> Result<Vec<VpnGateway>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_vpn_gateways", format!("{filters:?}"))?;
        select(&st.vgws.values().map(VgwRec::view).collect::<Vec<_>>(), filters, VpnGateway::clone)
    }

    pub(super) fn op_find_vpn_connections(&self, filters: &Filters) -> Result<Vec<VpnConnection>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_vpn_connections", format!("{filters:?}"))?;
        select(st.vpn_connections.values(), filters, VpnConnection::clone)
    }

    fn vpn_connections_on(st: &State, vgw_id: &str, states: &[&str]) -> bool {
        st.vpn_connections
            .values()
            .any(|c| c.vpn_gateway_id.as_deref() == Some(vgw_id) && states.contains(&c.state.as_str()))
    }

    /// An on-premises VPN connection on `vgw_id` in `state` (`available`, `pending`, `deleted`, ...),
    /// made outside the provider; a later call with its id changes its state.
    pub fn add_vpn_connection(&self, vgw_id: &str, state: &str) -> VpnConnection {
        let mut st = self.lock();
        st.counter += 1;
        let c = VpnConnection {
            id: format!("vpn-{:017x}", st.counter),
            state: state.to_string(),
            vpn_gateway_id: Some(vgw_id.to_string()),
            customer_gateway_id: Some(format!("cgw-{:017x}", st.counter)),
            tags: Tags::new(),
        };
        st.vpn_connections.insert(c.id.clone(), c.clone());
        c
    }

    /// Moves a VPN connection made by [`FakeEc2::add_vpn_connection`] to `state`.
    pub fn set_vpn_connection_state(&self, id: &str, state: &str) {
        if let Some(c) = self.lock().vpn_connections.get_mut(id) {
            c.state = state.to_string();
        }
    }

    pub(super) fn op_delete_vpn_gateway(&self, id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_vpn_gateway", id)?;
        let not_found = || err("InvalidVpnGatewayID.NotFound", format!("The vpnGateway ID '{id}' does not exist"));
        // terraform-provider-aws#5831, as the emulator's vpn.py.
        if Self::vpn_connections_on(&st, id, &["pending", "available", "deleting"]) {
            return Err(err("IncorrectState", "The VPN gateway is in use."));
        }
        let Some(vgw) = st.vgws.get_mut(id) else { return Err(not_found()) };
        if matches!(vgw.life.status.as_str(), "deleted" | "deleting") {
            return Err(not_found());
        }
        if let Some(a) = vgw.is_attached_anywhere() {
            return Err(err(
                "IncorrectState",
                format!("The VPN gateway '{id}' is in use: its attachment to {} is {}", a.vpc_id, a.life.status),
            ));
        }
        vgw.life.set("deleting", &[(timing::VGW_DELETING, "deleted")]);
        Ok(())
    }

    pub(super) fn op_enable_vgw_route_propagation(&self, route_table_id: &str, vgw_id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("enable_vgw_route_propagation", format!("{route_table_id} {vgw_id}"))?;
        let vpc_id = st.rts.get(route_table_id).ok_or_else(|| route_table_not_found(route_table_id))?.vpc_id.clone();
        let Some(vgw) = st.vgws.get(vgw_id) else {
            return Err(err("InvalidVpnGatewayID.NotFound", format!("The vpnGateway ID '{vgw_id}' does not exist")));
        };
        if !vgw.attachments.iter().any(|a| a.vpc_id == vpc_id && a.life.status == "attached") {
            return Err(err("Gateway.NotAttached", format!("resource {vgw_id} is not attached to network {vpc_id}")));
        }
        if let Some(rt) = st.rts.get_mut(route_table_id)
            && !rt.propagating_vgws.iter().any(|g| g == vgw_id)
        {
            rt.propagating_vgws.push(vgw_id.to_string());
        }
        Ok(())
    }

    pub(super) fn op_disable_vgw_route_propagation(&self, route_table_id: &str, vgw_id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("disable_vgw_route_propagation", format!("{route_table_id} {vgw_id}"))?;
        let rt = st.rts.get_mut(route_table_id).ok_or_else(|| route_table_not_found(route_table_id))?;
        rt.propagating_vgws.retain(|g| g != vgw_id);
        Ok(())
    }
}
