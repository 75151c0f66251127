// SPDX-License-Identifier: GPL-2.0
//! Content-keyed source times, so that incremental builds rebuild what changed
//! and nothing else.
//!
//! `wb` resets its work tree to the base and applies the series again for every
//! command and, in `wb ci`, for every patch. git rewrites each file of the series
//! on the way and gives it a new mtime even when its content is exactly what a
//! build directory was last built from, and make then rebuilds everything behind
//! it: the `kernel` crate, every C file that includes `fs/internal.h`. That is
//! minutes per build for nothing (a documentation patch rebuilt the whole Rust
//! side in both configurations).
//!
//! Each build directory keeps [`RECORD`]: for every file the series touches, and
//! every file it touched at earlier builds there, the content hash and the mtime
//! the file had when make last ran in that directory. Before make runs again
//! ([`sync`]), a file whose content equals the record gets that mtime back, so
//! make finds the tree as it left it; a file whose content differs (or that the
//! record does not know) gets the current time and everything behind it is
//! rebuilt. (Not just git's mtime: the work tree is shared by several build
//! directories, and the [`sync`] of another one may have given the file back
//! an older time, older than this directory's outputs.) The record is rewritten before make starts, so an interrupted build
//! leaves a record that is still true. When the record cannot be made (no base
//! commit, git fails), it is removed and make goes by mtimes alone, which
//! rebuilds more but never less.

use crate::base::git;
use crate::error::{Error, Result};
use crate::util;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, UNIX_EPOCH};

/// The record in a build directory.
pub const RECORD: &str = ".wb-sources";

/// Content hash (git blob id) and mtime (ns since the epoch) of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub hash: String,
    pub mtime_ns: u128,
}

pub type Record = BTreeMap<String, Stamp>;

/// Parses a record: `<hash> <mtime_ns> <path>` per line. A malformed record
/// is `None` (and treated as no record).
pub fn parse(text: &str) -> Option<Record> {
    let mut r = Record::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let mut it = line.splitn(3, ' ');
        let hash = it.next()?;
        let mtime_ns = it.next()?.parse().ok()?;
        let path = it.next()?;
        if hash.len() < 40 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) || path.is_empty() {
            return None;
        }
        r.insert(
            path.to_string(),
            Stamp {
                hash: hash.to_string(),
                mtime_ns,
            },
        );
    }
    Some(r)
}

pub fn render(r: &Record) -> String {
    r.iter()
        .map(|(p, s)| format!("{} {} {p}\n", s.hash, s.mtime_ns))
        .collect()
}

/// The files to give their recorded mtime back: same content as recorded, and
/// a different mtime now. `now` maps each file that exists to its hash.
pub fn restorable(prev: &Record, now: &BTreeMap<String, String>) -> Vec<(String, u128)> {
    now.iter()
        .filter_map(|(p, h)| match prev.get(p) {
            Some(s) if &s.hash == h => Some((p.clone(), s.mtime_ns)),
            _ => None,
        })
        .collect()
}

fn mtime_ns(p: &Path) -> Option<u128> {
    let m = std::fs::metadata(p).ok()?.modified().ok()?;
    Some(m.duration_since(UNIX_EPOCH).ok()?.as_nanos())
}

fn set_mtime_ns(p: &Path, ns: u128) -> std::io::Result<()> {
    let secs = u64::try_from(ns / 1_000_000_000).unwrap_or(u64::MAX);
    let t = UNIX_EPOCH + Duration::new(secs, (ns % 1_000_000_000) as u32);
    std::fs::File::options()
        .append(true)
        .open(p)?
        .set_modified(t)
}

fn git_z(tree: &Path, args: &[&str]) -> std::result::Result<Vec<String>, String> {
    let out = util::output(git(tree).args(args))?;
    Ok(out
        .split('\0')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect())
}

