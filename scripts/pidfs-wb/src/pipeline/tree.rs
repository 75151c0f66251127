// SPDX-License-Identifier: GPL-2.0
//! `wb series …`: applying `patches/` onto the base in a work tree, checking
//! the in-tree mirror files for drift, and writing an edited work tree back.
//!
//! The editing workflow is git: the work tree is a git worktree of the base
//! repository with one commit per patch. `series export` turns those commits
//! back into `patches/` (git format-patch) and the mirror files. A per-work
//! tree ref records what was last applied or exported, so a later `apply`
//! refuses to throw away commits or changes that were never exported.

use crate::base::{self, git, rev_parse};
use crate::ctx::{self, Ctx};
use crate::error::{Error, Result};
use crate::series;
use crate::util::{self, info, output, step};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const APPLIED_REF: &str = "refs/worktree/wb-applied";

#[derive(Debug)]
pub struct Applied {
    pub tree: PathBuf,
    pub base: String,
    /// (patch file name, commit id) in series order.
    pub commits: Vec<(String, String)>,
}

/// Reads and checks `patches/series`.
pub fn read_series(ctx: &Ctx) -> Result<Vec<series::Entry>> {
    let path = ctx.patches_dir().join("series");
    let text = util::read(&path).map_err(|_| Error::Series {
        what: format!("{} is missing", path.display()),
        hint: "create it (it may be empty): one patch file name per line".into(),
    })?;
    let entries = series::parse(&text)?;
    series::parts(&text)?;
    for e in &entries {
        if !ctx.patches_dir().join(&e.name).is_file() {
            return Err(Error::Series {
                what: format!("patches/series line {}: {} does not exist", e.line, e.name),
                hint: "add the file or remove the line".into(),
            });
        }
    }
    Ok(entries)
}

/// A fingerprint of the series: sha256 over `series` and every patch file
/// in order. Reports carry it, so figures are only ever quoted for the
/// series they were measured on.
pub fn fingerprint(dir: &Path) -> Result<String> {
    let series = util::read(&dir.join("series"))?;
    let mut data = series.clone().into_bytes();
    for e in series::parse(&series)? {
        data.extend_from_slice(e.name.as_bytes());
        data.push(0);
        data.extend(
            fs::read(dir.join(&e.name)).map_err(|x| Error::io(format!("read {}", e.name), x))?,
        );
    }
    util::sha256_bytes(&data)
}

fn git_am_cmd(tree: &Path) -> Command {
    crate::ident::neutral().git(tree)
}

/// Files named by `git am`/`git apply` errors.
pub fn conflict_files(out: &str) -> Vec<String> {
    let mut files = BTreeSet::new();
    for l in out.lines() {
        let l = l.trim();
        if let Some(r) = l.strip_prefix("error: patch failed: ") {
            if let Some((f, _)) = r.rsplit_once(':') {
                files.insert(f.to_string());
            }
        } else if let Some(r) = l.strip_prefix("error: ") {
            for suffix in [
                ": patch does not apply",
                ": does not exist in index",
                ": already exists in index",
                ": already exists in working directory",
                ": No such file or directory",
            ] {
                if let Some(f) = r.strip_suffix(suffix) {
                    files.insert(f.to_string());
                }
            }
        }
    }
    files.into_iter().collect()
}

/// Whether a `git am` is stopped in the middle in `tree`.
fn am_in_progress(tree: &Path) -> bool {
    output(git(tree).args(["rev-parse", "--git-path", "rebase-apply"]))
        .map(|p| {
            let p = PathBuf::from(p.trim());
            let p = if p.is_absolute() { p } else { tree.join(p) };
            p.join("applying").exists() || p.join("next").exists()
        })
        .unwrap_or(false)
}

