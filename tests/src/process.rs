//! Running a child process with captured output and a deadline.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What a finished (or timed-out) command produced.
#[derive(Clone, Debug)]
pub struct RunOutput {
    /// The command line, for messages.
    pub cmdline: String,
    /// Where it ran (may be empty).
    pub cwd: String,
    /// Exit code; `None` when killed by a signal (or by the deadline).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    pub timed_out: bool,
}

impl RunOutput {
    pub fn success(&self) -> bool {
        self.code == Some(0) && !self.timed_out
    }

    /// Exit code, `-1` for a signal or a timeout.
    pub fn exit_code(&self) -> i32 {
        self.code.unwrap_or(-1)
    }

    /// stdout then stderr.
    pub fn combined(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// True when stdout or stderr contains `needle`.
    pub fn contains(&self, needle: &str) -> bool {
        self.stdout.contains(needle) || self.stderr.contains(needle)
    }

    /// A multi-line description for failure messages: command, directory, exit, both streams.
    pub fn describe(&self) -> String {
        let status = if self.timed_out {
            format!("TIMED OUT after {:.1?}", self.elapsed)
        } else {
            match self.code {
                Some(c) => format!("exit {c} after {:.1?}", self.elapsed),
                None => format!("killed by a signal after {:.1?}", self.elapsed),
            }
        };
        format!(
            "$ {}\n  (in {})\n  {status}\n--- stdout ---\n{}\n--- stderr ---\n{}\n--------------",
            self.cmdline,
            self.cwd,
            self.stdout.trim_end(),
            self.stderr.trim_end()
        )
    }
}

/// A shell-like rendering of a command line (program and arguments, quoted when needed).
pub fn render_cmdline(cmd: &Command) -> String {
    let mut parts = vec![quote(&cmd.get_program().to_string_lossy())];
    parts.extend(cmd.get_args().map(|a| quote(&a.to_string_lossy())));
    parts.join(" ")
}

fn quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Runs `cmd` (stdin closed), capturing stdout and stderr, killing it after `timeout`.
///
/// Panics only when the program cannot be started at all.
pub fn run_with_timeout(mut cmd: Command, timeout: Duration) -> RunOutput {
    let cmdline = render_cmdline(&cmd);
    let cwd = cmd.get_current_dir().map(|d| d.display().to_string()).unwrap_or_default();
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start `{cmdline}` (in {cwd}): {e}"));

    let (tx, rx) = mpsc::channel::<(bool, Vec<u8>)>();
    if let Some(mut out) = child.stdout.take() {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = out.read_to_end(&mut buf);
            let _ = tx.send((true, buf));
        });
    }
    if let Some(mut err) = child.stderr.take() {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = err.read_to_end(&mut buf);
            let _ = tx.send((false, buf));
        });
    }
    drop(tx);

    let deadline = started + timeout;
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {}
            Err(_) => break None,
        }
        if Instant::now() >= deadline {
            timed_out = true;
            let _ = child.kill();
            break child.wait().ok();
        }
        std::thread::sleep(Duration::from_millis(20));
    };

    // A grandchild (e.g. a provider plugin) may hold the pipes open after the child is gone: wait a
    // little for the readers, then give up on what they have not delivered.
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let drain_deadline = Instant::now() + Duration::from_secs(10);
    for _ in 0..2 {
        let left = drain_deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((true, buf)) => stdout = buf,
            Ok((false, buf)) => stderr = buf,
            Err(_) => break,
        }
    }

    RunOutput {
        cmdline,
        cwd,
        code: status.and_then(|s| s.code()),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        elapsed: started.elapsed(),
        timed_out,
    }
}

/// Pids of the running processes whose executable path contains `exe_contains` and whose working
/// directory is `cwd` (Terraform starts its plugins in the root module's directory, so this finds the
/// provider of one workdir even while other tests run theirs). Linux only; empty elsewhere.
pub fn processes_in(cwd: &std::path::Path, exe_contains: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let want = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    let mut pids = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let exe = std::fs::read_link(entry.path().join("exe")).unwrap_or_default();
        if !exe.to_string_lossy().contains(exe_contains) {
            continue;
        }
        if std::fs::read_link(entry.path().join("cwd")).is_ok_and(|d| d == want) {
            pids.push(pid);
        }
    }
    pids
}

/// Sends SIGKILL to `pid`.
pub fn kill_hard(pid: u32) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill(2) with a pid found moments ago under /proc; no memory is involved.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn captures_both_streams_and_the_exit_code() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo out; echo err >&2; exit 3"]);
        let out = run_with_timeout(cmd, Duration::from_secs(30));
        assert_eq!(out.code, Some(3));
        assert_eq!(out.stdout.trim(), "out");
        assert_eq!(out.stderr.trim(), "err");
        assert!(out.describe().contains("sh -c 'echo out; echo err >&2; exit 3'"));
    }

    #[test]
    fn kills_at_the_deadline() {
        let mut cmd = Command::new("sleep");
        cmd.arg("30");
        let out = run_with_timeout(cmd, Duration::from_millis(200));
        assert!(out.timed_out);
        assert!(!out.success());
        assert!(out.elapsed < Duration::from_secs(20));
    }
}
