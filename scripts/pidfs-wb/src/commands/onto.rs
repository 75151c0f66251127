// SPDX-License-Identifier: GPL-2.0
//! `wb onto TREE [--ref REF] [--branch NAME]`: applies the series with
//! `git am -3` onto a user's kernel git tree (linux-next, a maintainer
//! tree, …) and reports per patch: applied cleanly, applied with offsets
//! (git's form of fuzz), applied by 3-way merge, or failed (with the files).
//!
//! The user's checkout is never touched: the patches are applied in a
//! temporary `git worktree` of TREE, detached at REF, which is removed
//! afterwards. On success the only thing left is the branch NAME (default
//! `pidfs-rs/onto`) at the result. On failure nothing is left: refs, HEAD,
//! index, working tree, config and the worktree list are as they were
//! (the tool compares them before and after); only unreachable objects may
//! remain in the object store until git gc prunes them.

use crate::base::{git, rev_parse};
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::tree;
use crate::util::{self, info, output, step};
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

pub const DEFAULT_BRANCH: &str = "pidfs-rs/onto";

/// How one patch went onto the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmResult {
    Clean,
    /// Applied, but hunks had to move (git's counterpart of quilt's fuzz).
    Offset(Vec<String>),
    /// Applied by falling back to a 3-way merge.
    Merged(Vec<String>),
    Failed(Vec<String>),
    /// Not tried: an earlier patch failed.
    NotTried,
}

impl fmt::Display for AmResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let files = |v: &Vec<String>| {
            if v.is_empty() {
                String::new()
            } else {
                format!(": {}", v.join(", "))
            }
        };
        match self {
            AmResult::Clean => write!(f, "applied cleanly"),
            AmResult::Offset(v) => write!(f, "applied with offsets{}", files(v)),
            AmResult::Merged(v) => write!(f, "applied with a 3-way merge{}", files(v)),
            AmResult::Failed(v) => write!(f, "FAILED{}", files(v)),
            AmResult::NotTried => write!(f, "not tried (an earlier patch failed)"),
        }
    }
}

/// Classifies one patch from `git apply -v --check` (run first, on the same
/// tree) and `git am -3`'s outcome.
pub fn classify(check: &str, am_ok: bool, am_out: &str) -> AmResult {
    if !am_ok {
        let mut files: BTreeSet<String> = tree::conflict_files(am_out).into_iter().collect();
        for l in am_out.lines() {
            if let Some(f) = l.trim().strip_prefix("CONFLICT (") {
                if let Some((_, rest)) = f.split_once("): ") {
                    if let Some(file) = rest.strip_prefix("Merge conflict in ") {
                        files.insert(file.trim().to_string());
                    } else if let Some(file) = rest.split_whitespace().next() {
                        files.insert(file.to_string());
                    }
                }
            }
        }
        return AmResult::Failed(files.into_iter().collect());
    }
    if am_out.contains("Falling back to patching base and 3-way merge") {
        let files: Vec<String> = am_out
            .lines()
            .filter_map(|l| l.trim().strip_prefix("Auto-merging "))
            .map(|f| f.trim().to_string())
            .collect();
        return AmResult::Merged(files);
    }
    let mut current = String::new();
    let mut moved: Vec<String> = Vec::new();
    for l in check.lines() {
        if let Some(f) = l.strip_prefix("Checking patch ") {
            current = f.trim_end_matches("...").to_string();
        } else if l.starts_with("Hunk #") && l.contains("(offset ") && !moved.contains(&current) {
            moved.push(current.clone());
        }
    }
    if moved.is_empty() {
        AmResult::Clean
    } else {
        AmResult::Offset(moved)
    }
}

/// What must be identical before and after a failed attempt.
pub fn snapshot(tree: &Path) -> Result<String> {
    let run = |args: &[&str]| -> Result<String> {
        output(git(tree).args(args)).map_err(|e| Error::Base {
            what: e,
            hint: "check the tree".into(),
        })
    };
    let head = run(&["rev-parse", "HEAD"]).unwrap_or_default();
    let sym = output(git(tree).args(["symbolic-ref", "-q", "HEAD"])).unwrap_or_default();
    Ok(format!(
        "HEAD {head}{sym}\nrefs:\n{}\nstatus:\n{}\nworktrees:\n{}\nconfig:\n{}",
        run(&["for-each-ref", "--format=%(objectname) %(refname)"])?,
        run(&["status", "--porcelain", "--ignored=no"])?,
        run(&["worktree", "list", "--porcelain"])?,
        run(&["config", "--local", "--list"]).unwrap_or_default()
    ))
}

pub struct Report {
    pub rows: Vec<(String, AmResult)>,
    pub branch: Option<String>,
}

