// SPDX-License-Identifier: GPL-2.0
//! `wb series maintainers`: whom `scripts/get_maintainer.pl` sends each
//! patch of the series to, as a table in `ci/maintainers.md`.
//!
//! The table is made in the work tree with the whole series applied, which
//! is the tree `b4 prep --auto-to-cc` (the export) runs get_maintainer.pl
//! in, so the MAINTAINERS changes of the series count for every patch.
//! `wb series check` (and so `wb test`) regenerates it and fails when the
//! checked-in table is out of date, or when a patch that touches the pidfs
//! abstractions or the Rust pidfs does not reach every maintainer and
//! reviewer of the base tree's VFS entry (in whatever role: the series
//! offers them `R:` in its own entry rather than editing theirs),
//! linux-fsdevel and rust-for-linux.

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::series::Entry;
use crate::util::{self, info, step};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

/// The table, relative to the repository.
pub const TABLE: &str = "ci/maintainers.md";

/// The MAINTAINERS section that must see every change to the abstractions.
pub const VFS_SECTION: &str = "FILESYSTEMS (VFS and infrastructure)";

/// Lists every patch touching [`ROUTED_PATHS`] must reach.
pub const REQUIRED_LISTS: &[&str] = &[
    "linux-fsdevel@vger.kernel.org",
    "rust-for-linux@vger.kernel.org",
];

/// Paths (prefixes) whose patches must reach [`VFS_SECTION`] and [`REQUIRED_LISTS`].
pub const ROUTED_PATHS: &[&str] = &["rust/kernel/pidfs", "fs/pidfs_rs.rs"];

/// One recipient line of get_maintainer.pl: `Name <addr> (role)` or `addr (role)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub who: String,
    pub role: String,
}

impl Recipient {
    /// Whether the recipient is a mailing list.
    pub fn is_list(&self) -> bool {
        let r = self.role.as_str();
        r.starts_with("open list")
            || r.starts_with("moderated list")
            || r.starts_with("subscriber list")
            || r.starts_with("list")
    }

    /// The address (`x@y`) of the recipient.
    pub fn address(&self) -> &str {
        match (self.who.find('<'), self.who.rfind('>')) {
            (Some(a), Some(b)) if a < b => &self.who[a + 1..b],
            _ => self.who.trim(),
        }
    }
}

/// Parses the default (`--rolestats`) output of get_maintainer.pl.
pub fn parse(out: &str) -> Vec<Recipient> {
    out.lines()
        .map(str::trim)
        .filter(|l| l.contains('@'))
        .map(|l| match (l.find(" ("), l.ends_with(')')) {
            (Some(i), true) => Recipient {
                who: l[..i].trim().to_string(),
                role: l[i + 2..l.len() - 1].trim().to_string(),
            },
            _ => Recipient {
                who: l.to_string(),
                role: String::new(),
            },
        })
        .collect()
}

