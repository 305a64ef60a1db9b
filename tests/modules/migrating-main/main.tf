# Test-only root module of tests/tests/migrating.rs (issue 14): the original terraform-main stage,
# rewritten as one dmslink_main that describes the stack the original module built (untagged, its own
# names: tests/emulator/fixtures.py `original-stack`). The test adds the import (an `import {}` block on
# Terraform >= 1.5, `terraform import` on 1.0.3); the S3 backend settings for the emulator come with
# `terraform init -backend-config=...`.
terraform {
  required_version = ">= 1.0.3"

  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
  }

  backend "s3" {
    bucket         = "tfstate-migrating"
    key            = "terraform-main"
    region         = "ap-southeast-2"
    dynamodb_table = "terraform-lock-migrating"
  }
}

provider "dmslink" {
  region = "ap-southeast-2"
}

# Not `sensitive`: see examples-hcl/terraform-main/_variables.tf (Terraform 1.0.x).
variable "password" {
  type = string
}

variable "master_password" {
  type = string
}

variable "source_snapshot" {
  type = string
}

resource "dmslink_main" "dblink" {
  name         = "legacy"
  environment  = "prod"
  dms_vpc_role = "check"

  network {
    vpc_cidr           = "10.70.0.0/24"
    availability_zones = ["ap-southeast-2a", "ap-southeast-2b"]
    subnet_cidrs       = ["10.70.0.0/25", "10.70.0.128/25"]
  }

  # Named by its endpoint identifier, as the import names it.
  source {
    name          = "legacy-oracle"
    engine_name   = "oracle"
    port          = 1521
    database_name = "ORCL"
    username      = "dms_reader"
    password      = var.password

    # What the restore took from the snapshot is written as the instance has it.
    rds {
      snapshot_identifier = var.source_snapshot
      instance_class      = "db.t3.medium"
      allocated_storage   = 20
      storage_encrypted   = false
    }
  }

  target {
    port          = 5432
    database_name = "dblink"
    username      = "dms_writer"
    password      = var.password

    rds {
      engine            = "postgres"
      instance_class    = "db.t3.medium"
      allocated_storage = 20
      master_username   = "dblink"
      master_password   = var.master_password
    }
  }

  replication_instance {
    replication_instance_class = "dms.t3.medium"
    allocated_storage          = 50
  }

  tags = {
    project = "geo"
  }
}

# What terraform-repltask and the peering stage take (TF_VAR_*), as the original outputs were.
output "replication_instance_arn" {
  value = dmslink_main.dblink.replication_instance_arn
}

output "dms_source_arn" {
  value = dmslink_main.dblink.source[0].endpoint_arn
}

output "dms_target_arn" {
  value = dmslink_main.dblink.target.endpoint_arn
}

output "vpc_id" {
  value = dmslink_main.dblink.vpc_id
}

output "security_group_id" {
  value = dmslink_main.dblink.security_group_id
}
