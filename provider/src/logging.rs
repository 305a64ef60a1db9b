//! Logging to stderr as hclog JSON lines, which go-plugin parses and Terraform shows when
//! `TF_LOG_PROVIDER` (or `TF_LOG`) is set (plugin-protocol.md §1.5):
//!
//! `{"@level":"debug","@message":"served","@module":"dmslink","@timestamp":"2026-11-24T10:00:00.123456Z","rpc":"PlanResourceChange",...}`
//!
//! - `@timestamp` has exactly six fractional digits and `Z`, or go-plugin treats the line as text;
//! - fields of the enclosing spans (outermost first), then the event's own fields, follow;
//! - a field whose name looks secret (`password`, `secret_key`, `token`, ...) is always written as
//!   `"<redacted>"`, whatever its value;
//! - a panic is written as plain text starting `panic: `, which Terraform reports as a provider crash.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// The hclog logger name.
pub const MODULE: &str = "dmslink";
/// What a secret-looking field is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Field names that are never logged with their value. A name matches when it contains one of
/// these (case-insensitive), so `master_password`, `aws_secret_key`, `session_token` all match.
const SECRET_NAME_PARTS: &[&str] =
    &["password", "passwd", "secret", "token", "private_key", "credential", "authorization", "api_key"];

/// Longest string field or message written whole; go-plugin reads stderr in 64 KiB lines.
pub const MAX_FIELD_BYTES: usize = 16 * 1024;

/// True when a field with this name must be redacted.
pub fn is_secret_field(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_NAME_PARTS.iter().any(|p| lower.contains(p))
}

/// Installs the stderr hclog subscriber and the panic hook. The level comes from
/// `TF_LOG_PROVIDER_DMSLINK`, `TF_LOG_PROVIDER`, then `TF_LOG`; INFO when none is set.
/// Safe to call more than once (later calls keep the first subscriber).
pub fn init() {
    let level = level_from_env(|k| std::env::var(k).ok());
    let _ = tracing::subscriber::set_global_default(subscriber(level, std::io::stderr));
    install_panic_hook();
}

/// A subscriber writing hclog lines at `level` (None = off) to `writer`.
pub fn subscriber<W>(level: Option<Level>, writer: W) -> impl Subscriber + Send + Sync
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::SubscriberExt;
    tracing_subscriber::registry().with(HclogLayer::new(level, writer))
}

/// Reads the Terraform log level variables: TRACE, DEBUG, INFO, WARN, ERROR, JSON (= TRACE),
/// OFF; an unrecognised non-empty value means TRACE, as in Terraform. `None` means off.
pub fn level_from_env(env: impl Fn(&str) -> Option<String>) -> Option<Level> {
    let value = ["TF_LOG_PROVIDER_DMSLINK", "TF_LOG_PROVIDER", "TF_LOG"]
        .iter()
        .find_map(|k| env(k).filter(|v| !v.trim().is_empty()));
    let Some(value) = value else { return Some(Level::INFO) };
    match value.trim().to_ascii_uppercase().as_str() {
        "OFF" => None,
        "ERROR" => Some(Level::ERROR),
        "WARN" => Some(Level::WARN),
        "INFO" => Some(Level::INFO),
        "DEBUG" => Some(Level::DEBUG),
        _ => Some(Level::TRACE),
    }
}

fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// `2006-01-02T15:04:05.000000Z07:00` in Go's layout: six fractional digits, UTC `Z`.
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Our own code logs at the configured level; dependencies (gRPC, TLS, HTTP) only warnings and
/// errors, except the AWS SDK, whose debug output helps with API problems.
fn is_own_target(target: &str) -> bool {
    target.starts_with("dmslink") || target.starts_with("terraform_provider_dmslink")
}

fn target_level(target: &str, level: Level) -> Level {
    if is_own_target(target) || target.starts_with("aws_") { level } else { level.min(Level::WARN) }
}

/// The tracing layer that writes hclog JSON lines.
pub struct HclogLayer<W> {
    level: Option<Level>,
    writer: W,
}

