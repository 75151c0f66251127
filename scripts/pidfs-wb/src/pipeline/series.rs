// SPDX-License-Identifier: GPL-2.0
//! Parsing of quilt's `patches/series` file.
//!
//! The format, as quilt's own parser reads it: one patch per line, a patch
//! name optionally followed by options (`-p1`, `-p0`, `-R`), `#` starts a
//! comment, blank lines are ignored. `git am` can only apply `-p1` patches in
//! forward direction, so anything else is refused with a message rather than
//! silently applied differently by the two tools.
//!
//! The file is one stack of series, each posted on its own: a comment line
//! `# series: NAME` starts one, and it runs to the next marker. quilt and
//! `git am` see comments only, so the whole stack still applies in order.

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// File name relative to the `patches/` directory.
    pub name: String,
    /// 1-based line number in the series file.
    pub line: usize,
}

/// Parses the text of a series file.
pub fn parse(text: &str) -> Result<Vec<Entry>> {
    let mut out: Vec<Entry> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let content = match raw.find('#') {
            Some(pos) => &raw[..pos],
            None => raw,
        };
        let mut words = content.split_whitespace();
        let Some(name) = words.next() else { continue };
        for opt in words {
            if opt != "-p1" {
                return Err(Error::Series {
                    what: format!("line {line}: option `{opt}` for {name} is not supported"),
                    hint: "the series must work with both quilt and git am: use -p1 patches \
                           (git format-patch output) without options"
                        .into(),
                });
            }
        }
        if name.starts_with('-') {
            return Err(Error::Series {
                what: format!("line {line}: `{name}` is an option where a patch name belongs"),
                hint: "put the patch file name first on the line".into(),
            });
        }
        if name.contains("..") || name.starts_with('/') {
            return Err(Error::Series {
                what: format!("line {line}: `{name}` points outside patches/"),
                hint: "name patch files relative to patches/".into(),
            });
        }
        if let Some(prev) = out.iter().find(|e| e.name == name) {
            return Err(Error::Series {
                what: format!(
                    "line {line}: {name} is listed twice (first on line {})",
                    prev.line
                ),
                hint: "remove the duplicate line".into(),
            });
        }
        out.push(Entry {
            name: name.to_string(),
            line,
        });
    }
    Ok(out)
}

/// The comment that starts a series of the stack.
pub const MARKER: &str = "# series:";

/// One series of the stack: the patches from its marker to the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    /// 1-based line number of the marker.
    pub line: usize,
    pub patches: Vec<String>,
}

fn marker_name(raw: &str) -> Option<&str> {
    raw.trim_start().strip_prefix(MARKER).map(str::trim)
}

/// The series of the stack, in order. A file without markers is one
/// series without a name, returned as no parts. With markers, every patch
/// must follow one, every series must hold a patch, and names are unique,
/// lower case words joined by `-` (they name cover letters and mail
/// directories).
pub fn parts(text: &str) -> Result<Vec<Part>> {
    let entries = parse(text)?;
    let mut out: Vec<Part> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let Some(name) = marker_name(raw) else {
            continue;
        };
        let ok = !name.is_empty()
            && !name.starts_with('-')
            && !name.ends_with('-')
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err(Error::Series {
                what: format!("line {line}: `{}` is not a series name", name),
                hint: "name a series with lower-case letters, digits and `-`, \
                       e.g. `# series: pidfd-selftests`"
                    .into(),
            });
        }
        if let Some(prev) = out.iter().find(|p| p.name == name) {
            return Err(Error::Series {
                what: format!(
                    "line {line}: series `{name}` is started twice (first on line {})",
                    prev.line
                ),
                hint: "give each series of the stack its own name".into(),
            });
        }
        out.push(Part {
            name: name.to_string(),
            line,
            patches: Vec::new(),
        });
    }
    if out.is_empty() {
        return Ok(out);
    }
    for e in entries {
        let Some(part) = out.iter_mut().rev().find(|p| p.line < e.line) else {
            return Err(Error::Series {
                what: format!(
                    "line {}: {} comes before the first `{MARKER}` line",
                    e.line, e.name
                ),
                hint: "every patch of a stack belongs to a series: put a marker above it".into(),
            });
        };
        part.patches.push(e.name);
    }
    if let Some(p) = out.iter().find(|p| p.patches.is_empty()) {
        return Err(Error::Series {
            what: format!("line {}: series `{}` holds no patch", p.line, p.name),
            hint: "remove the marker or move patches under it".into(),
        });
    }
    Ok(out)
}

/// A patch file name without its `NNNN-` number: what stays when a
/// series is renumbered.
fn slug(name: &str) -> &str {
    name.trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start_matches('-')
}

