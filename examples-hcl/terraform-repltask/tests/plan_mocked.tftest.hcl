# Plan-only checks of this module with a mocked dmslink provider: no AWS account, no emulator,
# no credentials (Terraform >= 1.7; `terraform init` still installs the provider for its schema).
#
#   terraform init -backend=false
#   terraform test -filter=tests/plan_mocked.tftest.hcl

mock_provider "dmslink" {
  # What the data source would read from the terraform-main stack.
  mock_data "dmslink_main" {
    defaults = {
      replication_instance_arn = "arn:aws:dms:ap-southeast-2:123456789012:rep:MAINRI"
      source_endpoint_arns     = { geodesy = "arn:aws:dms:ap-southeast-2:123456789012:endpoint:SRC" }
      source                   = [{ name = "geodesy", endpoint_arn = "arn:aws:dms:ap-southeast-2:123456789012:endpoint:SRC" }]
      target                   = { endpoint_arn = "arn:aws:dms:ap-southeast-2:123456789012:endpoint:TGT", port = 5432 }
    }
  }
}

run "arns_passed_in_are_used" {
  command = plan

  variables {
    replication_task_id      = "dblink-repl-dev"
    replication_instance_arn = "arn:aws:dms:ap-southeast-2:123456789012:rep:GIVEN"
    dms_source_arn           = "arn:aws:dms:ap-southeast-2:123456789012:endpoint:GIVENSRC"
    dms_target_arn           = "arn:aws:dms:ap-southeast-2:123456789012:endpoint:GIVENTGT"
  }

  assert {
    condition     = dmslink_repltask.dblink.replication_instance_arn == var.replication_instance_arn
    error_message = "An ARN passed in wins."
  }

  assert {
    condition     = dmslink_repltask.dblink.migration_type == "full-load-and-cdc"
    error_message = "The task loads, then replicates changes."
  }

  assert {
    condition     = jsondecode(dmslink_repltask.dblink.table_mappings).rules[0]["rule-action"] == "include"
    error_message = "The table mappings select tables to include."
  }

  assert {
    condition     = length(data.dmslink_main.main) == 0
    error_message = "Without main_stack_name the stack is not looked up."
  }
}

run "arns_come_from_the_main_stack_by_name" {
  command = plan

  variables {
    replication_task_id      = "dblink-repl-dev"
    main_stack_name          = "integration-dblink"
    replication_instance_arn = null
    dms_source_arn           = null
    dms_target_arn           = null
  }

  assert {
    condition     = dmslink_repltask.dblink.replication_instance_arn == "arn:aws:dms:ap-southeast-2:123456789012:rep:MAINRI"
    error_message = "The replication instance is the stack's."
  }

  assert {
    condition     = dmslink_repltask.dblink.source_endpoint_arn == "arn:aws:dms:ap-southeast-2:123456789012:endpoint:SRC"
    error_message = "The source endpoint is the stack's first source."
  }
}
