//! One emulator process per test: `tests/emulator/server.py` on a free port.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::faults::{ChaosProfile, FaultCounters, FaultRule, InjectedFault};
use crate::fixtures::Fixtures;
use crate::http;
use crate::venv::Venv;

const START_TIMEOUT: Duration = Duration::from_secs(60);

/// One served AWS call, from `GET /_dmslink/requests`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub service: String,
    pub action: String,
    pub time: String,
    /// HTTP status of the response, when the emulator reports it.
    pub status: Option<u16>,
    /// The access key ID the call was signed with (`None` unsigned): tells apart the calls of CLIs
    /// run side by side, each with its own key.
    pub access_key: Option<String>,
    /// The fault injected into this call, if one was.
    pub fault: Option<InjectedFault>,
}

impl Request {
    /// `dms:CreateReplicationTask`.
    pub fn name(&self) -> String {
        format!("{}:{}", self.service, self.action)
    }
}

/// A running emulator; one this process started is stopped (SIGTERM, then SIGKILL) on drop.
pub struct Emulator {
    /// `None` when attached to an emulator started elsewhere (`make emulator`).
    child: Option<Child>,
    port: u16,
    venv: Venv,
    log_path: PathBuf,
    /// Holds the port file and log of an emulator this process started.
    _dir: Option<tempfile::TempDir>,
}

impl Emulator {
    /// Starts the emulator from the venv (`$DMSLINK_VENV` or `<workspace>/.venv`). Panics (with what to
    /// run) when the venv is missing or the server does not come up within 60 s.
    pub fn start() -> Emulator {
        let Some(venv) = Venv::find() else {
            panic!("no Python venv at {}: run `make venv` (or set DMSLINK_VENV)", Venv::expected_root().display());
        };
        Emulator::start_in(&venv)
    }

    /// Starts the emulator with the python of `venv`.
    pub fn start_in(venv: &Venv) -> Emulator {
        Emulator::start_with_env(venv, &[])
    }

    /// Starts the emulator with `rules` active from its first call and the fault `seed`; a reset
    /// brings both back (`--faults`, `--fault-seed`).
    pub fn start_with_faults(venv: &Venv, rules: &[FaultRule], seed: u64) -> Emulator {
        let rules = Value::Array(rules.iter().map(FaultRule::to_json).collect()).to_string();
        Emulator::start_with_env(
            venv,
            &[("DMSLINK_EMU_FAULTS", rules.as_str()), ("DMSLINK_EMU_FAULT_SEED", &seed.to_string())],
        )
    }

    /// Starts the emulator with extra `DMSLINK_EMU_*` environment settings (see `config.py`).
    pub fn start_with_env(venv: &Venv, env: &[(&str, &str)]) -> Emulator {
        let server = crate::workspace_root().join("tests").join("emulator").join("server.py");
        assert!(server.is_file(), "the emulator launcher {} does not exist", server.display());
        let dir = crate::temp_dir("dmslink-emulator-");
        let port_file = dir.path().join("port");
        let log_path = dir.path().join("emulator.log");
        let log = File::create(&log_path).unwrap_or_else(|e| panic!("create {}: {e}", log_path.display()));
        let log_err = log.try_clone().unwrap_or_else(|e| panic!("dup {}: {e}", log_path.display()));
        let mut cmd = Command::new(venv.python());
        cmd.arg(&server)
            .args(["--port", "0", "--port-file"])
            .arg(&port_file)
            .current_dir(crate::workspace_root())
            .env("PYTHONUNBUFFERED", "1")
            .env("AWS_ACCESS_KEY_ID", crate::TEST_ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", crate::TEST_SECRET_KEY)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        stop_with_parent(&mut cmd);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} {}: {e}", venv.python().display(), server.display()));

