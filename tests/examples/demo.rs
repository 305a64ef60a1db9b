//! The dmslink demo against the local AWS emulator (`make demo`, `make demo-destroy`), on the
//! acceptance harness: its provider build and filesystem mirror, its CLI probe, its backend settings,
//! its fixtures and emulator control calls.
//!
//!   demo up       set up what is needed, start the emulator in the background (`make emulator`),
//!                 create the state bucket, lock table, source snapshot and dms-vpc-role in it, apply
//!                 examples-hcl/terraform-main, then examples-hcl/terraform-repltask with main's
//!                 outputs; create an application VPC (10.50.0.0/16, standing in for the user's
//!                 existing one; found by its Name tag on a second run) and apply examples-hcl/peering
//!                 to peer it with the stack's VPC (the stack read with the dmslink_main data source);
//!                 print what was built; refresh the task (apply -refresh-only) and print its progress
//!                 and per-table statistics (dmslink_repltask_tables). Running it again changes nothing.
//!   demo destroy  destroy the peering, then the task, then the stack; delete the application VPC;
//!                 check the emulator holds nothing tagged dmslink:stack, no live peering and no
//!                 application VPC. The emulator keeps running (`make emulator-stop` ends it).
//!
//! Everything lives under .cache/demo/ (ignored by git): the provider's filesystem mirror, the CLI
//! configuration, and copies of the three example modules with the emulator's backend settings.
//! Nothing here talks to real AWS: the CLI runs with the harness's environment (every AWS_* and TF_*
//! variable of the caller dropped, the shared AWS config and credentials files pointed at files that
//! do not exist; TF_LOG* kept for debugging).
//!
//! Environment: TERRAFORM=<path> picks the CLI (default: `terraform` on PATH if it is 1.x, else the
//! pinned Terraform 1.0.3 from the venv); DMSLINK_PROVIDER_BIN=<path> uses that provider binary
//! instead of building one (as in the acceptance tests); DMSLINK_VENV, MAKE and CARGO_TARGET_DIR as
//! usual.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use aws_sdk_databasemigration::types::Filter as DmsFilter;
use aws_sdk_ec2::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ec2::types::Filter;
use dmslink_acctest::{
    BACKEND_CONFIG_FILE, Cli, Dms, Emulator, Fixtures, Mirror, PROVIDER_VERSION, REGION, TEST_ACCESS_KEY,
    TEST_SECRET_KEY, Venv, Workdir, backend_endpoint_settings, example_dir, provider_binary_override,
    provider_binary_with_progress, which, workspace_root,
};
use serde_json::{Map, Value, json};

const STATE_BUCKET: &str = "tfstate-dblink";
const LOCK_TABLE: &str = "terraform-lock-db";
const SOURCE_SNAPSHOT: &str = "dblink-demo-oracle-snapshot";
const TASK_ID: &str = "dblink-demo-task";
/// The application VPC peered with the stack: its CIDR must not overlap terraform-main's
/// network.vpc_cidr (10.20.0.0/24).
const APP_VPC_NAME: &str = "dblink-demo-app";
const APP_VPC_CIDR: &str = "10.50.0.0/16";

/// The example modules' inputs (demo values; the password arguments are sensitive and never printed).
const MAIN_VARS: [(&str, &str); 7] = [
    ("source_snapshot", SOURCE_SNAPSHOT),
    ("source_db_name", "ORCL"),
    ("source_app_username", "dms_reader"),
    ("source_app_password", "demo-Source-pw-1"),
    ("target_db_name", "dblink"),
    ("target_username", "dblink_admin"),
    ("target_password", "demo-Target-pw-1"),
];

type Result<T> = std::result::Result<T, String>;

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let result = match mode.as_str() {
        "up" => Demo::new(14).and_then(|mut d| d.up()),
        "destroy" => Demo::new(10).and_then(|mut d| d.destroy()),
        _ => {
            eprintln!("usage: demo up|destroy");
            std::process::exit(2);
        }
    };
    if let Err(e) = result {
        eprintln!("demo: {e}");
        std::process::exit(1);
    }
}

/// The step counter, the clock and the directories of one run.
struct Demo {
    root: PathBuf,
    dir: PathBuf,
    emu_dir: PathBuf,
    make: String,
    start: Instant,
    step_start: Instant,
    step: usize,
    steps: usize,
    /// `-no-color` when stdout is not a terminal.
    color: Vec<&'static str>,
}

/// What `common_setup` found: the venv, the mirror and the CLI.
struct Setup {
    venv: Venv,
    mirror: Mirror,
    cli: Cli,
}

