# Test-only root module of tests/tests/migrating.rs (issue 14): the hand-made peering (the runbook:
# request, accept, routes both ways, a security group rule, DNS) as one dmslink_peering.
terraform {
  required_version = ">= 1.0.3"

  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
  }

  backend "s3" {
    bucket         = "tfstate-migrating"
    key            = "peering"
    region         = "ap-southeast-2"
    dynamodb_table = "terraform-lock-migrating"
  }
}

provider "dmslink" {
  region = "ap-southeast-2"
}

variable "vpc_id" {
  type = string
}

variable "app_vpc_id" {
  type = string
}

variable "route_table_id" {
  type = string
}

variable "app_route_table_id" {
  type = string
}

variable "security_group_id" {
  type = string
}

resource "dmslink_peering" "app" {
  vpc_id               = var.vpc_id
  peer_vpc_id          = var.app_vpc_id
  route_table_ids      = [var.route_table_id]
  peer_route_table_ids = [var.app_route_table_id]
  security_group_id    = var.security_group_id
  ports                = [5432]
  dns_resolution       = true

  tags = {
    Name = "legacy-app-peering"
  }
}
