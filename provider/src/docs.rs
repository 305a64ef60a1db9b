//! Registry-format documentation generated from the schemas (the same descriptions Terraform
//! shows), so docs cannot drift from the code. `docs_are_current` fails when `docs/` is stale;
//! `DMSLINK_UPDATE_DOCS=1 cargo test -p terraform-provider-dmslink docs_are_current` rewrites it.

use std::fmt::Write as _;

use crate::engine::schema::{AttrKind, Attribute, Block, Mode, NestedBlock, Nesting};
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
    md.push_str("\n\n## Guides\n\n");
    for (file, title) in GUIDES {
        let _ = writeln!(md, "- [{title}](guides/{file})");
    }
    md.push_str("\n## Example Usage\n\n```terraform\n");
    md.push_str(example_hcl.trim_end());
    md.push_str("\n```\n\n");
    render_schema(&mut md, &schema.block);
    Page { path: "index.md".into(), markdown: md }
}

/// The hand-written guides in `docs/guides/` (file, title), as the provider page lists them.
/// `guides_are_listed` fails when a guide is missing here or its title differs from its heading.
pub const GUIDES: &[(&str, &str)] = &[
    ("permissions.md", "AWS permissions"),
    ("corporate-networks.md", "Corporate networks: proxies, certificate authorities and CI credentials"),
    ("logging.md", "Logging and troubleshooting"),
    ("timeouts.md", "Timeouts"),
    ("importing.md", "Importing existing objects"),
    ("migrating.md", "Migrating from the original modules to dmslink"),
    ("moving-from-aws-provider.md", "Moving a task and a peering from the AWS provider with `moved`"),
    ("secrets-manager.md", "Endpoint credentials from AWS Secrets Manager"),
    ("local-emulator.md", "Running against the local AWS emulator"),
    ("opentofu.md", "OpenTofu"),
];

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
        md.push_str("\n## Import\n\n");
        md.push_str(import.trim_end());
        md.push('\n');
    }
    Page { path: format!("{dir}/{short}.md"), markdown: md }
}

fn first_sentence(s: &str) -> String {
    let end = s.find(". ").map_or(s.len(), |i| i + 1);
    s[..end].replace('\n', " ")
}

/// Where tfplugindocs links the write-only flag.
const WRITE_ONLY_URL: &str =
    "https://developer.hashicorp.com/terraform/language/resources/ephemeral#write-only-arguments";

/// tfplugindocs' note above a group that holds a write-only argument, with the OpenTofu version too.
const WRITE_ONLY_NOTE: &str = "> **NOTE**: [Write-only arguments](https://developer.hashicorp.com/terraform/language/resources/ephemeral#write-only-arguments) need Terraform ≥ 1.11 or OpenTofu ≥ 1.11.\n\n";

/// The three groups tfplugindocs sorts attributes and blocks into: the title at the top level,
/// then the plain label inside a nested schema.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Group {
    Required,
    Optional,
    ReadOnly,
}

impl Group {
    const ALL: [Group; 3] = [Group::Required, Group::Optional, Group::ReadOnly];

    fn title(self, root: bool) -> &'static str {
        match (self, root) {
            (Group::Required, true) => "### Required",
            (Group::Optional, true) => "### Optional",
            (Group::ReadOnly, true) => "### Read-Only",
            (Group::Required, false) => "Required:",
            (Group::Optional, false) => "Optional:",
            (Group::ReadOnly, false) => "Read-Only:",
        }
    }
}

fn attr_group(a: &Attribute) -> Group {
    match a.mode {
        Mode::Required => Group::Required,
        Mode::Optional | Mode::OptionalComputed => Group::Optional,
        Mode::Computed => Group::ReadOnly,
    }
}

/// tfplugindocs' `childBlockIsReadOnly`: no item limits and every leaf computed only.
fn block_is_read_only(nb: &NestedBlock) -> bool {
    nb.min_items == 0
        && nb.max_items == 0
        && nb.block.blocks.iter().all(block_is_read_only)
        && nb.block.attributes.iter().all(|a| a.mode == Mode::Computed)
}

