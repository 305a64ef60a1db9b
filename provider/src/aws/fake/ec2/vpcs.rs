//! VPCs and subnets: CIDR checks, attributes, dependants that block deletes.

use super::*;

impl FakeEc2 {
    pub(super) fn op_create_vpc(&self, cidr_block: &str, tags: &Tags) -> Result<Vpc, AwsError> {
        let mut st = self.lock();
        st.rec.begin("create_vpc", cidr_block)?;
        let Some(cidr) = parse_cidr(cidr_block) else {
            return Err(invalid_parameter(format!("Value ({cidr_block}) for parameter cidrBlock is invalid")));
        };
        if !(16..=28).contains(&cidr.1) {
            return Err(err("InvalidVpc.Range", format!("The CIDR '{cidr_block}' is invalid (/16 to /28).")));
        }
        let id = st.id("vpc");
        let vpc = Vpc {
            id: id.clone(),
            state: "pending".to_string(),
            cidr_block: cidr_block.to_string(),
            is_default: false,
            tags: tags.clone(),
        };
        st.vpcs.insert(
            id.clone(),
            VpcRec {
                vpc: vpc.clone(),
                life: Life::timed("pending", &[(timing::PENDING, "available")]),
                dns_support: true,
                dns_hostnames: false,
            },
        );
        // The main route table and the default security group come with the VPC.
        let rt_id = st.id("rtb");
        let assoc_id = st.id("rtbassoc");
        st.rts.insert(
            rt_id.clone(),
            RouteTable {
                id: rt_id,
                vpc_id: id.clone(),
                main: true,
                associations: vec![RouteTableAssociation { id: assoc_id, main: true, subnet_id: None }],
                propagating_vgws: Vec::new(),
                routes: vec![Route {
                    destination_cidr_block: cidr_block.to_string(),
                    target: RouteTarget::Local,
                    state: "active".to_string(),
                    origin: "CreateRouteTable".to_string(),
                }],
                tags: Tags::new(),
            },
        );
        let sg_id = st.id("sg");
        let r1 = st.id("sgr");
        let r2 = st.id("sgr");
        st.sgs.insert(
            sg_id.clone(),
            SgRec {
                sg: SecurityGroup {
                    id: sg_id.clone(),
                    name: "default".to_string(),
                    description: "default VPC security group".to_string(),
                    vpc_id: id.clone(),
                    tags: Tags::new(),
                },
                rules: vec![
                    SecurityGroupRule {
                        id: r1,
                        group_id: sg_id.clone(),
                        direction: RuleDirection::Ingress,
                        rule: SgRule::all(RulePeer::Group(sg_id.clone())),
                    },
                    SecurityGroupRule {
                        id: r2,
                        group_id: sg_id.clone(),
                        direction: RuleDirection::Egress,
                        rule: SgRule::all(RulePeer::Cidr("0.0.0.0/0".to_string())),
                    },
                ],
                is_default: true,
            },
        );
        Ok(vpc)
    }

