# Test-only root module of the bad-input matrix (tests/tests/bad_input.rs). The test writes main.tf
# (the provider block pointed at the emulator and the blocks of one case) next to this file before
# each plan; state stays local, so a plan calls no S3 or DynamoDB.
terraform {
  required_version = ">= 1.0.3"

  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
  }
}