/// What in `tree` is not the series as wb last applied it: uncommitted
/// changes or commits beyond [`APPLIED_REF`], which [`apply`] moves after
/// every patch. A `git am` of wb's own that was stopped half-way (a run
/// killed) leaves HEAD at the ref with the patch half in the index; that is
/// nobody's work, so it is reported to be discarded, not refused.
fn worktree_state(tree: &Path) -> Result<Option<String>> {
    let head = rev_parse(tree, "HEAD");
    let recorded = rev_parse(tree, APPLIED_REF);
    if head.is_some() && head == recorded && am_in_progress(tree) {
        info(&format!(
            "{}: discarding the patch a stopped run of wb was applying",
            tree.display()
        ));
        return Ok(None);
    }
    let status = output(git(tree).args(["status", "--porcelain"])).map_err(|e| Error::Series {
        what: e,
        hint: format!("remove {} and run again", tree.display()),
    })?;
    if !status.trim().is_empty() {
        let n = status.lines().count();
        return Ok(Some(format!("{n} uncommitted change(s)")));
    }
    if head != recorded {
        return Ok(Some("commits".into()));
    }
    Ok(None)
}

/// Prepares a clean work tree at the base commit.
fn reset_work_tree(ctx: &Ctx, repo: &Path, base_id: &str, discard: bool) -> Result<PathBuf> {
    let tree = ctx.work_tree();
    let valid = tree.join(".git").exists() && rev_parse(&tree, "HEAD").is_some();
    if valid {
        if let Some(what) = worktree_state(&tree)? {
            if !discard {
                return Err(Error::Unexported { tree, what });
            }
            info(&format!("discarding {what} in {}", tree.display()));
        }
        let _ = output(git(&tree).args(["am", "--abort"]));
        output(git(&tree).args(["checkout", "-q", "-f", "--detach", base_id])).map_err(|e| {
            Error::Series {
                what: e,
                hint: format!("remove {} and run again", tree.display()),
            }
        })?;
        output(git(&tree).args(["clean", "-q", "-f", "-d"])).map_err(|e| Error::Series {
            what: e,
            hint: format!("remove {} and run again", tree.display()),
        })?;
    } else {
        step(&format!("series: creating work tree {}", tree.display()));
        util::remove_dir_all_if_exists(&tree)?;
        let _ = output(git(repo).args(["worktree", "prune"]));
        util::mkdir(tree.parent().unwrap_or(Path::new("/")))?;
        let log = ctx.cache.join("logs/worktree.log");
        let ok = util::run_logged(
            git(repo)
                .args(["worktree", "add", "--detach"])
                .arg(&tree)
                .arg(base_id),
            &log,
            "git worktree add",
        )?;
        if !ok {
            return Err(Error::Series {
                what: "git worktree add failed".into(),
                hint: format!("see {}", log.display()),
            });
        }
    }
    Ok(tree)
}

/// Applies the series (or its first `upto` patches) onto the base.
pub fn apply(ctx: &Ctx, upto: Option<usize>, discard: bool) -> Result<Applied> {
    let entries = read_series(ctx)?;
    let (repo, base_id) = base::ensure(ctx)?;
    let n = upto.unwrap_or(entries.len()).min(entries.len());
    step(&format!(
        "series: applying {n} of {} patch(es) onto {}",
        entries.len(),
        &base_id[..12]
    ));
    let tree = reset_work_tree(ctx, &repo, &base_id, discard)?;
    // Recorded at the base and after every patch, so that a run stopped
    // half-way leaves nothing that looks like an unexported edit.
    let record = || {
        output(git(&tree).args(["update-ref", APPLIED_REF, "HEAD"])).map_err(|e| Error::Series {
            what: e,
            hint: "check the work tree".into(),
        })
    };
    record()?;
    let mut commits = Vec::new();
    for (i, e) in entries.iter().take(n).enumerate() {
        let patch = ctx.patches_dir().join(&e.name);
        let out = git_am_cmd(&tree)
            .args(["am", "-q", "--no-3way", "--committer-date-is-author-date"])
            .arg(&patch)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| Error::io("run git am", e))?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if !out.status.success() {
            let log = ctx.out_dir().join("logs/git-am.log");
            util::write(&log, text.as_bytes())?;
            let _ = output(git(&tree).args(["am", "--abort"]));
            // Leave the tree at the last good patch, recorded, so nothing is
            // mistaken for an unexported edit.
            let _ = output(git(&tree).args(["update-ref", APPLIED_REF, "HEAD"]));
            return Err(Error::PatchDoesNotApply {
                patch: format!("{} ({} of {})", e.name, i + 1, entries.len()),
                files: conflict_files(&text),
                log,
            });
        }
        record()?;
        let id = rev_parse(&tree, "HEAD").unwrap_or_default();
        commits.push((e.name.clone(), id));
    }
    info(&format!("work tree: {}", tree.display()));
    Ok(Applied {
        tree,
        base: base_id,
        commits,
    })
}

