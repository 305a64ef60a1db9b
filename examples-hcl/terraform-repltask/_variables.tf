#--------------------------------------------------------------
# Remote state: S3 with a DynamoDB lock table, as in the original
# terraform-repltask module. The key is unique per application.
# Endpoint settings for the local emulator are passed with
#   terraform init -backend-config=emulator.s3.tfbackend
#--------------------------------------------------------------
terraform {
  required_version = ">= 1.0.3"

  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
  }

  backend "s3" {
    bucket         = "tfstate-dblink"
    key            = "dblink-repl"
    region         = "ap-southeast-2"
    dynamodb_table = "terraform-lock-db"
    encrypt        = true
  }
}

provider "dmslink" {
  region = var.region
}

variable "region" {
  description = "AWS region of the DMS stack"
  default     = "ap-southeast-2"
}

#--------------------------------------------------------------
# Meta data, used in tags
#--------------------------------------------------------------
variable "stack_name" {
  description = "The name of our application"
  default     = "integration-dblink"
}

variable "owner" {
  description = "A group email address to be used in tags"
  default     = "dblink-owners@example.com"
}

variable "environment" {
  description = "Used for separating terraform backends and naming items"
  default     = "dev"
}

#--------------------------------------------------------------
# DMS config: the stack made by terraform-main, either read with the
# dmslink_main data source (main_stack_name) or passed in as its
# outputs (TF_VAR_dms_source_arn, ...). An ARN that is set wins.
#--------------------------------------------------------------
variable "main_stack_name" {
  description = "Name of the dmslink_main stack (terraform-main's stack_name) to read the ARNs from, looked up with environment; null: pass dms_source_arn, dms_target_arn and replication_instance_arn instead"
  default     = null
}

variable "source_name" {
  description = "With main_stack_name: which of the stack's sources the task reads (its source block's name); null: the first in name order"
  default     = null
}

variable "dms_source_arn" {
  description = "The ARN of the source endpoint (terraform-main's dms_source_arn); read from the stack when null"
  default     = null
}

variable "dms_target_arn" {
  description = "The ARN of the target endpoint (terraform-main's dms_target_arn); read from the stack when null"
  default     = null
}

variable "replication_instance_arn" {
  description = "The ARN of the replication instance (terraform-main's replication_instance_arn); read from the stack when null"
  default     = null
}

variable "replication_task_id" {
  description = "Unique identifier for the task"
}

variable "start_replication_task" {
  description = "Start the task once it is created (and keep it running across changes)"
  default     = false
}

variable "report_progress" {
  description = "Output the task's progress (replication_task_progress) and per-table statistics (replicated_tables, tables_in_error, from the dmslink_repltask_tables data source); they change while the full load runs"
  default     = false
}
