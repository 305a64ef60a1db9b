//! `Ec2Api` with coalesced reads: concurrent lookups of VPCs, subnets, security groups, internet
//! gateways and VPN gateways by id share one `Describe*` filtered by all their ids per window
//! (`aws::coalesce`): the refresh of many `dmslink_main` stacks in one plan. A filter answers the
//! objects that exist, where a list of ids fails as a whole on one that does not
//! (`InvalidVpcID.NotFound`), so a missing object is simply absent: gone. Everything else passes
//! straight through. Put in front of the SDK client with the DMS one (`aws::dms_coalesced`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::coalesce::{BatchLookup, Coalescer};
use super::ec2::*;
use super::error::AwsError;

/// Ids per request: EC2 takes up to 200 values in a filter; a request never carries more than 100.
const PER_REQUEST: usize = 100;

pub struct CoalescedEc2 {
    inner: Arc<dyn Ec2Api>,
    vpcs: Arc<Coalescer<Vpc>>,
    subnets: Arc<Coalescer<Subnet>>,
    security_groups: Arc<Coalescer<SecurityGroup>>,
    internet_gateways: Arc<Coalescer<InternetGateway>>,
    vpn_gateways: Arc<Coalescer<VpnGateway>>,
}

impl CoalescedEc2 {
    pub fn new(inner: Arc<dyn Ec2Api>, window: Duration) -> CoalescedEc2 {
        CoalescedEc2 {
            vpcs: Coalescer::new("EC2 VPC", Arc::new(ById::<Vpc>::new(inner.clone())), window),
            subnets: Coalescer::new("EC2 subnet", Arc::new(ById::<Subnet>::new(inner.clone())), window),
            security_groups: Coalescer::new(
                "EC2 security group",
                Arc::new(ById::<SecurityGroup>::new(inner.clone())),
                window,
            ),
            internet_gateways: Coalescer::new(
                "EC2 internet gateway",
                Arc::new(ById::<InternetGateway>::new(inner.clone())),
                window,
            ),
            vpn_gateways: Coalescer::new("EC2 VPN gateway", Arc::new(ById::<VpnGateway>::new(inner.clone())), window),
            inner,
        }
    }
}

/// One kind of EC2 object: its id filter, its id, and the two calls that read it.
#[async_trait]
trait Kind: Clone + Send + Sync + Sized + 'static {
    const ID_FILTER: &'static str;
    fn id(&self) -> &str;
    async fn filtered(ec2: &dyn Ec2Api, filters: &Filters) -> Result<Vec<Self>, AwsError>;
    async fn one(ec2: &dyn Ec2Api, id: &str) -> Result<Option<Self>, AwsError>;
}

macro_rules! kind {
    ($t:ty, $filter:literal, $many:ident, $one:ident) => {
        #[async_trait]
        impl Kind for $t {
            const ID_FILTER: &'static str = $filter;
            fn id(&self) -> &str {
                &self.id
            }
            async fn filtered(ec2: &dyn Ec2Api, filters: &Filters) -> Result<Vec<Self>, AwsError> {
                ec2.$many(filters).await
            }
            async fn one(ec2: &dyn Ec2Api, id: &str) -> Result<Option<Self>, AwsError> {
                ec2.$one(id).await
            }
        }
    };
}

kind!(Vpc, "vpc-id", find_vpcs, find_vpc);
kind!(Subnet, "subnet-id", find_subnets, find_subnet);
kind!(SecurityGroup, "group-id", find_security_groups, find_security_group);
kind!(InternetGateway, "internet-gateway-id", find_internet_gateways, find_internet_gateway);
kind!(VpnGateway, "vpn-gateway-id", find_vpn_gateways, find_vpn_gateway);

struct ById<T> {
    ec2: Arc<dyn Ec2Api>,
    kind: std::marker::PhantomData<fn() -> T>,
}

impl<T> ById<T> {
    fn new(ec2: Arc<dyn Ec2Api>) -> ById<T> {
        ById { ec2, kind: std::marker::PhantomData }
    }
}

#[async_trait]
impl<T: Kind> BatchLookup<T> for ById<T> {
    async fn many(&self, keys: &[String]) -> Result<BTreeMap<String, T>, AwsError> {
        let mut out = BTreeMap::new();
        for chunk in keys.chunks(PER_REQUEST) {
            let ids: Vec<&str> = chunk.iter().map(String::as_str).collect();
            let found = T::filtered(self.ec2.as_ref(), &Filters::new().any_of(T::ID_FILTER, &ids)).await?;
            // Emulators may ignore a filter; keep only what was asked for.
            out.extend(
                found.into_iter().filter(|o| chunk.iter().any(|k| k == o.id())).map(|o| (o.id().to_string(), o)),
            );
        }
        Ok(out)
    }
    async fn one(&self, key: &str) -> Result<Option<T>, AwsError> {
        T::one(self.ec2.as_ref(), key).await
    }
}

