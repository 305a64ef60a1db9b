# This module applied for real against the project's local AWS emulator, then destroyed by
# `terraform test` (Terraform >= 1.7). The real dmslink provider makes every call.
#
#   make emulator                      # prints AWS_ENDPOINT_URL=http://127.0.0.1:PORT
#   export AWS_ENDPOINT_URL=... AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
#   # the source snapshot and dms-vpc-role this module expects, made in the emulator:
#   .venv/bin/python tests/emulator/fixtures.py source-snapshot --endpoint "$AWS_ENDPOINT_URL" --name geodesy-oracle-seed
#   .venv/bin/python tests/emulator/fixtures.py dms-vpc-role --endpoint "$AWS_ENDPOINT_URL"
#   terraform init -backend=false
#   terraform test -filter=tests/emulator.tftest.hcl
#
# Against a real account the same file works with real credentials and a real snapshot (and
# costs what the stack costs while it runs).

variables {
  source_snapshot     = "geodesy-oracle-seed"
  source_db_name      = "GEODESY"
  source_app_username = "dms_reader"
  source_app_password = "Source-app-password-1"
  target_db_name      = "dblink"
  target_username     = "dblink"
  target_password     = "Target-password-1"
}

run "creates_the_stack" {
  assert {
    condition     = startswith(output.replication_instance_arn, "arn:aws:dms:")
    error_message = "The replication instance exists."
  }

  assert {
    condition     = startswith(output.dms_source_arn, "arn:aws:dms:") && startswith(output.dms_target_arn, "arn:aws:dms:")
    error_message = "Both DMS endpoints exist."
  }

  assert {
    condition     = startswith(output.vpn_gateway_id, "vgw-")
    error_message = "The stack has its VPN gateway."
  }

  assert {
    condition     = startswith(output.target_login_secret_arn, "arn:aws:secretsmanager:")
    error_message = "The target's login secret exists."
  }
}

run "reads_the_stack_back" {
  command = plan

  assert {
    condition     = startswith(dmslink_main.dblink.vpc_id, "vpc-") && dmslink_main.dblink.network.vpc_cidr == "10.20.0.0/24"
    error_message = "A plan after the apply reads the stack back from AWS."
  }
}
