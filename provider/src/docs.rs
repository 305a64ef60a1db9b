//! Registry-format documentation generated from the schemas (the same descriptions Terraform
//! shows), so docs cannot drift from the code. `docs_are_current` fails when `docs/` is stale;
//! `DMSLINK_UPDATE_DOCS=1 cargo test -p terraform-provider-dmslink docs_are_current` rewrites it.

use std::fmt::Write as _;

use crate::engine::schema::{AttrKind, Attribute, Block, Mode, Nesting};
use crate::engine::{About, Schema, Type};

/// A page: path under `docs/` and its markdown.
pub struct Page {
    pub path: String,
    pub markdown: String,
}

pub fn provider_page(schema: &Schema, example_hcl: &str) -> Page {
    let mut md = String::new();
    md.push_str("---\npage_title: \"dmslink Provider\"\nsubcategory: \"\"\ndescription: |-\n  ");
    md.push_str(&first_sentence(&schema.block.description));
    md.push_str("\n---\n\n# dmslink Provider\n\n");
    md.push_str(&schema.block.description);
    md.push_str("\n\n## Example Usage\n\n```terraform\n");
    md.push_str(example_hcl.trim_end());
    md.push_str("\n```\n\n");
    render_schema(&mut md, &schema.block);
    Page { path: "index.md".into(), markdown: md }
}

/// The page of one resource or data source, from its description.
pub fn resource_page(kind: &str, about: &About) -> Page {
    let (type_name, schema, extras) = (about.type_name, (about.schema)(), &about.doc);
    let short = type_name.strip_prefix("dmslink_").unwrap_or(type_name);
    let (dir, title) = match kind {
        "data source" => ("data-sources", "Data Source"),
        _ => ("resources", "Resource"),
    };
    let mut md = String::new();
    let _ = write!(
        md,
        "---\npage_title: \"{type_name} {title} - dmslink\"\nsubcategory: \"\"\ndescription: |-\n  {}\n---\n\n# {type_name} ({title})\n\n{}\n\n",
        first_sentence(&schema.block.description),
        schema.block.description
    );
    if !extras.notes.is_empty() {
        md.push_str(extras.notes.trim_end());
        md.push_str("\n\n");
    }
    md.push_str("## Example Usage\n\n```terraform\n");
    md.push_str(extras.example_hcl.trim_end());
    md.push_str("\n```\n\n");
    render_schema(&mut md, &schema.block);
    if let Some(import) = extras.import {
        md.push_str("## Import\n\n");
        md.push_str(import.trim_end());
        md.push('\n');
    }
    Page { path: format!("{dir}/{short}.md"), markdown: md }
}

fn first_sentence(s: &str) -> String {
    let end = s.find(". ").map_or(s.len(), |i| i + 1);
    s[..end].replace('\n', " ")
}

fn render_schema(md: &mut String, block: &Block) {
    md.push_str("## Schema\n\n");
    let mut nested: Vec<(String, Block)> = Vec::new();
    render_block_body(md, block, "", &mut nested);
    while !nested.is_empty() {
        let (anchor, b) = nested.remove(0);
        let _ = write!(
            md,
            "<a id=\"nestedblock--{anchor}\"></a>\n### Nested Schema for `{}`\n\n",
            anchor.replace("--", ".")
        );
        let mut more = Vec::new();
        render_block_body(md, &b, &anchor, &mut more);
        nested.extend(more);
    }
}