/// tfplugindocs' `childBlockIsOptional`: not required, and empty or with something to set.
fn block_is_optional(nb: &NestedBlock) -> bool {
    nb.min_items == 0
        && ((nb.block.blocks.is_empty() && nb.block.attributes.is_empty())
            || nb.block.blocks.iter().any(|b| b.min_items > 0 || block_is_optional(b))
            || nb.block.attributes.iter().any(|a| a.mode.is_settable()))
}

fn block_group(nb: &NestedBlock) -> Group {
    if nb.min_items > 0 {
        Group::Required
    } else if block_is_optional(nb) || !block_is_read_only(nb) {
        // tfplugindocs refuses a block that is neither; optional is the nearest reading of one.
        Group::Optional
    } else {
        Group::ReadOnly
    }
}

fn block_has_write_only(b: &Block) -> bool {
    b.attributes.iter().any(attr_has_write_only) || b.blocks.iter().any(|nb| block_has_write_only(&nb.block))
}

fn attr_has_write_only(a: &Attribute) -> bool {
    a.write_only || matches!(&a.kind, AttrKind::Nested(n) if n.attributes.iter().any(attr_has_write_only))
}

/// A section below the lists: `<a id=...>` and `### Nested Schema for ...`.
struct NestedSection {
    anchor: String,
    path: Vec<String>,
    body: NestedBody,
}

enum NestedBody {
    Block(Block),
    /// Nested attributes (protocol 6 `nested_type`), grouped by their own modes.
    Attributes(Vec<Attribute>),
    /// The attributes of an object type, all in the group of the attribute that holds it.
    Object(std::collections::BTreeMap<String, Type>, Group),
}

fn render_schema(md: &mut String, block: &Block) {
    md.push_str("## Schema\n\n");
    write_block_children(md, &[], block, true);
    // One newline at the end, whatever the last section was.
    md.truncate(md.trim_end().len());
    md.push('\n');
}

