//! Declarative schemas. One description of each attribute drives validation, planning, the cty
//! type, the wire schema and the generated docs. Constructors make invalid flag mixes unwritable:
//! a default exists only on an optional+computed attribute, and a mode is exactly one of four.

use std::sync::Arc;

use super::diag::{AttrPath, Diagnostics};
use super::value::{Type, Value};

/// Validates a known, non-null value found at `path`, pushing diagnostics that name the path.
pub type Validator = Arc<dyn Fn(&Value, &AttrPath, &mut Diagnostics) + Send + Sync>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Required,
    Optional,
    Computed,
    OptionalComputed,
}

impl Mode {
    pub fn is_computed(self) -> bool {
        matches!(self, Mode::Computed | Mode::OptionalComputed)
    }
    pub fn is_settable(self) -> bool {
        !matches!(self, Mode::Computed)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
    Map,
    Group,
}

/// Nested attributes (protocol 6 `nested_type`): an object type whose attributes have modes of their own.
#[derive(Clone)]
pub struct NestedAttributes {
    pub nesting: Nesting,
    pub attributes: Vec<Attribute>,
}

#[derive(Clone)]
pub enum AttrKind {
    Plain(Type),
    Nested(NestedAttributes),
}

#[derive(Clone)]
pub struct Attribute {
    pub name: String,
    pub kind: AttrKind,
    pub mode: Mode,
    pub description: String,
    pub sensitive: bool,
    pub write_only: bool,
    /// A change of this attribute replaces the whole resource.
    pub force_new: bool,
    /// Planned when the configuration leaves the attribute null (only on optional+computed attributes).
    pub default: Option<Value>,
    pub validators: Vec<Validator>,
    pub deprecated: Option<String>,
    /// For a number (or each number of a list or set): whole, and within these inclusive bounds.
    /// Every settable number attribute declares one (a schema test checks), so a fraction or an
    /// out-of-range value never reaches an `as i32` at apply.
    pub whole_range: Option<(i64, i64)>,
    /// For a computed attribute: which changes make its value unknown on an update (it keeps its
    /// prior value otherwise). The engine applies it after the resource refined the plan.
    pub unknown_when: Option<UnknownWhen>,
}

/// What makes a computed attribute unknown on an update (a replacement recomputes everything).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnknownWhen {
    /// A change of any of these attributes or blocks of the same object.
    Changed(Vec<String>),
    /// Any change of the object, other than to attributes that are themselves derived this way:
    /// figures an apply reports afresh, whatever it changed.
    AnyChange,
}

impl Attribute {
    fn new(name: &str, ty: Type, mode: Mode) -> Attribute {
        Attribute {
            name: name.to_string(),
            kind: AttrKind::Plain(ty),
            mode,
            description: String::new(),
            sensitive: false,
            write_only: false,
            force_new: false,
            default: None,
            validators: Vec::new(),
            deprecated: None,
            whole_range: None,
            unknown_when: None,
        }
    }
    pub fn required(name: &str, ty: Type) -> Attribute {
        Attribute::new(name, ty, Mode::Required)
    }
    pub fn optional(name: &str, ty: Type) -> Attribute {
        Attribute::new(name, ty, Mode::Optional)
    }
    pub fn computed(name: &str, ty: Type) -> Attribute {
        Attribute::new(name, ty, Mode::Computed)
    }
    pub fn optional_computed(name: &str, ty: Type) -> Attribute {
        Attribute::new(name, ty, Mode::OptionalComputed)
    }
    /// Optional with a default: the default is planned (and shown) when the config leaves it out.
    pub fn with_default(name: &str, ty: Type, default: Value) -> Attribute {
        let mut a = Attribute::new(name, ty, Mode::OptionalComputed);
        a.default = Some(default);
        a
    }
    /// Write-only: sent in config at apply, never stored in state (Terraform ≥ 1.11).
    pub fn write_only(name: &str, ty: Type) -> Attribute {
        let mut a = Attribute::new(name, ty, Mode::Optional);
        a.write_only = true;
        a.sensitive = true;
        a
    }
    pub fn nested(name: &str, mode: Mode, nesting: Nesting, attributes: Vec<Attribute>) -> Attribute {
        let mut a = Attribute::new(name, Type::Dynamic, mode);
        a.kind = AttrKind::Nested(NestedAttributes { nesting, attributes });
        a
    }
    pub fn describe(mut self, markdown: &str) -> Attribute {
        self.description = markdown.to_string();
        self
    }
    pub fn sensitive(mut self) -> Attribute {
        self.sensitive = true;
        self
    }
    pub fn force_new(mut self) -> Attribute {
        self.force_new = true;
        self
    }
    pub fn deprecated(mut self, message: &str) -> Attribute {
        self.deprecated = Some(message.to_string());
        self
    }
    /// Only whole numbers from `min` to `max` (both included); the docs say so.
    pub fn whole_range(mut self, min: i64, max: i64) -> Attribute {
        self.whole_range = Some((min, max));
        self
    }
    /// Computed: unknown on an update that changes any of `inputs` (attributes or blocks beside it).
    pub fn unknown_when_changed(mut self, inputs: &[&str]) -> Attribute {
        self.unknown_when = Some(UnknownWhen::Changed(inputs.iter().map(|s| s.to_string()).collect()));
        self
    }
    /// Computed: unknown on any update (anything but other derived attributes changes).
    pub fn unknown_on_any_change(mut self) -> Attribute {
        self.unknown_when = Some(UnknownWhen::AnyChange);
        self
    }
    pub fn validate(mut self, v: impl Fn(&Value, &AttrPath, &mut Diagnostics) + Send + Sync + 'static) -> Attribute {
        self.validators.push(Arc::new(v));
        self
    }

