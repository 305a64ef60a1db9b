//! A task's CloudWatch log, as the emulator writes it (`dms_task_logs.py`, docs/emulator.md
//! L1-L4): with `Logging.EnableLogging` and a ready `dms-cloudwatch-logs-role` in the linked IAM
//! fake, a start writes an `]I:` line and a failure its text as an `]E:` line into the linked
//! [`crate::aws::fake::FakeLogs`], in the group and stream the task's settings name; otherwise
//! nothing. Lines are queued where the task moves (under the DMS state's lock) and written at the
//! next call, once the links can be reached.

use serde_json::Value as Json;

use super::{FakeDms, Links, State};

/// A line waiting to be written, with the task's settings when it was made.
#[derive(Clone, Debug)]
pub(super) struct Pending {
    settings: Option<String>,
    line: String,
}

impl Pending {
    /// `[COMPONENT       ]X:  text`, the emulator's layout without its time ([unverified]).
    pub(super) fn new(settings: Option<&str>, component: &str, severity: char, text: &str) -> Pending {
        Pending { settings: settings.map(str::to_string), line: format!("[{component:<16}]{severity}:  {text}") }
    }
}

/// The group and stream of a task whose logging is on.
fn location(settings: Option<&str>) -> Option<(String, String)> {
    let doc: Json = serde_json::from_str(settings?).ok()?;
    let logging = doc.get("Logging")?;
    if logging.get("EnableLogging").and_then(Json::as_bool) != Some(true) {
        return None;
    }
    let text = |k: &str| logging.get(k).and_then(Json::as_str).map(str::to_string);
    Some((text("CloudWatchLogGroup")?, text("CloudWatchLogStream")?))
}

impl FakeDms {
    /// Writes the queued lines (L4: only with the role ready; dropped otherwise).
    pub(super) fn flush_task_logs(st: &mut State, links: &Links) {
        let pending = std::mem::take(&mut st.task_log);
        let (Some(logs), Some(iam)) = (&links.logs, &links.iam) else { return };
        if pending.is_empty() || !iam.dms_logs_role_ready() {
            return;
        }
        for p in pending {
            if let Some((group, stream)) = location(p.settings.as_deref()) {
                logs.put_lines(&group, &stream, &[p.line.as_str()]);
            }
        }
    }
}
