# One replication task through the emulator's HTTPS listener (tests/tests/network.rs): every AWS
# call of the provider (STS, DMS) meets a certificate from a CA only `custom_ca_bundle` or
# AWS_CA_BUNDLE names. The endpoint comes from AWS_ENDPOINT_URL; state is local.
terraform {
  required_version = ">= 1.0.3"
  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
  }
}

variable "custom_ca_bundle" {
  type    = string
  default = null
}

variable "replication_task_id" {
  type = string
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

provider "dmslink" {
  custom_ca_bundle = var.custom_ca_bundle
}

resource "dmslink_repltask" "tls" {
  replication_task_id      = var.replication_task_id
  migration_type           = "full-load"
  replication_instance_arn = var.replication_instance_arn
  source_endpoint_arn      = var.dms_source_arn
  target_endpoint_arn      = var.dms_target_arn
  start_replication_task   = false
  table_mappings = jsonencode({
    rules = [{
      "rule-type"      = "selection"
      "rule-id"        = "1"
      "rule-name"      = "1"
      "object-locator" = { "schema-name" = "ROCKPROPS", "table-name" = "%" }
      "rule-action"    = "include"
    }]
  })
}
