//! The provider behind a corporate network (issue 17): `custom_ca_bundle` and `AWS_CA_BUNDLE`
//! proven end to end. The emulator serves HTTPS with a certificate from a CA it makes at start-up
//! (`--tls-dir`, tests/emulator/dmslink_emulator/tls_listener.py), which no system trust store
//! holds — as a TLS-inspecting proxy's would. The real CLIs run `tests/modules/network-tls` (one
//! replication task) with `AWS_ENDPOINT_URL` on that listener: refused without the CA, created,
//! planned and destroyed with it. (Proxies: unit tests in provider_config::configure.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use dmslink_acctest::{Cli, TestBed};

const MODULE: &str = "network-tls";
const ADDR: &str = "dmslink_repltask.tls";

#[test]
fn custom_ca_bundle_and_aws_ca_bundle_reach_the_emulator_over_tls() {
    let tls_dir = tempfile::Builder::new().prefix("dmslink-emulator-tls-").tempdir().unwrap();
    let tls_path = tls_dir.path().display().to_string();
    let Some(bed) = TestBed::start_with_emulator_env("custom_ca_bundle", &[("DMSLINK_EMU_TLS_DIR", tls_path.as_str())])
    else {
        return;
    };
    // Written before the emulator's port file, so present once it started.
    let port: u16 = std::fs::read_to_string(tls_dir.path().join("tls-port")).unwrap().trim().parse().unwrap();
    let https = format!("https://127.0.0.1:{port}");
    let ca: PathBuf = tls_dir.path().join("ca.pem");
    assert!(std::fs::read_to_string(&ca).unwrap().contains("BEGIN CERTIFICATE"));

    bed.each_cli(|cli: &Cli| {
        let stack = bed.fixtures().dms_stack(&format!("tls-{}", cli.slug()), 1);
        let mut wd = bed.workdir(cli, MODULE);
        wd.set_env("AWS_ENDPOINT_URL", &https)
            .set_var("replication_task_id", format!("tls-{}", cli.slug()))
            .set_var("replication_instance_arn", stack.replication_instance_arn())
            .set_var("dms_source_arn", &stack.source_endpoint_arn)
            .set_var("dms_target_arn", &stack.target_endpoint_arn);
        wd.init();

        // The system's roots only: the first AWS call (STS at configuration) fails the handshake.
        let refused = wd.run(&["plan", "-input=false", "-no-color"]);
        assert!(!refused.success(), "[{}] plan without the CA succeeded:\n{}", cli.label, refused.describe());
        let text = refused.combined();
        assert!(text.contains("Could not validate AWS credentials"), "[{}] {}", cli.label, refused.describe());
        assert!(text.contains(&https), "[{}] the error names the endpoint:\n{}", cli.label, refused.describe());
        assert!(
            text.to_ascii_lowercase().contains("certificate"),
            "[{}] the error says it is the certificate:\n{}",
            cli.label,
            refused.describe()
        );
        assert!(
            dmslink_acctest::parse_diagnostics(&refused.stderr)
                .iter()
                .any(|d| d.detail.contains("set custom_ca_bundle (or AWS_CA_BUNDLE)")),
            "[{}] the error says what to set:\n{}",
            cli.label,
            refused.describe()
        );
        let line = text.lines().find(|l| l.to_ascii_lowercase().contains("certificate")).unwrap_or_default();
        eprintln!("[{}] without the CA: {}", cli.label, line.trim());
        bed.emulator.clear_requests();

        // custom_ca_bundle: the task is created over TLS.
        wd.set_var("custom_ca_bundle", ca.display().to_string());
        wd.apply();
        let task = wd.resource_values(ADDR).expect("task in state");
        assert!(task["replication_task_arn"].as_str().unwrap().starts_with("arn:aws:dms:"));
        let actions = bed.emulator.dms_actions();
        assert!(actions.iter().any(|a| a == "CreateReplicationTask"), "[{}] {actions:?}", cli.label);

        // AWS_CA_BUNDLE alone does the same (the attribute unset).
        wd.unset_var("custom_ca_bundle").set_env("AWS_CA_BUNDLE", ca.display().to_string());
        wd.expect_no_resource_changes("AWS_CA_BUNDLE names the emulator's CA");

        // The attribute wins over the variable: a bad bundle in the attribute is refused at its path.
        let bogus = wd.file("not-a-ca.pem");
        std::fs::write(&bogus, "no certificate here\n").unwrap();
        wd.set_var("custom_ca_bundle", bogus.display().to_string());
        let bad = wd.run(&["plan", "-input=false", "-no-color"]);
        assert!(!bad.success(), "[{}] a bundle without certificates was accepted", cli.label);
        assert!(bad.combined().contains("holds no PEM certificate"), "[{}] {}", cli.label, bad.describe());

        wd.unset_var("custom_ca_bundle");
        wd.destroy();
        assert!(bed.emulator.dms_actions().iter().any(|a| a == "DeleteReplicationTask"));
    });
}