impl Demo {
    fn new(steps: usize) -> Result<Demo> {
        let root = workspace_root();
        let dir = root.join(".cache").join("demo");
        std::fs::create_dir_all(&dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
        Ok(Demo {
            emu_dir: root.join(".cache").join("emulator"),
            root,
            dir,
            make: std::env::var("MAKE").ok().filter(|m| !m.is_empty()).unwrap_or_else(|| "make".into()),
            start: Instant::now(),
            step_start: Instant::now(),
            step: 0,
            steps,
            color: if std::io::stdout().is_terminal() { Vec::new() } else { vec!["-no-color"] },
        })
    }

    fn step(&mut self, title: &str) {
        self.step += 1;
        self.step_start = Instant::now();
        println!("\n==> [{}/{}] {title}", self.step, self.steps);
    }

    fn done_step(&self) {
        println!("    ({} s)", self.step_start.elapsed().as_secs());
    }

    /// `make -s --no-print-directory <target>` in the workspace; its stdout when `capture`.
    fn make(&self, target: &str, capture: bool) -> Result<String> {
        let mut cmd = Command::new(&self.make);
        cmd.args(["-s", "--no-print-directory", target]).current_dir(&self.root).stdin(Stdio::null());
        if capture {
            let out = cmd.stderr(Stdio::inherit()).output().map_err(|e| format!("cannot run {}: {e}", self.make))?;
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            if !out.status.success() {
                return Err(format!("make {target} failed ({}):\n{stdout}", out.status));
            }
            Ok(stdout)
        } else {
            let status = cmd.status().map_err(|e| format!("cannot run {}: {e}", self.make))?;
            if status.success() { Ok(String::new()) } else { Err(format!("make {target} failed ({status})")) }
        }
    }

    // ------------------------------------------------------------------ setup

    fn common_setup(&mut self) -> Result<Setup> {
        self.step("Python venv (moto, boto3, Terraform 1.0.3): make venv");
        self.make("venv", false)?;
        let venv = Venv::find().ok_or_else(|| format!("make venv left no {}", Venv::expected_root().display()))?;
        self.done_step();

        self.step(
            "Provider: cargo build -p terraform-provider-dmslink --bin terraform-provider-dmslink --features fakes",
        );
        let binary = provider_binary_with_progress()?;
        let how = if provider_binary_override().is_some() { " ($DMSLINK_PROVIDER_BIN, not built)" } else { "" };
        println!("    provider {PROVIDER_VERSION}: {}{how}", binary.display());
        let mirror = Mirror::install(&binary, &self.dir);
        println!("    mirror {}, CLI configuration {}", mirror.root.display(), mirror.cli_config.display());
        self.done_step();

        self.step("Terraform CLI");
        let cli = choose_cli(&venv)?;
        println!("    using {} at {}", cli.label, cli.path.display());
        self.done_step();
        Ok(Setup { venv, mirror, cli })
    }

    /// The emulator `make emulator` started (see [`Demo::emulator_port`]); prints its endpoint.
    fn running_emulator(&self, venv: &Venv) -> Option<Emulator> {
        let emulator = Emulator::attach(venv, self.emulator_port()?, self.emu_dir.join("server.log"));
        println!("    AWS_ENDPOINT_URL={}", emulator.endpoint());
        Some(emulator)
    }

    /// A fresh copy of examples-hcl/<module> in .cache/demo/<module> with the emulator's backend
    /// settings (the module's own bucket, key, table and region stay as written) and the inputs `vars`.
    fn prepare_module(&self, s: &Setup, emulator: &Emulator, module: &str) -> Result<Workdir> {
        let dst = self.dir.join(module);
        if dst.exists() {
            std::fs::remove_dir_all(&dst).map_err(|e| format!("rm -r {}: {e}", dst.display()))?;
        }
        let mut wd = Workdir::new(s.cli.clone(), &example_dir(module), dst, &s.mirror, &emulator.endpoint(), &self.dir);
        for entry in std::fs::read_dir(wd.path()).map_err(|e| format!("read_dir {}: {e}", wd.path().display()))? {
            let name = entry.map_err(|e| e.to_string())?.file_name().to_string_lossy().into_owned();
            if name.contains(".tfstate") || name.ends_with(".tfbackend") {
                wd.remove(&name);
            }
        }
        wd.write(
            BACKEND_CONFIG_FILE,
            &format!(
                "# Written by `make demo` (tests/examples/demo.rs) for {}: the S3 backend in the local emulator.\n{}",
                s.cli.label,
                backend_endpoint_settings(&s.cli, &emulator.endpoint())
            ),
        );
        for key in ["TF_LOG", "TF_LOG_PATH", "TF_LOG_CORE", "TF_LOG_PROVIDER"] {
            if let Ok(value) = std::env::var(key) {
                wd.set_env(key, value);
            }
        }
        Ok(wd)
    }

    fn init(&self, module: &str, wd: &Workdir) -> Result<()> {
        let log = self.dir.join(format!("{module}.init.log"));
        let file = File::create(&log).map_err(|e| format!("create {}: {e}", log.display()))?;
        let file2 = file.try_clone().map_err(|e| e.to_string())?;
        let backend = format!("-backend-config={BACKEND_CONFIG_FILE}");
        let mut args = vec!["init", "-input=false"];
        args.extend(&self.color);
        args.push(&backend);
        let status = wd.command(&args).stdin(Stdio::null()).stdout(file).stderr(file2).status();
        if !status.map(|s| s.success()).unwrap_or(false) {
            eprint!("{}", std::fs::read_to_string(&log).unwrap_or_default());
            return Err(format!("terraform init failed in {}", wd.path().display()));
        }
        println!("    {module}: initialised (log {})", log.display());
        Ok(())
    }

    /// `apply` or `destroy` with the CLI's own output on the terminal.
    fn run_live(&self, wd: &Workdir, command: &str) -> Result<()> {
        let mut args = vec![command, "-auto-approve", "-input=false"];
        args.extend(&self.color);
        let status = wd.command(&args).stdin(Stdio::null()).status().map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("terraform {command} failed in {} ({status})", wd.path().display()))
        }
    }

    // ------------------------------------------------------------------ up

    fn up(&mut self) -> Result<()> {
        println!("dmslink demo: terraform-main, terraform-repltask and peering against the local AWS emulator");
        let s = self.common_setup()?;

        self.step("Emulator: make emulator (background; make emulator-stop ends it)");
        for line in self.make("emulator", true)?.lines().filter(|l| l.starts_with("emulator ")) {
            println!("    {line}");
        }
        let emulator = self
            .running_emulator(&s.venv)
            .ok_or_else(|| format!("the emulator is not running; see {}", self.emu_dir.join("server.log").display()))?;
        self.done_step();

        self.step("What the account already has: state bucket, lock table, source snapshot, dms-vpc-role");
        let fixtures = emulator.fixtures();
        fixtures.state_backend(STATE_BUCKET, LOCK_TABLE, "dblink");
        println!("    S3 bucket {STATE_BUCKET} and DynamoDB table {LOCK_TABLE} for the Terraform state and its lock");
        fixtures.source_snapshot(SOURCE_SNAPSHOT);
        println!("    RDS snapshot {SOURCE_SNAPSHOT} (oracle-ee) to restore the source database from");
        fixtures.dms_vpc_role();
        println!("    IAM role dms-vpc-role with AmazonDMSVPCManagementRole, created here as the account's admin");
        println!("    would (the module says dms_vpc_role = \"check\": it expects the role and does not create it)");
        self.done_step();

        self.step("terraform-main: init");
        let mut main = self.prepare_module(&s, &emulator, "terraform-main")?;
        let mut task = self.prepare_module(&s, &emulator, "terraform-repltask")?;
        self.init("terraform-main", &main)?;
        self.done_step();

        self.step("terraform-main: apply (VPC, VPN gateway, source and target RDS, replication instance, endpoints)");
        for (name, value) in MAIN_VARS {
            main.set_var(name, value);
        }
        self.run_live(&main, "apply")?;
        self.done_step();
        let main_out = outputs(&main);
        set_repltask_vars(&mut task, &main_out, false);

        self.step("terraform-repltask: init");
        self.init("terraform-repltask", &task)?;
        self.done_step();

        self.step("terraform-repltask: apply with main's outputs (TF_VAR_dms_source_arn, ...), started");
        println!(
            "    TF_VAR_replication_task_id={TASK_ID} TF_VAR_start_replication_task=true TF_VAR_report_progress=true"
        );
        self.run_live(&task, "apply")?;
        self.done_step();
        let task_out = outputs(&task);

        self.step(&format!(
            "Application VPC (stands in for the application's existing VPC): {APP_VPC_NAME}, {APP_VPC_CIDR}"
        ));
        let ec2 = Ec2::new(&emulator.endpoint())?;
        let app_vpc = ensure_app_vpc(&ec2, &fixtures)?;
        self.done_step();

        self.step("peering: init");
        let mut peering = self.prepare_module(&s, &emulator, "peering")?;
        self.init("peering", &peering)?;
        self.done_step();

        self.step("peering: apply (the stack read with the dmslink_main data source; peering, routes, port 5432, DNS)");
        println!("    TF_VAR_app_vpc_id={}", app_vpc.vpc_id);
        peering.set_var("app_vpc_id", &app_vpc.vpc_id);
        self.run_live(&peering, "apply")?;
        self.done_step();
        let peering_out = outputs(&peering);

        self.step("Summary");
        let dms = emulator.dms();
        summary(&main_out, &task_out, &stack(&main), &peering_out, ec2.app_vpc()?.as_ref(), &dms);
        self.done_step();

        self.step("Replication task: progress and per-table statistics (terraform-repltask: apply -refresh-only)");
        let log = self.dir.join("terraform-repltask.refresh.log");
        let out = task.run(&["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"]);
        std::fs::write(&log, format!("{}{}", out.stdout, out.stderr))
            .map_err(|e| format!("write {}: {e}", log.display()))?;
        if !out.success() {
            eprint!("{}{}", out.stdout, out.stderr);
            return Err(format!("terraform apply -refresh-only failed in {}", task.path().display()));
        }
        println!("    refreshed the state (log {}): the task's outputs and", log.display());
        println!("    the dmslink_repltask_tables data source as DMS reports them now");
        task_insight(&outputs(&task), &show_json(&task));
        self.done_step();
        let endpoint = emulator.endpoint();
        println!(
            "
  The modules ran from copies in {dir}/{{terraform-main,terraform-repltask,peering}}
  with {label}, state in s3://{STATE_BUCKET} (lock table {LOCK_TABLE}) in the emulator.
  To look around:
    export AWS_ENDPOINT_URL={endpoint} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION={REGION}
    curl -s \"$AWS_ENDPOINT_URL/_dmslink/inventory?tag=dmslink:stack\"
  make demo           again: nothing changes
  make demo-destroy   destroys the peering, the task and the stack, deletes the application VPC
                      (the emulator keeps running)
  make emulator-stop  ends the emulator (and everything in it)",
            dir = self.dir.display(),
            label = s.cli.label,
        );
        println!("    ({} s in all)", self.start.elapsed().as_secs());
        Ok(())
    }

    // ------------------------------------------------------------------ destroy

    fn destroy(&mut self) -> Result<()> {
        println!(
            "dmslink demo: destroy peering, then terraform-repltask, then terraform-main; delete the application VPC"
        );
        if !self.emulator_running() {
            println!("The emulator is not running, so there is nothing to destroy: everything the demo built lived in");
            println!("its memory. (`make demo` starts it and builds the demo again.)");
            return Ok(());
        }
        let s = self.common_setup()?;

        self.step("Emulator");
        let emulator = self.running_emulator(&s.venv).ok_or("the emulator stopped during the setup")?;
        if emulator.fixtures().try_run(&["ls-state", "--bucket", STATE_BUCKET]).is_err() {
            println!("    the emulator has no state bucket {STATE_BUCKET}, so there is nothing to destroy");
            return Ok(());
        }
        self.done_step();

        self.step("Init the three modules; main's outputs for the task's variables, the application VPC for peering's");
        let mut main = self.prepare_module(&s, &emulator, "terraform-main")?;
        let mut task = self.prepare_module(&s, &emulator, "terraform-repltask")?;
        let mut peering = self.prepare_module(&s, &emulator, "peering")?;
        self.init("terraform-main", &main)?;
        self.init("terraform-repltask", &task)?;
        self.init("peering", &peering)?;
        for (name, value) in MAIN_VARS {
            main.set_var(name, value);
        }
        // Without main's state the task's ARNs only need to be well-formed; destroy uses what state holds.
        set_repltask_vars(&mut task, &outputs(&main), true);
        let stack_vpc_id = text(&stack(&main)["vpc_id"]).unwrap_or_default();
        // Without the application VPC the id only needs to be well-formed; destroy uses what state holds.
        let ec2 = Ec2::new(&emulator.endpoint())?;
        let app_vpc_id = ec2.app_vpc()?.map(|v| v.vpc_id).unwrap_or_else(|| "vpc-00000000".into());
        peering.set_var("app_vpc_id", app_vpc_id);
        self.done_step();

        self.step("peering: destroy (before the stack: its routes and rule are in the stack's VPC)");
        if has_resources(&peering) {
            self.run_live(&peering, "destroy")?;
        } else {
            // `destroy` would still read the dmslink_main data source, which fails once the stack is gone.
            println!("    the peering state holds no resources: nothing to destroy");
        }
        self.done_step();

        self.step("terraform-repltask: destroy");
        self.run_live(&task, "destroy")?;
        self.done_step();

        self.step("terraform-main: destroy");
        self.run_live(&main, "destroy")?;
        self.done_step();

        self.step(&format!("Application VPC: delete {APP_VPC_NAME} (the demo made it)"));
        ec2.delete_app_vpc().map_err(|e| format!("{e}\ndemo: deleting the application VPC failed"))?;
        self.done_step();

        self.step("What the emulator still holds");
        let clean = report_leftovers(&emulator, &stack_vpc_id);
        println!(
            "    kept, as an account keeps them: state bucket {STATE_BUCKET}, lock table {LOCK_TABLE},
    snapshot {SOURCE_SNAPSHOT}, role dms-vpc-role
  The emulator keeps running at {}: `make demo` builds the demo again,
  `make emulator-stop` ends it.",
            emulator.endpoint()
        );
        println!("    ({} s in all)", self.start.elapsed().as_secs());
        if clean { Ok(()) } else { Err("the destroy left objects in the emulator (listed above)".into()) }
    }

    /// The port of the emulator `make emulator` started, when its pid file names a live `server.py`.
    fn emulator_port(&self) -> Option<u16> {
        let read = |name: &str| std::fs::read_to_string(self.emu_dir.join(name)).ok();
        let pid = read("pid")?.trim().parse::<u32>().ok()?;
        let port = read("port")?.trim().parse::<u16>().ok()?;
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
        String::from_utf8_lossy(&cmdline).contains("server.py").then_some(port)
    }

    fn emulator_running(&self) -> bool {
        self.emulator_port().is_some()
    }
}

