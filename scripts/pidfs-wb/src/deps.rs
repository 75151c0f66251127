// SPDX-License-Identifier: GPL-2.0
//! A test of the module graph: no two modules of `wb` import each other,
//! directly or in a circle. It reads the sources (every `crate::x` path,
//! `use crate::{a, b::…}` groups included) rather than trusting a list.

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    /// The modules a source file names through `crate::`.
    fn uses(text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut rest = code.as_str();
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // `crate::{a, b::c, d::{e, f}}`: the first word of each item at
                // depth 0.
                let mut depth = 0;
                let mut item = String::new();
                let mut first = true;
                for ch in group.chars() {
                    match ch {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            first = true;
                            item.clear();
                            continue;
                        }
                        _ => {}
                    }
                    if depth == 0 && first {
                        if ch.is_alphanumeric() || ch == '_' {
                            item.push(ch);
                        } else if !item.is_empty() {
                            if modules.contains(&item) {
                                out.insert(item.clone());
                            }
                            first = false;
                        }
                    }
                }
                if first && modules.contains(&item) {
                    out.insert(item);
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if modules.contains(&name) {
                    out.insert(name);
                }
            }
        }
        out
    }

    #[test]
    fn no_import_circles() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        // Every module file, in the role directories too; the directories'
        // mod.rs files only declare modules, and main.rs gathers them.
        let mut sources = BTreeMap::new();
        let mut dirs = vec![dir];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let name = p.file_stem().unwrap().to_string_lossy().to_string();
                    if name != "main" && name != "mod" {
                        assert!(
                            sources
                                .insert(name.clone(), std::fs::read_to_string(&p).unwrap())
                                .is_none(),
                            "two modules named {name}"
                        );
                    }
                }
            }
        }
        assert!(sources.len() > 30, "{} modules found", sources.len());
        let modules: BTreeSet<String> = sources.keys().cloned().collect();
        let graph: BTreeMap<String, BTreeSet<String>> = sources
            .iter()
            .map(|(m, text)| {
                let mut u = uses(text, &modules);
                u.remove(m);
                (m.clone(), u)
            })
            .collect();
        // Depth-first search for a back edge; report the circle.
        fn visit(
            m: &str,
            g: &BTreeMap<String, BTreeSet<String>>,
            stack: &mut Vec<String>,
            done: &mut BTreeSet<String>,
        ) -> Option<Vec<String>> {
            if let Some(i) = stack.iter().position(|x| x == m) {
                let mut c = stack[i..].to_vec();
                c.push(m.to_string());
                return Some(c);
            }
            if done.contains(m) {
                return None;
            }
            stack.push(m.to_string());
            for n in &g[m] {
                if let Some(c) = visit(n, g, stack, done) {
                    return Some(c);
                }
            }
            stack.pop();
            done.insert(m.to_string());
            None
        }
        let mut done = BTreeSet::new();
        for m in graph.keys() {
            let circle = visit(m, &graph, &mut Vec::new(), &mut done);
            assert!(
                circle.is_none(),
                "import circle: {}",
                circle.unwrap().join(" -> ")
            );
        }
        // The parser sees what it should: matrix uses shard and
        // matrix_report, merge uses matrix_report, and the leaf cli uses only
        // error.
        assert!(graph["matrix"].contains("shard"));
        assert!(graph["matrix"].contains("matrix_report"));
        assert!(graph["merge"].contains("matrix_report"));
        assert_eq!(graph["cli"], BTreeSet::from(["error".to_string()]));
    }

    #[test]
    fn a_circle_is_found() {
        let modules: BTreeSet<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            uses(
                "use crate::{a::X, b::{Y, Z}};\nfn f() { crate::b::g() }",
                &modules
            ),
            modules
        );
        assert!(uses("// crate::a\nfn f() {}", &modules).is_empty());
    }
}
