//! The AWS provider's stored state, as Terraform hands it to MoveResourceState (the JSON
//! attributes of an SDKv2 resource): typed reads that name the attribute when it is missing or
//! of the wrong kind. The state itself is never logged nor quoted back: only attribute names are.

use std::collections::BTreeMap;

use serde_json::{Map, Value as J};

use crate::engine::MoveSource;
use crate::engine::diag::{Diagnostic, Diagnostics};

/// The AWS provider's source addresses, as Terraform and OpenTofu send them.
pub const AWS_PROVIDERS: &[&str] = &["registry.terraform.io/hashicorp/aws", "registry.opentofu.org/hashicorp/aws"];

/// One source state's attributes; each read records its problem in `problems`, so that one answer
/// names every attribute that cannot be mapped.
pub struct AwsState<'a> {
    type_name: &'a str,
    target: &'a str,
    attrs: Map<String, J>,
    pub problems: Diagnostics,
}

impl<'a> AwsState<'a> {
    /// The source's attributes, or an error when the state is not a JSON object.
    pub fn parse(source: &MoveSource<'a>, target: &'a str) -> Result<AwsState<'a>, Diagnostics> {
        let attrs = match serde_json::from_slice::<J>(source.state_json) {
            Ok(J::Object(m)) => m,
            Ok(_) => return Err(malformed(source.type_name, "it is JSON but not an object of attributes")),
            // The parser's message names a line and column, never the content.
            Err(e) => {
                return Err(malformed(
                    source.type_name,
                    &format!("it is not valid JSON (line {}, column {})", e.line(), e.column()),
                ));
            }
        };
        Ok(AwsState { type_name: source.type_name, target, attrs, problems: Diagnostics::new() })
    }

    /// Records that attribute `name` cannot be mapped: `what` ends "The state's `name` ...".
    pub fn problem(&mut self, name: &str, what: &str) {
        self.problems.push(Diagnostic::error(
            "Cannot move the AWS provider's state",
            format!(
                "The {} state's `{name}` {what}, so it cannot become {} state. Refresh it with the AWS provider first (restore the {} resource without the `moved` block and run `terraform apply -refresh-only`), or remove the `moved` block and `terraform import` the object as {}.",
                self.type_name, self.target, self.type_name, self.target
            ),
        ));
    }

    /// A text attribute; null and `""` (how SDKv2 stores an unset string) are absent.
    pub fn text(&mut self, name: &str) -> Option<String> {
        match self.attrs.get(name) {
            None | Some(J::Null) => None,
            Some(J::String(s)) if s.is_empty() => None,
            Some(J::String(s)) => Some(s.clone()),
            Some(_) => {
                self.problem(name, "is not a string");
                None
            }
        }
    }

    /// A text attribute the mapping cannot do without.
    pub fn required_text(&mut self, name: &str) -> String {
        match self.attrs.get(name) {
            None | Some(J::Null) => self.problem(name, "is missing"),
            Some(J::String(s)) if s.is_empty() => self.problem(name, "is empty"),
            _ => return self.text(name).unwrap_or_default(),
        }
        String::new()
    }

    /// A bool attribute; absent or null is `None`.
    pub fn flag(&mut self, name: &str) -> Option<bool> {
        match self.attrs.get(name) {
            None | Some(J::Null) => None,
            Some(J::Bool(b)) => Some(*b),
            Some(_) => {
                self.problem(name, "is not a bool");
                None
            }
        }
    }

    /// A map of strings (tags); absent or null is `None`.
    pub fn string_map(&mut self, name: &str) -> Option<BTreeMap<String, String>> {
        let m = match self.attrs.get(name) {
            None | Some(J::Null) => return None,
            Some(J::Object(m)) => m,
            Some(_) => {
                self.problem(name, "is not a map");
                return None;
            }
        };
        let texts: Option<BTreeMap<String, String>> =
            m.iter().map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect();
        if texts.is_none() {
            self.problem(name, "holds a value that is not a string");
        }
        texts
    }

    /// The one element of an SDKv2 `MaxItems: 1` block (a list of objects); absent, null or empty
    /// is `None`.
    pub fn single_block(&mut self, name: &str) -> Option<AwsBlock> {
        let first = match self.attrs.get(name) {
            None | Some(J::Null) => return None,
            Some(J::Array(items)) => items.first().cloned(),
            Some(_) => {
                self.problem(name, "is not a list of one block");
                return None;
            }
        };
        match first {
            None | Some(J::Null) => None,
            Some(J::Object(m)) => Some(AwsBlock(m)),
            Some(_) => {
                self.problem(name, "holds an element that is not a block");
                None
            }
        }
    }

    /// A JSON document stored as text, in compact form; `None` when absent; a problem when it is
    /// not JSON.
    pub fn json_text(&mut self, name: &str, required: bool) -> Option<String> {
        let text = if required { Some(self.required_text(name)).filter(|t| !t.is_empty()) } else { self.text(name) }?;
        match serde_json::from_str::<J>(&text).ok().and_then(|doc| serde_json::to_string(&doc).ok()) {
            Some(compact) => Some(compact),
            None => {
                self.problem(name, "is not a valid JSON document");
                None
            }
        }
    }

    /// The state built from the reads, or every problem they met.
    pub fn finish<T>(self, built: T) -> Result<T, Diagnostics> {
        if self.problems.has_errors() { Err(self.problems) } else { Ok(built) }
    }
}