/// TERRAFORM if set; else `terraform` on PATH when it is 1.x; else the venv's pinned Terraform 1.0.3.
fn choose_cli(venv: &Venv) -> Result<Cli> {
    if let Some(explicit) = std::env::var_os("TERRAFORM").filter(|v| !v.is_empty()) {
        let found = which(Path::new(&explicit))
            .ok_or_else(|| format!("TERRAFORM={} is not an executable", explicit.to_string_lossy()))?;
        return Cli::probe(&found, "$TERRAFORM").map_err(|_| format!("`{} version -json` failed", found.display()));
    }
    let on_path = which(Path::new("terraform"));
    if let Some(found) = &on_path {
        match Cli::probe(found, "PATH") {
            Ok(cli) if cli.version.major == 1 => return Ok(cli),
            Ok(cli) => println!(
                "    ignoring {} on PATH ({} {}; the demo wants Terraform 1.x)",
                found.display(),
                cli.label.split(' ').next().unwrap_or("terraform"),
                cli.version
            ),
            Err(_) => {
                println!("    ignoring {} on PATH (no version; the demo wants Terraform 1.x)", found.display())
            }
        }
    }
    let pinned = venv
        .pinned_terraform()
        .ok_or_else(|| format!("the pinned Terraform 1.0.3 is not installed in {}", venv.root.display()))?;
    Cli::probe(&pinned, "pinned, venv").map_err(|_| format!("`{} version -json` failed", pinned.display()))
}