#[async_trait]
impl Ec2Api for CoalescedEc2 {
    async fn create_vpc(&self, cidr_block: &str, tags: &Tags) -> Result<Vpc, AwsError> {
        self.inner.create_vpc(cidr_block, tags).await
    }

    async fn find_vpc(&self, id: &str) -> Result<Option<Vpc>, AwsError> {
        self.vpcs.get(id).await
    }

    async fn find_vpcs(&self, filters: &Filters) -> Result<Vec<Vpc>, AwsError> {
        self.inner.find_vpcs(filters).await
    }

    async fn delete_vpc(&self, id: &str) -> Result<(), AwsError> {
        self.inner.delete_vpc(id).await
    }

    async fn modify_vpc_attribute(&self, vpc_id: &str, attribute: VpcAttribute, value: bool) -> Result<(), AwsError> {
        self.inner.modify_vpc_attribute(vpc_id, attribute, value).await
    }

    async fn describe_vpc_attribute(&self, vpc_id: &str, attribute: VpcAttribute) -> Result<bool, AwsError> {
        self.inner.describe_vpc_attribute(vpc_id, attribute).await
    }

    async fn create_subnet(&self, input: CreateSubnetInput) -> Result<Subnet, AwsError> {
        self.inner.create_subnet(input).await
    }

    async fn find_subnet(&self, id: &str) -> Result<Option<Subnet>, AwsError> {
        self.subnets.get(id).await
    }

    async fn find_subnets(&self, filters: &Filters) -> Result<Vec<Subnet>, AwsError> {
        self.inner.find_subnets(filters).await
    }

    async fn delete_subnet(&self, id: &str) -> Result<(), AwsError> {
        self.inner.delete_subnet(id).await
    }

    async fn create_security_group(&self, input: CreateSecurityGroupInput) -> Result<SecurityGroup, AwsError> {
        self.inner.create_security_group(input).await
    }

    async fn find_security_group(&self, id: &str) -> Result<Option<SecurityGroup>, AwsError> {
        self.security_groups.get(id).await
    }

    async fn find_security_groups(&self, filters: &Filters) -> Result<Vec<SecurityGroup>, AwsError> {
        self.inner.find_security_groups(filters).await
    }

    async fn delete_security_group(&self, id: &str) -> Result<(), AwsError> {
        self.inner.delete_security_group(id).await
    }