/// The clean checkout of the base commit ([`Ctx::base_tree`]) that `wb size`
/// builds the base kernel from: a detached git worktree of the base
/// repository, kept between runs so that its build stays incremental. It is
/// made again when it is missing, not a worktree or at another commit; a
/// change in it (nobody's: no command of wb edits it) is thrown away. The
/// work tree is not touched. Returns (tree, base commit).
pub fn base_tree(ctx: &Ctx) -> Result<(PathBuf, String)> {
    let (repo, base_id) = base::ensure(ctx)?;
    let tree = ctx.base_tree();
    let fail = |what: String| Error::Series {
        what,
        hint: format!("remove {} and run again", tree.display()),
    };
    if tree.join(".git").exists() && rev_parse(&tree, "HEAD").as_deref() == Some(base_id.as_str()) {
        let status = output(git(&tree).args(["status", "--porcelain"])).map_err(&fail)?;
        if !status.trim().is_empty() {
            info(&format!(
                "{}: discarding {} change(s) in the base tree",
                tree.display(),
                status.lines().count()
            ));
            output(git(&tree).args(["checkout", "-q", "-f", "--detach", &base_id]))
                .map_err(&fail)?;
            output(git(&tree).args(["clean", "-q", "-f", "-d"])).map_err(&fail)?;
        }
        return Ok((tree, base_id));
    }
    step(&format!(
        "base tree: checking out {} in {}",
        &base_id[..12.min(base_id.len())],
        tree.display()
    ));
    util::remove_dir_all_if_exists(&tree)?;
    let _ = output(git(&repo).args(["worktree", "prune"]));
    util::mkdir(tree.parent().unwrap_or(Path::new("/")))?;
    let log = ctx.cache.join("logs/base-tree.log");
    let ok = util::run_logged(
        git(&repo)
            .args(["worktree", "add", "--detach"])
            .arg(&tree)
            .arg(&base_id),
        &log,
        "git worktree add",
    )?;
    if !ok || rev_parse(&tree, "HEAD").as_deref() != Some(base_id.as_str()) {
        return Err(fail(format!(
            "git worktree add of the base commit failed (see {})",
            log.display()
        )));
    }
    Ok((tree, base_id))
}

/// Files the series adds, relative paths.
fn added_files(tree: &Path, base: &str) -> Result<Vec<String>> {
    let out = output(
        git(tree)
            .args(["diff", "--name-only", "--no-renames", "--diff-filter=A"])
            .arg(base)
            .arg("HEAD"),
    )
    .map_err(|e| Error::Series {
        what: e,
        hint: "check the work tree".into(),
    })?;
    Ok(out.lines().map(str::to_string).collect())
}

fn is_project_path(p: &str) -> bool {
    ctx::PROJECT_PATHS
        .iter()
        .any(|pp| p == *pp || p.starts_with(&format!("{pp}/")))
        || p.ends_with("/.gitkeep")
        || p == ".gitkeep"
}

/// Kernel-path files present in the repository (tracked or untracked, not ignored).
fn mirror_files(ctx: &Ctx) -> Result<Vec<String>> {
    let out = output(git(&ctx.repo).args([
        "ls-files",
        "--cached",
        "--others",
        "--exclude-standard",
        "--deduplicate",
    ]))
    .map_err(|e| Error::Series {
        what: e,
        hint: "run inside the project's git checkout".into(),
    })?;
    Ok(out
        .lines()
        .filter(|p| !is_project_path(p))
        .filter(|p| ctx.repo.join(p).is_file())
        .map(str::to_string)
        .collect())
}