impl Report {
    /// The first patch that did not apply, as the error `wb onto` exits
    /// with (exit 5), or `Ok` when every patch applied.
    pub fn first_failure(&self, log_dir: &Path, tree: &str, reference: &str) -> Result<()> {
        let Some((i, (name, AmResult::Failed(files)))) = self
            .rows
            .iter()
            .enumerate()
            .find(|(_, (_, x))| matches!(x, AmResult::Failed(_)))
        else {
            return Ok(());
        };
        Err(Error::PatchDoesNotApply {
            patch: format!(
                "{name} ({} of {}) onto {tree} at {reference}",
                i + 1,
                self.rows.len()
            ),
            files: files.clone(),
            log: log_dir.join(format!("{name}.log")),
        })
    }

    pub fn table(&self) -> String {
        let mut s = String::from("| patch | result |\n|---|---|\n");
        for (i, (n, r)) in self.rows.iter().enumerate() {
            s.push_str(&format!("| {} {n} | {r} |\n", i + 1));
        }
        s
    }
}

/// Removes the temporary worktree whatever happens.
struct TempWorktree {
    repo: PathBuf,
    dir: PathBuf,
}

impl Drop for TempWorktree {
    fn drop(&mut self) {
        let _ = output(git(&self.dir).args(["am", "--abort"]));
        let _ = output(
            git(&self.repo)
                .args(["worktree", "remove", "--force"])
                .arg(&self.dir),
        );
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = output(git(&self.repo).args(["worktree", "prune"]));
    }
}

