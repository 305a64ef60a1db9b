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
# DMS config: the outputs of terraform-main
#--------------------------------------------------------------
variable "dms_source_arn" {
  description = "The ARN of the source endpoint"
}

variable "dms_target_arn" {
  description = "The ARN of the target endpoint"
}

variable "replication_instance_arn" {
  description = "The ARN of the replication instance"
}

variable "replication_task_id" {
  description = "Unique identifier for the task"
}

variable "start_replication_task" {
  description = "Start the task once it is created (and keep it running across changes)"
  default     = false
}
