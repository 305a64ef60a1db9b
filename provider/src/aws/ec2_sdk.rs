//! `Ec2Api` over `aws-sdk-ec2`.

use std::sync::Arc;

use async_trait::async_trait;
use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{self as t, AttributeBooleanValue, GatewayType, ResourceType, VpcAttributeName};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

use super::ec2::{
    AvailabilityZone, CreateSecurityGroupInput, CreateSubnetInput, CreateVpcPeeringInput, CreateVpnGatewayInput,
    Ec2Api, Ec2Factory, Filters, GatewayAttachment, InternetGateway, NetworkInterface, PeerSide, RoleToAssume, Route,
    RouteTable, RouteTableAssociation, RouteTarget, RuleDirection, RulePeer, SecurityGroup, SecurityGroupRule, SgRule,
    Subnet, Tags, Vpc, VpcAttribute, VpcPeering, VpnGateway,
};
use super::error::{self, AwsError, ErrorKind};
use super::{EndpointOverrides, sts};
use aws_types::SdkConfig;
use aws_types::region::Region;

/// The EC2 client plus where it sends requests (for error messages).
#[derive(Clone, Debug)]
pub struct SdkEc2 {
    client: Client,
    endpoint: String,
}

impl SdkEc2 {
    pub fn new(client: Client, endpoint: impl Into<String>) -> SdkEc2 {
        SdkEc2 { client, endpoint: endpoint.into() }
    }
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn err<E>(&self, e: SdkError<E, HttpResponse>) -> AwsError
    where
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    {
        error::from_sdk(e, &self.endpoint)
    }
}

/// [`Ec2Factory`] over the provider's SDK configuration: another region is a client with that
/// region; a role is an `AssumeRoleProvider` chained from the provider's credentials (STS at the
/// provider's `endpoints.sts`).
#[derive(Clone, Debug)]
pub struct SdkEc2Factory {
    sdk: SdkConfig,
    endpoints: EndpointOverrides,
}

impl SdkEc2Factory {
    pub fn new(sdk: &SdkConfig, endpoints: &EndpointOverrides) -> SdkEc2Factory {
        SdkEc2Factory { sdk: sdk.clone(), endpoints: endpoints.clone() }
    }
}

#[async_trait]
impl Ec2Factory for SdkEc2Factory {
    async fn ec2(&self, role: Option<&RoleToAssume>, region: Option<&str>) -> Result<Arc<dyn Ec2Api>, AwsError> {
        let mut b = self.sdk.clone().into_builder();
        if let Some(r) = region {
            b.set_region(Some(Region::new(r.to_string())));
        }
        let sdk = b.build();
        let sdk = match role {
            None => sdk,
            Some(role) => {
                let base = sts::sdk_config_for_sts(&sdk, self.endpoints.sts.as_deref());
                let mut ar = AssumeRoleProvider::builder(role.role_arn.clone()).configure(&base);
                if let Some(r) = sdk.region() {
                    ar = ar.region(r.clone());
                }
                // A session name is required by STS; name the provider when none is configured.
                ar = ar.session_name(role.session_name.clone().unwrap_or_else(|| "dmslink-peering".to_string()));
                if let Some(x) = &role.external_id {
                    ar = ar.external_id(x.clone());
                }
                let provider = ar.build().await;
                sdk.into_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build()
            }
        };
        let endpoint = super::endpoint_for(&sdk, self.endpoints.ec2.as_deref(), "EC2", "ec2");
        let mut conf = aws_sdk_ec2::config::Builder::from(&sdk);
        if let Some(url) = &self.endpoints.ec2 {
            conf = conf.endpoint_url(url);
        }
        Ok(Arc::new(SdkEc2::new(Client::from_conf(conf.build()), endpoint)))
    }
}

/// `Ok(None)` for a NotFound answer (EC2 `Invalid*ID.NotFound`).
fn none_if_not_found<T>(r: Result<T, AwsError>) -> Result<Option<T>, AwsError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// The one object with this id among `found` (emulators may ignore an id list).
fn the_one<T>(found: Vec<T>, id: &str, id_of: impl Fn(&T) -> &str) -> Option<T> {
    found.into_iter().find(|x| id_of(x) == id)
}

fn missing(what: &str, op: &str) -> AwsError {
    AwsError::new(ErrorKind::Other, "", format!("EC2 {op} returned no {what}"))
}

fn sdk_filters(f: &Filters) -> Option<Vec<t::Filter>> {
    if f.is_empty() {
        return None;
    }
    Some(
        f.0.iter()
            .map(|(name, values)| t::Filter::builder().name(name).set_values(Some(values.clone())).build())
            .collect(),
    )
}

fn sdk_tags(tags: &Tags) -> Vec<t::Tag> {
    tags.iter().map(|(k, v)| t::Tag::builder().key(k).value(v).build()).collect()
}

fn tag_spec(kind: ResourceType, tags: &Tags) -> Option<Vec<t::TagSpecification>> {
    if tags.is_empty() {
        return None;
    }
    Some(vec![t::TagSpecification::builder().resource_type(kind).set_tags(Some(sdk_tags(tags))).build()])
}

