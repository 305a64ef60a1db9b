//! Diagnostics: every problem a practitioner can act on, with the attribute it concerns.

use std::fmt;

/// One step of an attribute path: `network.subnet_cidrs[1]`, `tags["env"]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathStep {
    Attr(String),
    Key(String),
    Index(i64),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AttrPath(pub Vec<PathStep>);

impl AttrPath {
    pub fn root() -> AttrPath {
        AttrPath(Vec::new())
    }
    pub fn attr(name: &str) -> AttrPath {
        AttrPath(vec![PathStep::Attr(name.to_string())])
    }
    pub fn then_attr(&self, name: &str) -> AttrPath {
        let mut p = self.clone();
        p.0.push(PathStep::Attr(name.to_string()));
        p
    }
    pub fn then_key(&self, key: &str) -> AttrPath {
        let mut p = self.clone();
        p.0.push(PathStep::Key(key.to_string()));
        p
    }
    pub fn then_index(&self, i: usize) -> AttrPath {
        let mut p = self.clone();
        p.0.push(PathStep::Index(i as i64));
        p
    }
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attr(a) if i == 0 => write!(f, "{a}")?,
                PathStep::Attr(a) => write!(f, ".{a}")?,
                PathStep::Key(k) => write!(f, "[{k:?}]")?,
                PathStep::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A user's input quoted for a diagnostic: escaped, and cut to 80 characters so that a pasted
/// document does not flood the terminal. Never use it on a sensitive value.
pub fn quote_input(s: &str) -> String {
    const MAX: usize = 80;
    let cut: String = s.chars().take(MAX).collect();
    if cut.len() < s.len() { format!("{cut:?}… ({} characters)", s.chars().count()) } else { format!("{cut:?}") }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub path: Option<AttrPath>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Error, summary: summary.into(), detail: detail.into(), path: None }
    }
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, summary: summary.into(), detail: detail.into(), path: None }
    }
    pub fn at(mut self, path: AttrPath) -> Diagnostic {
        self.path = if path.is_root() { None } else { Some(path) };
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) => write!(f, "{} ({p}): {}", self.summary, self.detail),
            None => write!(f, "{}: {}", self.summary, self.detail),
        }
    }
}

/// An ordered collection of diagnostics; handlers push into it and return early on errors.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics(Vec::new())
    }
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::error(summary, detail));
    }
    pub fn error_at(&mut self, path: AttrPath, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::error(summary, detail).at(path));
    }
    pub fn warning_at(&mut self, path: AttrPath, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::warning(summary, detail).at(path));
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Diagnostics {
        Diagnostics(vec![d])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_like_terraform_addresses() {
        let p = AttrPath::attr("network").then_attr("subnet_cidrs").then_index(1);
        assert_eq!(p.to_string(), "network.subnet_cidrs[1]");
        assert_eq!(AttrPath::attr("tags").then_key("env").to_string(), "tags[\"env\"]");
    }

    #[test]
    fn warnings_do_not_count_as_errors() {
        let mut d = Diagnostics::new();
        d.warning_at(AttrPath::attr("x"), "careful", "it may hurt");
        assert!(!d.has_errors());
        d.error("bad", "it broke");
        assert!(d.has_errors());
    }
}