/// The task's inputs: main's outputs (data-source mode is not in the example yet), started, with the
/// progress outputs and the per-table statistics (report_progress). With `placeholders`, an ARN main
/// has no output for becomes a well-formed one.
fn set_repltask_vars(task: &mut Workdir, main_out: &Value, placeholders: bool) {
    let placeholder = format!("arn:aws:dms:{REGION}:123456789012:endpoint:none");
    for name in ["dms_source_arn", "dms_target_arn", "replication_instance_arn"] {
        let value = text(&main_out[name]).unwrap_or_default();
        task.set_var(name, if value.is_empty() && placeholders { placeholder.clone() } else { value });
    }
    task.set_var("replication_task_id", TASK_ID)
        .set_var("start_replication_task", "true")
        .set_var("report_progress", "true");
}

/// `output -json` of a module as {name: value}; {} when there is no state.
fn outputs(wd: &Workdir) -> Value {
    let out = wd.run(&["output", "-json"]);
    let doc: Value =
        if out.success() { serde_json::from_str(out.stdout.trim()).unwrap_or(json!({})) } else { json!({}) };
    let mut values = Map::new();
    if let Some(map) = doc.as_object() {
        for (k, v) in map {
            values.insert(k.clone(), v["value"].clone());
        }
    }
    Value::Object(values)
}

