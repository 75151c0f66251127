// SPDX-License-Identifier: GPL-2.0
//! Parsing of quilt's `patches/series` file.
//!
//! The format, as quilt's own parser reads it: one patch per line, a patch
//! name optionally followed by options (`-p1`, `-p0`, `-R`), `#` starts a
//! comment, blank lines are ignored. `git am` can only apply `-p1` patches in
//! forward direction, so anything else is refused with a message rather than
//! silently applied differently by the two tools.

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

/// Renders a series file for the given patch names.
pub fn render(names: &[String]) -> String {
    let mut s = String::new();
    for n in names {
        s.push_str(n);
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn render_round_trips() {
        let names = vec!["0001-x.patch".to_string(), "0002-y.patch".to_string()];
        let parsed: Vec<String> = parse(&render(&names))
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(parsed, names);
    }
}
