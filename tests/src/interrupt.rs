//! Ctrl-C as a terminal sends it: a command started in its own process group, and SIGINT to the
//! whole group (Terraform and its provider plugins) once a condition holds, timing how long the
//! command takes to exit after the signal.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::RunOutput;
use crate::process::render_cmdline;

/// A run that may have been interrupted.
#[derive(Debug)]
pub struct Interrupted {
    pub out: RunOutput,
    /// From SIGINT to the command's exit; `None` when `when` never held before it exited.
    pub signal_to_exit: Option<Duration>,
}

/// Runs `cmd` in a new process group; polls `when` every 50 ms and, the first time it holds, sends
/// SIGINT to the group. The command is killed (SIGKILL to the group) after `timeout`.
pub fn run_interrupting(mut cmd: Command, timeout: Duration, mut when: impl FnMut() -> bool) -> Interrupted {
    let cmdline = render_cmdline(&cmd);
    let cwd = cmd.get_current_dir().map(|d| d.display().to_string()).unwrap_or_default();
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).process_group(0);
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start `{cmdline}` (in {cwd}): {e}"));
    let group = libc::pid_t::try_from(child.id()).unwrap_or_else(|_| panic!("pid {} out of range", child.id()));
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let stdout = reader(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let stderr = reader(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));

    let mut signalled_at: Option<Instant> = None;
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {}
            Err(_) => break None,
        }
        if Instant::now() >= started + timeout {
            timed_out = true;
            // SAFETY: kill(2) on the process group this function created; no memory is involved.
            unsafe {
                libc::kill(-group, libc::SIGKILL);
            }
            break child.wait().ok();
        }
        if signalled_at.is_none() && when() {
            // SAFETY: as above.
            unsafe {
                libc::kill(-group, libc::SIGINT);
            }
            signalled_at = Some(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(if signalled_at.is_some() { 10 } else { 50 }));
    };
    let signal_to_exit = signalled_at.map(|at| at.elapsed());
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    Interrupted {
        out: RunOutput {
            cmdline,
            cwd,
            code: status.and_then(|s| s.code()),
            stdout,
            stderr,
            elapsed: started.elapsed(),
            timed_out,
        },
        signal_to_exit,
    }
}