/// `show -json` of a module's state; {} when there is none.
fn show_json(wd: &Workdir) -> Value {
    let out = wd.run(&["show", "-json"]);
    let text = out.stdout.trim();
    if out.success() && text.starts_with('{') { serde_json::from_str(text).unwrap_or(json!({})) } else { json!({}) }
}

/// The resources of the root module in `show -json`.
fn resources(state: &Value) -> Vec<Value> {
    state["values"]["root_module"]["resources"].as_array().cloned().unwrap_or_default()
}

/// The dmslink_main resource's identifiers from terraform-main's state (no secrets); {} without state.
fn stack(main: &Workdir) -> Value {
    let mut out = Map::new();
    if let Some(r) = resources(&show_json(main)).into_iter().find(|r| r["type"] == "dmslink_main") {
        for key in ["name", "environment", "vpc_id", "subnet_ids", "security_group_id"] {
            out.insert(key.to_string(), r["values"][key].clone());
        }
    }
    Value::Object(out)
}

/// True when the module's state holds resources (`state list` prints none for an empty or missing state).
fn has_resources(wd: &Workdir) -> bool {
    wd.run(&["state", "list"]).stdout.lines().any(|l| !l.trim().is_empty() && !l.starts_with("data."))
}

/// A JSON scalar as text; `None` for null and "".
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(if *b { "True" } else { "False" }.to_string()),
        other => Some(other.to_string()),
    }
}

/// `text`, or "-".
fn or_dash(v: &Value) -> String {
    text(v).unwrap_or_else(|| "-".into())
}

/// A JSON object of strings as Python prints a dict: `{'k': 'v'}` (the emulator's inventory tags).
fn py_dict(v: &Value) -> String {
    match v.as_object() {
        Some(map) => {
            let items: Vec<String> =
                map.iter().map(|(k, v)| format!("'{k}': '{}'", v.as_str().unwrap_or_default())).collect();
            format!("{{{}}}", items.join(", "))
        }
        None => "None".into(),
    }
}

// ------------------------------------------------------------------ the application VPC

/// The demo's application VPC as EC2 describes it.
struct AppVpc {
    vpc_id: String,
    cidr: String,
    route_table_ids: Vec<String>,
}

/// A blocking EC2 client pointed at the emulator.
struct Ec2 {
    client: aws_sdk_ec2::Client,
    rt: tokio::runtime::Runtime,
}

