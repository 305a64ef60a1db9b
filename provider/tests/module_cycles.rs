//! No import cycle among the provider's modules (issue 11): reads every file under `provider/src`,
//! takes the `crate::…` and `super::…` paths it names (in `use` lines and in code, tests included),
//! and checks three graphs for cycles: the top-level modules (`engine`, `aws`, `resources`, …), the
//! modules under `resources/` and the modules under `aws/`. A folder's own `mod.rs` is a node of its
//! level too (`resources::(mod)`): children may use what it defines, and its declaring and composing
//! of its own children (`pub mod main;`, the registry's list) is not counted as an import. Paths reached only through a `use` alias (`use crate::aws; aws::dms::X`) are seen at
//! the top level only; the tree avoids that form where it matters.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A file's module path (`resources/main/steps.rs` → `resources::main::steps`).
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let Some(last) = parts.pop() else { return Vec::new() };
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" && stem != "main" || !parts.is_empty() && stem == "main" {
        parts.push(stem.to_string());
    }
    parts
}

/// The source with comments, string and char literals blanked, so that braces and paths in them
/// are not read.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &src[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').map_or(b.len(), |n| i + n);
            i = end;
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(b.len(), |n| i + n + 2);
            i = end;
        } else if rest.starts_with("r#\"") || rest.starts_with("r\"") || rest.starts_with("br\"") {
            let start = rest.find('"').unwrap_or(0);
            let hashes = rest[..start].matches('#').count();
            let close = format!("\"{}", "#".repeat(hashes));
            let end = rest[start + 1..].find(&close).map_or(b.len(), |n| i + start + 1 + n + close.len());
            out.push_str("\"\"");
            i = end;
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            out.push_str("\"\"");
            i = j + 1;
        } else if b[i] == b'\'' {
            // A char literal ('x', '\n', '\u{..}', '{'), not a lifetime ('a).
            let lit = rest.char_indices().skip(1).find(|&(_, c)| c == '\'').map(|(n, _)| n);
            match lit {
                Some(n) if n <= 10 && (n == 2 || rest.as_bytes()[1] == b'\\' || !rest[1..n].is_ascii()) => {
                    out.push_str("' '");
                    i += n + 1;
                }
                _ => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The absolute module paths a file names (each as its segments), resolving `super::` against the
/// inline modules (`mod tests { … }`) it stands in.
fn referenced_paths(file_module: &[String], src: &str) -> Vec<Vec<String>> {
    let code = code_only(src);
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    // Inline modules: (name, brace depth inside it).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let word_at = |i: usize| -> String { chars[i..].iter().take_while(|c| is_ident(**c)).collect() };
    // Child modules declared by file (`pub mod steps;`): `steps::run` names `<this module>::steps`.
    let declared: BTreeSet<String> = code
        .split(';')
        .filter_map(|stmt| {
            let words: Vec<&str> = stmt.split_whitespace().collect();
            let at = words.iter().position(|w| *w == "mod")?;
            (words.len() == at + 2).then(|| words[at + 1].to_string())
        })
        .collect();
    while i < chars.len() {
        let c = chars[i];
        if c == '{' {
            depth += 1;
            i += 1;
            continue;
        }
        if c == '}' {
            if inline.last().is_some_and(|(_, d)| *d == depth) {
                inline.pop();
            }
            depth = depth.saturating_sub(1);
            i += 1;
            continue;
        }
        let starts_word = is_ident(c) && (i == 0 || !is_ident(chars[i - 1]) && chars[i - 1] != '$');
        if !starts_word {
            i += 1;
            continue;
        }
        let w = word_at(i);
        if w == "mod" {
            let mut j = i + 3;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            let name = word_at(j);
            let mut k = j + name.len();
            while k < chars.len() && chars[k].is_whitespace() {
                k += 1;
            }
            if !name.is_empty() && chars.get(k) == Some(&'{') {
                inline.push((name, depth + 1));
            }
        }
        let after_path = i >= 2 && chars[i - 1] == ':' && chars[i - 2] == ':';
        if !after_path && declared.contains(&w) && chars.get(i + w.len()) == Some(&':') {
            let mut base: Vec<String> = file_module.to_vec();
            base.extend(inline.iter().map(|(n, _)| n.clone()));
            for tail in path_tails(&chars, i) {
                let mut p = base.clone();
                p.extend(tail);
                out.push(p);
            }
            i += w.len();
            continue;
        }
        if (w == "crate" || w == "super") && chars.get(i + w.len()) == Some(&':') {
            let mut base: Vec<String> = file_module.to_vec();
            base.extend(inline.iter().map(|(n, _)| n.clone()));
            let mut j = i;
            if w == "crate" {
                base.clear();
                j += "crate::".len();
            } else {
                while word_at(j) == "super" && chars.get(j + 5) == Some(&':') {
                    base.pop();
                    j += "super::".len();
                }
            }
            for tail in path_tails(&chars, j) {
                let mut p = base.clone();
                p.extend(tail);
                out.push(p);
            }
            i = j;
            continue;
        }
        i += w.len().max(1);
    }
    out
}

/// The paths after `crate::`/`super::` at `j`: `a::b::C`, or each first part of `{a::X, b}`.
fn path_tails(chars: &[char], mut j: usize) -> Vec<Vec<String>> {
    let mut segs = Vec::new();
    loop {
        let w: String = chars[j..].iter().take_while(|c| is_ident(**c)).collect();
        if w.is_empty() {
            break;
        }
        j += w.len();
        segs.push(w);
        if chars.get(j) == Some(&':') && chars.get(j + 1) == Some(&':') {
            j += 2;
        } else {
            return vec![segs];
        }
    }
    if chars.get(j) != Some(&'{') {
        return vec![segs];
    }
    // A group: split on top-level commas and take each entry's leading path.
    let mut tails = Vec::new();
    let mut level = 0;
    let mut entry_start = j + 1;
    let mut k = j + 1;
    while k < chars.len() {
        match chars[k] {
            '{' => level += 1,
            '}' if level == 0 => break,
            '}' => level -= 1,
            ',' if level == 0 => {
                tails.extend(entry(chars, entry_start, &segs));
                entry_start = k + 1;
            }
            _ => {}
        }
        k += 1;
    }
    tails.extend(entry(chars, entry_start, &segs));
    tails
}

fn entry(chars: &[char], mut start: usize, prefix: &[String]) -> Vec<Vec<String>> {
    while start < chars.len() && chars[start].is_whitespace() {
        start += 1;
    }
    let head: String = chars[start..].iter().take_while(|c| is_ident(**c)).collect();
    if head.is_empty() || head == "self" {
        return vec![prefix.to_vec()];
    }
    path_tails(chars, start)
        .into_iter()
        .map(|t| {
            let mut p = prefix.to_vec();
            p.extend(t);
            p
        })
        .collect()
}

/// The module graph at three levels, from (file module, source) pairs; `modules` lists every module
/// path that is a file or folder.
fn graphs(files: &[(Vec<String>, String)]) -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let modules: BTreeSet<Vec<String>> = files.iter().map(|(m, _)| m.clone()).collect();
    let node = |level: &str, path: &[String]| -> Option<String> {
        match level {
            "top" => path.first().cloned(),
            folder => {
                if path.first().map(String::as_str) != Some(folder) {
                    return None;
                }
                match path.get(1) {
                    Some(child) if modules.contains(&vec![folder.to_string(), child.clone()]) => {
                        Some(format!("{folder}::{child}"))
                    }
                    _ => Some(format!("{folder}::(mod)")),
                }
            }
        }
    };
    let mut out = BTreeMap::new();
    for level in ["top", "resources", "aws"] {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (module, src) in files {
            let Some(from) = node(level, module) else { continue };
            g.entry(from.clone()).or_default();
            for p in referenced_paths(module, src) {
                // A folder's mod.rs declaring and composing its own children is not an import.
                let composes = from.ends_with("::(mod)") && level != "top";
                if let Some(to) = node(level, &p)
                    && to != from
                    && !composes
                {
                    g.entry(from.clone()).or_default().insert(to);
                }
            }
        }
        out.insert(level.to_string(), g);
    }
    out
}

/// One cycle per strongly connected component of more than one node, as `a -> b -> a` (starting
/// at the smallest name, following the smallest successor inside the component).
fn cycles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let reach = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_string()];
        while let Some(n) = todo.pop() {
            for m in g.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    todo.push(m.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> = g.keys().map(|k| (k, reach(k))).collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for (n, r) in &reaches {
        if done.contains(*n) || !r.contains(*n) {
            continue;
        }
        let comp: BTreeSet<String> =
            r.iter().filter(|m| reaches.get(m).is_some_and(|mr| mr.contains(*n))).cloned().collect();
        done.extend(comp.iter().cloned());
        // Walk from the smallest node back to it inside the component, by breadth-first search.
        let start = comp.iter().next().cloned().unwrap_or_default();
        let mut prev: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start.clone()]);
        let mut end = None;
        while let Some(x) = queue.pop_front() {
            for y in g.get(&x).into_iter().flatten().filter(|y| comp.contains(*y)) {
                if *y == start {
                    end = Some(x.clone());
                    queue.clear();
                    break;
                }
                if !prev.contains_key(y) {
                    prev.insert(y.clone(), x.clone());
                    queue.push_back(y.clone());
                }
            }
        }
        let mut path = vec![start.clone()];
        let mut cur = end.unwrap_or_else(|| start.clone());
        while cur != start {
            path.push(cur.clone());
            cur = prev.get(&cur).cloned().unwrap_or_else(|| start.clone());
        }
        path[1..].reverse();
        path.push(start);
        let mut line = path.join(" -> ");
        if comp.len() > path.len() - 1 {
            line.push_str(&format!(" (component: {})", comp.iter().cloned().collect::<Vec<_>>().join(", ")));
        }
        out.push(line);
    }
    out
}

