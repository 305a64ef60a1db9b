//! `Ec2Api` over the fake: each call goes to the module that models it.

use super::*;

#[async_trait]
impl Ec2Api for FakeEc2 {
    async fn create_vpc(&self, cidr_block: &str, tags: &Tags) -> Result<Vpc, AwsError> {
        self.answer("create_vpc", self.op_create_vpc(cidr_block, tags))
    }

    async fn find_vpc(&self, id: &str) -> Result<Option<Vpc>, AwsError> {
        self.op_find_vpc(id)
    }

    async fn find_vpcs(&self, filters: &Filters) -> Result<Vec<Vpc>, AwsError> {
        self.op_find_vpcs(filters)
    }

    async fn delete_vpc(&self, id: &str) -> Result<(), AwsError> {
        self.answer("delete_vpc", self.op_delete_vpc(id))
    }

    async fn modify_vpc_attribute(&self, vpc_id: &str, attribute: VpcAttribute, value: bool) -> Result<(), AwsError> {
        self.answer("modify_vpc_attribute", self.op_modify_vpc_attribute(vpc_id, attribute, value))
    }

    async fn describe_vpc_attribute(&self, vpc_id: &str, attribute: VpcAttribute) -> Result<bool, AwsError> {
        self.op_describe_vpc_attribute(vpc_id, attribute)
    }

    async fn create_subnet(&self, input: CreateSubnetInput) -> Result<Subnet, AwsError> {
        self.answer("create_subnet", self.op_create_subnet(input))
    }

    async fn find_subnet(&self, id: &str) -> Result<Option<Subnet>, AwsError> {
        self.op_find_subnet(id)
    }

    async fn find_subnets(&self, filters: &Filters) -> Result<Vec<Subnet>, AwsError> {
        self.op_find_subnets(filters)
    }

    async fn delete_subnet(&self, id: &str) -> Result<(), AwsError> {
        self.answer("delete_subnet", self.op_delete_subnet(id))
    }

    async fn create_security_group(&self, input: CreateSecurityGroupInput) -> Result<SecurityGroup, AwsError> {
        self.answer("create_security_group", self.op_create_security_group(input))
    }

    async fn find_security_group(&self, id: &str) -> Result<Option<SecurityGroup>, AwsError> {
        self.op_find_security_group(id)
    }

    async fn find_security_groups(&self, filters: &Filters) -> Result<Vec<SecurityGroup>, AwsError> {
        self.op_find_security_groups(filters)
    }

    async fn delete_security_group(&self, id: &str) -> Result<(), AwsError> {
        self.answer("delete_security_group", self.op_delete_security_group(id))
    }

