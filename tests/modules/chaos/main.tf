# Test-only root module of the chaos suite (tests/tests/chaos.rs, issue 12 item 3): one dmslink_main
# (an on-premises Oracle source reached through the VPN gateway, an RDS Postgres target), two started
# dmslink_repltask on it and one dmslink_peering from an application VPC the test makes, applied,
# updated and destroyed as one stack while the emulator injects faults into every AWS call. The S3
# backend's endpoint settings for the emulator are passed with
# `terraform init -backend-config=emulator.s3.tfbackend`.
terraform {
  required_version = ">= 1.0.3"

  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
  }

  backend "s3" {
    bucket         = "tfstate-chaos"
    key            = "chaos"
    region         = "ap-southeast-2"
    dynamodb_table = "terraform-lock-chaos"
  }
}

provider "dmslink" {
  region = "ap-southeast-2"
}

variable "app_vpc_id" {
  description = "The application VPC (requester of the peering)"
  type        = string
}

# The three updates of the lifecycle.
variable "source_port" {
  description = "Port of the on-premises source: an ingress rule of the stack's security group and the source endpoint"
  type        = number
  default     = 1521
}

variable "replication_instance_class" {
  type    = string
  default = "dms.t3.medium"
}

variable "target_instance_class" {
  description = "Instance class of the target RDS instance (changed by the lost-answer update case)"
  type        = string
  default     = "db.t3.medium"
}

variable "start_tasks" {
  description = "Start both tasks: only once a VPN connection on the stack's VPN gateway reaches the on-premises source"
  type        = bool
  default     = true
}

variable "commit_rate" {
  description = "FullLoadSettings.CommitRate of both tasks"
  type        = number
  default     = 10000
}

resource "dmslink_main" "chaos" {
  name         = "chaos"
  environment  = "dev"
  dms_vpc_role = "create"

  network {
    vpc_cidr           = "10.70.0.0/24"
    availability_zones = ["ap-southeast-2a", "ap-southeast-2b"]
    subnet_cidrs       = ["10.70.0.0/26", "10.70.0.64/26"]
    vpn_gateway        = true
  }

  source {
    name          = "onprem"
    engine_name   = "oracle"
    server_name   = "10.99.0.15"
    port          = var.source_port
    database_name = "GEODESY"
    username      = "dms_reader"
    password      = "chaos-source-pw"
  }

  target {
    database_name = "dblink"
    username      = "dblink"
    password      = "chaos-target-pw"

    # Nothing of the stack is kept after destroy: the leak audit counts every object.
    rds {
      engine              = "postgres"
      instance_class      = var.target_instance_class
      master_username     = "dblink"
      master_password     = "chaos-target-pw"
      skip_final_snapshot = true
    }
  }

  replication_instance {
    replication_instance_class = var.replication_instance_class
    allocated_storage          = 50
  }

  tags = {
    suite = "chaos"
  }
}

locals {
  task_settings = jsonencode({ FullLoadSettings = { CommitRate = var.commit_rate } })
  schemas       = { hr = "HR", sales = "SALES" }
}

resource "dmslink_repltask" "task" {
  for_each = local.schemas

  replication_task_id       = "chaos-${each.key}"
  migration_type            = "full-load-and-cdc"
  replication_instance_arn  = dmslink_main.chaos.replication_instance_arn
  source_endpoint_arn       = dmslink_main.chaos.source[0].endpoint_arn
  target_endpoint_arn       = dmslink_main.chaos.target.endpoint_arn
  replication_task_settings = local.task_settings
  start_replication_task    = var.start_tasks
  table_mappings = jsonencode({
    rules = [{
      rule-type      = "selection"
      rule-id        = "1"
      rule-name      = "1"
      object-locator = { schema-name = each.value, table-name = "%" }
      rule-action    = "include"
    }]
  })

  tags = {
    Name = "chaos-${each.key}"
  }
}

resource "dmslink_peering" "app" {
  vpc_id            = dmslink_main.chaos.vpc_id
  peer_vpc_id       = var.app_vpc_id
  security_group_id = dmslink_main.chaos.security_group_id
  ports             = [5432]

  tags = {
    Name = "chaos-app-peering"
  }
}