fn sources(dir: &Path, root: &Path, out: &mut Vec<(Vec<String>, String)>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            sources(&p, root, out);
        } else if p.extension().is_some_and(|e| e == "rs")
            && let (Ok(rel), Ok(src)) = (p.strip_prefix(root), std::fs::read_to_string(&p))
        {
            out.push((module_of(rel), src));
        }
    }
}

#[test]
fn no_import_cycle_among_provider_modules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &root, &mut files);
    assert!(files.len() > 50, "read only {} files under {}", files.len(), root.display());
    let graphs = graphs(&files);
    let found: Vec<(String, String)> =
        graphs.iter().flat_map(|(level, g)| cycles(g).into_iter().map(move |c| (level.clone(), c))).collect();
    assert!(found.is_empty(), "import cycles among provider/src modules: {found:#?}");
}

fn file(path: &str, src: &str) -> (Vec<String>, String) {
    (module_of(Path::new(path)), src.to_string())
}

#[test]
fn a_planted_cycle_is_found_at_each_level() {
    let files = vec![
        file("lib.rs", "pub mod engine; pub mod aws; pub mod resources;"),
        file("engine/mod.rs", "use crate::aws::dms::Thing;"),
        file("aws/mod.rs", "pub mod dms; pub mod wait;"),
        file("aws/dms.rs", "use super::wait::WaitState; fn f() -> crate::engine::Value { todo() }"),
        file("aws/wait.rs", "use super::{error::E, dms::Task};"),
        file("resources/mod.rs", "pub mod main; pub mod peering; pub fn all() {}"),
        file("resources/main/mod.rs", "use crate::resources::peering::Thing;"),
        file("resources/peering/mod.rs", "mod tests { use super::super::main::X; }"),
    ];
    let g = graphs(&files);
    assert_eq!(cycles(&g["top"]), vec!["aws -> engine -> aws"]);
    assert_eq!(cycles(&g["aws"]), vec!["aws::dms -> aws::wait -> aws::dms"]);
    assert_eq!(cycles(&g["resources"]), vec!["resources::main -> resources::peering -> resources::main"]);
}

