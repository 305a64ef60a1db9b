# Bench-only root module (tests/examples/bench_main_create.rs): no dmslink resource and no provider,
# in the same kind of S3 backend as terraform-main (settings from -backend-config). `terraform plan`
# of it is Terraform's own floor: what a plan costs before any provider does anything.
terraform {
  required_version = ">= 1.0.3"

  backend "s3" {}
}

output "floor" {
  value = "no dmslink resources"
}