/// git blob ids of `paths` (relative to `tree`), in order.
fn hashes(tree: &Path, paths: &[String]) -> std::result::Result<Vec<String>, String> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = git(tree)
        .args(["hash-object", "--stdin-paths"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("git hash-object: {e}"))?;
    let input: String = paths.iter().map(|p| format!("{p}\n")).collect();
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .map_err(|e| format!("git hash-object: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("git hash-object: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git hash-object: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    if ids.len() != paths.len() {
        return Err(format!(
            "git hash-object gave {} ids for {} files",
            ids.len(),
            paths.len()
        ));
    }
    Ok(ids)
}

/// What [`sync`] did.
pub struct Synced {
    /// Files whose recorded mtime was given back.
    pub restored: usize,
    /// Files that are rebuilt: new content, or not recorded before.
    pub changed: usize,
}

/// Gives unchanged series files of `tree` the mtime they had when make last
/// ran in `build_dir`, and records the state make is about to see.
///
/// The files taken into account are those that differ from the base now, those
/// of the last record, and `also`: `wb` passes every file the whole series
/// touches. A file that only a later patch changes is at base content here, but
/// git rewrote it when the work tree last held the whole series (every `wb ci`
/// applies it before walking the patches); without it in the record its new
/// mtime would rebuild everything behind it in every patch's build directory.
pub fn sync(
    tree: &Path,
    base_ref: &str,
    build_dir: &Path,
    also: &BTreeSet<String>,
) -> Result<Synced> {
    let rec_path = build_dir.join(RECORD);
    match sync_inner(tree, base_ref, build_dir, also) {
        Ok(s) => Ok(s),
        Err(what) => {
            // Without a true record, make must go by mtimes alone.
            let _ = std::fs::remove_file(&rec_path);
            Err(Error::Series {
                what: format!("source times for {}: {what}", build_dir.display()),
                hint: "nothing needed: the build goes on by mtimes alone and rebuilds more than needed; \
                       check that the work tree is a git worktree of the base".into(),
            })
        }
    }
}

fn sync_inner(
    tree: &Path,
    base_ref: &str,
    build_dir: &Path,
    also: &BTreeSet<String>,
) -> std::result::Result<Synced, String> {
    let rec_path = build_dir.join(RECORD);
    let prev = std::fs::read_to_string(&rec_path)
        .ok()
        .and_then(|t| parse(&t))
        .unwrap_or_default();
    let (_, mut paths) = series_paths(tree, base_ref)?;
    paths.extend(prev.keys().cloned());
    paths.extend(also.iter().cloned());
    let present: Vec<String> = paths
        .into_iter()
        .filter(|p| tree.join(p).is_file())
        .collect();
    let ids = hashes(tree, &present)?;
    let now: BTreeMap<String, String> = present.into_iter().zip(ids).collect();
    let restore = restorable(&prev, &now);
    for (p, ns) in &restore {
        set_mtime_ns(&tree.join(p), *ns).map_err(|e| format!("set the mtime of {p}: {e}"))?;
    }
    let now_ns = std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| format!("the clock is before 1970: {e}"))?
        .as_nanos();
    let restored: BTreeSet<&String> = restore.iter().map(|(p, _)| p).collect();
    for p in now.keys().filter(|p| !restored.contains(p)) {
        set_mtime_ns(&tree.join(p), now_ns).map_err(|e| format!("set the mtime of {p}: {e}"))?;
    }
    let mut next = Record::new();
    for (p, h) in &now {
        let ns = mtime_ns(&tree.join(p)).ok_or_else(|| format!("no mtime for {p}"))?;
        next.insert(
            p.clone(),
            Stamp {
                hash: h.clone(),
                mtime_ns: ns,
            },
        );
    }
    std::fs::write(&rec_path, render(&next))
        .map_err(|e| format!("write {}: {e}", rec_path.display()))?;
    Ok(Synced {
        restored: restore.len(),
        changed: now.len() - restore.len(),
    })
}

/// The base commit, and the files of `tree` that differ from it or that git
/// does not track (and does not ignore).
fn series_paths(
    tree: &Path,
    base_ref: &str,
) -> std::result::Result<(String, BTreeSet<String>), String> {
    let base = util::output(git(tree).args([
        "rev-parse",
        "--verify",
        "-q",
        &format!("{base_ref}^{{commit}}"),
    ]))?;
    let base = base.trim().to_string();
    let mut paths: BTreeSet<String> = BTreeSet::new();
    paths.extend(git_z(
        tree,
        &["diff", "--name-only", "--no-renames", "-z", &base],
    )?);
    paths.extend(git_z(
        tree,
        &["ls-files", "--others", "--exclude-standard", "-z"],
    )?);
    Ok((base, paths))
}

/// The identity of the tree's sources relative to the base: the base commit,
/// then `<blob id> <path>` of every file that differs from it or that git does
/// not track, sorted. Two trees with the same identity compile alike (with the
/// same configuration and toolchain).
pub fn content_identity(tree: &Path, base_ref: &str) -> std::result::Result<String, String> {
    let (base, paths) = series_paths(tree, base_ref)?;
    // A file the series deletes is named without a blob id.
    let (present, gone): (Vec<String>, Vec<String>) =
        paths.into_iter().partition(|p| tree.join(p).is_file());
    let ids = hashes(tree, &present)?;
    let mut out = format!("base {base}\n");
    for (p, h) in present.iter().zip(ids) {
        out.push_str(&format!("{h} {p}\n"));
    }
    for p in gone {
        out.push_str(&format!("deleted {p}\n"));
    }
    Ok(out)
}

/// Drops `files` from the record of `build_dir`, so that the next build there
/// compiles them again even if their content is what was built last (`wb ci`
/// wants the compiler's warnings about a patch's files in that patch's log).
pub fn forget(build_dir: &Path, files: &BTreeSet<String>) -> Result<()> {
    let rec_path = build_dir.join(RECORD);
    let Some(mut r) = std::fs::read_to_string(&rec_path)
        .ok()
        .and_then(|t| parse(&t))
    else {
        return Ok(());
    };
    r.retain(|p, _| !files.contains(p));
    util::write(&rec_path, render(&r).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const H1: &str = "1111111111111111111111111111111111111111";
    const H2: &str = "2222222222222222222222222222222222222222";

    #[test]
    fn record_round_trip() {
        let text = format!("{H1} 1700000000123456789 fs/pidfs_rs.rs\n{H2} 5 rust/kernel/a b.rs\n");
        let r = parse(&text).unwrap_or_default();
        assert_eq!(r.len(), 2);
        assert_eq!(r["rust/kernel/a b.rs"].mtime_ns, 5);
        assert_eq!(render(&r), text);
    }

    #[test]
    fn malformed_record_is_no_record() {
        assert!(parse("nonsense\n").is_none());
        assert!(parse(&format!("{H1} notanumber fs/x.c\n")).is_none());
        assert!(parse(&format!("{H1} 5\n")).is_none());
        assert!(parse("zz 5 fs/x.c\n").is_none());
        assert_eq!(parse(""), Some(Record::new()));
    }

    #[test]
    fn only_unchanged_content_gets_its_time_back() {
        let mut prev = Record::new();
        prev.insert(
            "same.rs".into(),
            Stamp {
                hash: H1.into(),
                mtime_ns: 10,
            },
        );
        prev.insert(
            "edited.rs".into(),
            Stamp {
                hash: H1.into(),
                mtime_ns: 20,
            },
        );
        prev.insert(
            "gone.rs".into(),
            Stamp {
                hash: H1.into(),
                mtime_ns: 30,
            },
        );
        let mut now = BTreeMap::new();
        now.insert("same.rs".to_string(), H1.to_string());
        now.insert("edited.rs".to_string(), H2.to_string());
        now.insert("new.rs".to_string(), H1.to_string());
        assert_eq!(restorable(&prev, &now), vec![("same.rs".to_string(), 10)]);
    }

    /// A scratch git repository (`<root>/tree`) whose commit tagged `base`
    /// holds `file` ("base"), and an empty build directory (`<root>/build`).
    fn scratch_repo(
        name: &str,
        file: &str,
    ) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
        let root = std::env::temp_dir().join(format!("wb-stamps-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let tree = root.join("tree");
        let build = root.join("build");
        std::fs::create_dir_all(&tree).unwrap_or_default();
        std::fs::create_dir_all(&build).unwrap_or_default();
        let g = |args: &[&str]| {
            let ok = crate::ident::neutral()
                .git(&tree)
                .args(args)
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false);
            assert!(ok, "git {args:?}");
        };
        g(&["init", "-q"]);
        std::fs::write(tree.join(file), "base\n").unwrap_or_default();
        g(&["add", "."]);
        g(&["commit", "-q", "-m", "base"]);
        g(&["tag", "base"]);
        (root, tree, build)
    }

    /// The whole cycle on a scratch git repository: a rewrite with the same
    /// content gets the old mtime back, an edit keeps its new one.
    #[test]
    fn sync_on_a_git_tree() {
        let (root, tree, build) = scratch_repo("sync", "base.c");
        let none = BTreeSet::new();
        std::fs::write(tree.join("a.rs"), "one\n").unwrap_or_default();
        std::fs::write(tree.join("b.rs"), "one\n").unwrap_or_default();
        let old = 1_000_000_000_000_000_000u128;
        set_mtime_ns(&tree.join("a.rs"), old).unwrap_or_default();
        set_mtime_ns(&tree.join("b.rs"), old).unwrap_or_default();
        let s = sync(&tree, "base", &build, &none).map_err(|e| e.to_string());
        assert_eq!(s.as_ref().map(|s| (s.restored, s.changed)), Ok((0, 2)));
        // Files the record does not know get the current time.
        let t1 = mtime_ns(&tree.join("a.rs")).unwrap_or(0);
        assert!(t1 > old);
        // git rewrites both; only b.rs changes content.
        std::fs::write(tree.join("a.rs"), "one\n").unwrap_or_default();
        std::fs::write(tree.join("b.rs"), "two\n").unwrap_or_default();
        set_mtime_ns(&tree.join("a.rs"), t1 + 1_000_000_000).unwrap_or_default();
        let s = sync(&tree, "base", &build, &none).map_err(|e| e.to_string());
        assert_eq!(s.as_ref().map(|s| (s.restored, s.changed)), Ok((1, 1)));
        assert_eq!(mtime_ns(&tree.join("a.rs")), Some(t1));
        assert!(mtime_ns(&tree.join("b.rs")).unwrap_or(0) > t1);
        // Forgetting a file makes it count as changed next time.
        let mut f = BTreeSet::new();
        f.insert("a.rs".to_string());
        assert!(forget(&build, &f).is_ok());
        let s = sync(&tree, "base", &build, &none).map_err(|e| e.to_string());
        assert_eq!(s.as_ref().map(|s| (s.restored, s.changed)), Ok((1, 1)));
        // A second build directory on the same tree, whose record has other
        // content of b.rs at an old time: its sync gives b.rs that old time
        // back. The first directory, last built with b.rs "two", must then
        // see b.rs as newer than anything it built.
        let other = root.join("other");
        std::fs::create_dir_all(&other).unwrap_or_default();
        std::fs::write(tree.join("b.rs"), "three\n").unwrap_or_default();
        let three = hashes(&tree, &["b.rs".to_string()]).unwrap_or_default();
        let mut rec = Record::new();
        rec.insert(
            "b.rs".to_string(),
            Stamp {
                hash: three.first().cloned().unwrap_or_default(),
                mtime_ns: old,
            },
        );
        std::fs::write(other.join(RECORD), render(&rec)).unwrap_or_default();
        assert!(sync(&tree, "base", &other, &none).is_ok());
        assert_eq!(mtime_ns(&tree.join("b.rs")), Some(old));
        let before = std::time::SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(u128::MAX);
        let s = sync(&tree, "base", &build, &none).map_err(|e| e.to_string());
        assert_eq!(s.as_ref().map(|s| s.changed), Ok(1));
        assert!(
            mtime_ns(&tree.join("b.rs")).unwrap_or(0) >= before,
            "b.rs must be newer than the last build of `build`"
        );
        // An unknown base removes the record instead of keeping a stale one.
        assert!(sync(&tree, "no-such-ref", &build, &none).is_err());
        assert!(!build.join(RECORD).exists());
        let _ = std::fs::remove_dir_all(&root);
    }
    /// A file at base content that a later patch changes: git rewrote it (the
    /// work tree held the whole series before), so its mtime is new. Passed in
    /// `also`, it is recorded with the slot and gets its time back next time;
    /// not passed, it would count as changed at every sync.
    #[test]
    fn later_patch_files_keep_their_time() {
        let (root, tree, build) = scratch_repo("later", "internal.h");
        let mut later = BTreeSet::new();
        later.insert("internal.h".to_string());
        let s = sync(&tree, "base", &build, &later).map_err(|e| e.to_string());
        assert_eq!(s.as_ref().map(|s| (s.restored, s.changed)), Ok((0, 1)));
        let built = mtime_ns(&tree.join("internal.h")).unwrap_or(0);
        // The whole series is applied and taken back off: same content, new time.
        std::fs::write(tree.join("internal.h"), "base\n").unwrap_or_default();
        set_mtime_ns(&tree.join("internal.h"), built + 5_000_000_000).unwrap_or_default();
        let s = sync(&tree, "base", &build, &later).map_err(|e| e.to_string());
        assert_eq!(s.as_ref().map(|s| (s.restored, s.changed)), Ok((1, 0)));
        assert_eq!(mtime_ns(&tree.join("internal.h")), Some(built));
        // A file that is neither changed, recorded nor passed is left alone.
        let other = root.join("other");
        std::fs::create_dir_all(&other).unwrap_or_default();
        set_mtime_ns(&tree.join("internal.h"), built + 9_000_000_000).unwrap_or_default();
        let s = sync(&tree, "base", &other, &BTreeSet::new()).map_err(|e| e.to_string());
        assert_eq!(s.as_ref().map(|s| (s.restored, s.changed)), Ok((0, 0)));
        assert_eq!(
            mtime_ns(&tree.join("internal.h")),
            Some(built + 9_000_000_000)
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