/// Changed lines of a patch (added plus removed lines of its diffs).
pub fn changed_lines(patch: &str) -> usize {
    let mut in_diff = false;
    let mut n = 0;
    for l in patch.lines() {
        if l.starts_with("diff --git ") {
            in_diff = true;
            continue;
        }
        if !in_diff || l.starts_with("+++ ") || l.starts_with("--- ") {
            continue;
        }
        if l == "-- " {
            // The signature separator after the last diff.
            in_diff = false;
            continue;
        }
        if l.starts_with('+') || l.starts_with('-') {
            n += 1;
        }
    }
    n
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Row {
    pub name: String,
    pub changed: usize,
    pub files: Vec<String>,
    pub recipients: Vec<Recipient>,
}

impl Row {
    /// What is wrong with the routing of this patch, if anything. `vfs`
    /// holds the addresses of the VFS entry's people in the base tree.
    pub fn routing_problems(&self, vfs: &[String]) -> Vec<String> {
        if !self
            .files
            .iter()
            .any(|f| ROUTED_PATHS.iter().any(|p| f.starts_with(p)))
        {
            return Vec::new();
        }
        let mut out = Vec::new();
        if vfs.is_empty() {
            out.push(format!(
                "{}: the base tree's MAINTAINERS has no M: or R: in {VFS_SECTION}",
                self.name
            ));
        }
        for a in vfs {
            if !self
                .recipients
                .iter()
                .any(|r| !r.is_list() && r.address() == a)
            {
                out.push(format!(
                    "{}: touches {} but does not reach {a} ({VFS_SECTION})",
                    self.name,
                    ROUTED_PATHS.join(" or ")
                ));
            }
        }
        for l in REQUIRED_LISTS {
            if !self
                .recipients
                .iter()
                .any(|r| r.is_list() && r.address() == *l)
            {
                out.push(format!("{}: does not reach {l}", self.name));
            }
        }
        out
    }
}

/// The addresses of the `M:` and `R:` lines of `section` in a MAINTAINERS
/// text.
pub fn section_people(maintainers: &str, section: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for l in maintainers.lines() {
        if !inside {
            inside = l == section;
            continue;
        }
        if l.trim().is_empty() {
            break;
        }
        if let Some(v) = l.strip_prefix("M:").or_else(|| l.strip_prefix("R:")) {
            let r = Recipient {
                who: v.trim().to_string(),
                role: String::new(),
            };
            out.push(r.address().to_string());
        }
    }
    out
}

/// The people of the VFS entry in the base tree under `tree`.
fn base_vfs_people(tree: &Path) -> Result<Vec<String>> {
    let text = util::output(
        crate::base::git(tree)
            .arg("show")
            .arg(format!("{}:MAINTAINERS", crate::ctx::BASE_TAG)),
    )
    .map_err(|e| Error::Series {
        what: format!("cannot read the base tree's MAINTAINERS: {e}"),
        hint: "check that the work tree has the series applied (`wb series apply`)".into(),
    })?;
    Ok(section_people(&text, VFS_SECTION))
}

/// Renders the table.
pub fn render(rows: &[Row]) -> String {
    let mut s = String::new();
    s.push_str("# Recipients per patch\n\n");
    s.push_str(
        "Generated by `scripts/wb series maintainers` (do not edit): \
         `scripts/get_maintainer.pl --nogit --nogit-fallback` on each patch (with \
         `PERL_HASH_SEED=0`: a list or person of several sections is shown with the role \
         of one of them, chosen in perl's hash order), in the \
         base tree with the whole series applied, which is where `b4 prep --auto-to-cc` \
         (`wb export`) runs it. `wb series check` fails when this file is out of date, \
         and when a patch that touches `rust/kernel/pidfs*` or `fs/pidfs_rs.rs` does not \
         reach every maintainer and reviewer of the base tree's FILESYSTEMS (VFS and \
         infrastructure) entry, linux-fsdevel and rust-for-linux. The maintainer of PIDFS \
         RUST IMPLEMENTATION is the neutral identity of the checked-in patches here; the \
         export names the sender there, who signs the patches off. Changed lines are added \
         plus removed lines.\n\n",
    );
    s.push_str("| # | patch | changed lines | maintainers and reviewers | lists |\n");
    s.push_str("|---:|---|---:|---|---|\n");
    for (i, r) in rows.iter().enumerate() {
        let people: Vec<String> = r
            .recipients
            .iter()
            .filter(|x| !x.is_list())
            .map(|x| format!("{} ({})", x.who, x.role))
            .collect();
        let lists: Vec<String> = r
            .recipients
            .iter()
            .filter(|x| x.is_list())
            .map(|x| format!("{} ({})", x.address(), x.role))
            .collect();
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            i + 1,
            r.name,
            r.changed,
            cell(&people),
            cell(&lists)
        );
    }
    let total: usize = rows.iter().map(|r| r.changed).sum();
    let _ = writeln!(s, "\n{} patches, {total} changed lines.", rows.len());
    s
}

