# Bench-only root module (tests/examples/bench_refresh.rs): `stack_count` dmslink_main stacks in one
# local state, each with two on-premises Oracle sources and an on-premises Postgres target (no RDS, so
# that making twenty stacks takes seconds), to time a refresh (`terraform plan`) of many stacks.
terraform {
  required_version = ">= 1.0.3"

  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
  }
}

provider "dmslink" {
  region = "ap-southeast-2"
}

variable "stack_count" {
  type = number
}

variable "password" {
  type      = string
  sensitive = true
}

resource "dmslink_main" "m" {
  count = var.stack_count

  name        = "bench-${count.index}"
  environment = "dev"

  network {
    vpc_cidr           = "10.${100 + count.index}.0.0/24"
    availability_zones = ["ap-southeast-2a", "ap-southeast-2b"]
    subnet_cidrs       = ["10.${100 + count.index}.0.0/26", "10.${100 + count.index}.0.64/26"]
  }

  source {
    name          = "geodesy"
    engine_name   = "oracle"
    server_name   = "10.50.0.10"
    port          = 1521
    database_name = "GEO"
    username      = "dms_reader"
    password      = var.password
  }

  source {
    name          = "cadastre"
    engine_name   = "oracle"
    server_name   = "10.50.1.20"
    port          = 1521
    database_name = "CAD"
    username      = "dms_reader"
    password      = var.password
  }

  target {
    engine_name   = "postgres"
    server_name   = "10.50.0.11"
    port          = 5432
    database_name = "dblink"
    username      = "dms_writer"
    password      = var.password
  }

  replication_instance {
    replication_instance_class = "dms.t3.small"
  }
}
