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
pub fn project(user: &J, remote: &J) -> J {
    match (user, remote) {
        (J::Object(u), J::Object(r)) => {
            J::Object(u.iter().map(|(k, uv)| (k.clone(), r.get(k).map_or(J::Null, |rv| project(uv, rv)))).collect())
        }
        (J::Array(u), J::Array(r)) if u.iter().all(|e| e.get("Id").is_some()) => J::Array(
            u.iter()
                .map(|ue| r.iter().find(|re| re.get("Id") == ue.get("Id")).map_or(J::Null, |re| project(ue, re)))
                .collect(),
        ),
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
}
