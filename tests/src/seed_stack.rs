//! `examples-hcl/terraform-main` as the acceptance tests deploy it: the seed's stack name and
//! environment, an Oracle source restored from a seeded snapshot, a Postgres target, S3 state.

use serde_json::Value;

use crate::{Cli, StateBackend, TestBed, Workdir};

pub const STACK_NAME: &str = "integration-dblink";
pub const ENVIRONMENT: &str = "dev";
/// `<name>-<environment>`: the prefix of every child's identifier.
pub const PREFIX: &str = "integration-dblink-dev";
pub const SOURCE_APP_PASSWORD: &str = "Source-app-pw-0001";
pub const TARGET_PASSWORD: &str = "Target-master-pw-0001";

/// A workdir of `terraform-main` with its `TF_VAR_*` inputs, its state backend, the source
/// snapshot and `dms-vpc-role` created in the emulator.
pub fn terraform_main(bed: &TestBed, cli: &Cli) -> (Workdir, StateBackend) {
    bed.fixtures().dms_vpc_role();
    terraform_main_without_role(bed, cli)
}

/// [`terraform_main`] without `dms-vpc-role` in the account (for stacks whose provider creates it).
pub fn terraform_main_without_role(bed: &TestBed, cli: &Cli) -> (Workdir, StateBackend) {
    let fixtures = bed.fixtures();
    let backend = fixtures.state_backend("tfstate-dblink", "terraform-lock-db", "dblink");
    let snapshot = fixtures.source_snapshot("geodesy-oracle-seed");
    let mut wd = bed.workdir(cli, "terraform-main");
    wd.use_backend(&backend)
        .set_var("stack_name", STACK_NAME)
        .set_var("environment", ENVIRONMENT)
        .set_var("source_snapshot", snapshot)
        .set_var("source_db_name", "GEODESY")
        .set_var("source_app_username", "dms_reader")
        .set_var("source_app_password", SOURCE_APP_PASSWORD)
        .set_var("target_db_name", "dblink")
        .set_var("target_username", "dblink")
        .set_var("target_password", TARGET_PASSWORD);
    (wd, backend)
}

/// An inventory object of the stack that is still there: not `deleted` (a deleted VPN gateway stays
/// listed for a while, in AWS as in the emulator), and not the target's login secret waiting out its
/// recovery window after a destroy (`deleting`, tags and all).
pub fn still_there(object: &Value) -> bool {
    let scheduled_secret = object["type"] == "secretsmanager:secret" && object["state"] == "deleting";
    object["state"] != "deleted" && !scheduled_secret
}