        let started = Instant::now();
        let port = loop {
            if let Some(port) = read_port(&port_file) {
                break port;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "the emulator exited ({status}) before serving; its log ({}):\n{}",
                    log_path.display(),
                    std::fs::read_to_string(&log_path).unwrap_or_default()
                );
            }
            if started.elapsed() > START_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the emulator wrote no port file {} within {START_TIMEOUT:?}; its log:\n{}",
                    port_file.display(),
                    std::fs::read_to_string(&log_path).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        Emulator { child: Some(child), port, venv: venv.clone(), log_path, _dir: Some(dir) }
    }

    /// The emulator `make emulator` runs in the background at `port` (its log at `log_path`); it keeps
    /// running when this handle drops.
    pub fn attach(venv: &Venv, port: u16, log_path: PathBuf) -> Emulator {
        Emulator { child: None, port, venv: venv.clone(), log_path, _dir: None }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`, the endpoint of every AWS service.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn venv(&self) -> &Venv {
        &self.venv
    }

    /// The emulator's own stdout/stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    pub fn log_path(&self) -> PathBuf {
        self.log_path.clone()
    }

    /// Every AWS call served since the start or the last [`Emulator::clear_requests`], to any service
    /// (S3, DynamoDB, STS, EC2, RDS, DMS, IAM, ...), in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        let doc = self.control("GET", "/_dmslink/requests", None);
        let Some(list) = doc.as_array() else {
            panic!("GET /_dmslink/requests: not a list: {doc}");
        };
        list.iter()
            .map(|r| Request {
                service: r["service"].as_str().unwrap_or_default().to_string(),
                action: r["action"].as_str().unwrap_or_default().to_string(),
                time: r["time"].as_str().unwrap_or_default().to_string(),
                status: r["status"].as_u64().and_then(|s| u16::try_from(s).ok()),
                access_key: r["access_key"].as_str().map(str::to_string),
                fault: InjectedFault::from_log(r),
            })
            .collect()
    }

    /// The actions of the calls to `service` (`"dms"`), in order.
    pub fn actions_of(&self, service: &str) -> Vec<String> {
        self.requests().into_iter().filter(|r| r.service == service).map(|r| r.action).collect()
    }

    /// The DMS actions served, in order.
    pub fn dms_actions(&self) -> Vec<String> {
        self.actions_of("dms")
    }

    pub fn clear_requests(&self) {
        self.control("DELETE", "/_dmslink/requests", None);
    }

    /// `POST /_dmslink/reset`: wipes every AWS resource, the request log and the config.
    pub fn reset(&self) {
        self.control("POST", "/_dmslink/reset", None);
    }

    /// `POST /_dmslink/config` (transition timings, strictness).
    pub fn set_config(&self, config: Value) -> Value {
        let body = config.to_string();
        self.control("POST", "/_dmslink/config", Some(body.as_bytes()))
    }

    /// `GET /_dmslink/inventory?<query>`: every EC2/RDS/DMS/IAM object matching `query` (e.g.
    /// `tag=dmslink:stack=demo&include_defaults=false`), each with its type, id, state and tags.
    pub fn inventory(&self, query: &str) -> Vec<Value> {
        let path =
            if query.is_empty() { "/_dmslink/inventory".to_string() } else { format!("/_dmslink/inventory?{query}") };
        let doc = self.control("GET", &path, None);
        doc["objects"].as_array().cloned().unwrap_or_else(|| panic!("GET {path}: no objects list: {doc}"))
    }

    /// `POST /_dmslink/faults`: makes matching AWS calls fail (see `tests/emulator/dmslink_emulator/faults.py`).
    pub fn inject_fault(&self, rule: Value) {
        let body = rule.to_string();
        self.control("POST", "/_dmslink/faults", Some(body.as_bytes()));
    }

    /// Adds a fault rule; returns its id (the `rule` of [`InjectedFault`]).
    pub fn inject(&self, rule: &FaultRule) -> u64 {
        let body = rule.to_json().to_string();
        let doc = self.control("POST", "/_dmslink/faults", Some(body.as_bytes()));
        doc["id"].as_u64().unwrap_or_else(|| panic!("POST /_dmslink/faults: no rule id in {doc}"))
    }

    /// Sets the seed of the probabilistic rules and restarts their draws.
    pub fn set_fault_seed(&self, seed: u64) {
        self.set_config(serde_json::json!({ "fault_seed": seed }));
    }

    /// The chaos `profile` with `seed` on every call from now on; returns the rule ids.
    pub fn chaos(&self, profile: &ChaosProfile, seed: u64) -> Vec<u64> {
        self.set_fault_seed(seed);
        profile.rules().iter().map(|r| self.inject(r)).collect()
    }

    /// `DELETE /_dmslink/faults`: removes every rule.
    pub fn clear_faults(&self) {
        self.control("DELETE", "/_dmslink/faults", None);
    }

    /// `GET /_dmslink/faults/counters`.
    pub fn fault_counters(&self) -> FaultCounters {
        FaultCounters::from_json(&self.control("GET", "/_dmslink/faults/counters", None))
    }

    /// Zeroes the counters; returns them as they were.
    pub fn reset_fault_counters(&self) -> FaultCounters {
        FaultCounters::from_json(&self.control("DELETE", "/_dmslink/faults/counters", None))
    }

    /// `POST /_dmslink/task-failure`: makes a replication task fail, `"when": "now"` or at its next start
    /// (`"on-start"`), with a `LastFailureMessage` and tables in error (see
    /// `tests/emulator/dmslink_emulator/dms_tables.py`), e.g.
    /// `{"task": "<id or ARN>", "message": "ORA-00942: ...", "tables": ["HR.PAYROLL"], "when": "on-start"}`.
    pub fn task_failure(&self, failure: Value) -> Value {
        let body = failure.to_string();
        self.control("POST", "/_dmslink/task-failure", Some(body.as_bytes()))
    }

    /// A control call; panics unless it answers 2xx with JSON.
    pub fn control(&self, method: &str, path: &str, body: Option<&[u8]>) -> Value {
        match http::request(self.port, method, path, body) {
            Ok((status, body)) if (200..300).contains(&status) => {
                if body.is_empty() {
                    return Value::Null;
                }
                serde_json::from_slice(&body)
                    .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {}", String::from_utf8_lossy(&body)))
            }
            Ok((status, body)) => {
                panic!("{method} {}{path}: HTTP {status}: {}", self.endpoint(), String::from_utf8_lossy(&body))
            }
            Err(e) => panic!("{method} {}{path}: {e}\nemulator log:\n{}", self.endpoint(), self.log()),
        }
    }

    /// The boto3 fixtures (`tests/emulator/fixtures.py`) against this emulator.
    pub fn fixtures(&self) -> Fixtures {
        Fixtures::new(self.venv.python(), self.endpoint())
    }

    /// A DMS client against this emulator.
    pub fn dms(&self) -> crate::dms::Dms {
        crate::dms::Dms::new(&self.endpoint(), crate::REGION)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            terminate(child, Duration::from_secs(5));
        }
    }
}

fn read_port(path: &Path) -> Option<u16> {
    let text = std::fs::read_to_string(path).ok()?;
    text.trim().parse::<u16>().ok().filter(|p| *p != 0)
}

/// SIGTERM, a grace period, then SIGKILL.
fn terminate(child: &mut Child, grace: Duration) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    #[cfg(unix)]
    {
        if let Ok(pid) = libc::pid_t::try_from(child.id()) {
            // SAFETY: kill(2) on the pid of a child we have not yet reaped (so it cannot have been
            // reused); no memory is involved.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
            let deadline = Instant::now() + grace;
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(25));
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// On Linux, the emulator gets SIGTERM if the thread that started it dies (e.g. the test process is
/// killed), so no server outlives its test.
#[cfg(target_os = "linux")]
fn stop_with_parent(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec and only calls prctl(2), which is
    // async-signal-safe; it touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn stop_with_parent(_cmd: &mut Command) {}