    pub(super) fn op_find_vpc(&self, id: &str) -> Result<Option<Vpc>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_vpc", id)?;
        Ok(st.vpcs.get(id).map(VpcRec::view))
    }

    pub(super) fn op_find_vpcs(&self, filters: &Filters) -> Result<Vec<Vpc>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_vpcs", format!("{filters:?}"))?;
        select(st.vpcs.values(), filters, VpcRec::view)
    }

    pub(super) fn op_delete_vpc(&self, id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_vpc", id)?;
        Self::vpc_must_exist(&st, id)?;
        let mut deps: Vec<String> = Vec::new();
        deps.extend(st.subnets.values().filter(|s| s.subnet.vpc_id == id).map(|s| s.subnet.id.clone()));
        deps.extend(st.sgs.values().filter(|s| s.sg.vpc_id == id && !s.is_default).map(|s| s.sg.id.clone()));
        deps.extend(st.igws.values().filter(|g| g.attachments.iter().any(|a| a.vpc_id == id)).map(|g| g.id.clone()));
        deps.extend(st.vgws.values().filter(|g| g.live_attachment(id).is_some()).map(|g| g.vgw.id.clone()));
        deps.extend(st.enis.values().filter(|e| e.vpc_id == id).map(|e| e.id.clone()));
        deps.extend(st.rts.values().filter(|r| r.vpc_id == id && !r.main).map(|r| r.id.clone()));
        if !deps.is_empty() {
            return Err(dependency(format!(
                "The vpc '{id}' has dependencies and cannot be deleted. ({})",
                deps.join(", ")
            )));
        }
        st.vpcs.remove(id);
        st.rts.retain(|_, r| r.vpc_id != id);
        st.sgs.retain(|_, s| s.sg.vpc_id != id);
        Ok(())
    }

    pub(super) fn op_modify_vpc_attribute(
        &self,
        vpc_id: &str,
        attribute: VpcAttribute,
        value: bool,
    ) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("modify_vpc_attribute", format!("{vpc_id} {}={value}", attribute.as_str()))?;
        Self::vpc_must_exist(&st, vpc_id)?;
        if let Some(r) = st.vpcs.get_mut(vpc_id) {
            match attribute {
                VpcAttribute::EnableDnsSupport => r.dns_support = value,
                VpcAttribute::EnableDnsHostnames => r.dns_hostnames = value,
            }
        }
        Ok(())
    }

    pub(super) fn op_describe_vpc_attribute(&self, vpc_id: &str, attribute: VpcAttribute) -> Result<bool, AwsError> {
        let mut st = self.lock();
        st.rec.begin("describe_vpc_attribute", format!("{vpc_id} {}", attribute.as_str()))?;
        Self::vpc_must_exist(&st, vpc_id)?;
        let r = st.vpcs.get(vpc_id);
        Ok(match attribute {
            VpcAttribute::EnableDnsSupport => r.is_some_and(|r| r.dns_support),
            VpcAttribute::EnableDnsHostnames => r.is_some_and(|r| r.dns_hostnames),
        })
    }

    pub(super) fn op_create_subnet(&self, input: CreateSubnetInput) -> Result<Subnet, AwsError> {
        let mut st = self.lock();
        st.rec.begin("create_subnet", format!("{} {} {}", input.vpc_id, input.cidr_block, input.availability_zone))?;
        Self::vpc_must_exist(&st, &input.vpc_id)?;
        let Some(cidr) = parse_cidr(&input.cidr_block) else {
            return Err(invalid_parameter(format!("Value ({}) for parameter cidrBlock is invalid", input.cidr_block)));
        };
        let vpc_cidr = st.vpcs.get(&input.vpc_id).and_then(|r| parse_cidr(&r.vpc.cidr_block));
        if !(16..=28).contains(&cidr.1) || !vpc_cidr.is_some_and(|v| cidr_contains(v, cidr)) {
            return Err(err("InvalidSubnet.Range", format!("The CIDR '{}' is invalid.", input.cidr_block)));
        }
        let conflict = st.subnets.values().any(|s| {
            s.subnet.vpc_id == input.vpc_id && parse_cidr(&s.subnet.cidr_block).is_some_and(|c| cidrs_overlap(c, cidr))
        });
        if conflict {
            return Err(err(
                "InvalidSubnet.Conflict",
                format!("The CIDR '{}' conflicts with another subnet", input.cidr_block),
            ));
        }
        if !st.azs.iter().any(|z| z.name == input.availability_zone) {
            return Err(invalid_parameter(format!(
                "Value ({}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: {}.",
                input.availability_zone,
                st.azs.iter().map(|z| z.name.as_str()).collect::<Vec<_>>().join(", ")
            )));
        }
        let id = st.id("subnet");
        let subnet = Subnet {
            id: id.clone(),
            vpc_id: input.vpc_id,
            state: "pending".to_string(),
            cidr_block: input.cidr_block,
            availability_zone: input.availability_zone,
            tags: input.tags,
        };
        st.subnets.insert(
            id,
            SubnetRec { subnet: subnet.clone(), life: Life::timed("pending", &[(timing::PENDING, "available")]) },
        );
        Ok(subnet)
    }

    pub(super) fn op_find_subnet(&self, id: &str) -> Result<Option<Subnet>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_subnet", id)?;
        Ok(st.subnets.get(id).map(SubnetRec::view))
    }

    pub(super) fn op_find_subnets(&self, filters: &Filters) -> Result<Vec<Subnet>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_subnets", format!("{filters:?}"))?;
        select(st.subnets.values(), filters, SubnetRec::view)
    }

    pub(super) fn op_delete_subnet(&self, id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_subnet", id)?;
        if !st.subnets.contains_key(id) {
            return Err(err("InvalidSubnetID.NotFound", format!("The subnet ID '{id}' does not exist")));
        }
        let enis: Vec<String> = st.enis.values().filter(|e| e.subnet_id == id).map(|e| e.id.clone()).collect();
        if !enis.is_empty() {
            return Err(dependency(format!(
                "The subnet '{id}' has dependencies and cannot be deleted. ({})",
                enis.join(", ")
            )));
        }
        st.subnets.remove(id);
        for rt in st.rts.values_mut() {
            rt.associations.retain(|a| a.subnet_id.as_deref() != Some(id));
        }
        Ok(())
    }
}