#[test]
fn a_registry_and_a_module_using_each_other_are_a_cycle_but_composing_children_is_not() {
    let files = vec![
        file("docs.rs", "fn pages() { crate::resources::all(); }"),
        file("resources/mod.rs", "pub mod main; pub fn all() { main::Main; } fn x() -> crate::docs::Page {}"),
        file("resources/main/mod.rs", "use super::all;"),
    ];
    let g = graphs(&files);
    assert_eq!(cycles(&g["top"]), vec!["docs -> resources -> docs"]);
    assert!(cycles(&g["resources"]).is_empty(), "{:?}", g["resources"]);
}

#[test]
fn comments_strings_and_inline_test_modules_are_read_right() {
    let module = vec!["resources".to_string(), "repltask".to_string(), "tests".to_string()];
    let src = r#"
        // use crate::wire::Nothing;
        /* crate::docs::Nothing */
        const S: &str = "crate::logging::Nothing { ";
        const C: char = '{';
        fn f<'a>(x: &'a str) {}
        use super::{insight, schema::{self, schema}};
        mod inner { fn g() { super::super::mod_item(); } }
        fn h() { super::task_ops::go(); }
    "#;
    let got: BTreeSet<String> = referenced_paths(&module, src).into_iter().map(|p| p.join("::")).collect();
    let want: BTreeSet<String> = [
        "resources::repltask::insight",
        "resources::repltask::schema",
        "resources::repltask::schema::schema",
        "resources::repltask::mod_item",
        "resources::repltask::task_ops::go",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(got, want);
}
