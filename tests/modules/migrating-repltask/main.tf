# Test-only root module of tests/tests/migrating.rs (issue 14): the original terraform-repltask stage
# as one dmslink_repltask taking over the task the original module made.
terraform {
  required_version = ">= 1.0.3"

  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
  }

  backend "s3" {
    bucket         = "tfstate-migrating"
    key            = "terraform-repltask"
    region         = "ap-southeast-2"
    dynamodb_table = "terraform-lock-migrating"
  }
}

provider "dmslink" {
  region = "ap-southeast-2"
}

variable "replication_instance_arn" {
  type = string
}

variable "dms_source_arn" {
  type = string
}

variable "dms_target_arn" {
  type = string
}

variable "table_mappings" {
  type = string
}

resource "dmslink_repltask" "app" {
  replication_task_id      = "legacy-app-task"
  migration_type           = "full-load"
  replication_instance_arn = var.replication_instance_arn
  source_endpoint_arn      = var.dms_source_arn
  target_endpoint_arn      = var.dms_target_arn
  table_mappings           = var.table_mappings
}