impl Ec2 {
    fn new(endpoint: &str) -> Result<Ec2> {
        let config = aws_sdk_ec2::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(endpoint)
            .credentials_provider(Credentials::new(TEST_ACCESS_KEY, TEST_SECRET_KEY, None, None, "demo"))
            .build();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("tokio runtime: {e}"))?;
        Ok(Ec2 { client: aws_sdk_ec2::Client::from_conf(config), rt })
    }

    fn by_name() -> Filter {
        Filter::builder().name("tag:Name").values(APP_VPC_NAME).build()
    }

    fn in_vpc(vpc_id: &str) -> Filter {
        Filter::builder().name("vpc-id").values(vpc_id).build()
    }

    /// The VPC tagged Name=dblink-demo-app with its route tables; `None` when the emulator has none.
    fn app_vpc(&self) -> Result<Option<AppVpc>> {
        self.rt.block_on(async {
            let err = |e: String| format!("looking up the application VPC failed: {e}");
            let vpcs =
                self.client.describe_vpcs().filters(Self::by_name()).send().await.map_err(sdk_err).map_err(err)?;
            let vpcs = vpcs.vpcs();
            if vpcs.len() > 1 {
                let ids: Vec<&str> = vpcs.iter().filter_map(|v| v.vpc_id()).collect();
                return Err(format!("more than one VPC is tagged Name={APP_VPC_NAME}: {}", ids.join(", ")));
            }
            let Some(vpc) = vpcs.first() else { return Ok(None) };
            let vpc_id = vpc.vpc_id().unwrap_or_default().to_string();
            let tables = self
                .client
                .describe_route_tables()
                .filters(Self::in_vpc(&vpc_id))
                .send()
                .await
                .map_err(sdk_err)
                .map_err(err)?;
            let mut route_table_ids: Vec<String> =
                tables.route_tables().iter().filter_map(|t| t.route_table_id().map(str::to_string)).collect();
            route_table_ids.sort();
            Ok(Some(AppVpc { vpc_id, cidr: vpc.cidr_block().unwrap_or_default().to_string(), route_table_ids }))
        })
    }

    /// Deletes the VPC tagged Name=dblink-demo-app and what the fixtures put in it (subnets, security
    /// groups, route tables, internet gateways); prints what it deleted.
    fn delete_app_vpc(&self) -> Result<()> {
        self.rt.block_on(async {
            let c = &self.client;
            let vpcs = c.describe_vpcs().filters(Self::by_name()).send().await.map_err(sdk_err)?;
            if vpcs.vpcs().is_empty() {
                println!("    no VPC tagged Name={APP_VPC_NAME}: nothing to delete");
            }
            for vpc in vpcs.vpcs() {
                let vpc_id = vpc.vpc_id().unwrap_or_default();
                let enis = c.describe_network_interfaces().filters(Self::in_vpc(vpc_id)).send().await.map_err(sdk_err)?;
                if let Some(eni) = enis.network_interfaces().first() {
                    return Err(format!(
                        "    {vpc_id} still has network interface {}; not deleting it",
                        eni.network_interface_id().unwrap_or_default()
                    ));
                }
                let tables = c.describe_route_tables().filters(Self::in_vpc(vpc_id)).send().await.map_err(sdk_err)?;
                for table in tables.route_tables() {
                    if table.associations().iter().any(|a| a.main() == Some(true)) {
                        continue;
                    }
                    for assoc in table.associations() {
                        let id = assoc.route_table_association_id().unwrap_or_default();
                        c.disassociate_route_table().association_id(id).send().await.map_err(sdk_err)?;
                    }
                    let id = table.route_table_id().unwrap_or_default();
                    c.delete_route_table().route_table_id(id).send().await.map_err(sdk_err)?;
                }
                let subnets = c.describe_subnets().filters(Self::in_vpc(vpc_id)).send().await.map_err(sdk_err)?;
                for subnet in subnets.subnets() {
                    c.delete_subnet().subnet_id(subnet.subnet_id().unwrap_or_default()).send().await.map_err(sdk_err)?;
                }
                let groups = c.describe_security_groups().filters(Self::in_vpc(vpc_id)).send().await.map_err(sdk_err)?;
                for group in groups.security_groups() {
                    if group.group_name() != Some("default") {
                        let id = group.group_id().unwrap_or_default();
                        c.delete_security_group().group_id(id).send().await.map_err(sdk_err)?;
                    }
                }
                let attached = Filter::builder().name("attachment.vpc-id").values(vpc_id).build();
                let igws = c.describe_internet_gateways().filters(attached).send().await.map_err(sdk_err)?;
                for igw in igws.internet_gateways() {
                    let id = igw.internet_gateway_id().unwrap_or_default();
                    c.detach_internet_gateway().internet_gateway_id(id).vpc_id(vpc_id).send().await.map_err(sdk_err)?;
                    c.delete_internet_gateway().internet_gateway_id(id).send().await.map_err(sdk_err)?;
                }
                c.delete_vpc().vpc_id(vpc_id).send().await.map_err(sdk_err)?;
                println!(
                    "    deleted VPC {vpc_id} (Name={APP_VPC_NAME}, {}) with its subnets, route tables and security groups",
                    vpc.cidr_block().unwrap_or_default()
                );
            }
            Ok(())
        })
    }
}

/// An SDK error with its causes.
fn sdk_err<E: std::error::Error>(e: E) -> String {
    aws_sdk_ec2::error::DisplayErrorContext(e).to_string()
}

