# Test-only root module of the dmslink acceptance tests (tests/tests/insight.rs): one dmslink_repltask
# replicating schema HR, with the per-table statistics of dmslink_repltask_tables as outputs. The task's
# refresh-only progress attributes are read from `terraform show -json` (as outputs they would change on
# every refresh). The S3 backend's endpoint settings for the emulator are passed with
# `terraform init -backend-config=emulator.s3.tfbackend`.
terraform {
  required_version = ">= 1.0.3"

  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
  }

  backend "s3" {
    bucket         = "tfstate-insight"
    key            = "repltask-insight"
    region         = "ap-southeast-2"
    dynamodb_table = "terraform-lock-insight"
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

variable "replication_task_id" {
  type = string
}

variable "start_replication_task" {
  type    = bool
  default = false
}

# The task's CloudWatch log (logging {} with dms-cloudwatch-logs-role created as needed).
variable "logging" {
  type    = bool
  default = false
}

variable "migration_type" {
  type    = string
  default = "full-load-and-cdc"
}

resource "dmslink_repltask" "insight" {
  replication_task_id      = var.replication_task_id
  migration_type           = var.migration_type
  replication_instance_arn = var.replication_instance_arn
  source_endpoint_arn      = var.dms_source_arn
  target_endpoint_arn      = var.dms_target_arn
  start_replication_task   = var.start_replication_task

  # Every table of schema HR (and of no other schema, HR_ARCHIVE included).
  table_mappings = jsonencode({
    rules = [{
      "rule-type"      = "selection"
      "rule-id"        = "1"
      "rule-name"      = "hr"
      "object-locator" = { "schema-name" = "HR", "table-name" = "%" }
      "rule-action"    = "include"
    }]
  })

  # Two tables at a time, so that the table counts move during the full load.
  replication_task_settings = jsonencode({
    FullLoadSettings = { MaxFullLoadSubTasks = 2 }
  })

  dynamic "logging" {
    for_each = var.logging ? [true] : []
    content {
      enabled                  = true
      severity                 = { SOURCE_UNLOAD = "LOGGER_SEVERITY_DEBUG" }
      dms_cloudwatch_logs_role = "create"
    }
  }
}

# Every table the task replicates.
data "dmslink_repltask_tables" "all" {
  replication_task_arn = dmslink_repltask.insight.replication_task_arn
}

# Only HR tables whose name starts with EMP.
data "dmslink_repltask_tables" "employees" {
  replication_task_arn = dmslink_repltask.insight.replication_task_arn
  schema_pattern       = "HR"
  table_pattern        = "EMP%"
}

output "replication_task_arn" {
  value = dmslink_repltask.insight.replication_task_arn
}

output "replicated_tables" {
  value = [for t in data.dmslink_repltask_tables.all.tables : "${t.schema_name}.${t.table_name}"]
}

output "employee_tables" {
  value = [for t in data.dmslink_repltask_tables.employees.tables : "${t.schema_name}.${t.table_name}"]
}

output "tables_errored" {
  value = data.dmslink_repltask_tables.all.tables_errored
}
