//! `Ec2Api` over `aws-sdk-ec2`.

mod convert;
mod factory;
#[cfg(test)]
mod sent_once_tests;
#[cfg(test)]
mod tests;

pub(crate) use convert::*;
pub use factory::SdkEc2Factory;

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
    Subnet, Tags, Vpc, VpcAttribute, VpcPeering, VpnConnection, VpnGateway,
};
use super::error::{AwsError, ErrorKind};
use super::stop;
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
        stop::from_sdk(e, &self.endpoint)
    }
}

/// The configuration of a create the SDK must not retry: EC2 makes a new VPC, VPN gateway,
/// internet gateway or VPC peering connection for every `CreateVpc`/`CreateVpnGateway`/
/// `CreateInternetGateway`/`CreateVpcPeeringConnection` it serves (no natural key, no client
/// token), so an SDK retry after a lost answer makes a twin. The step kit sends these again
/// itself, after looking for what the last attempt made (`step_kit::adopt_or_create_looking`).
fn sent_once() -> aws_sdk_ec2::config::Builder {
    aws_sdk_ec2::config::Builder::default().retry_config(aws_sdk_ec2::config::retry::RetryConfig::disabled())
}

#[async_trait]
impl Ec2Api for SdkEc2 {
    async fn create_vpc(&self, cidr_block: &str, tags: &Tags) -> Result<Vpc, AwsError> {
        let out = self
            .client
            .create_vpc()
            .cidr_block(cidr_block)
            .set_tag_specifications(tag_spec(ResourceType::Vpc, tags))
            .customize()
            .config_override(sent_once())
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
            .customize()
            .config_override(sent_once())
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
            .customize()
            .config_override(sent_once())
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

    async fn find_vpn_connections(&self, filters: &Filters) -> Result<Vec<VpnConnection>, AwsError> {
        let out = self
            .client
            .describe_vpn_connections()
            .set_filters(sdk_filters(filters))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(out.vpn_connections().iter().map(vpn_connection_from_sdk).collect())
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
            .customize()
            .config_override(sent_once())
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
