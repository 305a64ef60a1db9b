# This module applied for real against the project's local AWS emulator, then destroyed by
# `terraform test` (Terraform >= 1.7). The real dmslink provider makes every call.
#
#   make emulator                      # prints AWS_ENDPOINT_URL=http://127.0.0.1:PORT
#   export AWS_ENDPOINT_URL=... AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
#   # a DMS stack to run the task on (or apply terraform-main first), its ARNs as inputs:
#   .venv/bin/python tests/emulator/fixtures.py dms-stack --endpoint "$AWS_ENDPOINT_URL" --name dblink
#   export TF_VAR_replication_instance_arn=... TF_VAR_dms_source_arn=... TF_VAR_dms_target_arn=...
#   terraform init -backend=false
#   terraform test -filter=tests/emulator.tftest.hcl

variables {
  replication_task_id = "dblink-repl-test"
}

run "creates_the_task_stopped" {
  assert {
    condition     = startswith(output.replication_task_arn, "arn:aws:dms:")
    error_message = "The replication task exists."
  }

  assert {
    condition     = output.replication_task_status == "ready"
    error_message = "Without start_replication_task the task is created and left ready."
  }
}

run "starts_it" {
  variables {
    start_replication_task = true
    report_progress        = true
  }

  assert {
    condition     = contains(["running", "stopped"], output.replication_task_status)
    error_message = "Started, the task runs (or has finished its full load)."
  }

  assert {
    condition     = length(output.tables_in_error) == 0
    error_message = "No table is in error."
  }
}