fn tags_from_sdk(tags: &[t::Tag]) -> Tags {
    tags.iter().filter_map(|t| t.key().map(|k| (k.to_string(), t.value().unwrap_or_default().to_string()))).collect()
}

fn s(v: Option<&str>) -> String {
    v.unwrap_or_default().to_string()
}

pub(crate) fn vpc_from_sdk(v: &t::Vpc) -> Vpc {
    Vpc {
        id: s(v.vpc_id()),
        state: v.state().map(|x| x.as_str().to_string()).unwrap_or_default(),
        cidr_block: s(v.cidr_block()),
        is_default: v.is_default().unwrap_or(false),
        tags: tags_from_sdk(v.tags()),
    }
}

pub(crate) fn subnet_from_sdk(v: &t::Subnet) -> Subnet {
    Subnet {
        id: s(v.subnet_id()),
        vpc_id: s(v.vpc_id()),
        state: v.state().map(|x| x.as_str().to_string()).unwrap_or_default(),
        cidr_block: s(v.cidr_block()),
        availability_zone: s(v.availability_zone()),
        tags: tags_from_sdk(v.tags()),
    }
}

fn sg_from_sdk(v: &t::SecurityGroup) -> SecurityGroup {
    SecurityGroup {
        id: s(v.group_id()),
        name: s(v.group_name()),
        description: s(v.description()),
        vpc_id: s(v.vpc_id()),
        tags: tags_from_sdk(v.tags()),
    }
}

pub(crate) fn sg_rule_from_sdk(r: &t::SecurityGroupRule) -> SecurityGroupRule {
    let peer = match (r.cidr_ipv4(), r.referenced_group_info().and_then(|g| g.group_id())) {
        (Some(cidr), _) => RulePeer::Cidr(cidr.to_string()),
        (None, Some(group)) => RulePeer::Group(group.to_string()),
        (None, None) => RulePeer::Cidr(r.cidr_ipv6().or(r.prefix_list_id()).unwrap_or_default().to_string()),
    };
    SecurityGroupRule {
        id: s(r.security_group_rule_id()),
        group_id: s(r.group_id()),
        direction: if r.is_egress().unwrap_or(false) { RuleDirection::Egress } else { RuleDirection::Ingress },
        rule: SgRule {
            protocol: s(r.ip_protocol()),
            from_port: r.from_port().unwrap_or(-1),
            to_port: r.to_port().unwrap_or(-1),
            peer,
            description: r.description().filter(|d| !d.is_empty()).map(str::to_string),
        },
    }
}

pub(crate) fn ip_permission(rule: &SgRule) -> t::IpPermission {
    let b = t::IpPermission::builder().ip_protocol(&rule.protocol);
    let b = if rule.protocol == "-1" { b } else { b.from_port(rule.from_port).to_port(rule.to_port) };
    match &rule.peer {
        RulePeer::Cidr(cidr) => {
            b.ip_ranges(t::IpRange::builder().cidr_ip(cidr).set_description(rule.description.clone()).build()).build()
        }
        RulePeer::Group(group) => b
            .user_id_group_pairs(
                t::UserIdGroupPair::builder().group_id(group).set_description(rule.description.clone()).build(),
            )
            .build(),
    }
}

fn attachment_state(a: Option<&t::AttachmentStatus>) -> String {
    a.map(|x| x.as_str().to_string()).unwrap_or_default()
}

pub(crate) fn igw_from_sdk(v: &t::InternetGateway) -> InternetGateway {
    InternetGateway {
        id: s(v.internet_gateway_id()),
        attachments: v
            .attachments()
            .iter()
            .map(|a| GatewayAttachment { vpc_id: s(a.vpc_id()), state: attachment_state(a.state()) })
            .collect(),
        tags: tags_from_sdk(v.tags()),
    }
}

pub(crate) fn vgw_from_sdk(v: &t::VpnGateway) -> VpnGateway {
    VpnGateway {
        id: s(v.vpn_gateway_id()),
        state: v.state().map(|x| x.as_str().to_string()).unwrap_or_default(),
        amazon_side_asn: v.amazon_side_asn(),
        attachments: v
            .vpc_attachments()
            .iter()
            .map(|a| GatewayAttachment { vpc_id: s(a.vpc_id()), state: attachment_state(a.state()) })
            .collect(),
        tags: tags_from_sdk(v.tags()),
    }
}

fn route_from_sdk(r: &t::Route) -> Route {
    let target = if let Some(g) = r.gateway_id() {
        if g == "local" { RouteTarget::Local } else { RouteTarget::Gateway(g.to_string()) }
    } else if let Some(p) = r.vpc_peering_connection_id() {
        RouteTarget::VpcPeering(p.to_string())
    } else {
        let other = r
            .nat_gateway_id()
            .or(r.transit_gateway_id())
            .or(r.network_interface_id())
            .or(r.instance_id())
            .or(r.egress_only_internet_gateway_id())
            .or(r.local_gateway_id())
            .or(r.carrier_gateway_id())
            .unwrap_or_default();
        RouteTarget::Other(other.to_string())
    };
    Route {
        destination_cidr_block: s(r.destination_cidr_block().or(r.destination_ipv6_cidr_block())),
        target,
        state: r.state().map(|x| x.as_str().to_string()).unwrap_or_default(),
        origin: r.origin().map(|x| x.as_str().to_string()).unwrap_or_default(),
    }
}