fn render_block_body(md: &mut String, block: &Block, prefix: &str, nested: &mut Vec<(String, Block)>) {
    type Pick = fn(&Attribute) -> bool;
    let sections: [(&str, Pick); 3] = [
        ("Required", |a| a.mode == Mode::Required),
        ("Optional", |a| matches!(a.mode, Mode::Optional | Mode::OptionalComputed)),
        ("Read-Only", |a| a.mode == Mode::Computed),
    ];
    for (title, pick) in sections {
        let attrs: Vec<&Attribute> = block.attributes.iter().filter(|a| pick(a)).collect();
        let blocks: Vec<_> = if title == "Optional" { block.blocks.iter().collect() } else { vec![] };
        if attrs.is_empty() && blocks.is_empty() {
            continue;
        }
        let _ = write!(md, "### {title}\n\n");
        let mut lines: Vec<(String, String)> = Vec::new();
        for a in attrs {
            let mut flags = vec![type_label(a)];
            if a.sensitive {
                flags.push("Sensitive".into());
            }
            if a.write_only {
                flags.push("Write-only".into());
            }
            let mut desc = a.description.clone();
            if let Some(d) = &a.default {
                let shown = match d {
                    crate::engine::Value::String(s) => format!("\"{s}\""),
                    crate::engine::Value::Bool(b) => b.to_string(),
                    crate::engine::Value::Number(n) => n.to_string(),
                    _ => String::new(),
                };
                if !shown.is_empty() {
                    let _ = write!(desc, " Defaults to `{shown}`.");
                }
            }
            if let Some((min, max)) = a.whole_range {
                let _ = write!(desc, " A whole number from {min} to {max}.");
            }
            if a.force_new {
                desc.push_str(" Changing this forces a new resource.");
            }
            if let AttrKind::Nested(n) = &a.kind {
                let anchor = join(prefix, &a.name);
                let _ = write!(desc, " (see [below for nested schema](#nestedblock--{anchor}))");
                nested.push((anchor, Block { attributes: n.attributes.clone(), ..Block::default() }));
            }
            lines.push((a.name.clone(), format!("- `{}` ({}) {}", a.name, flags.join(", "), desc.trim())));
        }
        for b in blocks {
            let anchor = join(prefix, &b.name);
            let kind = match b.nesting {
                Nesting::Single | Nesting::Group => "Block",
                Nesting::List => "Block List",
                Nesting::Set => "Block Set",
                Nesting::Map => "Block Map",
            };
            let limits = match (b.min_items, b.max_items) {
                (0, 0) => String::new(),
                (min, 0) => format!(", Min: {min}"),
                (0, max) => format!(", Max: {max}"),
                (min, max) => format!(", Min: {min}, Max: {max}"),
            };
            lines.push((
                b.name.clone(),
                format!(
                    "- `{}` ({kind}{limits}) {} (see [below for nested schema](#nestedblock--{anchor}))",
                    b.name, b.block.description
                ),
            ));
            nested.push((anchor, b.block.clone()));
        }
        lines.sort();
        for (_, l) in lines {
            md.push_str(&l);
            md.push('\n');
        }
        md.push('\n');
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_string() } else { format!("{prefix}--{name}") }
}

fn type_label(a: &Attribute) -> String {
    match &a.kind {
        AttrKind::Plain(t) => type_name(t),
        AttrKind::Nested(n) => match n.nesting {
            Nesting::Single | Nesting::Group => "Attributes".into(),
            Nesting::List => "Attributes List".into(),
            Nesting::Set => "Attributes Set".into(),
            Nesting::Map => "Attributes Map".into(),
        },
    }
}

fn type_name(t: &Type) -> String {
    match t {
        Type::Bool => "Boolean".into(),
        Type::Number => "Number".into(),
        Type::String => "String".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(e) => format!("List of {}", type_name(e)),
        Type::Set(e) => format!("Set of {}", type_name(e)),
        Type::Map(e) => format!("Map of {}", type_name(e)),
        Type::Object(_) => "Object".into(),
        Type::Tuple(_) => "Tuple".into(),
    }
}

/// Every page of the provider's documentation: the provider, then each resource and data source
/// of the registry from its description ([`About`]), in type-name order.
pub fn all_pages() -> Vec<Page> {
    let provider = crate::engine::provider::Provider::new(
        crate::provider_config::ProviderBlock,
        crate::resources::all_resources(),
        crate::resources::all_data_sources(),
    );
    let mut pages =
        vec![provider_page(provider.provider_schema(), include_str!("../../examples-hcl/provider/provider.tf"))];
    for (kind, mut types) in [
        ("resource", crate::resources::all_resources().iter().map(|r| r.about()).collect::<Vec<_>>()),
        ("data source", crate::resources::all_data_sources().iter().map(|d| d.about()).collect()),
    ] {
        types.sort_by_key(|a| a.type_name);
        for a in types {
            pages.push(resource_page(kind, &a));
        }
    }
    pages
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn docs_are_current() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
        let update = std::env::var_os("DMSLINK_UPDATE_DOCS").is_some();
        let mut stale = Vec::new();
        for page in all_pages() {
            let path = root.join(&page.path);
            let current = std::fs::read_to_string(&path).unwrap_or_default();
            if current != page.markdown {
                if update {
                    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                    std::fs::write(&path, &page.markdown).unwrap();
                } else {
                    stale.push(page.path);
                }
            }
        }
        assert!(stale.is_empty(), "docs out of date: {stale:?}; run `make docs`");
    }

    #[test]
    fn sensitive_and_defaults_are_documented() {
        let pages = all_pages();
        let repl = pages.iter().find(|p| p.path == "resources/repltask.md").unwrap();
        assert!(repl.markdown.contains("- `start_replication_task` (Boolean)"), "{}", repl.markdown);
        assert!(repl.markdown.contains("Defaults to `false`."));
        assert!(repl.markdown.contains("### Nested Schema for `timeouts`"));
        let index = pages.iter().find(|p| p.path == "index.md").unwrap();
        assert!(index.markdown.contains("(String, Sensitive)"), "{}", index.markdown);
    }
}
