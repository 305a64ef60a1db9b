//! Terraform's diagnostics as `-no-color` prints them, read back for assertions:
//!
//! ```text
//! Error: Invalid port
//!
//!   with dmslink_main.stack,
//!   on main.tf line 40, in resource "dmslink_main" "stack":
//!   40:     port = 1521.5
//!
//! 1521.5 is not a TCP port (1 to 65535).
//! ```
//!
//! The source excerpt is the evidence that the provider attached an attribute path: without one,
//! Terraform can only point at the whole block (or at nothing).

/// One diagnostic block of a CLI's output.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostic {
    /// `Error` or `Warning`.
    pub severity: String,
    pub summary: String,
    /// What the "with ..." line names: `dmslink_main.stack`, `provider["registry.terraform.io/dmslink/dmslink"]`.
    /// Only diagnostics that came from a provider (or a resource's evaluation) carry one.
    pub address: Option<String>,
    /// File and first line of the subject ("on main.tf line 40, ...").
    pub file: Option<String>,
    pub line: Option<usize>,
    /// The source excerpt: line number and text after `NN:`, as printed.
    pub excerpt: Vec<(usize, String)>,
    /// The detail text with line breaks and runs of spaces folded to single spaces (Terraform wraps
    /// long details at the terminal width).
    pub detail: String,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == "Error"
    }

    /// The excerpt line `line`, if printed.
    pub fn excerpt_line(&self, line: usize) -> Option<&str> {
        self.excerpt.iter().find(|(n, _)| *n == line).map(|(_, t)| t.as_str())
    }
}

/// Every diagnostic in `output` (a CLI's stderr run with `-no-color`), in order.
pub fn parse_diagnostics(output: &str) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    let mut detail: Vec<String> = Vec::new();
    let finish = |out: &mut Vec<Diagnostic>, detail: &mut Vec<String>| {
        if let Some(d) = out.last_mut() {
            d.detail = fold_whitespace(&detail.join(" "));
        }
        detail.clear();
    };
    for raw in output.lines() {
        let line = raw.trim_end();
        let header = ["Error", "Warning"]
            .into_iter()
            .find_map(|sev| line.strip_prefix(sev).and_then(|r| r.strip_prefix(": ")).map(|s| (sev, s)));
        if let Some((severity, summary)) = header {
            finish(&mut out, &mut detail);
            out.push(Diagnostic {
                severity: severity.to_string(),
                summary: summary.trim().to_string(),
                ..Diagnostic::default()
            });
            continue;
        }
        let Some(current) = out.last_mut() else { continue };
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        let indented = line.len() != trimmed.len();
        if indented && let Some(address) = trimmed.strip_prefix("with ").and_then(|r| r.strip_suffix(',')) {
            current.address = Some(address.to_string());
        } else if indented && let Some((file, line_no)) = subject(trimmed) {
            current.file = Some(file);
            current.line = Some(line_no);
        } else if indented && let Some((n, text)) = excerpt_line(trimmed) {
            current.excerpt.push((n, text));
        } else if indented && (trimmed.starts_with('├') || trimmed.starts_with('│')) {
            // Expression values under an excerpt ("├──── var.x is ..."): context, not detail.
        } else {
            detail.push(trimmed.to_string());
        }
    }
    finish(&mut out, &mut detail);
    out
}

/// `on main.tf line 40, in resource "x" "y":` or `on main.tf line 3:`.
fn subject(text: &str) -> Option<(String, usize)> {
    let rest = text.strip_prefix("on ")?;
    let (file, rest) = rest.split_once(" line ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let after = &rest[digits.len()..];
    if !(after.starts_with(',') || after.starts_with(':')) {
        return None;
    }
    Some((file.to_string(), digits.parse().ok()?))
}

/// `40:     port = 1521.5` → (40, "    port = 1521.5").
fn excerpt_line(text: &str) -> Option<(usize, String)> {
    let (num, rest) = text.split_once(':')?;
    if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((num.parse().ok()?, rest.strip_prefix(' ').unwrap_or(rest).to_string()))
}

/// Runs of whitespace (line breaks included) as one space.
pub fn fold_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// True when a diagnostic's source excerpt is the line assigning `attribute` (`  8:   attr = ...`): the
/// provider attached the attribute path, so Terraform points at the attribute, not the whole block.
pub fn points_at_attribute(stderr: &str, attribute: &str) -> bool {
    stderr.lines().any(|line| {
        let Some((num, rest)) = line.trim_start().split_once(':') else {
            return false;
        };
        !num.is_empty()
            && num.chars().all(|c| c.is_ascii_digit())
            && rest.trim_start().strip_prefix(attribute).is_some_and(|after| after.trim_start().starts_with('='))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const TWO: &str = "\nError: Invalid port\n\n  with dmslink_peering.p,\n  on main.tf line 13, in resource \"dmslink_peering\" \"p\":\n  13:     22.5,\n\n22.5 is not a TCP port: ports are whole numbers from 1 to\n65535.\n\nWarning: Unusual port for the engine\n\n  with dmslink_main.m,\n  on main.tf line 21, in resource \"dmslink_main\" \"m\":\n  21:     subnet_cidrs = [\n  22:       \"10.0.0.0/26\",\n  23:     ]\n\nfirst paragraph.\n\nsecond paragraph.\n";

    #[test]
    fn parses_summary_address_subject_excerpt_and_folded_detail() {
        let diags = parse_diagnostics(TWO);
        assert_eq!(diags.len(), 2, "{diags:?}");
        let e = &diags[0];
        assert!(e.is_error());
        assert_eq!(e.summary, "Invalid port");
        assert_eq!(e.address.as_deref(), Some("dmslink_peering.p"));
        assert_eq!((e.file.as_deref(), e.line), (Some("main.tf"), Some(13)));
        assert_eq!(e.excerpt, vec![(13, "    22.5,".to_string())]);
        assert_eq!(e.detail, "22.5 is not a TCP port: ports are whole numbers from 1 to 65535.");
        let w = &diags[1];
        assert!(!w.is_error());
        assert_eq!(w.line, Some(21));
        assert_eq!(w.excerpt.len(), 3);
        assert_eq!(w.excerpt_line(22), Some("      \"10.0.0.0/26\","));
        assert_eq!(w.detail, "first paragraph. second paragraph.");
    }

    #[test]
    fn a_diagnostic_without_source_has_no_subject() {
        let diags = parse_diagnostics("Error: Failed to load plugin schemas\n\nsomething broke\n");
        assert_eq!(diags.len(), 1);
        assert_eq!((diags[0].address.as_ref(), diags[0].line), (None, None));
        assert_eq!(diags[0].detail, "something broke");
    }

    #[test]
    fn points_at_attribute_reads_terraform_source_excerpts() {
        let stderr = "Error: Invalid migration type\n\n  with dmslink_repltask.dblink,\n  on x.tf line 2, in resource \"dmslink_repltask\" \"dblink\":\n   2:   migration_type = \"sideways\"\n\n\"sideways\" is not a DMS migration type\n";
        assert!(points_at_attribute(stderr, "migration_type"));
        assert!(!points_at_attribute(stderr, "table_mappings"));
        let block_only = "  on x.tf line 1, in resource \"dmslink_repltask\" \"dblink\":\n   1: resource \"dmslink_repltask\" \"dblink\" {\n";
        assert!(!points_at_attribute(block_only, "migration_type"));
    }
}
