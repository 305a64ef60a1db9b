//! Plans that delete RDS databases: a destroy, a replacement of the whole stack (`name`,
//! `environment`, `network.vpc_cidr`), a source removed from the configuration. The plan warns,
//! naming each database and its final snapshot; a database with deletion protection (as the
//! refreshed prior state reports it) refuses the plan at its `deletion_protection`, with the way
//! out. Single databases re-created by an in-place update are [`super::replace`]'s.

use crate::engine::Value;
use crate::engine::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::resources::PlanDraft;

use super::children::Children;
use super::desired::{self, Database, Stack};
use super::naming::{block_name, final_snapshot_base, final_snapshot_pattern};
use super::schema::Side;

/// Why a plan deletes databases.
enum Cause {
    Destroy,
    /// The attributes forcing the replacement (`network.vpc_cidr`).
    ReplaceStack(Vec<String>),
    RemoveSource,
}

/// One RDS instance the plan deletes.
struct Deletion {
    instance: String,
    /// `target`, `source "geodesy"`.
    block: String,
    /// The database's `deletion_protection`, where the configuration has the block.
    path: Option<AttrPath>,
    /// Base of the final snapshot; `None`: deleted without one.
    snapshot: Option<String>,
    protected: bool,
    /// The configuration asks for another final-snapshot decision than the one the deletion uses.
    note: Option<String>,
}

fn protection_path(side: Side, index: Option<usize>) -> Option<AttrPath> {
    let block = match side {
        Side::Target => AttrPath::attr("target"),
        Side::Source => AttrPath::attr("source").then_index(index?),
    };
    Some(block.then_attr("rds").then_attr("deletion_protection"))
}