/// The application VPC: the one found by its Name tag, else a new one from the fixtures (two
/// subnets, as an application's VPC would have).
fn ensure_app_vpc(ec2: &Ec2, fixtures: &Fixtures) -> Result<AppVpc> {
    let (vpc, how) = match ec2.app_vpc()? {
        Some(vpc) => (vpc, "found"),
        None => {
            fixtures.vpc(None, APP_VPC_NAME, APP_VPC_CIDR, false);
            let vpc = ec2.app_vpc()?.ok_or(format!("the fixture made no VPC tagged Name={APP_VPC_NAME}"))?;
            (vpc, "created")
        }
    };
    println!(
        "    {how} VPC {} (Name={APP_VPC_NAME}, {}), route tables {}",
        vpc.vpc_id,
        vpc.cidr,
        vpc.route_table_ids.join(", ")
    );
    Ok(vpc)
}

// ------------------------------------------------------------------ what was built

fn summary(main: &Value, task: &Value, stack: &Value, peering: &Value, app_vpc: Option<&AppVpc>, dms: &Dms) {
    let mut status = "?".to_string();
    if let Some(arn) = text(&task["replication_task_arn"]) {
        let found = DmsFilter::builder().name("replication-task-arn").values(&arn).build().ok().and_then(|filter| {
            dms.block_on(dms.client().describe_replication_tasks().filters(filter).without_settings(true).send()).ok()
        });
        if let Some(t) = found.as_ref().and_then(|f| f.replication_tasks().first()) {
            status = t.status().unwrap_or("?").to_string();
            if let Some(stats) = t.replication_task_stats() {
                status.push_str(&format!(" (full load {}%)", stats.full_load_progress_percent()));
            }
        }
    }
    let subnets: Vec<String> =
        stack["subnet_ids"].as_array().map(|a| a.iter().filter_map(text).collect()).unwrap_or_default();
    let name = text(&stack["name"]).unwrap_or_else(|| "?".into());
    let environment = text(&stack["environment"]).unwrap_or_else(|| "?".into());
    let app = app_vpc.map(|v| format!("{} ({})", v.vpc_id, v.cidr)).unwrap_or_else(|| "- (-)".into());
    let mut rows: Vec<(&str, Option<String>)> = vec![
        ("Stack", Some(format!("{name}-{environment} in {REGION}"))),
        ("VPC", text(&stack["vpc_id"])),
        ("  subnets", Some(subnets.join(", "))),
        ("  security group", text(&stack["security_group_id"])),
        ("  VPN gateway", text(&main["vpn_gateway_id"])),
        ("Source database (Oracle)", text(&main["source_address"])),
        ("Target database (Postgres)", text(&main["target_address"])),
        ("Replication instance", text(&main["replication_instance_arn"])),
        ("Source endpoint", text(&main["dms_source_arn"])),
        ("Target endpoint", text(&main["dms_target_arn"])),
        ("  login secret", text(&main["target_login_secret_arn"])),
        ("Replication task", text(&task["replication_task_arn"])),
        ("  status (DMS now)", Some(status)),
        ("Application VPC", Some(app)),
        ("Peering", text(&peering["peering_connection_id"])),
        ("  status", text(&peering["peering_status"])),
    ];
    for r in peering["routes"].as_array().into_iter().flatten() {
        rows.push((
            "  route",
            Some(format!("{}: {} -> peering", or_dash(&r["route_table_id"]), or_dash(&r["destination_cidr_block"]))),
        ));
    }
    if let Some(address) = text(&peering["target_address"]) {
        rows.push(("Application connects to", Some(format!("{address}:{}", or_dash(&peering["target_port"])))));
    }
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in rows {
        let v = v.filter(|v| !v.is_empty()).unwrap_or_else(|| "-".into());
        println!("  {k:<width$}  {v}");
    }
}

