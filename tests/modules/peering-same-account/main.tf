# Test-only root module of the dmslink acceptance tests (tests/tests/peering.rs): one dmslink_peering
# between two VPCs of the provider's account. The S3 backend's endpoint settings for the emulator are
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
    key            = "peering-same-account"
    region         = "ap-southeast-2"
    dynamodb_table = "terraform-lock-peering"
  }
}

provider "dmslink" {
  region = "ap-southeast-2"
}

variable "dms_vpc_id" {
  description = "The DMS VPC (accepter)"
  type        = string
}

variable "app_vpc_id" {
  description = "The application VPC (requester)"
  type        = string
}

variable "security_group_id" {
  description = "Security group in the DMS VPC that gets TCP 5432 from the application VPC; null: none"
  type        = string
  default     = null
}

resource "dmslink_peering" "app" {
  vpc_id      = var.dms_vpc_id
  peer_vpc_id = var.app_vpc_id

  security_group_id = var.security_group_id
  ports             = var.security_group_id == null ? null : [5432]

  tags = {
    Name       = "acctest-peering"
    created_by = "dmslink-acctest"
  }
}

output "peering_connection_id" {
  value = dmslink_peering.app.peering_connection_id
}