pub(crate) fn route_table_from_sdk(v: &t::RouteTable) -> RouteTable {
    let associations: Vec<RouteTableAssociation> = v
        .associations()
        .iter()
        .map(|a| RouteTableAssociation {
            id: s(a.route_table_association_id()),
            main: a.main().unwrap_or(false),
            subnet_id: a.subnet_id().map(str::to_string),
        })
        .collect();
    RouteTable {
        id: s(v.route_table_id()),
        vpc_id: s(v.vpc_id()),
        main: associations.iter().any(|a| a.main),
        associations,
        propagating_vgws: v.propagating_vgws().iter().filter_map(|p| p.gateway_id().map(str::to_string)).collect(),
        routes: v.routes().iter().map(route_from_sdk).collect(),
        tags: tags_from_sdk(v.tags()),
    }
}

pub(crate) fn eni_from_sdk(v: &t::NetworkInterface) -> NetworkInterface {
    NetworkInterface {
        id: s(v.network_interface_id()),
        status: v.status().map(|x| x.as_str().to_string()).unwrap_or_default(),
        subnet_id: s(v.subnet_id()),
        vpc_id: s(v.vpc_id()),
        group_ids: v.groups().iter().filter_map(|g| g.group_id().map(str::to_string)).collect(),
        description: s(v.description()),
        requester_id: v.requester_id().map(str::to_string),
        interface_type: v.interface_type().map(|x| x.as_str().to_string()),
        tags: tags_from_sdk(v.tag_set()),
    }
}

fn peer_side_from_sdk(v: Option<&t::VpcPeeringConnectionVpcInfo>) -> PeerSide {
    let Some(v) = v else { return PeerSide::default() };
    let mut cidr_blocks: Vec<String> = v.cidr_block().map(str::to_string).into_iter().collect();
    for c in v.cidr_block_set().iter().filter_map(|c| c.cidr_block()) {
        if !cidr_blocks.iter().any(|x| x == c) {
            cidr_blocks.push(c.to_string());
        }
    }
    PeerSide {
        vpc_id: s(v.vpc_id()),
        owner_id: s(v.owner_id()),
        region: s(v.region()),
        cidr_blocks,
        allow_dns_resolution_from_remote_vpc: v
            .peering_options()
            .and_then(|o| o.allow_dns_resolution_from_remote_vpc()),
    }
}

pub(crate) fn peering_from_sdk(v: &t::VpcPeeringConnection) -> VpcPeering {
    VpcPeering {
        id: s(v.vpc_peering_connection_id()),
        status: v.status().and_then(|st| st.code()).map(|c| c.as_str().to_string()).unwrap_or_default(),
        status_message: s(v.status().and_then(|st| st.message())),
        requester: peer_side_from_sdk(v.requester_vpc_info()),
        accepter: peer_side_from_sdk(v.accepter_vpc_info()),
        tags: tags_from_sdk(v.tags()),
    }
}

fn vpc_attribute_name(a: VpcAttribute) -> VpcAttributeName {
    match a {
        VpcAttribute::EnableDnsSupport => VpcAttributeName::EnableDnsSupport,
        VpcAttribute::EnableDnsHostnames => VpcAttributeName::EnableDnsHostnames,
    }
}

#[async_trait]
impl Ec2Api for SdkEc2 {
    async fn create_vpc(&self, cidr_block: &str, tags: &Tags) -> Result<Vpc, AwsError> {
        let out = self
            .client
            .create_vpc()
            .cidr_block(cidr_block)
            .set_tag_specifications(tag_spec(ResourceType::Vpc, tags))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.vpc().map(vpc_from_sdk).ok_or_else(|| missing("VPC", "CreateVpc"))
    }

    async fn find_vpc(&self, id: &str) -> Result<Option<Vpc>, AwsError> {
        let r = self.client.describe_vpcs().vpc_ids(id).send().await.map_err(|e| self.err(e));
        Ok(none_if_not_found(r)?.and_then(|out| the_one(out.vpcs().iter().map(vpc_from_sdk).collect(), id, |v| &v.id)))
    }

