//! MoveResourceState (Terraform ≥ 1.8 `moved` across types): the engine checks what every move
//! shares — the target type, the source's provider, type and schema version, the raw state being
//! JSON — and hands the rest to the target resource's `move_state`.

use super::{Provider, null_write_only, unknown_type};
use crate::engine::diag::{Diagnostic, Diagnostics};
use crate::engine::resource::{MoveFrom, MoveSource};
use crate::engine::value::Value;

impl<P: Send + Sync + 'static> Provider<P> {
    /// The target type's state from `source`, or the diagnostics that say why not (each names
    /// what is accepted). Never looks inside the source state beyond handing it on.
    pub fn move_resource_state(&self, target_type: &str, source: &MoveSource<'_>) -> (Option<Value>, Diagnostics) {
        let Some(r) = self.resources.get(target_type) else {
            return (None, unknown_type("resource", target_type));
        };
        if let Err(d) = check_source(target_type, r.about.moves_from, source) {
            return (None, d.into());
        }
        match r.imp.move_state(source) {
            Ok(v) => (Some(null_write_only(&r.schema.block, v)), Diagnostics::new()),
            Err(d) => (None, d),
        }
    }
}

/// What `moves_from` accepts, as a sentence: "`aws_x` of registry.terraform.io/hashicorp/aws".
fn accepted(moves_from: &[MoveFrom]) -> String {
    if moves_from.is_empty() {
        return "no other resource type".to_string();
    }
    let each: Vec<String> = moves_from
        .iter()
        .map(|m| format!("`{}` of {} (schema version {})", m.type_name, m.providers.join(" or "), versions(m)))
        .collect();
    each.join("; ")
}

fn versions(m: &MoveFrom) -> String {
    m.schema_versions.iter().map(i64::to_string).collect::<Vec<_>>().join(" or ")
}

fn check_source(target: &str, moves_from: &[MoveFrom], source: &MoveSource<'_>) -> Result<(), Diagnostic> {
    let refuse = |summary: &str, why: String| {
        Diagnostic::error(
            summary,
            format!(
                "{why} {target} takes state from {}. Otherwise remove the `moved` block, then `terraform import` the object as {target}.",
                accepted(moves_from)
            ),
        )
    };
    let Some(m) = moves_from.iter().find(|m| m.type_name == source.type_name) else {
        return Err(refuse(
            "Unsupported move source type",
            format!("A `moved` block cannot bring {} state into {target}.", quoted(source.type_name)),
        ));
    };
    if !m.providers.contains(&source.provider_address) {
        return Err(refuse(
            "Unsupported move source provider",
            format!(
                "The {} in this `moved` block belongs to provider {}, whose state dmslink cannot read.",
                source.type_name,
                quoted(source.provider_address)
            ),
        ));
    }
    if !m.schema_versions.contains(&source.schema_version) {
        return Err(refuse(
            "Unsupported move source schema version",
            format!(
                "The {} state has schema version {}, which dmslink does not know: it was written by an AWS provider version whose {} layout dmslink has not been taught.",
                source.type_name, source.schema_version, source.type_name
            ),
        ));
    }
    Ok(())
}

/// An address or type name from the request, quoted so that an empty one still shows.
fn quoted(s: &str) -> String {
    format!("{s:?}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const AWS: &[&str] = &["registry.terraform.io/hashicorp/aws"];
    const FROM: &[MoveFrom] = &[MoveFrom { providers: AWS, type_name: "aws_thing", schema_versions: &[0] }];

    fn source<'a>(provider: &'a str, type_name: &'a str, version: i64) -> MoveSource<'a> {
        MoveSource { provider_address: provider, type_name, schema_version: version, state_json: b"{}" }
    }

    #[test]
    fn only_the_declared_provider_type_and_versions_pass() {
        assert!(check_source("dmslink_x", FROM, &source(AWS[0], "aws_thing", 0)).is_ok());
        let wrong_type = check_source("dmslink_x", FROM, &source(AWS[0], "aws_other", 0)).unwrap_err();
        assert_eq!(wrong_type.summary, "Unsupported move source type");
        assert!(
            wrong_type.detail.contains("`aws_thing` of registry.terraform.io/hashicorp/aws"),
            "{}",
            wrong_type.detail
        );
        let wrong_provider =
            check_source("dmslink_x", FROM, &source("registry.terraform.io/acme/aws", "aws_thing", 0)).unwrap_err();
        assert_eq!(wrong_provider.summary, "Unsupported move source provider");
        assert!(wrong_provider.detail.contains("\"registry.terraform.io/acme/aws\""));
        let newer = check_source("dmslink_x", FROM, &source(AWS[0], "aws_thing", 1)).unwrap_err();
        assert_eq!(newer.summary, "Unsupported move source schema version");
        assert!(newer.detail.contains("schema version 1,"), "{}", newer.detail);
    }

    #[test]
    fn a_type_that_accepts_nothing_says_so() {
        let d = check_source("dmslink_x", &[], &source(AWS[0], "aws_thing", 0)).unwrap_err();
        assert!(d.detail.contains("takes state from no other resource type"), "{}", d.detail);
    }
}