/// tfplugindocs' `writeBlockChildren`: attributes and blocks together, by group, sorted by name;
/// then each nested schema they link to, depth first.
fn write_block_children(md: &mut String, parents: &[String], block: &Block, root: bool) {
    enum Item<'a> {
        Attr(&'a Attribute),
        Block(&'a NestedBlock),
    }
    let mut items: Vec<(&str, Group, Item<'_>)> = Vec::new();
    for a in &block.attributes {
        items.push((a.name.as_str(), attr_group(a), Item::Attr(a)));
    }
    for b in &block.blocks {
        items.push((b.name.as_str(), block_group(b), Item::Block(b)));
    }
    items.sort_by(|a, b| a.0.cmp(b.0));
    let mut nested = Vec::new();
    for group in Group::ALL {
        let members: Vec<&(&str, Group, Item<'_>)> = items.iter().filter(|i| i.1 == group).collect();
        if members.is_empty() {
            continue;
        }
        let _ = write!(md, "{}\n\n", group.title(root));
        let write_only = members.iter().any(|(_, _, item)| match item {
            Item::Attr(a) => attr_has_write_only(a),
            Item::Block(b) => block_has_write_only(&b.block),
        });
        if write_only {
            md.push_str(WRITE_ONLY_NOTE);
        }
        for (name, _, item) in members {
            let path = child_path(parents, name);
            match item {
                Item::Attr(a) => write_attribute(md, path, a, group, &mut nested),
                Item::Block(b) => write_block_type(md, path, b, &mut nested),
            }
        }
        md.push('\n');
    }
    write_nested_sections(md, nested);
}

fn child_path(parents: &[String], name: &str) -> Vec<String> {
    let mut path = parents.to_vec();
    path.push(name.to_string());
    path
}

/// `- \`name\` (Block[ List| Set| Map], ...) description (see [below ...](#nestedblock--path))`.
fn write_block_type(md: &mut String, path: Vec<String>, nb: &NestedBlock, nested: &mut Vec<NestedSection>) {
    let name = path.last().map_or("", String::as_str);
    let mut label = String::from("Block");
    match nb.nesting {
        Nesting::Single | Nesting::Group => {}
        Nesting::List => label.push_str(" List"),
        Nesting::Set => label.push_str(" Set"),
        Nesting::Map => label.push_str(" Map"),
    }
    if matches!(nb.nesting, Nesting::Single | Nesting::Group) {
        label.push_str(match block_group(nb) {
            Group::Required => ", Required",
            Group::Optional => ", Optional",
            Group::ReadOnly => ", Read-only",
        });
    } else if nb.min_items > 0 {
        let _ = write!(label, ", Min: {}", nb.min_items);
    }
    if nb.max_items > 0 {
        let _ = write!(label, ", Max: {}", nb.max_items);
    }
    if nb.block.deprecated {
        label.push_str(", Deprecated");
    }
    let anchor = format!("nestedblock--{}", path.join("--"));
    let _ = write!(md, "- `{name}` ({label})");
    push_description(md, &nb.block.description);
    let _ = writeln!(md, " (see [below for nested schema](#{anchor}))");
    nested.push(NestedSection { anchor, path, body: NestedBody::Block(nb.block.clone()) });
}

/// `- \`name\` (Type[, Sensitive][, Deprecated][, [Write-only](...)]) description`, with a link to
/// the nested schema of nested attributes and of object types.
fn write_attribute(md: &mut String, path: Vec<String>, a: &Attribute, group: Group, nested: &mut Vec<NestedSection>) {
    let mut flags = vec![type_label(a)];
    if a.sensitive {
        flags.push("Sensitive".into());
    }
    if a.deprecated.is_some() {
        flags.push("Deprecated".into());
    }
    if a.write_only {
        flags.push(format!("[Write-only]({WRITE_ONLY_URL})"));
    }
    let _ = write!(md, "- `{}` ({})", a.name, flags.join(", "));
    push_description(md, &attribute_description(a));
    let anchor = format!("nestedatt--{}", path.join("--"));
    let body = match &a.kind {
        AttrKind::Nested(n) => Some(NestedBody::Attributes(n.attributes.clone())),
        AttrKind::Plain(t) => object_of(t).map(|o| NestedBody::Object(o.clone(), group)),
    };
    if let Some(body) = body {
        let _ = write!(md, " (see [below for nested schema](#{anchor}))");
        nested.push(NestedSection { anchor, path, body });
    }
    md.push('\n');
}

/// The attribute types of an object, or of the elements of a list, set or map of objects.
fn object_of(t: &Type) -> Option<&std::collections::BTreeMap<String, Type>> {
    match t {
        Type::Object(o) => Some(o),
        Type::List(e) | Type::Set(e) | Type::Map(e) => match e.as_ref() {
            Type::Object(o) => Some(o),
            _ => None,
        },
        _ => None,
    }
}

/// The schema's description plus what the schema says beside it: the default, the whole-number
/// range, and whether a change replaces the resource.
fn attribute_description(a: &Attribute) -> String {
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
    desc
}

/// ` description` when there is one; blank lines become markdown line breaks, as tfplugindocs
/// writes them, so a description never ends the list item.
fn push_description(md: &mut String, description: &str) {
    let desc = description.trim();
    if desc.is_empty() {
        return;
    }
    md.push(' ');
    let mut blank_run = false;
    for (i, line) in desc.split('\n').enumerate() {
        if line.trim().is_empty() {
            blank_run = true;
            continue;
        }
        if i > 0 {
            md.push_str(if blank_run { "  \n" } else { "\n" });
        }
        blank_run = false;
        md.push_str(line);
    }
}

fn write_nested_sections(md: &mut String, sections: Vec<NestedSection>) {
    for s in sections {
        let _ = write!(md, "<a id=\"{}\"></a>\n### Nested Schema for `{}`\n\n", s.anchor, s.path.join("."));
        match s.body {
            NestedBody::Block(b) => write_block_children(md, &s.path, &b, false),
            NestedBody::Attributes(attrs) => write_nested_attribute_children(md, &s.path, &attrs),
            NestedBody::Object(fields, group) => write_object_children(md, &s.path, &fields, group),
        }
    }
}

/// tfplugindocs' `writeNestedAttributeChildren`: by group, sorted by name.
fn write_nested_attribute_children(md: &mut String, parents: &[String], attrs: &[Attribute]) {
    let mut sorted: Vec<&Attribute> = attrs.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut nested = Vec::new();
    for group in Group::ALL {
        let members: Vec<&&Attribute> = sorted.iter().filter(|a| attr_group(a) == group).collect();
        if members.is_empty() {
            continue;
        }
        let _ = write!(md, "{}\n\n", group.title(false));
        for a in members {
            write_attribute(md, child_path(parents, &a.name), a, group, &mut nested);
        }
        md.push('\n');
    }
    write_nested_sections(md, nested);
}

/// tfplugindocs' `writeObjectChildren`: the object's attributes, typed, under the group of the
/// attribute that holds the object; deeper objects get `nestedobjatt--` anchors.
fn write_object_children(
    md: &mut String,
    parents: &[String],
    fields: &std::collections::BTreeMap<String, Type>,
    group: Group,
) {
    let _ = write!(md, "{}\n\n", group.title(false));
    let mut nested = Vec::new();
    for (name, t) in fields {
        let path = child_path(parents, name);
        let _ = write!(md, "- `{name}` ({})", type_name(t));
        if let Some(o) = object_of(t) {
            let anchor = format!("nestedobjatt--{}", path.join("--"));
            let _ = write!(md, " (see [below for nested schema](#{anchor}))");
            nested.push(NestedSection { anchor, path, body: NestedBody::Object(o.clone(), group) });
        }
        md.push('\n');
    }
    md.push('\n');
    write_nested_sections(md, nested);
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

    /// Every file in `docs/guides/` is linked from the provider page under the title of its own
    /// `# ` heading, and every listed guide exists.
    #[test]
    fn guides_are_listed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/guides");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".md"))
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = GUIDES.iter().map(|(f, _)| f.to_string()).collect();
        listed.sort();
        assert_eq!(on_disk, listed, "docs/guides/ and GUIDES differ");
        for (file, title) in GUIDES {
            let text = std::fs::read_to_string(dir.join(file)).unwrap();
            let heading = text.lines().find_map(|l| l.strip_prefix("# ")).unwrap_or_default();
            assert_eq!(heading, *title, "{file}");
        }
    }

    /// tfplugindocs' shapes: a single block is `(Block, Optional)` (or `Required`), nested schemas
    /// use plain `Optional:` labels, object types link a `nestedatt--` section.
    #[test]
    fn schema_is_rendered_as_tfplugindocs_does() {
        let pages = all_pages();
        let main = pages.iter().find(|p| p.path == "resources/main.md").unwrap();
        let md = &main.markdown;
        assert!(md.contains("- `timeouts` (Block, Optional) How long"), "{md}");
        assert!(md.contains("- `network` (Block, Required, Max: 1) "), "{md}");
        assert!(md.contains("- `source` (Block List, Min: 1) "), "{md}");
        assert!(
            md.contains("<a id=\"nestedblock--source--rds\"></a>\n### Nested Schema for `source.rds`\n\nOptional:\n\n")
        );
        assert!(md.contains("(see [below for nested schema](#nestedatt--endpoint_connection_status))"));
        assert!(md.contains("<a id=\"nestedatt--endpoint_connection_status\"></a>\n### Nested Schema for `endpoint_connection_status`\n\nRead-Only:\n\n"));
        assert!(md.contains(
            "[Write-only](https://developer.hashicorp.com/terraform/language/resources/ephemeral#write-only-arguments)"
        ));
        assert!(md.contains("need Terraform ≥ 1.11 or OpenTofu ≥ 1.11."));
        assert!(!md.contains("\n### Optional\n\n- `create`"), "a nested schema with a top-level heading");
        // `network` is required, so it is listed under Required, and its section comes first.
        let required = md.find("### Required").unwrap();
        let optional = md.find("### Optional").unwrap();
        let network = md.find("- `network` (Block").unwrap();
        assert!(required < network && network < optional);
        // Depth first: `source.rds` follows `source` before `target` starts.
        let source = md.find("### Nested Schema for `source`").unwrap();
        let source_rds = md.find("### Nested Schema for `source.rds`").unwrap();
        let target = md.find("### Nested Schema for `target`").unwrap();
        assert!(source < source_rds && source_rds < target);
        for page in &pages {
            assert!(page.markdown.ends_with('\n') && !page.markdown.ends_with("\n\n"), "{}", page.path);
            assert!(!page.markdown.contains("\n\n\n"), "{}", page.path);
        }
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