/// Compares the mirror files with the applied series. Returns the drift.
pub fn drift(ctx: &Ctx, applied: &Applied) -> Result<Vec<String>> {
    let added = added_files(&applied.tree, &applied.base)?;
    let mirror: BTreeSet<String> = mirror_files(ctx)?.into_iter().collect();
    let mut items = Vec::new();
    for f in &added {
        let theirs =
            fs::read(applied.tree.join(f)).map_err(|e| Error::io(format!("read {f}"), e))?;
        match fs::read(ctx.repo.join(f)) {
            Ok(ours) if ours == theirs => {}
            Ok(_) => items.push(format!("{f}: differs from the applied series")),
            Err(_) => items.push(format!(
                "{f}: added by the series but missing in the repository"
            )),
        }
    }
    let added: BTreeSet<&String> = added.iter().collect();
    for f in &mirror {
        if !added.contains(f) {
            items.push(format!(
                "{f}: in the repository but not added by the series"
            ));
        }
    }
    Ok(items)
}

/// `wb series export`: write the work tree's commits back into patches/ and
/// the mirror files.
pub fn export(ctx: &Ctx) -> Result<()> {
    let tree = ctx.work_tree();
    if rev_parse(&tree, "HEAD").is_none() {
        return Err(Error::Series {
            what: format!("no work tree at {}", tree.display()),
            hint: "run `scripts/wb series apply` first".into(),
        });
    }
    let status = output(git(&tree).args(["status", "--porcelain"])).unwrap_or_default();
    if !status.trim().is_empty() {
        return Err(Error::Series {
            what: format!("the work tree {} has uncommitted changes", tree.display()),
            hint:
                "commit them (git commit --amend or git commit --fixup + rebase) and export again"
                    .into(),
        });
    }
    let (_, base_id) = base::ensure(ctx)?;
    let count = output(
        git(&tree)
            .args(["rev-list", "--count"])
            .arg(format!("{base_id}..HEAD")),
    )
    .map_err(|e| Error::Series {
        what: format!("the work tree does not descend from the base: {e}"),
        hint: "rebase the work tree onto the base".into(),
    })?;
    step(&format!("series: exporting {} commit(s)", count.trim()));
    // Authors other than the project identity are normalised: checked-in
    // patches never carry a person's name.
    let authors = output(
        git(&tree)
            .args(["log", "--format=%an <%ae>"])
            .arg(format!("{base_id}..HEAD")),
    )
    .unwrap_or_default();
    let neutral = format!(
        "{} <{}>",
        crate::ident::PROJECT_NAME,
        crate::ident::PROJECT_EMAIL
    );
    for a in authors.lines().collect::<BTreeSet<_>>() {
        if a != neutral {
            info(&format!(
                "note: author `{a}` becomes `{neutral}` in patches/"
            ));
        }
    }
    let tmp = ctx.cache.join("export.tmp");
    util::remove_dir_all_if_exists(&tmp)?;
    output(
        git(&tree)
            .args([
                "format-patch",
                "-q",
                "--zero-commit",
                "--no-signature",
                "-N",
                "-o",
            ])
            .arg(&tmp)
            .arg(format!("{base_id}..HEAD")),
    )
    .map_err(|e| Error::Series {
        what: e,
        hint: "check the work tree".into(),
    })?;
    let mut names: Vec<String> = util::list_files(&tmp)
        .into_iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    names.sort();
    // The stack's markers, carried over to the new names before anything
    // is removed, so a marker that cannot be placed loses nothing.
    let old_text = util::read(&ctx.patches_dir().join("series")).unwrap_or_default();
    let markers = series::carry_markers(&series::parts(&old_text)?, &names)?;
    // Remove the old patch files, then write the new ones.
    let old = read_series(ctx).unwrap_or_default();
    for e in old {
        let _ = fs::remove_file(ctx.patches_dir().join(&e.name));
    }
    for n in &names {
        let text = util::read(&tmp.join(n))?;
        let text = neutral_from(&text, &neutral);
        util::write(&ctx.patches_dir().join(n), text.as_bytes())?;
    }
    util::write(
        &ctx.patches_dir().join("series"),
        series::render_stack(&names, &markers).as_bytes(),
    )?;
    util::remove_dir_all_if_exists(&tmp)?;
    // Mirror files.
    let added = added_files(&tree, &base_id)?;
    let added_set: BTreeSet<&String> = added.iter().collect();
    for f in mirror_files(ctx)? {
        if !added_set.contains(&f) {
            info(&format!("removing {f} (no longer added by the series)"));
            let _ = fs::remove_file(ctx.repo.join(&f));
        }
    }
    for f in &added {
        let data = fs::read(tree.join(f)).map_err(|e| Error::io(format!("read {f}"), e))?;
        util::write(&ctx.repo.join(f), &data)?;
    }
    output(git(&tree).args(["update-ref", APPLIED_REF, "HEAD"])).map_err(|e| Error::Series {
        what: e,
        hint: "check the work tree".into(),
    })?;
    info(&format!(
        "wrote {} patch(es) and {} in-tree file(s); review with `git status` and commit",
        names.len(),
        added.len()
    ));
    Ok(())
}