/// The RDS instances recorded in `state` whose block `keep` selects. A state that does not fit
/// the records' model (a provider bug) is reported in `diags`.
fn recorded(state: &Value, diags: &mut Diagnostics, keep: impl Fn(&Database) -> bool) -> Vec<(Database, Deletion)> {
    let stack = desired::read(state, state);
    let kids = match Children::from_state(state, &stack) {
        Ok(k) => k,
        Err(e) => {
            diags.push(e.into());
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, db) in stack.sources.iter().enumerate().map(|(i, d)| (Some(i), d)).chain([(None, &stack.target)]) {
        let Some(instance) = kids.db(&stack.database_id(db)).db_instance_identifier else { continue };
        let Some(rds) = db.rds.as_ref().filter(|_| keep(db)) else { continue };
        out.push((
            db.clone(),
            Deletion {
                block: block_name(db),
                path: protection_path(db.side, i),
                snapshot: final_snapshot_base(db, &instance),
                protected: rds.deletion_protection,
                note: None,
                instance,
            },
        ));
    }
    out
}

/// Warns about (or refuses) a destroy plan: `draft.planned` is null.
pub fn plan_destroy(draft: &mut PlanDraft<'_>) {
    if draft.prior.is_null() {
        return;
    }
    let list: Vec<Deletion> = recorded(draft.prior, &mut draft.diags, |_| true).into_iter().map(|(_, d)| d).collect();
    diagnose(&Cause::Destroy, &desired::read(draft.prior, draft.prior), &list, &mut draft.diags);
}

/// Warns about (or refuses) a plan that replaces the whole stack.
pub fn plan_stack_replacement(draft: &mut PlanDraft<'_>) {
    let causes: Vec<String> = draft.requires_replace.iter().map(ToString::to_string).collect();
    let planned = desired::read(&draft.planned, draft.config);
    let planned_sources = draft.planned.get("source").as_elements().unwrap_or_default();
    let mut list = Vec::new();
    for (db, mut d) in recorded(draft.prior, &mut draft.diags, |_| true) {
        // The configuration's block of the same database (a source by name): where the path points.
        let index = planned.sources.iter().position(|n| n.name == db.name);
        let (now, block) = match db.side {
            Side::Target => (Some(&planned.target), draft.planned.get("target")),
            Side::Source => {
                (index.map(|i| &planned.sources[i]), index.and_then(|i| planned_sources.get(i)).unwrap_or(&Value::Null))
            }
        };
        d.path = now.and_then(|_| protection_path(db.side, index));
        let rds = block.get("rds");
        let decided =
            !rds.get("skip_final_snapshot").is_unknown() && !rds.get("final_snapshot_identifier").is_unknown();
        if let Some(n) = now.filter(|_| decided)
            && final_snapshot_base(n, &d.instance) != d.snapshot
        {
            d.note = Some(
                "the configuration's new final-snapshot setting applies to the new database only: this deletion \
                 uses the one in state"
                    .to_string(),
            );
        }
        list.push(d);
    }
    diagnose(&Cause::ReplaceStack(causes), &desired::read(draft.prior, draft.prior), &list, &mut draft.diags);
}

/// Warns about (or refuses) an update that removes sources with an RDS database.
pub fn plan_removed_sources(draft: &mut PlanDraft<'_>) {
    let Some(planned) = draft.planned.get("source").as_elements() else { return };
    if planned.iter().any(|s| s.get("name").is_unknown()) {
        return;
    }
    let kept: Vec<String> = planned.iter().filter_map(|s| s.get("name").as_str().map(str::to_string)).collect();
    let list: Vec<Deletion> =
        recorded(draft.prior, &mut draft.diags, |db| db.side == Side::Source && !kept.contains(&db.name))
            .into_iter()
            .map(|(_, mut d)| {
                // The block is gone from the configuration: nothing to point at.
                d.path = None;
                d
            })
            .collect();
    diagnose(&Cause::RemoveSource, &desired::read(draft.prior, draft.prior), &list, &mut draft.diags);
}

fn diagnose(cause: &Cause, stack: &Stack, list: &[Deletion], diags: &mut Diagnostics) {
    if list.is_empty() {
        return;
    }
    let (what, then) = match cause {
        Cause::Destroy => (format!("Destroying DMS stack {}", stack.prefix()), "destroy the stack".to_string()),
        Cause::ReplaceStack(attrs) => (
            format!(
                "Changing {} replaces the whole DMS stack {} (destroys it, then creates it again: its databases \
                 start empty, a source with snapshot_identifier is restored from that snapshot again); this",
                attrs.join(", "),
                stack.prefix()
            ),
            format!("make the change of {}", attrs.join(", ")),
        ),
        Cause::RemoveSource => {
            (format!("Removing sources from DMS stack {}", stack.prefix()), "remove the source".to_string())
        }
    };
    let lines: Vec<String> = list
        .iter()
        .map(|d| {
            let snapshot = match &d.snapshot {
                Some(base) => format!(
                    "final snapshot {} (the UTC time of the deletion is appended to {base})",
                    final_snapshot_pattern(base)
                ),
                None => "no final snapshot (skip_final_snapshot = true): its data is lost".to_string(),
            };
            let note = d.note.as_ref().map(|n| format!("; {n}")).unwrap_or_default();
            format!("  - RDS DB instance {} ({}): {snapshot}{note}", d.instance, d.block)
        })
        .collect();
    diags.push(Diagnostic::warning(
        "dmslink_main deletes RDS databases",
        format!("{what} deletes these RDS databases:\n{}", lines.join("\n")),
    ));
    for d in list.iter().filter(|d| d.protected) {
        let e = Diagnostic::error(
            format!("Deletion protection prevents deleting database {}", d.instance),
            format!(
                "RDS DB instance {} ({}) has deletion protection, and this plan deletes it. To go ahead, first set \
                 deletion_protection = false in the rds block of {} and apply, then {then}.",
                d.instance, d.block, d.block
            ),
        );
        diags.push(match &d.path {
            Some(p) => e.at(p.clone()),
            None => e,
        });
    }
}