    /// The cty type of this attribute's value.
    pub fn value_type(&self) -> Type {
        match &self.kind {
            AttrKind::Plain(t) => t.clone(),
            AttrKind::Nested(n) => {
                let obj = Type::Object(n.attributes.iter().map(|a| (a.name.clone(), a.value_type())).collect());
                wrap_nesting(n.nesting, obj)
            }
        }
    }
}

fn wrap_nesting(nesting: Nesting, obj: Type) -> Type {
    match nesting {
        Nesting::Single | Nesting::Group => obj,
        Nesting::List => Type::list(obj),
        Nesting::Set => Type::set(obj),
        Nesting::Map => Type::map(obj),
    }
}

#[derive(Clone)]
pub struct NestedBlock {
    pub name: String,
    pub nesting: Nesting,
    pub block: Block,
    pub min_items: i64,
    pub max_items: i64,
}

impl NestedBlock {
    pub fn single(name: &str, block: Block) -> NestedBlock {
        NestedBlock { name: name.to_string(), nesting: Nesting::Single, block, min_items: 0, max_items: 0 }
    }
    pub fn list(name: &str, block: Block) -> NestedBlock {
        NestedBlock { name: name.to_string(), nesting: Nesting::List, block, min_items: 0, max_items: 0 }
    }
    pub fn items(mut self, min: i64, max: i64) -> NestedBlock {
        self.min_items = min;
        self.max_items = max;
        self
    }
    pub fn value_type(&self) -> Type {
        wrap_nesting(self.nesting, self.block.value_type())
    }
}

#[derive(Clone, Default)]
pub struct Block {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    pub description: String,
    pub deprecated: bool,
}

impl Block {
    pub fn new(description: &str) -> Block {
        Block { description: description.to_string(), ..Block::default() }
    }
    pub fn attr(mut self, a: Attribute) -> Block {
        self.attributes.push(a);
        self
    }
    pub fn block(mut self, b: NestedBlock) -> Block {
        self.blocks.push(b);
        self
    }
    pub fn value_type(&self) -> Type {
        let mut attrs: std::collections::BTreeMap<String, Type> =
            self.attributes.iter().map(|a| (a.name.clone(), a.value_type())).collect();
        for b in &self.blocks {
            attrs.insert(b.name.clone(), b.value_type());
        }
        Type::Object(attrs)
    }
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
    pub fn nested_block(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|b| b.name == name)
    }
}

#[derive(Clone, Default)]
pub struct Schema {
    /// State schema version; bump when stored state needs an upgrade.
    pub version: i64,
    pub block: Block,
}

impl Schema {
    pub fn new(version: i64, block: Block) -> Schema {
        Schema { version, block }
    }
    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }
}

/// The longest `timeouts` value accepted: far beyond any AWS wait (RDS creates take hours at
/// worst), and small enough that a deadline computed from it can never overflow a clock.
pub const MAX_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// The standard `timeouts { create update delete }` block, durations as Go-style strings ("30m", "1h").
pub fn timeouts_block(ops: &[&str]) -> NestedBlock {
    let mut b = Block::new("How long each operation may take, as a duration such as `30m` or `1h10m`.");
    for op in ops {
        b = b.attr(
            Attribute::optional(op, Type::String)
                .describe(&format!("Time limit for {op}, e.g. `30m`; at most `168h` (7 days)."))
                .validate(validate_duration),
        );
    }
    NestedBlock::single("timeouts", b)
}

fn validate_duration(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    let Some(s) = v.as_str() else { return };
    match crate::engine::duration::parse(s) {
        None => diags.error_at(
            path.clone(),
            "Invalid duration",
            format!(
                "{} is not a duration; use a number with a unit such as \"90s\", \"30m\" or \"1h30m\".",
                crate::engine::diag::quote_input(s)
            ),
        ),
        Some(d) if d > MAX_TIMEOUT => diags.error_at(
            path.clone(),
            "Duration too long",
            format!(
                "{} is longer than the maximum of 168h (7 days); use a shorter time limit such as \"2h\".",
                crate::engine::diag::quote_input(s)
            ),
        ),
        Some(_) => {}
    }
}
