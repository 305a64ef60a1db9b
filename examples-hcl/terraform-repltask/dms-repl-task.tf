# The DMS stack of terraform-main, read by name instead of copied into TF_VAR_* variables
# (only when main_stack_name is set).
data "dmslink_main" "main" {
  count       = var.main_stack_name == null ? 0 : 1
  name        = var.main_stack_name
  environment = var.environment
}

locals {
  main = one(data.dmslink_main.main)

  # An ARN passed in wins; else the stack's (the source named source_name, or the first).
  replication_instance_arn = var.replication_instance_arn != null ? var.replication_instance_arn : try(local.main.replication_instance_arn, null)
  dms_target_arn           = var.dms_target_arn != null ? var.dms_target_arn : try(local.main.target.endpoint_arn, null)
  dms_source_arn = var.dms_source_arn != null ? var.dms_source_arn : (
    var.source_name != null ? local.main.source_endpoint_arns[var.source_name] : try(local.main.source[0].endpoint_arn, null)
  )
}

# One DMS replication task: which schemas and tables go over.
resource "dmslink_repltask" "dblink" {
  replication_task_id      = var.replication_task_id
  migration_type           = "full-load-and-cdc"
  replication_instance_arn = local.replication_instance_arn
  source_endpoint_arn      = local.dms_source_arn
  target_endpoint_arn      = local.dms_target_arn
  table_mappings           = file("${path.module}/table_mappings.tpl")
  start_replication_task   = var.start_replication_task

  tags = {
    Name        = "${var.stack_name}-dms-${var.environment}-replication-task"
    owner       = var.owner
    stack_name  = var.stack_name
    environment = var.environment
    created_by  = "terraform"
  }
}

output "replication_task_arn" {
  value = dmslink_repltask.dblink.replication_task_arn
}

output "replication_task_status" {
  value = dmslink_repltask.dblink.status
}

# The task's progress and per-table statistics, with report_progress = true. Both are refreshed at
# every plan and refresh; they never change the task, but while the full load runs the outputs change
# from one plan to the next (so they are null unless asked for).
output "replication_task_progress" {
  value = !var.report_progress ? null : {
    status                     = dmslink_repltask.dblink.status
    full_load_progress_percent = dmslink_repltask.dblink.full_load_progress_percent
    tables_loaded              = dmslink_repltask.dblink.tables_loaded
    tables_loading             = dmslink_repltask.dblink.tables_loading
    tables_queued              = dmslink_repltask.dblink.tables_queued
    tables_errored             = dmslink_repltask.dblink.tables_errored
    started_at                 = dmslink_repltask.dblink.started_at
    full_load_finished_at      = dmslink_repltask.dblink.full_load_finished_at
    stop_reason                = dmslink_repltask.dblink.stop_reason
    last_failure_message       = dmslink_repltask.dblink.last_failure_message
  }
}

# Per-table statistics of the tables the task's table mappings select (read after the task changes).
data "dmslink_repltask_tables" "dblink" {
  count                = var.report_progress ? 1 : 0
  replication_task_arn = dmslink_repltask.dblink.replication_task_arn
  depends_on           = [dmslink_repltask.dblink]
}

# One line per table. The CDC counters (inserts, updates, deletes, last_update_time) keep growing
# while the task runs, so they stay out of the outputs; `terraform show -json` has them.
output "replicated_tables" {
  value = !var.report_progress ? null : {
    for t in flatten(data.dmslink_repltask_tables.dblink[*].tables) :
    "${t.schema_name}.${t.table_name}" => "${t.table_state}: ${t.full_load_rows} rows loaded, ${t.full_load_error_rows} in error, validation ${coalesce(t.validation_state, "unknown")}"
  }
}

output "tables_in_error" {
  value = !var.report_progress ? null : flatten(data.dmslink_repltask_tables.dblink[*].tables_errored)
}