/// One nested block's attributes.
pub struct AwsBlock(Map<String, J>);

impl AwsBlock {
    /// A bool of the block; absent, null or not a bool is `None`.
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.0.get(name).and_then(J::as_bool)
    }
}

fn malformed(type_name: &str, why: &str) -> Diagnostics {
    Diagnostic::error(
        "Malformed source state",
        format!(
            "The {type_name} state Terraform handed over cannot be read: {why}. Check the state with `terraform state pull`, or remove the `moved` block and import the object instead."
        ),
    )
    .into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn source(json: &[u8]) -> MoveSource<'_> {
        MoveSource { provider_address: AWS_PROVIDERS[0], type_name: "aws_thing", schema_version: 0, state_json: json }
    }

    #[test]
    fn unset_strings_are_absent_and_wrong_kinds_name_the_attribute() {
        let json = br#"{"a":"x","b":"","c":null,"d":7,"t":{"k":"v"},"u":{"k":1},"l":[{"f":true}],"e":[]}"#;
        let mut s = AwsState::parse(&source(json), "dmslink_x").unwrap();
        assert_eq!(s.text("a").as_deref(), Some("x"));
        assert_eq!((s.text("b"), s.text("c"), s.text("zz")), (None, None, None));
        assert!(s.problems.is_empty());
        assert_eq!(s.text("d"), None);
        assert_eq!(s.string_map("t").unwrap()["k"], "v");
        assert_eq!(s.string_map("u"), None);
        assert_eq!(s.single_block("l").unwrap().flag("f"), Some(true));
        assert!(s.single_block("e").is_none());
        assert_eq!(s.required_text("b"), "");
        let details: Vec<String> = s.problems.iter().map(|d| d.detail.clone()).collect();
        assert_eq!(details.len(), 3, "{details:?}");
        assert!(details[0].contains("`d` is not a string"));
        assert!(details[1].contains("`u` holds a value that is not a string"));
        assert!(details[2].contains("`b` is empty"));
    }

    #[test]
    fn json_documents_come_out_compact_and_bad_ones_are_named() {
        let json = br#"{"doc":"{ \"rules\" : [ ] }","bad":"{nope"}"#;
        let mut s = AwsState::parse(&source(json), "dmslink_x").unwrap();
        assert_eq!(s.json_text("doc", true).as_deref(), Some(r#"{"rules":[]}"#));
        assert_eq!(s.json_text("bad", false), None);
        assert_eq!(s.json_text("missing", false), None);
        assert!(s.finish(()).unwrap_err().0[0].detail.contains("`bad` is not a valid JSON document"));
    }

    #[test]
    fn a_state_that_is_not_a_json_object_is_refused_without_quoting_it() {
        for bad in [&b"[1,2]"[..], b"\"secret-value\"", b"{\"a\":", b"", b"\xff\xfe"] {
            let d = AwsState::parse(&source(bad), "dmslink_x").err().unwrap();
            assert_eq!(d.0[0].summary, "Malformed source state");
            assert!(!d.0[0].detail.contains("secret-value"));
        }
    }
}
