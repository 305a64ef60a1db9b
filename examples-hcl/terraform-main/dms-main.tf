# The once-deployed DMS stack: VPC, VPN gateway, security group, the source Oracle restored from a
# snapshot, the target Postgres, the replication instance and both endpoints, as one resource.
resource "dmslink_main" "dblink" {
  name         = var.stack_name
  environment  = var.environment
  dms_vpc_role = "check"

  network {
    vpc_cidr           = "10.20.0.0/24"
    availability_zones = ["${var.region}a", "${var.region}b", "${var.region}c"]
    subnet_cidrs       = ["10.20.0.0/26", "10.20.0.64/26", "10.20.0.128/26"]
    vpn_gateway        = true
    # Or use the existing VPN gateway the on-premises VPN connections hang on (instead of
    # vpn_gateway): the stack attaches it and only detaches it on destroy.
    # vpn_gateway_id = "vgw-0123456789abcdef0"
  }

  source {
    name          = "geodesy"
    engine_name   = "oracle"
    database_name = var.source_db_name
    username      = var.source_app_username
    password      = var.source_app_password

    rds {
      snapshot_identifier = var.source_snapshot
      instance_class      = "db.t3.medium"
    }
  }

  target {
    database_name = var.target_db_name
    username      = var.target_username
    password      = var.target_password

    # DMS reads this login from a Secrets Manager secret that dmslink creates and writes (with the
    # instance's address, once RDS gives it), through an IAM role dmslink creates that may read
    # only that secret; the endpoint holds no password. Without these two lines the endpoint is
    # given the password itself (see docs/guides/secrets-manager.md for both variants).
    manage_login_secret         = true
    secrets_manager_access_role = "create"

    # Deleting it (destroy, or a change that replaces the stack) takes a final snapshot
    # `<instance>-<UTC time>` unless skip_final_snapshot = true is set; deletion_protection is off
    # unless set. Nothing follows from `environment`: to tie them to it, set e.g.
    #   skip_final_snapshot = var.environment != "prod"
    #   deletion_protection = var.environment == "prod"
    rds {
      engine          = "postgres"
      instance_class  = "db.t3.medium"
      master_username = var.target_username
      master_password = var.target_password
    }
  }

  replication_instance {
    replication_instance_class = "dms.t3.medium"
    allocated_storage          = 50
  }

  tags = {
    owner = "dblink-owners@example.com"
  }
}

# What terraform-repltask needs (TF_VAR_dms_source_arn, ...).
output "replication_instance_arn" {
  value = dmslink_main.dblink.replication_instance_arn
}

output "dms_source_arn" {
  value = dmslink_main.dblink.source[0].endpoint_arn
}

output "dms_target_arn" {
  value = dmslink_main.dblink.target.endpoint_arn
}

output "source_address" {
  value = dmslink_main.dblink.source[0].address
}

output "target_address" {
  value = dmslink_main.dblink.target.address
}

output "target_login_secret_arn" {
  value = dmslink_main.dblink.target.login_secret_arn
}

output "vpn_gateway_id" {
  value = dmslink_main.dblink.vpn_gateway_id
}