/// The markers of `old` placed in a renumbered series `names`: each marker
/// goes above the patch whose name, without its number, is that of the
/// patch it was above, except the first, which stays at the top: commits
/// put in front of the stack join its first series. Returns (marker name,
/// index into `names`).
pub fn carry_markers(old: &[Part], names: &[String]) -> Result<Vec<(String, usize)>> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for p in old {
        let first = &p.patches[0];
        let Some(i) = names.iter().position(|n| slug(n) == slug(first)) else {
            return Err(Error::Series {
                what: format!(
                    "series `{}` starts at {first}, which the export no longer writes \
                     (its subject changed or the commit is gone)",
                    p.name
                ),
                hint: "move the marker in patches/series above a patch whose subject \
                       the export keeps, export, then move it back by hand"
                    .into(),
            });
        };
        if let Some((prev, j)) = out.last() {
            if i <= *j {
                return Err(Error::Series {
                    what: format!(
                        "series `{}` would start at or before series `{prev}` after the export",
                        p.name
                    ),
                    hint: "the commits moved across series: put the markers in \
                           patches/series in the new order by hand, then export"
                        .into(),
                });
            }
        }
        out.push((p.name.clone(), i));
    }
    // The first series starts the stack: new commits in front of its old
    // first patch (upstream fixes go first) join it.
    if let Some((_, i)) = out.first_mut() {
        *i = 0;
    }
    Ok(out)
}

/// Renders a series file with `markers` (name, index of the first patch).
pub fn render_stack(names: &[String], markers: &[(String, usize)]) -> String {
    let mut s = String::new();
    for (i, n) in names.iter().enumerate() {
        for (m, _) in markers.iter().filter(|(_, at)| *at == i) {
            if i > 0 {
                s.push('\n');
            }
            s.push_str(&format!("{MARKER} {m}\n"));
        }
        s.push_str(n);
        s.push('\n');
    }
    s
}

/// Reads a quilt series directory: (file name, text) in order.
pub fn read_patches(dir: &std::path::Path) -> Result<Vec<(String, String)>> {
    let text = crate::util::read(&dir.join("series"))?;
    parse(&text)?
        .into_iter()
        .map(|e| {
            let t = crate::util::read(&dir.join(&e.name))?;
            Ok((e.name, t))
        })
        .collect()
}

/// Files a format-patch file touches (both sides of renames), in order.
pub fn touched_files(patch: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in patch.lines() {
        let Some(rest) = l.strip_prefix("diff --git a/") else {
            continue;
        };
        if let Some((a, b)) = rest.split_once(" b/") {
            for f in [a, b] {
                if !out.iter().any(|x| x == f) {
                    out.push(f.to_string());
                }
            }
        }
    }
    out
}