    async fn find_vpcs(&self, filters: &Filters) -> Result<Vec<Vpc>, AwsError> {
        let items = self
            .client
            .describe_vpcs()
            .set_filters(sdk_filters(filters))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e))?;
        Ok(items.iter().map(vpc_from_sdk).collect())
    }

    async fn delete_vpc(&self, id: &str) -> Result<(), AwsError> {
        self.client.delete_vpc().vpc_id(id).send().await.map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn modify_vpc_attribute(&self, vpc_id: &str, attribute: VpcAttribute, value: bool) -> Result<(), AwsError> {
        let v = AttributeBooleanValue::builder().value(value).build();
        let req = self.client.modify_vpc_attribute().vpc_id(vpc_id);
        let req = match attribute {
            VpcAttribute::EnableDnsSupport => req.enable_dns_support(v),
            VpcAttribute::EnableDnsHostnames => req.enable_dns_hostnames(v),
        };
        req.send().await.map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn describe_vpc_attribute(&self, vpc_id: &str, attribute: VpcAttribute) -> Result<bool, AwsError> {
        let out = self
            .client
            .describe_vpc_attribute()
            .vpc_id(vpc_id)
            .attribute(vpc_attribute_name(attribute))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        let v = match attribute {
            VpcAttribute::EnableDnsSupport => out.enable_dns_support(),
            VpcAttribute::EnableDnsHostnames => out.enable_dns_hostnames(),
        };
        Ok(v.and_then(|b| b.value()).unwrap_or(false))
    }

    async fn create_subnet(&self, input: CreateSubnetInput) -> Result<Subnet, AwsError> {
        let out = self
            .client
            .create_subnet()
            .vpc_id(&input.vpc_id)
            .cidr_block(&input.cidr_block)
            .availability_zone(&input.availability_zone)
            .set_tag_specifications(tag_spec(ResourceType::Subnet, &input.tags))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.subnet().map(subnet_from_sdk).ok_or_else(|| missing("subnet", "CreateSubnet"))
    }

    async fn find_subnet(&self, id: &str) -> Result<Option<Subnet>, AwsError> {
        let r = self.client.describe_subnets().subnet_ids(id).send().await.map_err(|e| self.err(e));
        Ok(none_if_not_found(r)?
            .and_then(|out| the_one(out.subnets().iter().map(subnet_from_sdk).collect(), id, |v| &v.id)))
    }

    async fn find_subnets(&self, filters: &Filters) -> Result<Vec<Subnet>, AwsError> {
        let items = self
            .client
            .describe_subnets()
            .set_filters(sdk_filters(filters))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e))?;
        Ok(items.iter().map(subnet_from_sdk).collect())
    }

    async fn delete_subnet(&self, id: &str) -> Result<(), AwsError> {
        self.client.delete_subnet().subnet_id(id).send().await.map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn create_security_group(&self, input: CreateSecurityGroupInput) -> Result<SecurityGroup, AwsError> {
        let out = self
            .client
            .create_security_group()
            .vpc_id(&input.vpc_id)
            .group_name(&input.name)
            .description(&input.description)
            .set_tag_specifications(tag_spec(ResourceType::SecurityGroup, &input.tags))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        let id = out.group_id().ok_or_else(|| missing("group id", "CreateSecurityGroup"))?;
        Ok(SecurityGroup {
            id: id.to_string(),
            name: input.name,
            description: input.description,
            vpc_id: input.vpc_id,
            tags: if out.tags().is_empty() { input.tags } else { tags_from_sdk(out.tags()) },
        })
    }

    async fn find_security_group(&self, id: &str) -> Result<Option<SecurityGroup>, AwsError> {
        let r = self.client.describe_security_groups().group_ids(id).send().await.map_err(|e| self.err(e));
        Ok(none_if_not_found(r)?
            .and_then(|out| the_one(out.security_groups().iter().map(sg_from_sdk).collect(), id, |v| &v.id)))
    }

    async fn find_security_groups(&self, filters: &Filters) -> Result<Vec<SecurityGroup>, AwsError> {
        let items = self
            .client
            .describe_security_groups()
            .set_filters(sdk_filters(filters))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e))?;
        Ok(items.iter().map(sg_from_sdk).collect())
    }

    async fn delete_security_group(&self, id: &str) -> Result<(), AwsError> {
        self.client.delete_security_group().group_id(id).send().await.map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn authorize_security_group_ingress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        self.client
            .authorize_security_group_ingress()
            .group_id(group_id)
            .set_ip_permissions(Some(rules.iter().map(ip_permission).collect()))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn authorize_security_group_egress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        self.client
            .authorize_security_group_egress()
            .group_id(group_id)
            .set_ip_permissions(Some(rules.iter().map(ip_permission).collect()))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn revoke_security_group_ingress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        let out = self
            .client
            .revoke_security_group_ingress()
            .group_id(group_id)
            .set_ip_permissions(Some(rules.iter().map(ip_permission).collect()))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        // Newer EC2 answers success and lists what it did not find.
        if !out.unknown_ip_permissions().is_empty() {
            return Err(AwsError::from_code("InvalidPermission.NotFound", "the specified rule does not exist"));
        }
        Ok(())
    }

    async fn revoke_security_group_egress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        let out = self
            .client
            .revoke_security_group_egress()
            .group_id(group_id)
            .set_ip_permissions(Some(rules.iter().map(ip_permission).collect()))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        if !out.unknown_ip_permissions().is_empty() {
            return Err(AwsError::from_code("InvalidPermission.NotFound", "the specified rule does not exist"));
        }
        Ok(())
    }

    async fn find_security_group_rules(&self, group_id: &str) -> Result<Vec<SecurityGroupRule>, AwsError> {
        let f = Filters::new().with("group-id", group_id);
        let items = self
            .client
            .describe_security_group_rules()
            .set_filters(sdk_filters(&f))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e))?;
        Ok(items.iter().map(sg_rule_from_sdk).filter(|r| r.group_id == group_id).collect())
    }

    async fn create_internet_gateway(&self, tags: &Tags) -> Result<InternetGateway, AwsError> {
        let out = self
            .client
            .create_internet_gateway()
            .set_tag_specifications(tag_spec(ResourceType::InternetGateway, tags))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.internet_gateway().map(igw_from_sdk).ok_or_else(|| missing("internet gateway", "CreateInternetGateway"))
    }

    async fn attach_internet_gateway(&self, igw_id: &str, vpc_id: &str) -> Result<(), AwsError> {
        self.client
            .attach_internet_gateway()
            .internet_gateway_id(igw_id)
            .vpc_id(vpc_id)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn detach_internet_gateway(&self, igw_id: &str, vpc_id: &str) -> Result<(), AwsError> {
        self.client
            .detach_internet_gateway()
            .internet_gateway_id(igw_id)
            .vpc_id(vpc_id)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn find_internet_gateway(&self, id: &str) -> Result<Option<InternetGateway>, AwsError> {
        let r = self.client.describe_internet_gateways().internet_gateway_ids(id).send().await.map_err(|e| self.err(e));
        Ok(none_if_not_found(r)?
            .and_then(|out| the_one(out.internet_gateways().iter().map(igw_from_sdk).collect(), id, |v| &v.id)))
    }

    async fn find_internet_gateways(&self, filters: &Filters) -> Result<Vec<InternetGateway>, AwsError> {
        let items = self
            .client
            .describe_internet_gateways()
            .set_filters(sdk_filters(filters))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e))?;
        Ok(items.iter().map(igw_from_sdk).collect())
    }

    async fn delete_internet_gateway(&self, id: &str) -> Result<(), AwsError> {
        self.client.delete_internet_gateway().internet_gateway_id(id).send().await.map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn create_vpn_gateway(&self, input: CreateVpnGatewayInput) -> Result<VpnGateway, AwsError> {
        let out = self
            .client
            .create_vpn_gateway()
            .r#type(GatewayType::Ipsec1)
            .set_amazon_side_asn(input.amazon_side_asn)
            .set_tag_specifications(tag_spec(ResourceType::VpnGateway, &input.tags))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.vpn_gateway().map(vgw_from_sdk).ok_or_else(|| missing("VPN gateway", "CreateVpnGateway"))
    }

    async fn attach_vpn_gateway(&self, vgw_id: &str, vpc_id: &str) -> Result<GatewayAttachment, AwsError> {
        let out = self
            .client
            .attach_vpn_gateway()
            .vpn_gateway_id(vgw_id)
            .vpc_id(vpc_id)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(out
            .vpc_attachment()
            .map(|a| GatewayAttachment { vpc_id: s(a.vpc_id()), state: attachment_state(a.state()) })
            .unwrap_or_else(|| GatewayAttachment { vpc_id: vpc_id.to_string(), state: "attaching".to_string() }))
    }

    async fn detach_vpn_gateway(&self, vgw_id: &str, vpc_id: &str) -> Result<(), AwsError> {
        self.client.detach_vpn_gateway().vpn_gateway_id(vgw_id).vpc_id(vpc_id).send().await.map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn find_vpn_gateway(&self, id: &str) -> Result<Option<VpnGateway>, AwsError> {
        let r = self.client.describe_vpn_gateways().vpn_gateway_ids(id).send().await.map_err(|e| self.err(e));
        Ok(none_if_not_found(r)?
            .and_then(|out| the_one(out.vpn_gateways().iter().map(vgw_from_sdk).collect(), id, |v| &v.id)))
    }

    async fn find_vpn_gateways(&self, filters: &Filters) -> Result<Vec<VpnGateway>, AwsError> {
        let out = self
            .client
            .describe_vpn_gateways()
            .set_filters(sdk_filters(filters))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(out.vpn_gateways().iter().map(vgw_from_sdk).collect())
    }

    async fn delete_vpn_gateway(&self, id: &str) -> Result<(), AwsError> {
        self.client.delete_vpn_gateway().vpn_gateway_id(id).send().await.map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn enable_vgw_route_propagation(&self, route_table_id: &str, vgw_id: &str) -> Result<(), AwsError> {
        self.client
            .enable_vgw_route_propagation()
            .route_table_id(route_table_id)
            .gateway_id(vgw_id)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn disable_vgw_route_propagation(&self, route_table_id: &str, vgw_id: &str) -> Result<(), AwsError> {
        self.client
            .disable_vgw_route_propagation()
            .route_table_id(route_table_id)
            .gateway_id(vgw_id)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn find_route_table(&self, id: &str) -> Result<Option<RouteTable>, AwsError> {
        let r = self.client.describe_route_tables().route_table_ids(id).send().await.map_err(|e| self.err(e));
        Ok(none_if_not_found(r)?
            .and_then(|out| the_one(out.route_tables().iter().map(route_table_from_sdk).collect(), id, |v| &v.id)))
    }

    async fn find_route_tables(&self, filters: &Filters) -> Result<Vec<RouteTable>, AwsError> {
        let items = self
            .client
            .describe_route_tables()
            .set_filters(sdk_filters(filters))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e))?;
        Ok(items.iter().map(route_table_from_sdk).collect())
    }

    async fn create_route(
        &self,
        route_table_id: &str,
        destination_cidr: &str,
        target: &RouteTarget,
    ) -> Result<(), AwsError> {
        let req = self.client.create_route().route_table_id(route_table_id).destination_cidr_block(destination_cidr);
        let req = match target {
            RouteTarget::Gateway(id) => req.gateway_id(id),
            RouteTarget::VpcPeering(id) => req.vpc_peering_connection_id(id),
            RouteTarget::Other(id) if id.starts_with("nat-") => req.nat_gateway_id(id),
            RouteTarget::Other(id) if id.starts_with("tgw-") => req.transit_gateway_id(id),
            RouteTarget::Other(id) => req.network_interface_id(id),
            RouteTarget::Local => req.gateway_id("local"),
        };
        req.send().await.map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn replace_route(
        &self,
        route_table_id: &str,
        destination_cidr: &str,
        target: &RouteTarget,
    ) -> Result<(), AwsError> {
        let req = self.client.replace_route().route_table_id(route_table_id).destination_cidr_block(destination_cidr);
        let req = match target {
            RouteTarget::Gateway(id) => req.gateway_id(id),
            RouteTarget::VpcPeering(id) => req.vpc_peering_connection_id(id),
            RouteTarget::Other(id) if id.starts_with("nat-") => req.nat_gateway_id(id),
            RouteTarget::Other(id) if id.starts_with("tgw-") => req.transit_gateway_id(id),
            RouteTarget::Other(id) => req.network_interface_id(id),
            RouteTarget::Local => req.local_target(true),
        };
        req.send().await.map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn delete_route(&self, route_table_id: &str, destination_cidr: &str) -> Result<(), AwsError> {
        self.client
            .delete_route()
            .route_table_id(route_table_id)
            .destination_cidr_block(destination_cidr)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn create_vpc_peering_connection(&self, input: CreateVpcPeeringInput) -> Result<VpcPeering, AwsError> {
        let out = self
            .client
            .create_vpc_peering_connection()
            .vpc_id(&input.vpc_id)
            .peer_vpc_id(&input.peer_vpc_id)
            .set_peer_owner_id(input.peer_owner_id.clone())
            .set_peer_region(input.peer_region.clone())
            .set_tag_specifications(tag_spec(ResourceType::VpcPeeringConnection, &input.tags))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.vpc_peering_connection()
            .map(peering_from_sdk)
            .ok_or_else(|| missing("peering connection", "CreateVpcPeeringConnection"))
    }

    async fn accept_vpc_peering_connection(&self, id: &str) -> Result<VpcPeering, AwsError> {
        let out = self
            .client
            .accept_vpc_peering_connection()
            .vpc_peering_connection_id(id)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.vpc_peering_connection()
            .map(peering_from_sdk)
            .ok_or_else(|| missing("peering connection", "AcceptVpcPeeringConnection"))
    }

    async fn find_vpc_peering_connection(&self, id: &str) -> Result<Option<VpcPeering>, AwsError> {
        let r = self
            .client
            .describe_vpc_peering_connections()
            .vpc_peering_connection_ids(id)
            .send()
            .await
            .map_err(|e| self.err(e));
        Ok(none_if_not_found(r)?.and_then(|out| {
            the_one(out.vpc_peering_connections().iter().map(peering_from_sdk).collect(), id, |p| &p.id)
        }))
    }

    async fn find_vpc_peering_connections(&self, filters: &Filters) -> Result<Vec<VpcPeering>, AwsError> {
        let items = self
            .client
            .describe_vpc_peering_connections()
            .set_filters(sdk_filters(filters))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e))?;
        Ok(items.iter().map(peering_from_sdk).collect())
    }

    async fn modify_vpc_peering_dns(
        &self,
        id: &str,
        requester: Option<bool>,
        accepter: Option<bool>,
    ) -> Result<(), AwsError> {
        // Only the DNS flag: the ClassicLink ones are refused cross-region (TFP #6730).
        let opt =
            |v: bool| t::PeeringConnectionOptionsRequest::builder().allow_dns_resolution_from_remote_vpc(v).build();
        self.client
            .modify_vpc_peering_connection_options()
            .vpc_peering_connection_id(id)
            .set_requester_peering_connection_options(requester.map(opt))
            .set_accepter_peering_connection_options(accepter.map(opt))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn delete_vpc_peering_connection(&self, id: &str) -> Result<(), AwsError> {
        self.client
            .delete_vpc_peering_connection()
            .vpc_peering_connection_id(id)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn find_network_interfaces(&self, filters: &Filters) -> Result<Vec<NetworkInterface>, AwsError> {
        let items = self
            .client
            .describe_network_interfaces()
            .set_filters(sdk_filters(filters))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e))?;
        Ok(items.iter().map(eni_from_sdk).collect())
    }

    async fn delete_network_interface(&self, id: &str) -> Result<(), AwsError> {
        self.client.delete_network_interface().network_interface_id(id).send().await.map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn create_tags(&self, resource_ids: &[String], tags: &Tags) -> Result<(), AwsError> {
        if resource_ids.is_empty() || tags.is_empty() {
            return Ok(());
        }
        self.client
            .create_tags()
            .set_resources(Some(resource_ids.to_vec()))
            .set_tags(Some(sdk_tags(tags)))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn delete_tags(&self, resource_ids: &[String], keys: &[String]) -> Result<(), AwsError> {
        if resource_ids.is_empty() || keys.is_empty() {
            return Ok(());
        }
        self.client
            .delete_tags()
            .set_resources(Some(resource_ids.to_vec()))
            .set_tags(Some(keys.iter().map(|k| t::Tag::builder().key(k).build()).collect()))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn describe_availability_zones(&self) -> Result<Vec<AvailabilityZone>, AwsError> {
        let out = self.client.describe_availability_zones().send().await.map_err(|e| self.err(e))?;
        Ok(out
            .availability_zones()
            .iter()
            .map(|z| AvailabilityZone {
                name: s(z.zone_name()),
                zone_id: s(z.zone_id()),
                state: z.state().map(|x| x.as_str().to_string()).unwrap_or_default(),
            })
            .collect())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn tag(k: &str, v: &str) -> t::Tag {
        t::Tag::builder().key(k).value(v).build()
    }

    #[test]
    fn sdk_peering_maps_status_sides_and_options() {
        let side = |vpc: &str, cidr: &str, dns: Option<bool>| {
            let mut b = t::VpcPeeringConnectionVpcInfo::builder()
                .vpc_id(vpc)
                .owner_id("123456789012")
                .region("us-east-1")
                .cidr_block(cidr)
                .cidr_block_set(t::CidrBlock::builder().cidr_block(cidr).build())
                .cidr_block_set(t::CidrBlock::builder().cidr_block("100.64.0.0/16").build());
            if let Some(v) = dns {
                b = b.peering_options(
                    t::VpcPeeringConnectionOptionsDescription::builder()
                        .allow_dns_resolution_from_remote_vpc(v)
                        .build(),
                );
            }
            b.build()
        };
        let p = t::VpcPeeringConnection::builder()
            .vpc_peering_connection_id("pcx-1")
            .status(
                t::VpcPeeringConnectionStateReason::builder()
                    .code(t::VpcPeeringConnectionStateReasonCode::PendingAcceptance)
                    .message("Pending Acceptance by 123456789012")
                    .build(),
            )
            .requester_vpc_info(side("vpc-app", "10.1.0.0/16", Some(true)))
            .accepter_vpc_info(side("vpc-dms", "10.0.0.0/24", None))
            .tags(tag("Name", "p"))
            .build();
        let d = peering_from_sdk(&p);
        assert_eq!(d.id, "pcx-1");
        assert_eq!(d.status, "pending-acceptance");
        assert_eq!(d.status_message, "Pending Acceptance by 123456789012");
        assert_eq!(d.requester.vpc_id, "vpc-app");
        assert_eq!(d.requester.cidr_blocks, vec!["10.1.0.0/16".to_string(), "100.64.0.0/16".to_string()]);
        assert_eq!(d.requester.allow_dns_resolution_from_remote_vpc, Some(true));
        assert_eq!(d.accepter.allow_dns_resolution_from_remote_vpc, None);
        assert_eq!(d.tags.get("Name").map(String::as_str), Some("p"));
        assert!(!d.is_dead());
    }

    #[test]
    fn sdk_vpc_and_subnet_map_to_domain() {
        let v = t::Vpc::builder()
            .vpc_id("vpc-1")
            .state(t::VpcState::Available)
            .cidr_block("10.0.0.0/24")
            .is_default(false)
            .tags(tag("dmslink:stack", "dblink"))
            .build();
        let d = vpc_from_sdk(&v);
        assert_eq!((d.id.as_str(), d.state.as_str(), d.cidr_block.as_str()), ("vpc-1", "available", "10.0.0.0/24"));
        assert_eq!(d.tags.get("dmslink:stack").map(String::as_str), Some("dblink"));

        let sn = t::Subnet::builder()
            .subnet_id("subnet-1")
            .vpc_id("vpc-1")
            .state(t::SubnetState::Pending)
            .cidr_block("10.0.0.0/26")
            .availability_zone("us-east-1a")
            .build();
        let d = subnet_from_sdk(&sn);
        assert_eq!((d.state.as_str(), d.availability_zone.as_str()), ("pending", "us-east-1a"));
        assert!(d.tags.is_empty());
    }

    #[test]
    fn sdk_rules_map_both_ways() {
        let r = t::SecurityGroupRule::builder()
            .security_group_rule_id("sgr-1")
            .group_id("sg-1")
            .is_egress(false)
            .ip_protocol("tcp")
            .from_port(5432)
            .to_port(5432)
            .cidr_ipv4("10.1.0.0/16")
            .build();
        let d = sg_rule_from_sdk(&r);
        assert_eq!(d.direction, RuleDirection::Ingress);
        assert_eq!(d.rule, SgRule::tcp(5432, RulePeer::Cidr("10.1.0.0/16".into())));

        let r = t::SecurityGroupRule::builder()
            .group_id("sg-1")
            .is_egress(true)
            .ip_protocol("-1")
            .from_port(-1)
            .to_port(-1)
            .referenced_group_info(t::ReferencedSecurityGroup::builder().group_id("sg-2").build())
            .build();
        let d = sg_rule_from_sdk(&r);
        assert_eq!((d.direction, d.rule.peer.clone()), (RuleDirection::Egress, RulePeer::Group("sg-2".into())));

        let p = ip_permission(&SgRule::tcp(1521, RulePeer::Group("sg-9".into())));
        assert_eq!((p.ip_protocol(), p.from_port(), p.to_port()), (Some("tcp"), Some(1521), Some(1521)));
        assert_eq!(p.user_id_group_pairs()[0].group_id(), Some("sg-9"));
        let p = ip_permission(&SgRule::all(RulePeer::Cidr("0.0.0.0/0".into())));
        assert_eq!((p.ip_protocol(), p.from_port()), (Some("-1"), None));
        assert_eq!(p.ip_ranges()[0].cidr_ip(), Some("0.0.0.0/0"));
    }

    #[test]
    fn sdk_gateways_map_with_attachments() {
        let g = t::VpnGateway::builder()
            .vpn_gateway_id("vgw-1")
            .state(t::VpnState::Available)
            .amazon_side_asn(64512)
            .vpc_attachments(t::VpcAttachment::builder().vpc_id("vpc-old").state(t::AttachmentStatus::Detached).build())
            .vpc_attachments(t::VpcAttachment::builder().vpc_id("vpc-1").state(t::AttachmentStatus::Attached).build())
            .build();
        let d = vgw_from_sdk(&g);
        assert_eq!(d.amazon_side_asn, Some(64512));
        assert_eq!(d.attached_vpc(), Some("vpc-1"));
        assert_eq!(d.attachments[0].state, "detached");

        let i = t::InternetGateway::builder()
            .internet_gateway_id("igw-1")
            .attachments(
                t::InternetGatewayAttachment::builder()
                    .vpc_id("vpc-1")
                    .state(t::AttachmentStatus::from("available"))
                    .build(),
            )
            .build();
        let d = igw_from_sdk(&i);
        assert_eq!(d.attachments, vec![GatewayAttachment { vpc_id: "vpc-1".into(), state: "available".into() }]);
    }

    #[test]
    fn sdk_route_table_maps_main_flag_routes_and_propagation() {
        let rt = t::RouteTable::builder()
            .route_table_id("rtb-1")
            .vpc_id("vpc-1")
            .associations(
                t::RouteTableAssociation::builder().route_table_association_id("rtbassoc-1").main(true).build(),
            )
            .propagating_vgws(t::PropagatingVgw::builder().gateway_id("vgw-1").build())
            .routes(
                t::Route::builder()
                    .destination_cidr_block("10.0.0.0/24")
                    .gateway_id("local")
                    .state(t::RouteState::Active)
                    .origin(t::RouteOrigin::CreateRouteTable)
                    .build(),
            )
            .routes(
                t::Route::builder()
                    .destination_cidr_block("10.9.0.0/16")
                    .vpc_peering_connection_id("pcx-1")
                    .state(t::RouteState::Blackhole)
                    .origin(t::RouteOrigin::CreateRoute)
                    .build(),
            )
            .build();
        let d = route_table_from_sdk(&rt);
        assert!(d.main);
        assert_eq!(d.propagating_vgws, vec!["vgw-1".to_string()]);
        assert_eq!(d.routes[0].target, RouteTarget::Local);
        assert_eq!(d.routes[1].target, RouteTarget::VpcPeering("pcx-1".into()));
        assert_eq!((d.routes[1].state.as_str(), d.routes[1].origin.as_str()), ("blackhole", "CreateRoute"));
    }

    #[test]
    fn sdk_network_interface_maps_groups_and_status() {
        let n = t::NetworkInterface::builder()
            .network_interface_id("eni-1")
            .status(t::NetworkInterfaceStatus::Available)
            .subnet_id("subnet-1")
            .vpc_id("vpc-1")
            .groups(t::GroupIdentifier::builder().group_id("sg-1").build())
            .description("DMSNetworkInterface")
            .build();
        let d = eni_from_sdk(&n);
        assert_eq!((d.status.as_str(), d.group_ids.clone()), ("available", vec!["sg-1".to_string()]));
        assert_eq!(d.description, "DMSNetworkInterface");
    }

    #[test]
    fn filters_and_tag_specs_convert() {
        let f = sdk_filters(&Filters::new().with("vpc-id", "vpc-1")).unwrap();
        assert_eq!((f[0].name(), f[0].values()), (Some("vpc-id"), &["vpc-1".to_string()][..]));
        assert!(sdk_filters(&Filters::new()).is_none());
        assert!(tag_spec(ResourceType::Vpc, &Tags::new()).is_none());
        let ts = tag_spec(ResourceType::Subnet, &Tags::from([("a".to_string(), "b".to_string())])).unwrap();
        assert_eq!(ts[0].resource_type(), Some(&ResourceType::Subnet));
        assert_eq!(tags_from_sdk(ts[0].tags()), Tags::from([("a".to_string(), "b".to_string())]));
    }
}
