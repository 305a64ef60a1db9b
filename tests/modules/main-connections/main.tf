# Test-only root module of the dmslink acceptance tests (tests/tests/main_connections.rs): a small
# dmslink_main whose source and target are an existing PostgreSQL server (no RDS), with
# test_connections on. The S3 backend's endpoint settings for the emulator are passed with
# `terraform init -backend-config=emulator.s3.tfbackend`.
terraform {
  required_version = ">= 1.0.3"

  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
  }

  backend "s3" {
    bucket         = "tfstate-connections"
    key            = "main-connections"
    region         = "ap-southeast-2"
    dynamodb_table = "terraform-lock-connections"
  }
}

provider "dmslink" {
  region = "ap-southeast-2"
}

variable "server_name" {
  description = "Address of the PostgreSQL server (source and target)"
  type        = string
  default     = "127.0.0.1"
}

variable "port" {
  description = "Port of the PostgreSQL server"
  type        = number
}

variable "username" {
  description = "The login role DMS connects with"
  type        = string
}

# Not `sensitive`: see examples-hcl/terraform-main/_variables.tf (Terraform 1.0.x).
variable "source_password" {
  type = string
}

variable "target_password" {
  type = string
}

resource "dmslink_main" "dblink" {
  name             = "integration-dblink"
  environment      = "dev"
  test_connections = true

  network {
    vpc_cidr           = "10.60.0.0/24"
    availability_zones = ["ap-southeast-2a", "ap-southeast-2b"]
    subnet_cidrs       = ["10.60.0.0/26", "10.60.0.64/26"]
    vpn_gateway        = false
  }

  source {
    name          = "geodesy"
    engine_name   = "postgres"
    server_name   = var.server_name
    port          = var.port
    database_name = "geodesy"
    username      = var.username
    password      = var.source_password
  }

  target {
    engine_name   = "postgres"
    server_name   = var.server_name
    port          = var.port
    database_name = "dblink"
    username      = var.username
    password      = var.target_password
  }

  replication_instance {
    replication_instance_class = "dms.t3.small"
  }
}

output "endpoint_connection_status" {
  value = dmslink_main.dblink.endpoint_connection_status
}
