# VPC peering from an application VPC to the DMS VPC of a dmslink_main stack, so that the
# application can read the replicated Postgres database: the peering request and its acceptance,
# routes in both VPCs, an ingress rule for the database port on the stack's security group and
# DNS resolution across the peering, as one resource.

# The DMS stack of terraform-main, found by name and environment.
data "dmslink_main" "dms" {
  name        = var.stack_name
  environment = var.environment
}

resource "dmslink_peering" "app" {
  # Accepter: the DMS VPC. Requester: the application VPC, in the provider's account and region.
  vpc_id      = data.dmslink_main.dms.vpc_id
  peer_vpc_id = var.app_vpc_id

  # Routes to the other VPC's CIDR. Left out, route_table_ids is every route table of the DMS VPC;
  # null peer_route_table_ids likewise means every route table of the application VPC.
  peer_route_table_ids = var.app_route_table_ids

  # Let the application VPC reach the target Postgres database on the stack's security group.
  security_group_id = data.dmslink_main.dms.security_group_id
  ports             = [coalesce(data.dmslink_main.dms.target.port, 5432)]

  # Private DNS names of each VPC resolve to private addresses from the other (the default).
  dns_resolution = true

  # When the DMS VPC is in another account, name that account and the role to accept the peering
  # with there (assumed from the provider's credentials); peer_region when it is in another region.
  # peer_owner_id = "123456789012"
  # peer_region   = "ap-southeast-1"
  #
  # accepter {
  #   assume_role_arn = "arn:aws:iam::123456789012:role/dblink-peering-accepter"
  #   external_id     = "dblink"
  #   session_name    = "dblink-peering"
  # }

  tags = {
    Name        = "${var.stack_name}-${var.environment}-${var.app_name}-peering"
    owner       = var.owner
    stack_name  = var.stack_name
    environment = var.environment
    created_by  = "terraform"
  }
}

output "peering_connection_id" {
  value = dmslink_peering.app.peering_connection_id
}

output "peering_status" {
  value = dmslink_peering.app.status
}

# The routes in both VPCs, each to the other VPC's CIDR through the peering.
output "routes" {
  value = dmslink_peering.app.routes
}

# What the application connects to across the peering.
output "target_address" {
  value = data.dmslink_main.dms.target.address
}

output "target_port" {
  value = data.dmslink_main.dms.target.port
}