    async fn authorize_security_group_ingress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        self.inner.authorize_security_group_ingress(group_id, rules).await
    }

    async fn authorize_security_group_egress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        self.inner.authorize_security_group_egress(group_id, rules).await
    }

    async fn revoke_security_group_ingress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        self.inner.revoke_security_group_ingress(group_id, rules).await
    }

    async fn revoke_security_group_egress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        self.inner.revoke_security_group_egress(group_id, rules).await
    }

    async fn find_security_group_rules(&self, group_id: &str) -> Result<Vec<SecurityGroupRule>, AwsError> {
        self.inner.find_security_group_rules(group_id).await
    }

    async fn create_internet_gateway(&self, tags: &Tags) -> Result<InternetGateway, AwsError> {
        self.inner.create_internet_gateway(tags).await
    }

    async fn attach_internet_gateway(&self, igw_id: &str, vpc_id: &str) -> Result<(), AwsError> {
        self.inner.attach_internet_gateway(igw_id, vpc_id).await
    }

    async fn detach_internet_gateway(&self, igw_id: &str, vpc_id: &str) -> Result<(), AwsError> {
        self.inner.detach_internet_gateway(igw_id, vpc_id).await
    }

    async fn find_internet_gateway(&self, id: &str) -> Result<Option<InternetGateway>, AwsError> {
        self.internet_gateways.get(id).await
    }

    async fn find_internet_gateways(&self, filters: &Filters) -> Result<Vec<InternetGateway>, AwsError> {
        self.inner.find_internet_gateways(filters).await
    }

    async fn delete_internet_gateway(&self, id: &str) -> Result<(), AwsError> {
        self.inner.delete_internet_gateway(id).await
    }

    async fn create_vpn_gateway(&self, input: CreateVpnGatewayInput) -> Result<VpnGateway, AwsError> {
        self.inner.create_vpn_gateway(input).await
    }

    async fn attach_vpn_gateway(&self, vgw_id: &str, vpc_id: &str) -> Result<GatewayAttachment, AwsError> {
        self.inner.attach_vpn_gateway(vgw_id, vpc_id).await
    }

    async fn detach_vpn_gateway(&self, vgw_id: &str, vpc_id: &str) -> Result<(), AwsError> {
        self.inner.detach_vpn_gateway(vgw_id, vpc_id).await
    }

    async fn find_vpn_gateway(&self, id: &str) -> Result<Option<VpnGateway>, AwsError> {
        self.vpn_gateways.get(id).await
    }

    async fn find_vpn_gateways(&self, filters: &Filters) -> Result<Vec<VpnGateway>, AwsError> {
        self.inner.find_vpn_gateways(filters).await
    }

    async fn find_vpn_connections(&self, filters: &Filters) -> Result<Vec<VpnConnection>, AwsError> {
        self.inner.find_vpn_connections(filters).await
    }

    async fn delete_vpn_gateway(&self, id: &str) -> Result<(), AwsError> {
        self.inner.delete_vpn_gateway(id).await
    }

    async fn enable_vgw_route_propagation(&self, route_table_id: &str, vgw_id: &str) -> Result<(), AwsError> {
        self.inner.enable_vgw_route_propagation(route_table_id, vgw_id).await
    }

    async fn disable_vgw_route_propagation(&self, route_table_id: &str, vgw_id: &str) -> Result<(), AwsError> {
        self.inner.disable_vgw_route_propagation(route_table_id, vgw_id).await
    }

    async fn find_route_table(&self, id: &str) -> Result<Option<RouteTable>, AwsError> {
        self.inner.find_route_table(id).await
    }

    async fn find_route_tables(&self, filters: &Filters) -> Result<Vec<RouteTable>, AwsError> {
        self.inner.find_route_tables(filters).await
    }

    async fn create_route(
        &self,
        route_table_id: &str,
        destination_cidr: &str,
        target: &RouteTarget,
    ) -> Result<(), AwsError> {
        self.inner.create_route(route_table_id, destination_cidr, target).await
    }

    async fn replace_route(
        &self,
        route_table_id: &str,
        destination_cidr: &str,
        target: &RouteTarget,
    ) -> Result<(), AwsError> {
        self.inner.replace_route(route_table_id, destination_cidr, target).await
    }

    async fn delete_route(&self, route_table_id: &str, destination_cidr: &str) -> Result<(), AwsError> {
        self.inner.delete_route(route_table_id, destination_cidr).await
    }

    async fn create_vpc_peering_connection(&self, input: CreateVpcPeeringInput) -> Result<VpcPeering, AwsError> {
        self.inner.create_vpc_peering_connection(input).await
    }

    async fn accept_vpc_peering_connection(&self, id: &str) -> Result<VpcPeering, AwsError> {
        self.inner.accept_vpc_peering_connection(id).await
    }

    async fn find_vpc_peering_connection(&self, id: &str) -> Result<Option<VpcPeering>, AwsError> {
        self.inner.find_vpc_peering_connection(id).await
    }

    async fn find_vpc_peering_connections(&self, filters: &Filters) -> Result<Vec<VpcPeering>, AwsError> {
        self.inner.find_vpc_peering_connections(filters).await
    }

    async fn modify_vpc_peering_dns(
        &self,
        id: &str,
        requester: Option<bool>,
        accepter: Option<bool>,
    ) -> Result<(), AwsError> {
        self.inner.modify_vpc_peering_dns(id, requester, accepter).await
    }

    async fn delete_vpc_peering_connection(&self, id: &str) -> Result<(), AwsError> {
        self.inner.delete_vpc_peering_connection(id).await
    }

    async fn find_network_interfaces(&self, filters: &Filters) -> Result<Vec<NetworkInterface>, AwsError> {
        self.inner.find_network_interfaces(filters).await
    }

    async fn delete_network_interface(&self, id: &str) -> Result<(), AwsError> {
        self.inner.delete_network_interface(id).await
    }

    async fn create_tags(&self, resource_ids: &[String], tags: &Tags) -> Result<(), AwsError> {
        self.inner.create_tags(resource_ids, tags).await
    }

    async fn delete_tags(&self, resource_ids: &[String], keys: &[String]) -> Result<(), AwsError> {
        self.inner.delete_tags(resource_ids, keys).await
    }

    async fn describe_availability_zones(&self) -> Result<Vec<AvailabilityZone>, AwsError> {
        self.inner.describe_availability_zones().await
    }
}

#[cfg(test)]
#[path = "ec2_coalesced_tests.rs"]
mod tests;
