//! Tags as users of `hashicorp/aws` know them: `tags` from config, `tags_all` = provider
//! `default_tags` overlaid by `tags`.

use std::collections::BTreeMap;

use crate::engine::{Attribute, Type, Value};
use crate::tag_rules::validate_tags;

pub fn tags_attribute() -> Attribute {
    Attribute::optional("tags", Type::map(Type::String))
        .describe("Tags for the AWS objects this resource creates. Merged over the provider's `default_tags`. At most 47 (AWS allows 50 per object and dmslink adds up to 3 of its own); keys 1–128 and values up to 256 characters of letters, digits, spaces and `_ . : / = + - @`; keys starting with `aws:` or `dmslink:` are reserved.")
        .validate(validate_tags)
}

pub fn tags_all_attribute() -> Attribute {
    Attribute::computed("tags_all", Type::map(Type::String))
        .describe("All tags on the AWS objects, including those inherited from the provider's `default_tags`.")
}

pub fn merge(default_tags: &BTreeMap<String, String>, tags: &Value) -> BTreeMap<String, String> {
    let mut all = default_tags.clone();
    all.extend(tags.string_map());
    all
}

/// Plans `tags_all`: the provider's default tags overlaid by `tags` when both are known at plan
/// time, else unknown.
pub fn plan_tags_all(draft: &mut crate::resources::PlanDraft<'_>) {
    match &draft.provider {
        Some(provider) if draft.config.get("tags").is_wholly_known() => {
            let all = merge(&provider.default_tags, draft.config.get("tags"));
            draft.planned.set("tags_all", Value::from_string_map(&all));
        }
        _ => draft.planned.set("tags_all", Value::Unknown),
    }
}

/// The planned value with `tags_all` known (when the plan could not know the provider's
/// default tags, they are merged now).
pub fn with_tags_all(default_tags: &BTreeMap<String, String>, planned: &Value) -> Value {
    let mut planned = planned.clone();
    if !planned.get("tags_all").is_wholly_known() {
        planned.set("tags_all", Value::from_string_map(&merge(default_tags, planned.get("tags"))));
    }
    planned
}

/// Splits remote tags back into the user's `tags`: keys the user had, plus keys that are not
/// explained by the provider's default tags.
pub fn user_tags_from_remote(
    remote: &BTreeMap<String, String>,
    prior_tags: &Value,
    default_tags: &BTreeMap<String, String>,
) -> Value {
    let prior = prior_tags.string_map();
    let user: BTreeMap<String, String> = remote
        .iter()
        .filter(|(k, v)| prior.contains_key(*k) || default_tags.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if user.is_empty() && prior_tags.is_null() { Value::Null } else { Value::from_string_map(&user) }
}

/// Keys to remove and entries to set to move `from` to `to`.
pub fn diff(from: &BTreeMap<String, String>, to: &BTreeMap<String, String>) -> (Vec<String>, BTreeMap<String, String>) {
    let removed = from.keys().filter(|k| !to.contains_key(*k)).cloned().collect();
    let changed = to.iter().filter(|(k, v)| from.get(*k) != Some(v)).map(|(k, v)| (k.clone(), v.clone())).collect();
    (removed, changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn config_tags_override_defaults_and_round_trip_through_remote() {
        let defaults = m(&[("team", "data"), ("env", "dev")]);
        let tags = Value::from_string_map(&m(&[("env", "prod"), ("app", "x")]));
        let all = merge(&defaults, &tags);
        assert_eq!(all, m(&[("team", "data"), ("env", "prod"), ("app", "x")]));
        assert_eq!(user_tags_from_remote(&all, &tags, &defaults), tags);
        assert_eq!(user_tags_from_remote(&m(&[("team", "data")]), &Value::Null, &defaults), Value::Null);
    }

    #[test]
    fn diff_lists_removed_keys_and_changed_entries() {
        let (removed, changed) = diff(&m(&[("a", "1"), ("b", "2")]), &m(&[("b", "3"), ("c", "4")]));
        assert_eq!(removed, vec!["a".to_string()]);
        assert_eq!(changed, m(&[("b", "3"), ("c", "4")]));
    }
}
