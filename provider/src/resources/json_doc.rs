//! JSON documents users write as strings (table mappings, task settings): semantic equality, so
//! spelling never shows a diff, and projection of AWS's merged document onto the keys the user set.

use serde_json::Value as J;

pub fn parse(text: &str) -> Result<J, String> {
    serde_json::from_str(text).map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column()))
}

/// True when both texts are valid JSON with the same meaning (key order and spacing ignored).
pub fn semantically_equal(a: &str, b: &str) -> bool {
    match (parse(a), parse(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// The parts of `remote` that `user` set: objects recurse on the user's keys, arrays of objects
/// with an `Id` (such as `Logging.LogComponents`) match elements by `Id`, anything else is taken
/// whole. Comparing the projection with `user` tells whether AWS differs on anything the user set.
///
/// Projecting a projection again changes nothing, so the text a refresh stores compares equal on
/// the next refresh: each remote element pairs with at most one user element, in order (an `Id`
/// listed twice pairs twice), and a user element AWS lacks is left out of the projection (a `null`
/// in its place would turn the array into one without `Id`s, taken whole the next time).
pub fn project(user: &J, remote: &J) -> J {
    match (user, remote) {
        (J::Object(u), J::Object(r)) => {
            J::Object(u.iter().map(|(k, uv)| (k.clone(), r.get(k).map_or(J::Null, |rv| project(uv, rv)))).collect())
        }
        (J::Array(u), J::Array(r)) if u.iter().all(|e| e.get("Id").is_some()) => {
            let mut paired = vec![false; r.len()];
            J::Array(
                u.iter()
                    .filter_map(|ue| {
                        let k = (0..r.len()).find(|&k| !paired[k] && r[k].get("Id") == ue.get("Id"))?;
                        paired[k] = true;
                        Some(project(ue, &r[k]))
                    })
                    .collect(),
            )
        }
        (_, r) => r.clone(),
    }
}

/// Whether AWS's document agrees with the user's on every key the user set.
pub fn user_keys_match(user_text: &str, remote_text: &str) -> bool {
    match (parse(user_text), parse(remote_text)) {
        (Ok(u), Ok(r)) => project(&u, &r) == u,
        _ => user_text == remote_text,
    }
}

/// The user's document with each user-set key replaced by AWS's value, as compact JSON; used to
/// show drift on exactly the keys the user manages.
pub fn projected_text(user_text: &str, remote_text: &str) -> Option<String> {
    let (u, r) = (parse(user_text).ok()?, parse(remote_text).ok()?);
    serde_json::to_string(&project(&u, &r)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacing_and_key_order_do_not_matter() {
        assert!(semantically_equal(r#"{"a":1,"b":[1,2]}"#, "{ \"b\": [1, 2],\n \"a\": 1 }"));
        assert!(!semantically_equal(r#"{"b":[2,1]}"#, r#"{"b":[1,2]}"#));
    }

    #[test]
    fn only_user_set_keys_are_compared() {
        let user = r#"{"FullLoadSettings":{"MaxFullLoadSubTasks":8},"Logging":{"LogComponents":[{"Id":"SOURCE_UNLOAD","Severity":"LOGGER_SEVERITY_DEBUG"}]}}"#;
        let remote = r#"{"TargetMetadata":{"TargetSchema":""},"FullLoadSettings":{"MaxFullLoadSubTasks":8,"CommitRate":10000},
            "Logging":{"EnableLogging":false,"LogComponents":[{"Id":"TARGET_LOAD","Severity":"LOGGER_SEVERITY_DEFAULT"},{"Id":"SOURCE_UNLOAD","Severity":"LOGGER_SEVERITY_DEBUG"}]}}"#;
        assert!(user_keys_match(user, remote));
        let drifted = remote.replace("\"MaxFullLoadSubTasks\":8", "\"MaxFullLoadSubTasks\":4");
        assert!(!user_keys_match(user, &drifted));
        let shown = projected_text(user, &drifted).unwrap_or_default();
        assert!(shown.contains("\"MaxFullLoadSubTasks\":4"), "{shown}");
        assert!(!shown.contains("CommitRate"), "{shown}");
    }

    /// Found by fuzzing: a component listed twice was paired with the first one AWS has both
    /// times, so a document did not match itself and always showed drift.
    #[test]
    fn a_component_listed_twice_matches_itself() {
        let doc = r#"{"Logging":{"LogComponents":[{"Id":"SOURCE_CAPTURE"},{"Id":"SOURCE_CAPTURE","Severity":"LOGGER_SEVERITY_DEBUG"}]}}"#;
        assert!(user_keys_match(doc, doc));
    }

    /// Found by fuzzing: a component AWS lacks was projected as `null`, and the array with the
    /// `null` was then taken whole on the next refresh, so the stored text changed every time.
    #[test]
    fn a_component_aws_lacks_is_left_out_and_the_stored_projection_is_stable() {
        let user = r#"{"Logging":{"LogComponents":[{"Id":"TARGET_LOAD"},{"Id":"SOURCE_UNLOAD"}]}}"#;
        let remote = r#"{"Logging":{"LogComponents":[{"Id":"SOURCE_UNLOAD","Severity":"X"}]}}"#;
        assert!(!user_keys_match(user, remote));
        let stored = projected_text(user, remote).unwrap_or_default();
        assert_eq!(stored, r#"{"Logging":{"LogComponents":[{"Id":"SOURCE_UNLOAD"}]}}"#);
        assert!(user_keys_match(&stored, remote));
    }

    /// Found by fuzzing: serde_json's default float parsing is off by one unit in the last place
    /// for some numbers, so a stored projection read back differently from what AWS sent.
    #[test]
    fn floats_read_back_exactly() {
        let remote = r#"{"Logging":[9.240677228077706e-195]}"#;
        let stored = projected_text(r#"{"Logging":{}}"#, remote).unwrap_or_default();
        assert_eq!(stored, remote);
        assert!(user_keys_match(&stored, remote));
    }
}
