#--------------------------------------------------------------
# Remote state: S3 with a DynamoDB lock table, as in the original
# terraform-main module. Endpoint settings for the local emulator
# are passed with
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
    key            = "dblink"
    region         = "ap-southeast-2"
    dynamodb_table = "terraform-lock-db"
    encrypt        = true
  }
}

provider "dmslink" {
  region = var.region

  default_tags {
    tags = {
      stack_name  = var.stack_name
      environment = var.environment
      created_by  = "terraform"
    }
  }
}

variable "region" {
  description = "AWS region of the DMS stack"
  default     = "ap-southeast-2"
}

variable "stack_name" {
  description = "Prefix of every child's name"
  default     = "integration-dblink"
}

variable "environment" {
  description = "Used for separating terraform backends and naming items"
  default     = "dev"
}

variable "source_snapshot" {
  description = "RDS snapshot the source Oracle database is restored from"
}

variable "source_db_name" {
  description = "Oracle database (SID) DMS reads from"
}

variable "source_username" {
  description = "Master user of the source snapshot (a restore keeps the snapshot's master credentials; kept for the original module's tfvars)"
  default     = ""
}

# The password variables are not declared `sensitive`: the provider marks every password argument
# sensitive already (plans show "(sensitive value)"), and Terraform 1.0.x crashes rendering a change
# to a single nested block (`target`, `rds`) that holds a value from a sensitive variable
# ("value is marked, so must be unmarked first"). On Terraform 1.11 and later, prefer the
# write-only arguments (`password_wo`, `master_password_wo`): they never reach the state.
variable "source_password" {
  description = "Master password of the source snapshot (see source_username)"
  default     = ""
}

variable "source_app_username" {
  description = "Account DMS reads the source with"
}

variable "source_app_password" {
  description = "Password of source_app_username"
}

variable "target_db_name" {
  description = "Postgres database DMS writes to"
}

variable "target_username" {
  description = "Master user of the target Postgres instance, also used by DMS"
}

variable "target_password" {
  description = "Password of target_username"
}
