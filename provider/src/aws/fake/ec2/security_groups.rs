//! Security groups and their rules: duplicates, references, groups in use.

use super::*;

impl FakeEc2 {
    pub(super) fn op_create_security_group(&self, input: CreateSecurityGroupInput) -> Result<SecurityGroup, AwsError> {
        let mut st = self.lock();
        st.rec.begin("create_security_group", format!("{} {}", input.vpc_id, input.name))?;
        Self::vpc_must_exist(&st, &input.vpc_id)?;
        if input.name.is_empty() || input.name.len() > 255 || input.name.to_ascii_lowercase().starts_with("sg-") {
            return Err(invalid_parameter(format!("Invalid group name {:?}", input.name)));
        }
        if input.description.is_empty() {
            return Err(err("MissingParameter", "The request must contain the parameter groupDescription"));
        }
        if st.sgs.values().any(|s| s.sg.vpc_id == input.vpc_id && s.sg.name == input.name) {
            return Err(err(
                "InvalidGroup.Duplicate",
                format!("The security group '{}' already exists for VPC '{}'", input.name, input.vpc_id),
            ));
        }
        let id = st.id("sg");
        let rule_id = st.id("sgr");
        let sg = SecurityGroup {
            id: id.clone(),
            name: input.name,
            description: input.description,
            vpc_id: input.vpc_id,
            tags: input.tags,
        };
        st.sgs.insert(
            id.clone(),
            SgRec {
                sg: sg.clone(),
                // A new group allows all egress, as on AWS.
                rules: vec![SecurityGroupRule {
                    id: rule_id,
                    group_id: id,
                    direction: RuleDirection::Egress,
                    rule: SgRule::all(RulePeer::Cidr("0.0.0.0/0".to_string())),
                }],
                is_default: false,
            },
        );
        Ok(sg)
    }

    pub(super) fn op_find_security_group(&self, id: &str) -> Result<Option<SecurityGroup>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_security_group", id)?;
        Ok(st.sgs.get(id).map(|s| s.sg.clone()))
    }

    pub(super) fn op_find_security_groups(&self, filters: &Filters) -> Result<Vec<SecurityGroup>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_security_groups", format!("{filters:?}"))?;
        select(st.sgs.values(), filters, |r| r.sg.clone())
    }

    pub(super) fn op_delete_security_group(&self, id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_security_group", id)?;
        let Some(sg) = st.sgs.get(id) else {
            return Err(err("InvalidGroup.NotFound", format!("The security group '{id}' does not exist")));
        };
        if sg.is_default {
            return Err(err(
                "CannotDelete",
                format!("the specified group: \"{id}\" name: \"default\" cannot be deleted by a user"),
            ));
        }
        let enis: Vec<String> =
            st.enis.values().filter(|e| e.group_ids.iter().any(|g| g == id)).map(|e| e.id.clone()).collect();
        if !enis.is_empty() {
            return Err(dependency(format!("resource {id} has a dependent object ({})", enis.join(", "))));
        }
        let referencing: Vec<String> = st
            .sgs
            .values()
            .filter(|s| s.sg.id != id && s.rules.iter().any(|r| r.rule.peer == RulePeer::Group(id.to_string())))
            .map(|s| s.sg.id.clone())
            .collect();
        if !referencing.is_empty() {
            return Err(dependency(format!(
                "resource {id} has a dependent object (referenced by {})",
                referencing.join(", ")
            )));
        }
        st.sgs.remove(id);
        Ok(())
    }

    pub(super) fn op_authorize_security_group_ingress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        self.authorize("authorize_security_group_ingress", group_id, rules, RuleDirection::Ingress)
    }

    pub(super) fn op_authorize_security_group_egress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        self.authorize("authorize_security_group_egress", group_id, rules, RuleDirection::Egress)
    }

    pub(super) fn op_revoke_security_group_ingress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        self.revoke("revoke_security_group_ingress", group_id, rules, RuleDirection::Ingress)
    }

    pub(super) fn op_revoke_security_group_egress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        self.revoke("revoke_security_group_egress", group_id, rules, RuleDirection::Egress)
    }

    pub(super) fn op_find_security_group_rules(&self, group_id: &str) -> Result<Vec<SecurityGroupRule>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_security_group_rules", group_id)?;
        Ok(st.sgs.get(group_id).map(|s| s.rules.clone()).unwrap_or_default())
    }

    fn authorize(&self, op: &str, group_id: &str, rules: &[SgRule], direction: RuleDirection) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin(op, group_id)?;
        if rules.is_empty() {
            return Err(err("MissingParameter", "No IpPermissions given"));
        }
        for r in rules {
            if let RulePeer::Group(g) = &r.peer
                && !st.sgs.contains_key(g)
            {
                return Err(err("InvalidGroup.NotFound", format!("The security group '{g}' does not exist")));
            }
            if r.protocol != "-1" && (r.from_port > r.to_port || r.from_port < -1 || r.to_port > 65535) {
                return Err(invalid_parameter(format!("Invalid port range {}-{}", r.from_port, r.to_port)));
            }
            if let RulePeer::Cidr(c) = &r.peer
                && parse_cidr(c).is_none()
            {
                return Err(invalid_parameter(format!("CIDR block {c} is malformed")));
            }
        }
        let sg = Self::sg_mut(&mut st, group_id)?;
        for r in rules {
            if sg.rules.iter().any(|x| x.direction == direction && x.rule.same_permission(r)) {
                return Err(err(
                    "InvalidPermission.Duplicate",
                    format!(
                        "the specified rule \"peer: {:?}, {} {}-{}\" already exists",
                        r.peer, r.protocol, r.from_port, r.to_port
                    ),
                ));
            }
        }
        let mut ids = Vec::new();
        for _ in rules {
            ids.push(st.id("sgr"));
        }
        let sg = Self::sg_mut(&mut st, group_id)?;
        for (r, id) in rules.iter().zip(ids) {
            sg.rules.push(SecurityGroupRule { id, group_id: group_id.to_string(), direction, rule: r.clone() });
        }
        Ok(())
    }

    fn revoke(&self, op: &str, group_id: &str, rules: &[SgRule], direction: RuleDirection) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin(op, group_id)?;
        let sg = Self::sg_mut(&mut st, group_id)?;
        for r in rules {
            if !sg.rules.iter().any(|x| x.direction == direction && x.rule.same_permission(r)) {
                return Err(err(
                    "InvalidPermission.NotFound",
                    "The specified rule does not exist in this security group.",
                ));
            }
        }
        sg.rules.retain(|x| !(x.direction == direction && rules.iter().any(|r| x.rule.same_permission(r))));
        Ok(())
    }
}
