#--------------------------------------------------------------
# Remote state: S3 with a DynamoDB lock table, as in the other
# modules. The key is unique per application VPC peered with the
# stack. Endpoint settings for the local emulator are passed with
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
    key            = "dblink-peering"
    region         = "ap-southeast-2"
    dynamodb_table = "terraform-lock-db"
    encrypt        = true
  }
}

# The provider's credentials and region are the application VPC's (the requester side).
provider "dmslink" {
  region = var.region
}

variable "region" {
  description = "AWS region of the application VPC (and of the DMS stack unless peer_region says otherwise)"
  default     = "ap-southeast-2"
}

#--------------------------------------------------------------
# The DMS stack made by terraform-main, read with the dmslink_main
# data source
#--------------------------------------------------------------
variable "stack_name" {
  description = "Name of the dmslink_main stack (terraform-main's stack_name)"
  default     = "integration-dblink"
}

variable "environment" {
  description = "Environment of the dmslink_main stack (terraform-main's environment)"
  default     = "dev"
}

variable "owner" {
  description = "A group email address to be used in tags"
  default     = "dblink-owners@example.com"
}

#--------------------------------------------------------------
# The application VPC that reads the replicated Postgres database
#--------------------------------------------------------------
variable "app_name" {
  description = "Name of the application, used in tags"
  default     = "demo-app"
}

variable "app_vpc_id" {
  description = "ID of the application VPC (vpc-...), in the provider's account and region; its CIDR must not overlap the DMS VPC's"
}

variable "app_route_table_ids" {
  description = "Route tables of the application VPC that get a route to the DMS VPC; null: every route table of the VPC"
  type        = list(string)
  default     = null
}