impl<W> HclogLayer<W> {
    pub fn new(level: Option<Level>, writer: W) -> HclogLayer<W> {
        HclogLayer { level, writer }
    }
}

/// Fields recorded on a span, kept in its extensions.
#[derive(Default)]
struct SpanFields(Vec<(String, serde_json::Value)>);

impl<S, W> Layer<S> for HclogLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'a> MakeWriter<'a> + 'static,
{
    fn enabled(&self, meta: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        let Some(level) = self.level else { return false };
        // Our spans always exist, so their fields reach every event inside them.
        if meta.is_span() && is_own_target(meta.target()) {
            return true;
        }
        *meta.level() <= target_level(meta.target(), level)
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = FieldCollector::default();
        attrs.record(&mut fields);
        span.extensions_mut().insert(SpanFields(fields.fields));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut collected = FieldCollector::default();
        values.record(&mut collected);
        let mut ext = span.extensions_mut();
        match ext.get_mut::<SpanFields>() {
            Some(existing) => {
                for (k, v) in collected.fields {
                    existing.0.retain(|(name, _)| *name != k);
                    existing.0.push((k, v));
                }
            }
            None => ext.insert(SpanFields(collected.fields)),
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        let mut line = serde_json::Map::new();
        line.insert("@level".into(), level_name(meta.level()).into());
        line.insert("@message".into(), serde_json::Value::String(String::new()));
        line.insert("@module".into(), MODULE.into());
        line.insert("@timestamp".into(), timestamp(chrono::Utc::now()).into());
        if let (Some(file), Some(n)) = (meta.file(), meta.line()) {
            line.insert("@caller".into(), format!("{file}:{n}").into());
        }
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(fields) = span.extensions().get::<SpanFields>() {
                    for (k, v) in &fields.0 {
                        line.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        let mut fields = FieldCollector::default();
        event.record(&mut fields);
        if let Some(message) = fields.message {
            line.insert("@message".into(), message.into());
        }
        for (k, v) in fields.fields {
            line.insert(k, v);
        }
        let mut text = serde_json::Value::Object(line).to_string();
        text.push('\n');
        // One write per line so concurrent events never interleave within a line.
        let _ = self.writer.make_writer_for(meta).write_all(text.as_bytes());
    }
}

/// Collects fields as JSON values, redacting secret-looking names.
#[derive(Default)]
struct FieldCollector {
    message: Option<String>,
    fields: Vec<(String, serde_json::Value)>,
}

/// Cuts a long string at a char boundary, saying how much was dropped.
fn truncate(mut s: String) -> String {
    if s.len() <= MAX_FIELD_BYTES {
        return s;
    }
    let mut cut = MAX_FIELD_BYTES;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    let dropped = s.len() - cut;
    s.truncate(cut);
    s.push_str(&format!("…[{dropped} bytes truncated]"));
    s
}

impl FieldCollector {
    fn put(&mut self, field: &Field, value: serde_json::Value) {
        let value = match value {
            serde_json::Value::String(s) => serde_json::Value::String(truncate(s)),
            other => other,
        };
        let name = field.name();
        if name == "message" {
            self.message = Some(match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            });
            return;
        }
        let value = if is_secret_field(name) { REDACTED.into() } else { value };
        // `r#type` style raw identifiers arrive as "r#type".
        let name = name.strip_prefix("r#").unwrap_or(name);
        self.fields.retain(|(k, _)| k != name);
        self.fields.push((name.to_string(), value));
    }
}

impl Visit for FieldCollector {
    fn record_f64(&mut self, field: &Field, value: f64) {
        let v = serde_json::Number::from_f64(value).map_or_else(|| value.to_string().into(), serde_json::Value::Number);
        self.put(field, v);
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let mut text = value.to_string();
        let mut source = value.source();
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        self.put(field, text.into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, format!("{value:?}").into());
    }
}

/// Writes panics as plain text starting with `panic: ` (Terraform's crash detection), with the
/// location, thread and a backtrace, in one write to stderr.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let _ = std::io::stderr().write_all(panic_report(info).as_bytes());
    }));
}