/// `wb onto`.
pub fn run(ctx: &Ctx, user_tree: &Path, reference: &str, branch: &str) -> Result<Report> {
    let user_tree = user_tree
        .canonicalize()
        .map_err(|e| Error::io(format!("{}", user_tree.display()), e))?;
    if output(git(&user_tree).args(["rev-parse", "--git-dir"])).is_err() {
        return Err(Error::Usage(format!(
            "{} is not a git repository",
            user_tree.display()
        )));
    }
    let Some(at) = rev_parse(&user_tree, reference) else {
        return Err(Error::Usage(format!(
            "`{reference}` is not a commit in {}",
            user_tree.display()
        )));
    };
    if output(git(&user_tree).args(["check-ref-format", "--branch", branch])).is_err() {
        return Err(Error::Usage(format!(
            "`{branch}` is not a valid branch name"
        )));
    }
    if rev_parse(&user_tree, &format!("refs/heads/{branch}")).is_some() {
        return Err(Error::Usage(format!(
            "branch {branch} already exists in {}; delete it or pass --branch NAME",
            user_tree.display()
        )));
    }
    let entries = tree::read_series(ctx)?;
    let before = snapshot(&user_tree)?;
    step(&format!(
        "onto: {} patch(es) onto {} at {} ({})",
        entries.len(),
        user_tree.display(),
        reference,
        &at[..12]
    ));
    let wt_dir = ctx
        .cache
        .join("onto")
        .join(format!("wt-{}", std::process::id()));
    util::remove_dir_all_if_exists(&wt_dir)?;
    util::mkdir(wt_dir.parent().unwrap_or(Path::new("/")))?;
    let log_dir = ctx.out_dir().join("onto");
    util::remove_dir_all_if_exists(&log_dir)?;
    util::mkdir(&log_dir)?;
    let added = output(
        git(&user_tree)
            .args(["worktree", "add", "-q", "--detach"])
            .arg(&wt_dir)
            .arg(&at),
    );
    if let Err(e) = added {
        return Err(Error::Base {
            what: format!(
                "cannot make a temporary worktree of {}: {e}",
                user_tree.display()
            ),
            hint: "check that the tree is a healthy git repository".into(),
        });
    }
    let wt = TempWorktree {
        repo: user_tree.clone(),
        dir: wt_dir.clone(),
    };
    let mut rows = Vec::new();
    let mut failed = false;
    for e in &entries {
        if failed {
            rows.push((e.name.clone(), AmResult::NotTried));
            continue;
        }
        let patch = ctx.patches_dir().join(&e.name);
        let check = git(&wt.dir)
            .args(["apply", "-v", "--check"])
            .arg(&patch)
            .stdin(Stdio::null())
            .output()
            .map_err(|x| Error::io("run git apply", x))?;
        let check_text = format!(
            "{}{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
        let am = crate::ident::neutral()
            .git(&wt.dir)
            .args(["am", "-3"])
            .arg(&patch)
            .stdin(Stdio::null())
            .output()
            .map_err(|x| Error::io("run git am", x))?;
        let am_text = format!(
            "{}{}",
            String::from_utf8_lossy(&am.stdout),
            String::from_utf8_lossy(&am.stderr)
        );
        util::write(
            &log_dir.join(format!("{}.log", e.name)),
            format!("$ git apply -v --check\n{check_text}\n$ git am -3\n{am_text}").as_bytes(),
        )?;
        let r = classify(&check_text, am.status.success(), &am_text);
        info(&format!("{}: {r}", e.name));
        if matches!(r, AmResult::Failed(_)) {
            failed = true;
        }
        rows.push((e.name.clone(), r));
    }
    let mut report = Report { rows, branch: None };
    if !failed {
        output(git(&wt.dir).args(["branch", branch])).map_err(|e| Error::Base {
            what: format!("cannot create branch {branch}: {e}"),
            hint: "check the tree".into(),
        })?;
        report.branch = Some(branch.to_string());
    }
    drop(wt);
    if failed {
        let after = snapshot(&user_tree)?;
        if after != before {
            return Err(Error::Base {
                what: format!(
                    "{} is not as it was before the failed attempt (compare `git status`, \
                     `git for-each-ref`, `git worktree list`)",
                    user_tree.display()
                ),
                hint: format!("logs in {}", log_dir.display()),
            });
        }
    }
    println!("\n{}", report.table());
    match &report.branch {
        Some(b) => println!(
            "the series is on branch {b} in {} (nothing else was changed there)",
            user_tree.display()
        ),
        None => println!(
            "the series does not apply; {} is as it was. Logs: {}",
            user_tree.display(),
            log_dir.display()
        ),
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn am_results() {
        assert_eq!(
            classify(
                "Checking patch fs/Makefile...\nApplied patch fs/Makefile cleanly.\n",
                true,
                "Applying: x\n"
            ),
            AmResult::Clean
        );
        let check = "Checking patch rust/helpers/helpers.c...\nHunk #1 succeeded at 30 (offset 3 lines).\nChecking patch rust/helpers/pid.c...\n";
        assert_eq!(
            classify(check, true, "Applying: x\n"),
            AmResult::Offset(vec!["rust/helpers/helpers.c".into()])
        );
        let merged = "Applying: x\nUsing index info to reconstruct a base tree...\nM\trust/helpers/helpers.c\nFalling back to patching base and 3-way merge...\nAuto-merging rust/helpers/helpers.c\n";
        assert_eq!(
            classify(
                "error: patch failed: rust/helpers/helpers.c:30\n",
                true,
                merged
            ),
            AmResult::Merged(vec!["rust/helpers/helpers.c".into()])
        );
        let failed = "Applying: x\nUsing index info to reconstruct a base tree...\nFalling back to patching base and 3-way merge...\nAuto-merging rust/helpers/helpers.c\nCONFLICT (content): Merge conflict in rust/helpers/helpers.c\nerror: Failed to merge in the changes.\nPatch failed at 0001 x\n";
        assert_eq!(
            classify("", false, failed),
            AmResult::Failed(vec!["rust/helpers/helpers.c".into()])
        );
        let no_base = "Applying: x\nerror: patch failed: fs/Makefile:18\nerror: fs/Makefile: patch does not apply\nerror: sha1 information is lacking or useless (fs/Makefile).\nerror: could not build fake ancestor\n";
        assert_eq!(
            classify("", false, no_base),
            AmResult::Failed(vec!["fs/Makefile".into()])
        );
        assert!(AmResult::Failed(vec!["a".into()])
            .to_string()
            .contains("FAILED: a"));
    }

    #[test]
    fn report_first_failure_and_table() {
        let r = Report {
            rows: vec![
                ("0001-a.patch".into(), AmResult::Clean),
                (
                    "0002-b.patch".into(),
                    AmResult::Failed(vec!["fs/x.c".into()]),
                ),
                ("0003-c.patch".into(), AmResult::NotTried),
            ],
            branch: None,
        };
        let e = r
            .first_failure(Path::new("/out/onto"), "/tree", "HEAD")
            .unwrap_err();
        assert!(matches!(e, Error::PatchDoesNotApply { .. }));
        let text = e.to_string();
        assert!(
            text.contains("0002-b.patch (2 of 3) onto /tree at HEAD"),
            "{text}"
        );
        assert!(text.contains("/out/onto/0002-b.patch.log"), "{text}");
        let clean = Report {
            rows: vec![("0001-a.patch".into(), AmResult::Clean)],
            branch: None,
        };
        assert!(clean.first_failure(Path::new("/o"), "/t", "HEAD").is_ok());
        let t = r.table();
        assert!(t.contains("| 2 0002-b.patch | FAILED: fs/x.c |"), "{t}");
        assert!(t.contains("| 3 0003-c.patch | not tried"), "{t}");
    }
}
