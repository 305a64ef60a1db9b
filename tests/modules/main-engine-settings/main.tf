# Test-only root module of the dmslink acceptance tests (tests/tests/main_connections.rs, issue 15
# item 3): a small dmslink_main on an existing PostgreSQL address with typed postgres_settings on the
# source and the target, no connection tests. The S3 backend's endpoint settings for the emulator
# are passed with `terraform init -backend-config=emulator.s3.tfbackend`.
terraform {
  required_version = ">= 1.0.3"

  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
  }

  backend "s3" {
    bucket         = "tfstate-engine-settings"
    key            = "main-engine-settings"
    region         = "ap-southeast-2"
    dynamodb_table = "terraform-lock-engine-settings"
  }
}

provider "dmslink" {
  region = "ap-southeast-2"
}

resource "dmslink_main" "dblink" {
  name        = "settings-dblink"
  environment = "dev"

  network {
    vpc_cidr           = "10.61.0.0/24"
    availability_zones = ["ap-southeast-2a", "ap-southeast-2b"]
    subnet_cidrs       = ["10.61.0.0/26", "10.61.0.64/26"]
    vpn_gateway        = false
  }

  source {
    name          = "geodesy"
    engine_name   = "postgres"
    server_name   = "127.0.0.1"
    port          = 5432
    database_name = "geodesy"
    username      = "dms_reader"
    password      = "Settings-pw-3381"

    postgres_settings {
      heartbeat_enable = true
      plugin_name      = "pglogical"
    }
  }

  target {
    engine_name   = "postgres"
    server_name   = "127.0.0.1"
    port          = 5432
    database_name = "dblink"
    username      = "dms_reader"
    password      = "Settings-pw-3381"

    postgres_settings {
      max_file_size          = 512
      map_boolean_as_boolean = true
    }
  }

  replication_instance {
    replication_instance_class = "dms.t3.small"
  }
}

output "dms_target_arn" {
  value = dmslink_main.dblink.target.endpoint_arn
}
