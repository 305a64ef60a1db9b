terraform {
  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
  }
}

# Credentials and region come from the usual AWS sources (environment, shared config files,
# assume_role). Point the endpoints at a local emulator for testing.
provider "dmslink" {
  region = "ap-southeast-2"

  default_tags {
    tags = {
      stack_name = "integration-dblink"
      created_by = "terraform"
    }
  }
}
