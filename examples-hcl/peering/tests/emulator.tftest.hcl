# This module applied for real against the project's local AWS emulator, then destroyed by
# `terraform test` (Terraform >= 1.7). The real dmslink provider makes every call.
#
# It peers an application VPC with a terraform-main stack, which the first run applies from
# ../terraform-main (so that module's inputs are needed too, as in its own emulator test).
#
#   make emulator                      # prints AWS_ENDPOINT_URL=http://127.0.0.1:PORT
#   export AWS_ENDPOINT_URL=... AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
#   .venv/bin/python tests/emulator/fixtures.py source-snapshot --endpoint "$AWS_ENDPOINT_URL" --name geodesy-oracle-seed
#   .venv/bin/python tests/emulator/fixtures.py dms-vpc-role --endpoint "$AWS_ENDPOINT_URL"
#   .venv/bin/python tests/emulator/fixtures.py vpc --endpoint "$AWS_ENDPOINT_URL" --name app --cidr 10.30.0.0/16
#   export TF_VAR_app_vpc_id=vpc-...
#   terraform init -backend=false
#   terraform test -filter=tests/emulator.tftest.hcl

variables {
  source_snapshot     = "geodesy-oracle-seed"
  source_db_name      = "GEODESY"
  source_app_username = "dms_reader"
  source_app_password = "Source-app-password-1"
  target_db_name      = "dblink"
  target_username     = "dblink"
  target_password     = "Target-password-1"
}

run "main_stack" {
  module {
    source = "../terraform-main"
  }
}

run "peers_with_the_stack" {
  assert {
    condition     = startswith(output.peering_connection_id, "pcx-") && output.peering_status == "active"
    error_message = "The peering is active."
  }

  assert {
    condition     = length(output.routes) >= 2
    error_message = "Both VPCs route to each other through the peering."
  }
}
