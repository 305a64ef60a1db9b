# Plan-only checks of this module with a mocked dmslink provider: no AWS account, no emulator,
# no credentials (Terraform >= 1.7; the provider is still installed by `terraform init`, which
# gives the mock its schema).
#
#   terraform init -backend=false
#   terraform test -filter=tests/plan_mocked.tftest.hcl
#
# Copy it next to your own module and assert what your configuration decides.

mock_provider "dmslink" {}

variables {
  source_snapshot     = "geodesy-oracle-seed"
  source_db_name      = "GEODESY"
  source_app_username = "dms_reader"
  source_app_password = "Source-app-password-1"
  target_db_name      = "dblink"
  target_username     = "dblink"
  target_password     = "Target-password-1"
}

run "plans_one_stack_with_safe_database_defaults" {
  command = plan

  assert {
    condition     = dmslink_main.dblink.name == "integration-dblink" && dmslink_main.dblink.environment == "dev"
    error_message = "The stack is named after stack_name and environment."
  }

  assert {
    condition     = dmslink_main.dblink.network.vpc_cidr == "10.20.0.0/24" && length(dmslink_main.dblink.network.subnet_cidrs) == 3
    error_message = "The DMS VPC has one /26 subnet per availability zone."
  }

  assert {
    condition     = dmslink_main.dblink.source[0].rds.snapshot_identifier == var.source_snapshot
    error_message = "The source Oracle is restored from source_snapshot."
  }

  assert {
    condition     = dmslink_main.dblink.target.rds.engine == "postgres" && dmslink_main.dblink.target.rds.instance_class == "db.t3.medium"
    error_message = "The target is a new Postgres RDS instance."
  }

  assert {
    condition     = dmslink_main.dblink.target.manage_login_secret == true
    error_message = "The target's login lives in a Secrets Manager secret dmslink manages."
  }
}