/// Replaces the From: header of a format-patch file with the project identity,
/// continuation lines included (format-patch folds a long `From:` header).
pub fn neutral_from(patch: &str, ident: &str) -> String {
    let mut out = String::with_capacity(patch.len());
    let mut in_header = true;
    let mut in_from = false;
    for l in patch.split_inclusive('\n') {
        if in_header && in_from && (l.starts_with(' ') || l.starts_with('\t')) {
            continue;
        }
        in_from = false;
        if in_header && l.starts_with("From: ") {
            out.push_str(&format!("From: {ident}\n"));
            in_from = true;
            continue;
        }
        if l == "\n" {
            in_header = false;
        }
        out.push_str(l);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_files_from_git_am() {
        let out = "Applying: fs: add pidfs_rs\n\
                   error: patch failed: fs/Makefile:18\n\
                   error: fs/Makefile: patch does not apply\n\
                   error: fs/pidfs_rs.rs: already exists in index\n\
                   error: include/linux/pidfs.h: does not exist in index\n\
                   Patch failed at 0001 fs: add pidfs_rs\n";
        assert_eq!(
            conflict_files(out),
            ["fs/Makefile", "fs/pidfs_rs.rs", "include/linux/pidfs.h"]
        );
    }

    #[test]
    fn project_paths() {
        assert!(is_project_path("scripts/pidfs-wb/src/main.rs"));
        assert!(is_project_path("README.md"));
        assert!(is_project_path("fs/.gitkeep"));
        assert!(!is_project_path("fs/pidfs_rs.rs"));
        assert!(!is_project_path("scriptsx/a"));
    }

    #[test]
    fn from_is_replaced_in_header_only() {
        let p = "From 000 Mon Sep 17 00:00:00 2001\nFrom: A Person <a@example.org>\nSubject: x\n\nFrom: body line\n";
        let out = neutral_from(p, "N <n@invalid>");
        assert_eq!(out, "From 000 Mon Sep 17 00:00:00 2001\nFrom: N <n@invalid>\nSubject: x\n\nFrom: body line\n");
        // format-patch folds a long From: header; the continuation goes too.
        let p = "From 000 Mon Sep 17 00:00:00 2001\nFrom: A Very Long Name Indeed\n <a@example.org>\nDate: d\nSubject: x\n\n y\n";
        let out = neutral_from(p, "N <n@invalid>");
        assert_eq!(
            out,
            "From 000 Mon Sep 17 00:00:00 2001\nFrom: N <n@invalid>\nDate: d\nSubject: x\n\n y\n"
        );
    }
}
