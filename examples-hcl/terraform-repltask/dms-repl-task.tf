# One DMS replication task: which schemas and tables go over.
resource "dmslink_repltask" "dblink" {
  replication_task_id      = var.replication_task_id
  migration_type           = "full-load-and-cdc"
  replication_instance_arn = var.replication_instance_arn
  source_endpoint_arn      = var.dms_source_arn
  target_endpoint_arn      = var.dms_target_arn
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
