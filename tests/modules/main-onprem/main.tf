# Test-only root module of the dmslink acceptance tests (tests/tests/main_connections.rs): a
# dmslink_main with two sources (the seed's architecture) whose sources and target are on premises (addresses outside AWS, reached only
# through the stack's VPN gateway and a site-to-site VPN connection), with test_connections on.
# The VPN gateway is the stack's own, or an existing one when var.vpn_gateway_id is set.
# The S3 backend's endpoint settings for the emulator are passed with
# `terraform init -backend-config=emulator.s3.tfbackend`.
terraform {
  required_version = ">= 1.0.3"

  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
  }

  backend "s3" {
    bucket         = "tfstate-onprem"
    key            = "main-onprem"
    region         = "ap-southeast-2"
    dynamodb_table = "terraform-lock-onprem"
  }
}

provider "dmslink" {
  region = "ap-southeast-2"
}

# Not `sensitive`: see examples-hcl/terraform-main/_variables.tf (Terraform 1.0.x).
variable "password" {
  type = string
}

variable "vpn_gateway_id" {
  type    = string
  default = null
}

# The first three octets of the VPC's /24 (another value replaces the stack).
variable "network_prefix" {
  type    = string
  default = "10.61.0"
}

resource "dmslink_main" "onprem" {
  name             = "integration-onprem"
  environment      = "dev"
  test_connections = true

  network {
    vpc_cidr           = "${var.network_prefix}.0/24"
    availability_zones = ["ap-southeast-2a", "ap-southeast-2b"]
    subnet_cidrs       = ["${var.network_prefix}.0/26", "${var.network_prefix}.64/26"]
    vpn_gateway_id     = var.vpn_gateway_id
  }

  source {
    name          = "geodesy"
    engine_name   = "oracle"
    server_name   = "10.50.0.10"
    port          = 1521
    database_name = "GEO"
    username      = "dms_reader"
    password      = var.password
  }

  source {
    name          = "cadastre"
    engine_name   = "oracle"
    server_name   = "10.50.1.20"
    port          = 1521
    database_name = "CAD"
    username      = "dms_reader"
    password      = var.password
  }

  target {
    engine_name   = "postgres"
    server_name   = "10.50.0.11"
    port          = 5432
    database_name = "dblink"
    username      = "dms_writer"
    password      = var.password
  }

  replication_instance {
    replication_instance_class = "dms.t3.small"
  }
}

output "vpn_gateway_id" {
  value = dmslink_main.onprem.vpn_gateway_id
}
