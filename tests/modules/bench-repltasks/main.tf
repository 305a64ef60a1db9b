# Bench-only root module (tests/examples/bench_refresh.rs): `task_count` dmslink_repltask on one
# replication instance, in local state, to time a refresh (`terraform plan`) of many tasks.
terraform {
  required_version = ">= 1.0.3"

  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
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

variable "task_prefix" {
  type = string
}

variable "task_count" {
  type = number
}

resource "dmslink_repltask" "t" {
  count = var.task_count

  replication_task_id      = "${var.task_prefix}-${count.index}"
  migration_type           = "full-load-and-cdc"
  replication_instance_arn = var.replication_instance_arn
  source_endpoint_arn      = var.dms_source_arn
  target_endpoint_arn      = var.dms_target_arn
  start_replication_task   = false

  table_mappings = jsonencode({
    rules = [{
      rule-type      = "selection"
      rule-id        = "1"
      rule-name      = "schema-${count.index}"
      object-locator = { schema-name = "HR", table-name = "%" }
      rule-action    = "include"
    }]
  })

  tags = {
    bench = var.task_prefix
  }
}