fn panic_report(info: &std::panic::PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "Box<dyn Any>".to_string());
    let location = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())).unwrap_or_default();
    let thread = std::thread::current().name().unwrap_or("<unnamed>").to_string();
    let backtrace = std::backtrace::Backtrace::force_capture();
    format!("panic: {message}\n\nthread '{thread}' panicked at {location}\n\n{backtrace}\n")
}

/// True for Go's `2006-01-02T15:04:05.000000Z07:00`, the only `@timestamp` go-plugin accepts:
/// `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$`.
pub fn is_hclog_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let tail_ok = match s.get(26..) {
        Some("Z") => true,
        Some(t) if t.len() == 6 => {
            matches!(b.get(26), Some(b'+' | b'-')) && digits(27..29) && b.get(29) == Some(&b':') && digits(30..32)
        }
        _ => false,
    };
    digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && b.get(10) == Some(&b'T')
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19)
        && b.get(19) == Some(&b'.')
        && digits(20..26)
        && tail_ok
}

/// Parsed lines, for tests and tools: every JSON line written by [`HclogLayer`].
pub fn parse_lines(text: &str) -> Vec<BTreeMap<String, serde_json::Value>> {
    text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'a self) -> Buffer {
            self.clone()
        }
    }

    impl Buffer {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    fn capture(level: Option<Level>, f: impl FnOnce()) -> String {
        let buf = Buffer::default();
        tracing::subscriber::with_default(subscriber(level, buf.clone()), f);
        buf.text()
    }

    #[test]
    fn lines_are_hclog_json_with_go_timestamps() {
        let out = capture(Some(Level::TRACE), || {
            tracing::info!(count = 3, "hello");
        });
        let lines = parse_lines(&out);
        assert_eq!(lines.len(), 1, "{out}");
        let l = &lines[0];
        assert_eq!(l["@level"], "info");
        assert_eq!(l["@message"], "hello");
        assert_eq!(l["@module"], "dmslink");
        assert_eq!(l["count"], 3);
        let ts = l["@timestamp"].as_str().unwrap();
        assert!(is_hclog_timestamp(ts), "{ts}");
        assert!(out.starts_with("{\"@level\""), "hclog keys first: {out}");
    }

    #[test]
    fn timestamp_format_has_exactly_six_fraction_digits() {
        use chrono::TimeZone;
        let t = chrono::Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
        assert_eq!(timestamp(t), "2026-11-24T00:00:00.000000Z");
        let t = t + chrono::Duration::nanoseconds(123_456_789);
        assert_eq!(timestamp(t), "2026-11-24T00:00:00.123456Z");
        assert!(is_hclog_timestamp(&timestamp(chrono::Utc::now())));
        assert!(is_hclog_timestamp("2026-11-24T00:00:00.000000+01:00"));
        assert!(!is_hclog_timestamp("2026-11-24T00:00:00.000Z"));
    }

    #[test]
    fn level_names_are_hclogs() {
        let out = capture(Some(Level::TRACE), || {
            tracing::trace!("t");
            tracing::debug!("d");
            tracing::info!("i");
            tracing::warn!("w");
            tracing::error!("e");
        });
        let levels: Vec<String> = parse_lines(&out).iter().map(|l| l["@level"].as_str().unwrap().to_string()).collect();
        assert_eq!(levels, ["trace", "debug", "info", "warn", "error"]);
    }

    #[test]
    fn level_filter_comes_from_terraform_variables() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        assert_eq!(level_from_env(env(&[])), Some(Level::INFO));
        assert_eq!(level_from_env(env(&[("TF_LOG", "debug")])), Some(Level::DEBUG));
        assert_eq!(level_from_env(env(&[("TF_LOG", "DEBUG"), ("TF_LOG_PROVIDER", "ERROR")])), Some(Level::ERROR));
        assert_eq!(level_from_env(env(&[("TF_LOG", "JSON")])), Some(Level::TRACE));
        assert_eq!(level_from_env(env(&[("TF_LOG_PROVIDER", "off")])), None);
        assert_eq!(level_from_env(env(&[("TF_LOG", "WARN")])), Some(Level::WARN));

        let out = capture(Some(Level::WARN), || {
            tracing::info!("hidden");
            tracing::warn!("shown");
        });
        assert_eq!(parse_lines(&out).len(), 1);
        assert!(capture(None, || tracing::error!("nothing")).is_empty());
    }

    #[test]
    fn span_fields_are_included_outermost_first() {
        let out = capture(Some(Level::DEBUG), || {
            let rpc = tracing::info_span!("rpc", rpc = "PlanResourceChange", type_name = "dmslink_repltask");
            let _e = rpc.enter();
            let step = tracing::debug_span!("step", step = "create_vpc");
            let _s = step.enter();
            tracing::debug!(attempt = 2, "waiting");
        });
        let l = &parse_lines(&out)[0];
        assert_eq!(l["rpc"], "PlanResourceChange");
        assert_eq!(l["type_name"], "dmslink_repltask");
        assert_eq!(l["step"], "create_vpc");
        assert_eq!(l["attempt"], 2);
    }

    #[test]
    fn span_fields_survive_a_stricter_level() {
        let out = capture(Some(Level::WARN), || {
            let rpc = tracing::info_span!("rpc", rpc = "ApplyResourceChange");
            let _e = rpc.enter();
            tracing::warn!("slow");
        });
        assert_eq!(parse_lines(&out)[0]["rpc"], "ApplyResourceChange");
    }

    #[test]
    fn secret_fields_are_always_redacted() {
        let out = capture(Some(Level::TRACE), || {
            let span = tracing::info_span!("rpc", token = "span-token-value");
            let _e = span.enter();
            tracing::info!(
                password = "hunter2",
                master_password = "pw-1",
                secret_key = "AKIAsecret",
                session_token = %"tok-2",
                source_password = ?"dbg-3",
                region = "eu-west-1",
                "configured"
            );
        });
        for secret in ["hunter2", "pw-1", "AKIAsecret", "tok-2", "dbg-3", "span-token-value"] {
            assert!(!out.contains(secret), "{secret} leaked: {out}");
        }
        let l = &parse_lines(&out)[0];
        for k in ["password", "master_password", "secret_key", "session_token", "source_password", "token"] {
            assert_eq!(l[k], REDACTED, "{k}");
        }
        assert_eq!(l["region"], "eu-west-1");
        assert!(is_secret_field("AWS_SECRET_ACCESS_KEY") && !is_secret_field("replication_task_id"));
    }

    #[test]
    fn long_values_are_truncated_to_keep_lines_readable_by_go_plugin() {
        let out = capture(Some(Level::INFO), || {
            let big = "é".repeat(MAX_FIELD_BYTES);
            tracing::info!(body = %big, "{}", big);
        });
        assert!(out.len() < 3 * MAX_FIELD_BYTES, "{}", out.len());
        let l = &parse_lines(&out)[0];
        assert!(l["body"].as_str().unwrap().ends_with("bytes truncated]"));
        assert!(l["@message"].as_str().unwrap().ends_with("bytes truncated]"));
    }

    #[test]
    fn dependency_debug_noise_is_dropped() {
        let out = capture(Some(Level::TRACE), || {
            tracing::debug!(target: "h2::codec", "frame");
            tracing::warn!(target: "rustls::server", "odd client");
            tracing::debug!(target: "aws_smithy_runtime::client", "request");
        });
        let msgs: Vec<String> = parse_lines(&out).iter().map(|l| l["@message"].as_str().unwrap().to_string()).collect();
        assert_eq!(msgs, ["odd client", "request"]);
    }

    #[test]
    fn panic_reports_start_with_panic_prefix() {
        let report = Arc::new(Mutex::new(String::new()));
        let sink = report.clone();
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // Other tests may panic meanwhile (and be caught); keep only ours.
            let report = panic_report(info);
            if report.starts_with("panic: boom 42") {
                *sink.lock().unwrap() = report;
            }
        }));
        let _ = std::panic::catch_unwind(|| panic!("boom {}", 42));
        std::panic::set_hook(prev);
        let text = report.lock().unwrap().clone();
        assert!(text.starts_with("panic: boom 42\n"), "{text}");
        assert!(text.contains("logging.rs"), "{text}");
    }
}
