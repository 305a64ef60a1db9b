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