    async fn authorize_security_group_ingress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        self.answer("authorize_security_group_ingress", self.op_authorize_security_group_ingress(group_id, rules))
    }

    async fn authorize_security_group_egress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        self.answer("authorize_security_group_egress", self.op_authorize_security_group_egress(group_id, rules))
    }

    async fn revoke_security_group_ingress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        self.answer("revoke_security_group_ingress", self.op_revoke_security_group_ingress(group_id, rules))
    }

    async fn revoke_security_group_egress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        self.answer("revoke_security_group_egress", self.op_revoke_security_group_egress(group_id, rules))
    }

    async fn find_security_group_rules(&self, group_id: &str) -> Result<Vec<SecurityGroupRule>, AwsError> {
        self.op_find_security_group_rules(group_id)
    }

    async fn create_internet_gateway(&self, tags: &Tags) -> Result<InternetGateway, AwsError> {
        self.answer("create_internet_gateway", self.op_create_internet_gateway(tags))
    }

    async fn attach_internet_gateway(&self, igw_id: &str, vpc_id: &str) -> Result<(), AwsError> {
        self.answer("attach_internet_gateway", self.op_attach_internet_gateway(igw_id, vpc_id))
    }

    async fn detach_internet_gateway(&self, igw_id: &str, vpc_id: &str) -> Result<(), AwsError> {
        self.answer("detach_internet_gateway", self.op_detach_internet_gateway(igw_id, vpc_id))
    }

    async fn find_internet_gateway(&self, id: &str) -> Result<Option<InternetGateway>, AwsError> {
        self.op_find_internet_gateway(id)
    }

    async fn find_internet_gateways(&self, filters: &Filters) -> Result<Vec<InternetGateway>, AwsError> {
        self.op_find_internet_gateways(filters)
    }

    async fn delete_internet_gateway(&self, id: &str) -> Result<(), AwsError> {
        self.answer("delete_internet_gateway", self.op_delete_internet_gateway(id))
    }

    async fn create_vpn_gateway(&self, input: CreateVpnGatewayInput) -> Result<VpnGateway, AwsError> {
        self.answer("create_vpn_gateway", self.op_create_vpn_gateway(input))
    }

    async fn attach_vpn_gateway(&self, vgw_id: &str, vpc_id: &str) -> Result<GatewayAttachment, AwsError> {
        self.answer("attach_vpn_gateway", self.op_attach_vpn_gateway(vgw_id, vpc_id))
    }

    async fn detach_vpn_gateway(&self, vgw_id: &str, vpc_id: &str) -> Result<(), AwsError> {
        self.answer("detach_vpn_gateway", self.op_detach_vpn_gateway(vgw_id, vpc_id))
    }

    async fn find_vpn_gateway(&self, id: &str) -> Result<Option<VpnGateway>, AwsError> {
        self.op_find_vpn_gateway(id)
    }

    async fn find_vpn_gateways(&self, filters: &Filters) -> Result<Vec<VpnGateway>, AwsError> {
        self.op_find_vpn_gateways(filters)
    }

    async fn find_vpn_connections(&self, filters: &Filters) -> Result<Vec<VpnConnection>, AwsError> {
        self.op_find_vpn_connections(filters)
    }

    async fn delete_vpn_gateway(&self, id: &str) -> Result<(), AwsError> {
        self.answer("delete_vpn_gateway", self.op_delete_vpn_gateway(id))
    }

    async fn enable_vgw_route_propagation(&self, route_table_id: &str, vgw_id: &str) -> Result<(), AwsError> {
        self.answer("enable_vgw_route_propagation", self.op_enable_vgw_route_propagation(route_table_id, vgw_id))
    }

    async fn disable_vgw_route_propagation(&self, route_table_id: &str, vgw_id: &str) -> Result<(), AwsError> {
        self.answer("disable_vgw_route_propagation", self.op_disable_vgw_route_propagation(route_table_id, vgw_id))
    }

    async fn find_route_table(&self, id: &str) -> Result<Option<RouteTable>, AwsError> {
        self.op_find_route_table(id)
    }

    async fn find_route_tables(&self, filters: &Filters) -> Result<Vec<RouteTable>, AwsError> {
        self.op_find_route_tables(filters)
    }

    async fn create_route(
        &self,
        route_table_id: &str,
        destination_cidr: &str,
        target: &RouteTarget,
    ) -> Result<(), AwsError> {
        self.answer("create_route", self.op_create_route(route_table_id, destination_cidr, target))
    }

    async fn replace_route(
        &self,
        route_table_id: &str,
        destination_cidr: &str,
        target: &RouteTarget,
    ) -> Result<(), AwsError> {
        self.answer("replace_route", self.op_replace_route(route_table_id, destination_cidr, target))
    }

    async fn delete_route(&self, route_table_id: &str, destination_cidr: &str) -> Result<(), AwsError> {
        self.answer("delete_route", self.op_delete_route(route_table_id, destination_cidr))
    }

    async fn create_vpc_peering_connection(&self, input: CreateVpcPeeringInput) -> Result<VpcPeering, AwsError> {
        self.answer("create_vpc_peering_connection", self.op_create_vpc_peering_connection(input))
    }

    async fn accept_vpc_peering_connection(&self, id: &str) -> Result<VpcPeering, AwsError> {
        self.answer("accept_vpc_peering_connection", self.op_accept_vpc_peering_connection(id))
    }

    async fn find_vpc_peering_connection(&self, id: &str) -> Result<Option<VpcPeering>, AwsError> {
        self.op_find_vpc_peering_connection(id)
    }

    async fn find_vpc_peering_connections(&self, filters: &Filters) -> Result<Vec<VpcPeering>, AwsError> {
        self.op_find_vpc_peering_connections(filters)
    }

    async fn modify_vpc_peering_dns(
        &self,
        id: &str,
        requester: Option<bool>,
        accepter: Option<bool>,
    ) -> Result<(), AwsError> {
        self.answer("modify_vpc_peering_dns", self.op_modify_vpc_peering_dns(id, requester, accepter))
    }

    async fn delete_vpc_peering_connection(&self, id: &str) -> Result<(), AwsError> {
        self.answer("delete_vpc_peering_connection", self.op_delete_vpc_peering_connection(id))
    }

    async fn find_network_interfaces(&self, filters: &Filters) -> Result<Vec<NetworkInterface>, AwsError> {
        self.op_find_network_interfaces(filters)
    }

    async fn delete_network_interface(&self, id: &str) -> Result<(), AwsError> {
        self.answer("delete_network_interface", self.op_delete_network_interface(id))
    }

    async fn create_tags(&self, resource_ids: &[String], tags: &Tags) -> Result<(), AwsError> {
        self.answer("create_tags", self.op_create_tags(resource_ids, tags))
    }

    async fn delete_tags(&self, resource_ids: &[String], keys: &[String]) -> Result<(), AwsError> {
        self.answer("delete_tags", self.op_delete_tags(resource_ids, keys))
    }

    async fn describe_availability_zones(&self) -> Result<Vec<AvailabilityZone>, AwsError> {
        self.op_describe_availability_zones()
    }
}
