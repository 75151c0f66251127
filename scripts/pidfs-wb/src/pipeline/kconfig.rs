// SPDX-License-Identifier: GPL-2.0
//! Kconfig fragments and `.config` verification.
//!
//! `merge_config.sh` followed by `olddefconfig` silently drops options whose
//! dependencies are not met. After every merge the workbench compares what
//! was asked for with what `.config` holds and names every difference.

use std::collections::BTreeMap;

/// The value of one option: `y`, `m`, a string/number, or not set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Set(String),
    NotSet,
}

impl Value {
    fn describe(&self) -> String {
        match self {
            Value::Set(v) => v.clone(),
            Value::NotSet => "n (is not set)".into(),
        }
    }
}

/// Parses `.config` or a fragment: `CONFIG_X=v` and `# CONFIG_X is not set`.
/// Other lines are ignored. Later lines win, as in merge_config.sh.
pub fn parse(text: &str) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for raw in text.lines() {
        let line = raw.trim();
        if let Some(rest) = line.strip_prefix("# ") {
            if let Some(name) = rest.strip_suffix(" is not set") {
                if name.starts_with("CONFIG_") && !name.contains(' ') {
                    out.insert(name.to_string(), Value::NotSet);
                }
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if let Some((name, value)) = line.split_once('=') {
            let name = name.trim();
            if name.starts_with("CONFIG_") {
                let v = value.trim();
                let v = if v == "n" {
                    Value::NotSet
                } else {
                    Value::Set(v.to_string())
                };
                out.insert(name.to_string(), v);
            }
        }
    }
    out
}

/// Returns one line per requested option that `.config` does not honour.
pub fn verify(
    requested: &BTreeMap<String, Value>,
    config: &BTreeMap<String, Value>,
) -> Vec<String> {
    let mut missing = Vec::new();
    for (name, want) in requested {
        let have = config.get(name).cloned().unwrap_or(Value::NotSet);
        if &have != want {
            let why = match (&have, config.contains_key(name)) {
                (Value::NotSet, false) => {
                    "absent from .config (unknown symbol or unmet dependency)".to_string()
                }
                _ => format!("is {}", have.describe()),
            };
            missing.push(format!("{name}={} ({why})", want.describe()));
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAGMENT: &str = "# comment\nCONFIG_RUST=y\nCONFIG_PID_NS=y\n# CONFIG_MODULES is not set\nCONFIG_NR_CPUS=4\nCONFIG_CMDLINE=\"a b\"\nCONFIG_FS_PID=n\n";

    #[test]
    fn parses_fragment() {
        let f = parse(FRAGMENT);
        assert_eq!(f.len(), 6);
        assert_eq!(f["CONFIG_RUST"], Value::Set("y".into()));
        assert_eq!(f["CONFIG_MODULES"], Value::NotSet);
        assert_eq!(f["CONFIG_FS_PID"], Value::NotSet);
        assert_eq!(f["CONFIG_CMDLINE"], Value::Set("\"a b\"".into()));
    }

    #[test]
    fn verify_all_present() {
        let cfg = parse("CONFIG_RUST=y\nCONFIG_PID_NS=y\n# CONFIG_MODULES is not set\nCONFIG_NR_CPUS=4\nCONFIG_CMDLINE=\"a b\"\nCONFIG_OTHER=y\n");
        // CONFIG_FS_PID absent counts as "not set", which is what was asked.
        assert!(verify(&parse(FRAGMENT), &cfg).is_empty());
    }

    #[test]
    fn verify_names_each_difference() {
        let cfg = parse("CONFIG_PID_NS=m\nCONFIG_MODULES=y\nCONFIG_NR_CPUS=4\nCONFIG_CMDLINE=\"a b\"\nCONFIG_FS_PID=y\n");
        let m = verify(&parse(FRAGMENT), &cfg);
        assert_eq!(m.len(), 4, "{m:?}");
        assert!(
            m[0].starts_with("CONFIG_FS_PID=n") && m[0].contains("is y"),
            "{m:?}"
        );
        assert!(m[1].starts_with("CONFIG_MODULES=n") && m[1].contains("is y"));
        assert!(m[2].starts_with("CONFIG_PID_NS=y") && m[2].contains("is m"));
        assert!(m[3].starts_with("CONFIG_RUST=y") && m[3].contains("absent"));
    }

    #[test]
    fn later_lines_win() {
        let f = parse("CONFIG_A=y\n# CONFIG_A is not set\n");
        assert_eq!(f["CONFIG_A"], Value::NotSet);
    }
}
