# Plan-only checks of this module with a mocked dmslink provider: no AWS account, no emulator,
# no credentials (Terraform >= 1.7; `terraform init` still installs the provider for its schema).
#
#   terraform init -backend=false
#   terraform test -filter=tests/plan_mocked.tftest.hcl

mock_provider "dmslink" {
  # What the data source would read from the terraform-main stack.
  mock_data "dmslink_main" {
    defaults = {
      vpc_id            = "vpc-0d0500000000000d1"
      security_group_id = "sg-0d0500000000000d1"
      target            = { port = 5432 }
    }
  }
}

variables {
  app_vpc_id = "vpc-0a0900000000000a1"
}

run "peers_the_application_vpc_with_the_stack" {
  command = plan

  assert {
    condition     = dmslink_peering.app.vpc_id == "vpc-0d0500000000000d1" && dmslink_peering.app.peer_vpc_id == var.app_vpc_id
    error_message = "The DMS VPC accepts; the application VPC requests."
  }

  assert {
    condition     = dmslink_peering.app.security_group_id == "sg-0d0500000000000d1" && length(dmslink_peering.app.ports) == 1 && contains(dmslink_peering.app.ports, 5432)
    error_message = "The stack's security group lets the application reach the target database port."
  }

  assert {
    condition     = dmslink_peering.app.dns_resolution == true
    error_message = "Private DNS names resolve across the peering."
  }
}