fn cell(items: &[String]) -> String {
    if items.is_empty() {
        "—".into()
    } else {
        items.join("<br>").replace('|', "\\|")
    }
}

/// Runs get_maintainer.pl on every patch in `tree` (the series applied).
pub fn rows(ctx: &Ctx, tree: &Path, entries: &[Entry]) -> Result<Vec<Row>> {
    step("series: get_maintainer.pl on every patch");
    let mut rows = Vec::new();
    for e in entries {
        let path = ctx.patches_dir().join(&e.name);
        let text = util::read(&path)?;
        let out = Command::new("perl")
            .current_dir(tree)
            .arg("scripts/get_maintainer.pl")
            .args(["--nogit", "--nogit-fallback", "--nogit-chief-penguins"])
            .arg(&path)
            // A list or person in several sections is printed with the role of
            // one of them, picked in hash order: fix perl's hash seed so the
            // table is the same on every run.
            .env("PERL_HASH_SEED", "0")
            .env("PERL_PERTURB_KEYS", "0")
            .output()
            .map_err(|err| Error::io("run scripts/get_maintainer.pl", err))?;
        if !out.status.success() {
            return Err(Error::Series {
                what: format!(
                    "get_maintainer.pl failed on {}: {}",
                    e.name,
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
                hint: "check that the work tree has the series applied (`wb series apply`)".into(),
            });
        }
        rows.push(Row {
            name: e.name.clone(),
            changed: changed_lines(&text),
            files: crate::series::touched_files(&text).into_iter().collect(),
            recipients: parse(&String::from_utf8_lossy(&out.stdout)),
        });
    }
    Ok(rows)
}

/// The drift items of the table against the series applied in `tree`:
/// an out-of-date table and routing problems.
pub fn drift(ctx: &Ctx, tree: &Path, entries: &[Entry]) -> Result<Vec<String>> {
    let rows = rows(ctx, tree, entries)?;
    let vfs = base_vfs_people(tree)?;
    let mut items: Vec<String> = rows.iter().flat_map(|r| r.routing_problems(&vfs)).collect();
    let want = render(&rows);
    match std::fs::read_to_string(ctx.repo.join(TABLE)) {
        Ok(have) if have == want => {}
        Ok(_) => items.push(format!(
            "{TABLE}: out of date; run `scripts/wb series maintainers --write`"
        )),
        Err(_) => items.push(format!(
            "{TABLE}: missing; run `scripts/wb series maintainers --write`"
        )),
    }
    Ok(items)
}

/// `wb series maintainers [--write]`.
pub fn run(ctx: &Ctx, write: bool) -> Result<()> {
    let entries = crate::tree::read_series(ctx)?;
    let applied = crate::tree::apply(ctx, None, false)?;
    let rows = rows(ctx, &applied.tree, &entries)?;
    let text = render(&rows);
    let vfs = base_vfs_people(&applied.tree)?;
    let problems: Vec<String> = rows.iter().flat_map(|r| r.routing_problems(&vfs)).collect();
    if write {
        util::write(&ctx.repo.join(TABLE), text.as_bytes())?;
        info(&format!("wrote {TABLE}"));
    } else {
        print!("{text}");
    }
    if !problems.is_empty() {
        return Err(Error::Drift { items: problems });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUT: &str = "\
Alexander Viro <viro@zeniv.linux.org.uk> (maintainer:FILESYSTEMS (VFS and infrastructure))
Jan Kara <jack@suse.cz> (reviewer:FILESYSTEMS (VFS and infrastructure))
Miguel Ojeda <ojeda@kernel.org> (maintainer:RUST)
linux-fsdevel@vger.kernel.org (open list:FILESYSTEMS (VFS and infrastructure))
rust-for-linux@vger.kernel.org (open list:RUST)
linux-kernel@vger.kernel.org (open list)
";

    #[test]
    fn parses_recipients() {
        let r = parse(OUT);
        assert_eq!(r.len(), 6);
        assert_eq!(r[0].who, "Alexander Viro <viro@zeniv.linux.org.uk>");
        assert_eq!(r[0].role, "maintainer:FILESYSTEMS (VFS and infrastructure)");
        assert!(!r[0].is_list());
        assert!(r[3].is_list());
        assert_eq!(r[3].address(), "linux-fsdevel@vger.kernel.org");
        assert_eq!(r[0].address(), "viro@zeniv.linux.org.uk");
        assert!(r[5].is_list());
    }

    fn row(files: &[&str], out: &str) -> Row {
        Row {
            name: "0001-x.patch".into(),
            changed: 3,
            files: files.iter().map(|s| s.to_string()).collect(),
            recipients: parse(out),
        }
    }

    const MAINT: &str = "\
FILESYSTEMS (VFS and infrastructure)
M:\tAlexander Viro <viro@zeniv.linux.org.uk>
R:\tJan Kara <jack@suse.cz>
L:\tlinux-fsdevel@vger.kernel.org
F:\tfs/*

OTHER
M:\tSomeone Else <else@example.org>
";

    #[test]
    fn vfs_people_of_the_base() {
        assert_eq!(
            section_people(MAINT, VFS_SECTION),
            ["viro@zeniv.linux.org.uk", "jack@suse.cz"]
        );
        assert!(section_people(MAINT, "MISSING").is_empty());
    }

    #[test]
    fn routing_rules() {
        let vfs = section_people(MAINT, VFS_SECTION);
        assert!(row(&["rust/kernel/pidfs/fs.rs"], OUT)
            .routing_problems(&vfs)
            .is_empty());
        // The VFS people reached as reviewers of another entry count.
        let as_reviewers =
            "Alexander Viro <viro@zeniv.linux.org.uk> (reviewer:PIDFS RUST IMPLEMENTATION)\n\
                            Jan Kara <jack@suse.cz> (reviewer:PIDFS RUST IMPLEMENTATION)\n\
                            linux-fsdevel@vger.kernel.org (open list:PIDFS RUST IMPLEMENTATION)\n\
                            rust-for-linux@vger.kernel.org (open list:PIDFS RUST IMPLEMENTATION)\n";
        assert!(row(&["fs/pidfs_rs.rs"], as_reviewers)
            .routing_problems(&vfs)
            .is_empty());
        // Not a routed path: nothing is required.
        assert!(row(&["rust/kernel/task.rs"], "")
            .routing_problems(&vfs)
            .is_empty());
        // A routed path that reaches only the Rust people.
        let only_rust = "Miguel Ojeda <ojeda@kernel.org> (maintainer:RUST)\n\
                         rust-for-linux@vger.kernel.org (open list:RUST)\n";
        let p = row(&["fs/pidfs_rs.rs"], only_rust).routing_problems(&vfs);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[0].contains("does not reach viro@zeniv.linux.org.uk"));
        assert!(p[1].contains("does not reach jack@suse.cz"));
        assert!(p[2].contains("linux-fsdevel"));
        // A base without the VFS people is an error, not a pass.
        assert!(!row(&["fs/pidfs_rs.rs"], OUT)
            .routing_problems(&[])
            .is_empty());
    }

    #[test]
    fn counts_changed_lines() {
        let patch = "\
Subject: [PATCH] x

--- a/ignored-before-diff
+not counted
---
 a | 2 +-
diff --git a/a b/a
--- a/a
+++ b/a
@@ -1,2 +1,2 @@
 same
-old
+new
+more
-- 
2.39.5
";
        assert_eq!(changed_lines(patch), 3);
    }

    #[test]
    fn table_escapes_and_counts() {
        let t = render(&[row(&["fs/pidfs_rs.rs"], OUT)]);
        assert!(t.contains("| 1 | 0001-x.patch | 3 | Alexander Viro"));
        assert!(t.contains("1 patches, 3 changed lines."));
        assert!(t.contains("linux-fsdevel@vger.kernel.org (open list:FILESYSTEMS"));
    }
}