/// The task's progress (the module's replication_task_progress output) and per-table statistics
/// (the dmslink_repltask_tables data source in state, with the CDC counters the outputs leave out).
fn task_insight(outputs: &Value, state: &Value) {
    let p = &outputs["replication_task_progress"];
    let pct = &p["full_load_progress_percent"];
    println!(
        "  status {}, full load {}{}: {} tables loaded, {} loading, {} queued, {} in error",
        or_dash(&p["status"]),
        or_dash(pct),
        if pct.is_null() { "" } else { "%" },
        or_dash(&p["tables_loaded"]),
        or_dash(&p["tables_loading"]),
        or_dash(&p["tables_queued"]),
        or_dash(&p["tables_errored"])
    );
    println!("  started {}, full load finished {}", or_dash(&p["started_at"]), or_dash(&p["full_load_finished_at"]));
    for (key, label) in [("stop_reason", "stop reason"), ("last_failure_message", "last failure")] {
        if let Some(v) = text(&p[key]) {
            println!("  {label}: {v}");
        }
    }
    let tables: Vec<Value> = resources(state)
        .into_iter()
        .filter(|r| r["mode"] == "data" && r["type"] == "dmslink_repltask_tables")
        .filter_map(|r| r["values"]["tables"].as_array().cloned())
        .next_back()
        .unwrap_or_default();
    if tables.is_empty() {
        println!("\n  no table statistics yet (DMS lists the tables once the task has started)");
        return;
    }
    let cols = [
        "schema",
        "table",
        "state",
        "full load rows",
        "errors",
        "inserts",
        "updates",
        "deletes",
        "validation",
        "last update",
    ];
    let keys = [
        "schema_name",
        "table_name",
        "table_state",
        "full_load_rows",
        "full_load_error_rows",
        "inserts",
        "updates",
        "deletes",
        "validation_state",
        "last_update_time",
    ];
    let rows: Vec<Vec<String>> = tables.iter().map(|t| keys.iter().map(|k| or_dash(&t[*k])).collect()).collect();
    let widths: Vec<usize> =
        cols.iter().enumerate().map(|(i, c)| rows.iter().map(|r| r[i].len()).fold(c.len(), usize::max)).collect();
    let numeric: BTreeSet<usize> = [3, 4, 5, 6, 7].into();
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| if numeric.contains(&i) { format!("{c:>w$}") } else { format!("{c:<w$}") })
            .collect();
        format!("  {}", parts.join("  ")).trim_end().to_string()
    };
    println!();
    println!("{}", line(&cols.map(String::from)));
    println!("{}", line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>()));
    for row in &rows {
        println!("{}", line(row));
    }
}

/// What the emulator still holds of the demo: objects tagged dmslink:stack (a deleted VPN gateway or
/// peering connection stays listed as `deleted`, the login secret as `deleting` through its recovery
/// window, as on AWS), the task, network interfaces in the
/// stack's VPC, peering connections not deleted, and the application VPC. True when nothing is left.
fn report_leftovers(emulator: &Emulator, vpc_id: &str) -> bool {
    let tagged = emulator.inventory("tag=dmslink:stack");
    let (gone, left): (Vec<&Value>, Vec<&Value>) =
        tagged.iter().partition(|o| !dmslink_acctest::seed_stack::still_there(o));
    let tasks: Vec<Value> = emulator
        .inventory("type=dms:replication-task")
        .into_iter()
        .filter(|o| o["id"] == TASK_ID || o["name"] == TASK_ID)
        .collect();
    let enis: Vec<Value> = emulator
        .inventory("type=ec2:network-interface")
        .into_iter()
        .filter(|o| !vpc_id.is_empty() && o["vpc_id"] == vpc_id)
        .collect();
    let ended = ["deleted", "rejected", "failed", "expired"];
    let peerings: Vec<Value> = emulator
        .inventory("type=ec2:vpc-peering-connection")
        .into_iter()
        .filter(|o| !ended.iter().any(|s| o["state"] == *s))
        .collect();
    let app_vpcs: Vec<Value> =
        emulator.inventory("type=ec2:vpc").into_iter().filter(|o| o["tags"]["Name"] == APP_VPC_NAME).collect();

    if left.is_empty() {
        let kinds: BTreeSet<String> = gone
            .iter()
            .filter_map(|o| o["type"].as_str())
            .map(|t| t.split_once(':').map(|(_, k)| k).unwrap_or(t).to_string())
            .collect();
        let deleted = if gone.is_empty() {
            String::new()
        } else {
            let kinds: Vec<String> = kinds.into_iter().collect();
            format!(
                " ({} listed as deleted or scheduled for deletion: {}, as AWS lists them for a while; the \
                 login secret can be restored for 7 days)",
                gone.len(),
                kinds.join(", ")
            )
        };
        println!("    emulator: nothing tagged dmslink:stack is left{deleted}");
    }
    for o in &left {
        println!(
            "    LEFT: {} {} state={} tags={}",
            or_dash(&o["type"]),
            or_dash(&o["id"]),
            or_dash(&o["state"]),
            py_dict(&o["tags"])
        );
    }
    for o in &tasks {
        println!("    LEFT: replication task {} state={}", or_dash(&o["id"]), or_dash(&o["state"]));
    }
    for o in &enis {
        println!("    LEFT: network interface {} in {vpc_id} ({})", or_dash(&o["id"]), or_dash(&o["description"]));
    }
    for o in &peerings {
        println!(
            "    LEFT: peering connection {} state={} {} -> {} tags={}",
            or_dash(&o["id"]),
            or_dash(&o["state"]),
            or_dash(&o["requester_vpc_id"]),
            or_dash(&o["accepter_vpc_id"]),
            py_dict(&o["tags"])
        );
    }
    for o in &app_vpcs {
        println!("    LEFT: application VPC {} ({})", or_dash(&o["id"]), or_dash(&o["cidr_block"]));
    }
    if tasks.is_empty() {
        println!("    emulator: no replication task {TASK_ID}");
    }
    if peerings.is_empty() {
        println!("    emulator: no peering connection other than deleted ones");
    }
    if app_vpcs.is_empty() {
        println!("    emulator: no VPC tagged Name={APP_VPC_NAME}");
    }
    left.is_empty() && tasks.is_empty() && enis.is_empty() && peerings.is_empty() && app_vpcs.is_empty()
}
