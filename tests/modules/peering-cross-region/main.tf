# Test-only root module of the dmslink acceptance tests (tests/tests/peering.rs): one dmslink_peering
# from an application VPC in the provider's region to a DMS VPC of the same account in another
# region (`peer_region`), accepted there. The S3 backend's endpoint settings for the emulator are
# passed with `terraform init -backend-config=emulator.s3.tfbackend`.
terraform {
  required_version = ">= 1.0.3"

  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
  }

  backend "s3" {
    bucket         = "tfstate-peering"
    key            = "peering-cross-region"
    region         = "ap-southeast-2"
    dynamodb_table = "terraform-lock-peering"
  }
}

provider "dmslink" {
  region = "ap-southeast-2"
}

variable "dms_vpc_id" {
  description = "The DMS VPC (accepter), in dms_region"
  type        = string
}

variable "dms_region" {
  description = "Region of the DMS VPC"
  type        = string
}

variable "app_vpc_id" {
  description = "The application VPC (requester), in the provider's region"
  type        = string
}

variable "security_group_id" {
  description = "Security group in the DMS VPC that gets TCP 5432 from the application VPC"
  type        = string
}

resource "dmslink_peering" "app" {
  vpc_id      = var.dms_vpc_id
  peer_vpc_id = var.app_vpc_id
  peer_region = var.dms_region

  security_group_id = var.security_group_id
  ports             = [5432]

  tags = {
    Name       = "acctest-peering-cross-region"
    created_by = "dmslink-acctest"
  }
}
