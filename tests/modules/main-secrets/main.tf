# Test-only root module of the dmslink acceptance tests (tests/tests/main_connections.rs, issue 15):
# a small dmslink_main whose source and target are an existing PostgreSQL server (no RDS) with
# their logins in Secrets Manager secrets, each read through an access role dmslink creates, and
# test_connections on. No password appears in this configuration. The S3 backend's endpoint
# settings for the emulator are passed with `terraform init -backend-config=emulator.s3.tfbackend`.
terraform {
  required_version = ">= 1.0.3"

  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
  }

  backend "s3" {
    bucket         = "tfstate-secrets"
    key            = "main-secrets"
    region         = "ap-southeast-2"
    dynamodb_table = "terraform-lock-secrets"
  }
}

provider "dmslink" {
  region = "ap-southeast-2"
}

variable "source_secret_arn" {
  description = "Full ARN of the secret with the source's login (username, password, host, port)"
  type        = string
}

variable "target_secret_arn" {
  description = "Full ARN of the secret with the target's login (username, password, host, port)"
  type        = string
}

resource "dmslink_main" "dblink" {
  name             = "integration-secrets"
  environment      = "dev"
  test_connections = true

  network {
    vpc_cidr           = "10.61.0.0/24"
    availability_zones = ["ap-southeast-2a", "ap-southeast-2b"]
    subnet_cidrs       = ["10.61.0.0/26", "10.61.0.64/26"]
    vpn_gateway        = false
  }

  source {
    name                        = "geodesy"
    engine_name                 = "postgres"
    database_name               = "geodesy"
    secrets_manager_arn         = var.source_secret_arn
    secrets_manager_access_role = "create"
  }

  target {
    engine_name                 = "postgres"
    database_name               = "dblink"
    secrets_manager_arn         = var.target_secret_arn
    secrets_manager_access_role = "create"
  }

  replication_instance {
    replication_instance_class = "dms.t3.small"
  }
}

output "endpoint_connection_status" {
  value = dmslink_main.dblink.endpoint_connection_status
}