/// The Kconfig symbols the patches define that the base does not: `config X`
/// and `menuconfig X` lines they add to a `Kconfig*` file, less those they
/// remove (a symbol moved from one file to another is the base's).
pub fn added_kconfig_symbols(patches: &[(String, String)]) -> std::collections::BTreeSet<String> {
    let mut added = std::collections::BTreeSet::new();
    let mut removed = std::collections::BTreeSet::new();
    for (_, text) in patches {
        let mut kconfig = false;
        for l in text.lines() {
            if let Some(rest) = l.strip_prefix("diff --git a/") {
                let file = rest.split(" b/").next().unwrap_or(rest);
                kconfig = file
                    .rsplit('/')
                    .next()
                    .is_some_and(|n| n.starts_with("Kconfig"));
                continue;
            }
            if !kconfig || l.starts_with("+++") || l.starts_with("---") {
                continue;
            }
            let (set, body) = match (l.strip_prefix('+'), l.strip_prefix('-')) {
                (Some(b), _) => (&mut added, b),
                (_, Some(b)) => (&mut removed, b),
                _ => continue,
            };
            let body = body.trim();
            let name = body
                .strip_prefix("config ")
                .or_else(|| body.strip_prefix("menuconfig "))
                .map(str::trim);
            if let Some(n) = name.filter(|n| !n.is_empty() && !n.contains(' ')) {
                set.insert(n.to_string());
            }
        }
    }
    added.difference(&removed).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kconfig_symbols_the_series_adds() {
        let p = "Subject: x\n---\n\
                 diff --git a/fs/Kconfig b/fs/Kconfig\n--- a/fs/Kconfig\n+++ b/fs/Kconfig\n\
                 @@ -1,2 +1,6 @@\n config PROC_FS\n+config FS_PID\n+\tbool \"Rust pidfs\"\n\
                 +\t  config FS_PID is documented here\n\
                 -config OLD_THING\n+menuconfig PSEUDO_MENU\n\
                 diff --git a/fs/pidfs_rs.rs b/fs/pidfs_rs.rs\n@@ -0,0 +1 @@\n+config NOT_KCONFIG\n";
        let moved = "diff --git a/init/Kconfig b/init/Kconfig\n@@ -1 +1 @@\n-config MOVED\n\
                     diff --git a/kernel/Kconfig.x b/kernel/Kconfig.x\n@@ -1 +1 @@\n+config MOVED\n";
        let got = added_kconfig_symbols(&[("1".into(), p.into()), ("2".into(), moved.into())]);
        let want: Vec<&str> = vec!["FS_PID", "PSEUDO_MENU"];
        assert_eq!(got.iter().map(String::as_str).collect::<Vec<_>>(), want);
    }

    #[test]
    fn empty_and_comments() {
        assert!(parse("").unwrap().is_empty());
        assert!(parse("# only a comment\n\n   \n").unwrap().is_empty());
    }

    #[test]
    fn names_options_and_trailing_comments() {
        let s = parse("0001-a.patch\n# c\n0002-b.patch -p1 # why\n\t0003-c.patch\n").unwrap();
        let names: Vec<_> = s.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["0001-a.patch", "0002-b.patch", "0003-c.patch"]);
        assert_eq!(s[1].line, 3);
        assert_eq!(s[2].line, 4);
    }

    #[test]
    fn rejects_p0_and_reverse() {
        for bad in ["a.patch -p0", "a.patch -R"] {
            let e = parse(bad).unwrap_err().to_string();
            assert!(e.contains("not supported"), "{e}");
        }
    }

    #[test]
    fn rejects_duplicates_and_escapes() {
        let e = parse("a.patch\nb.patch\na.patch\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("first on line 1"), "{e}");
        assert!(parse("../x.patch").is_err());
        assert!(parse("/etc/x.patch").is_err());
        assert!(parse("-p1 a.patch").is_err());
    }

    const STACK: &str = "# series: tests\n0001-a.patch\n0002-b.patch\n\n\
        # series: rfc\n# the RFC\n0003-c.patch\n";

    #[test]
    fn stack_of_series() {
        let p = parts(STACK).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].name, "tests");
        assert_eq!(p[0].patches, ["0001-a.patch", "0002-b.patch"]);
        assert_eq!((p[1].name.as_str(), p[1].line), ("rfc", 5));
        assert_eq!(p[1].patches, ["0003-c.patch"]);
        // Without markers the file is one series without a name.
        assert!(parts("0001-a.patch\n# c\n").unwrap().is_empty());
        // quilt and git am see the same patches as without markers.
        assert_eq!(parse(STACK).unwrap().len(), 3);
    }

    #[test]
    fn stack_errors_name_the_line() {
        let e = parts("0001-a.patch\n# series: x\n0002-b.patch\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 1") && e.contains("before the first"),
            "{e}"
        );
        let e = parts("# series: x\n# series: y\n0001-a.patch\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1") && e.contains("holds no patch"), "{e}");
        let e = parts("# series: x\na.patch\n# series: x\nb.patch\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("twice"), "{e}");
        for bad in ["# series:\na.patch\n", "# series: Big Name\na.patch\n"] {
            let e = parts(bad).unwrap_err().to_string();
            assert!(e.contains("not a series name"), "{e}");
        }
    }

    #[test]
    fn markers_follow_renumbered_patches() {
        let old = parts(STACK).unwrap();
        let names: Vec<String> = [
            "0001-a.patch",
            "0002-b.patch",
            "0003-z.patch",
            "0004-c.patch",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = carry_markers(&old, &names).unwrap();
        assert_eq!(m, [("tests".to_string(), 0), ("rfc".to_string(), 3)]);
        let text = render_stack(&names, &m);
        assert_eq!(
            text,
            "# series: tests\n0001-a.patch\n0002-b.patch\n0003-z.patch\n\n\
             # series: rfc\n0004-c.patch\n"
        );
        assert_eq!(parts(&text).unwrap()[0].patches.len(), 3);
        // A new first patch joins the first series.
        let before: Vec<String> = [
            "0001-z.patch",
            "0002-a.patch",
            "0003-b.patch",
            "0004-c.patch",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = carry_markers(&old, &before).unwrap();
        assert_eq!(m, [("tests".to_string(), 0), ("rfc".to_string(), 3)]);
        assert_eq!(
            parts(&render_stack(&before, &m)).unwrap()[0].patches[0],
            "0001-z.patch"
        );
        // A stack whose first patch moved out is refused, not guessed.
        let gone: Vec<String> = vec!["0001-a.patch".into(), "0002-b.patch".into()];
        let e = carry_markers(&old, &gone).unwrap_err().to_string();
        assert!(e.contains("`rfc` starts at 0003-c.patch"), "{e}");
        let swapped: Vec<String> = vec!["0001-c.patch".into(), "0002-a.patch".into()];
        assert!(carry_markers(&old, &swapped).is_err());
    }

    #[test]
    fn render_round_trips() {
        let names = vec!["0001-x.patch".to_string(), "0002-y.patch".to_string()];
        let parsed: Vec<String> = parse(&render_stack(&names, &[]))
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(parsed, names);
    }
}
