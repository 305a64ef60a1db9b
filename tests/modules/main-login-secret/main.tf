# Test-only root module of the dmslink acceptance tests (tests/tests/main_connections.rs, issue 15
# item 7): a small dmslink_main whose target, an existing PostgreSQL server (no RDS), keeps its login
# in a Secrets Manager secret dmslink creates and writes (manage_login_secret), read by DMS through an
# access role dmslink creates; the source connects with a password. test_connections is on, so every
# apply logs into the real server through the secret. The S3 backend's endpoint settings for the
# emulator are passed with `terraform init -backend-config=emulator.s3.tfbackend`.
terraform {
  required_version = ">= 1.0.3"

  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
  }

  backend "s3" {
    bucket         = "tfstate-login-secret"
    key            = "main-login-secret"
    region         = "ap-southeast-2"
    dynamodb_table = "terraform-lock-login-secret"
  }
}

provider "dmslink" {
  region = "ap-southeast-2"
}

variable "port" {
  description = "Port of the PostgreSQL server"
  type        = number
}

variable "username" {
  description = "The login role DMS connects with"
  type        = string
}

variable "source_password" {
  type = string
}

variable "target_password" {
  type = string
}

resource "dmslink_main" "dblink" {
  name             = "integration-login"
  environment      = "dev"
  test_connections = true

  network {
    vpc_cidr           = "10.63.0.0/24"
    availability_zones = ["ap-southeast-2a", "ap-southeast-2b"]
    subnet_cidrs       = ["10.63.0.0/26", "10.63.0.64/26"]
    vpn_gateway        = false
  }

  source {
    name          = "geodesy"
    engine_name   = "postgres"
    server_name   = "127.0.0.1"
    port          = var.port
    database_name = "geodesy"
    username      = var.username
    password      = var.source_password
  }

  target {
    engine_name                 = "postgres"
    server_name                 = "127.0.0.1"
    port                        = var.port
    database_name               = "dblink"
    username                    = var.username
    password                    = var.target_password
    manage_login_secret         = true
    secrets_manager_access_role = "create"
  }

  replication_instance {
    replication_instance_class = "dms.t3.small"
  }
}

output "endpoint_connection_status" {
  value = dmslink_main.dblink.endpoint_connection_status
}
