// SPDX-License-Identifier: GPL-2.0
//! A build directory per patch for `wb ci`, and the clippy diagnostics of
//! sources that were built before.
//!
//! `wb ci` walks the series: patch 1, 1..2, …, 1..n, each built in the same
//! configurations. With one build directory per configuration every run
//! rebuilds, at every patch, what changed between patch k-1 and patch k,
//! even when nothing in the series changed since the last run: the `kernel`
//! crate, the bindings, the doctests, vmlinux, 33 times. So each patch keeps
//! its own directory between runs ([`take`]): before patch k builds, the
//! configuration's directory (the one every other command uses) is parked
//! as the slot of the patch it holds and the slot of patch k takes its place;
//! a patch without a slot starts from a copy of the previous patch's
//! directory. Make and the source-time records ([`crate::stamps`]) still
//! decide what is rebuilt, so a slot is only ever a faster starting point,
//! never a wrong one; after the run the configuration's directory holds the
//! last patch, as before.
//!
//! A build that compiles nothing prints no clippy diagnostics, so `wb ci` used
//! to recompile the Rust files of every patch to see them. Clippy's output is
//! a function of the sources, the configuration and the toolchain: the build
//! log of a build that compiled the patch's Rust files is kept under that
//! identity ([`clippy_key`]), and a later build of the same identity reads it
//! instead of compiling them again ([`saved_clippy`], [`save_clippy`]).

use crate::error::{Error, Result};
use crate::util;
use std::path::{Path, PathBuf};

/// The file in a build directory that names the patch it was last built for.
pub const MARK: &str = ".wb-slot";

/// `<flavour>/<kind>/<config>/` for `active`, a configuration's build
/// directory `<flavour>/<config>`.
fn beside(active: &Path, kind: &str) -> PathBuf {
    let parent = active.parent().unwrap_or(Path::new("/"));
    let name = active
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parent.join(kind).join(name)
}

/// Where the slots of `active` live: `<flavour>/ci-slots/<config>/`.
pub fn slot_root(active: &Path) -> PathBuf {
    beside(active, "ci-slots")
}

/// Where the clippy and W=1 logs of `active` live: `<flavour>/ci-clippy/<config>/`.
fn clippy_root(active: &Path) -> PathBuf {
    beside(active, "ci-clippy")
}

/// How the directory for patch k was found.
#[derive(Debug, PartialEq, Eq)]
pub enum Taken {
    /// It already held patch k.
    Kept,
    /// Patch k's slot from an earlier run.
    Slot,
    /// A copy of the directory of patch j (no slot for k yet).
    CopyOf(usize),
    /// The directory had no mark (built outside `wb ci`): it starts patch k.
    Unmarked,
    /// Nothing to start from: the build begins from nothing.
    Fresh,
}

impl Taken {
    pub fn describe(&self, k: usize) -> String {
        match self {
            Taken::Kept => format!("the build directory already holds patch {k}"),
            Taken::Slot => format!("patch {k}'s build directory from the last run"),
            Taken::CopyOf(j) => {
                format!("no build directory of patch {k} yet: starting from a copy of patch {j}'s")
            }
            Taken::Unmarked => format!(
                "the build directory was last built outside `wb ci`: it becomes patch {k}'s"
            ),
            Taken::Fresh => format!("no build directory yet: patch {k} builds from nothing"),
        }
    }
}

fn read_mark(dir: &Path) -> Option<usize> {
    std::fs::read_to_string(dir.join(MARK))
        .ok()
        .and_then(|t| t.trim().parse().ok())
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to)
        .map_err(|e| Error::io(format!("rename {} to {}", from.display(), to.display()), e))
}

/// Makes `active` the build directory of patch `k`, keeping the one it held
/// as that patch's slot. Renames are atomic and a copy is made under a
/// temporary name, so an interrupted run never leaves half a directory.
pub fn take(active: &Path, k: usize) -> Result<Taken> {
    let root = slot_root(active);
    util::mkdir(&root)?;
    let slot = |j: usize| root.join(j.to_string());
    let held = if active.is_dir() {
        read_mark(active)
    } else {
        None
    };
    if held == Some(k) {
        return Ok(Taken::Kept);
    }
    let mut parked = None;
    if active.is_dir() {
        match held {
            Some(j) => {
                util::remove_dir_all_if_exists(&slot(j))?;
                rename(active, &slot(j))?;
                parked = Some(j);
            }
            None if slot(k).is_dir() => util::remove_dir_all_if_exists(active)?,
            None => {
                util::write(&active.join(MARK), format!("{k}\n").as_bytes())?;
                return Ok(Taken::Unmarked);
            }
        }
    }
    let how = if slot(k).is_dir() {
        rename(&slot(k), active)?;
        Taken::Slot
    } else if let Some(j) = parked {
        let tmp = root.join(format!(".{k}.copying"));
        util::remove_dir_all_if_exists(&tmp)?;
        let out = std::process::Command::new("cp")
            .arg("-a")
            .arg("--reflink=auto")
            .arg(slot(j))
            .arg(&tmp)
            .output()
            .map_err(|e| Error::io("run cp -a", e))?;
        if !out.status.success() {
            let _ = util::remove_dir_all_if_exists(&tmp);
            return Err(Error::Series {
                what: format!(
                    "copying the build directory of patch {j} for patch {k} failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
                hint: format!(
                    "check the free space of the cache; `rm -rf {}` gives back the space of the slots",
                    root.display()
                ),
            });
        }
        rename(&tmp, active)?;
        Taken::CopyOf(j)
    } else {
        util::mkdir(active)?;
        Taken::Fresh
    };
    util::write(&active.join(MARK), format!("{k}\n").as_bytes())?;
    Ok(how)
}

/// The identity of one build's clippy output: configuration, fragments (by
/// content), toolchain and sources (see [`crate::stamps::content_identity`]).
pub fn clippy_key(
    config: &str,
    fragments: &[(String, String)],
    toolchain: &str,
    sources: &str,
) -> Result<String> {
    let mut text = format!("config {config}\ntoolchain {toolchain}\n");
    for (name, content) in fragments {
        text.push_str(&format!("fragment {name}\n{content}\n"));
    }
    text.push_str(sources);
    util::sha256_bytes(text.as_bytes())
}

/// The build log kept for `key` in `active`'s configuration, if any.
pub fn saved_clippy(active: &Path, key: &str) -> Option<(PathBuf, String)> {
    let p = clippy_root(active).join(format!("{key}.log"));
    let text = std::fs::read_to_string(&p).ok()?;
    Some((p, text))
}

/// Where the log of a successful W=1 compile of the identity `key` is kept.
pub fn w1_record(active: &Path, key: &str) -> PathBuf {
    clippy_root(active).join(format!("{key}.w1"))
}

/// Where the log of a successful `make rustdoc` of the identity `key` is kept.
pub fn rustdoc_record(active: &Path, key: &str) -> PathBuf {
    clippy_root(active).join(format!("{key}.rustdoc"))
}

/// How many clippy, W=1 and rustdoc logs a configuration keeps (the oldest go first).
const KEEP_LOGS: usize = 400;

/// Keeps the build log `log` under `key` (see [`keep_log`]).
pub fn save_clippy(active: &Path, key: &str, log: &Path) -> Result<()> {
    keep_log(&clippy_root(active).join(format!("{key}.log")), log)
}

/// Keeps a copy of `log` at `record`, one of the clippy, W=1 or rustdoc
/// records of a configuration (written under a temporary name and renamed, so
/// that an interrupted copy is never taken for a record), and drops the oldest
/// records of that directory beyond [`KEEP_LOGS`].
pub fn keep_log(record: &Path, log: &Path) -> Result<()> {
    let (Some(root), Some(name)) = (record.parent(), record.file_name()) else {
        return Err(Error::io(
            format!("keep a log at {}", record.display()),
            std::io::Error::other("not a file path"),
        ));
    };
    util::mkdir(root)?;
    let tmp = root.join(format!(".{}.tmp", name.to_string_lossy()));
    std::fs::copy(log, &tmp).map_err(|e| Error::io("copy the build log", e))?;
    rename(&tmp, record)?;
    let mut logs: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(root)
        .map_err(|e| Error::io("list the clippy logs", e))?
        .filter_map(|e| e.ok())
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.ends_with(".log") || n.ends_with(".w1") || n.ends_with(".rustdoc")
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if logs.len() > KEEP_LOGS {
        logs.sort();
        for (_, p) in &logs[..logs.len() - KEEP_LOGS] {
            let _ = std::fs::remove_file(p);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("wb-slots-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("flavour")).unwrap_or_default();
        d.join("flavour").join("fs-pid-n")
    }

    fn content(dir: &Path) -> String {
        std::fs::read_to_string(dir.join("obj")).unwrap_or_default()
    }

    /// A walk over patches 1..3 twice: the first run copies forward, the
    /// second finds every patch's own directory, and the configuration's
    /// directory ends with the last patch each time.
    #[test]
    fn each_patch_gets_back_its_own_directory() {
        let active = scratch("walk");
        assert_eq!(take(&active, 1).ok(), Some(Taken::Fresh));
        util::write(&active.join("obj"), b"built 1").unwrap_or_default();
        assert_eq!(take(&active, 2).ok(), Some(Taken::CopyOf(1)));
        assert_eq!(content(&active), "built 1");
        util::write(&active.join("obj"), b"built 2").unwrap_or_default();
        assert_eq!(take(&active, 3).ok(), Some(Taken::CopyOf(2)));
        util::write(&active.join("obj"), b"built 3").unwrap_or_default();
        assert_eq!(take(&active, 3).ok(), Some(Taken::Kept));
        // The second run.
        assert_eq!(take(&active, 1).ok(), Some(Taken::Slot));
        assert_eq!(content(&active), "built 1");
        assert_eq!(take(&active, 2).ok(), Some(Taken::Slot));
        assert_eq!(content(&active), "built 2");
        assert_eq!(take(&active, 3).ok(), Some(Taken::Slot));
        assert_eq!(content(&active), "built 3");
        let root = slot_root(&active);
        assert!(root.join("1").is_dir() && root.join("2").is_dir());
        assert!(!root.join("3").exists(), "patch 3 is the active directory");
        let _ = std::fs::remove_dir_all(active.parent().unwrap_or(Path::new("/nonexistent")));
    }

    /// A directory built outside `wb ci` starts the patch that finds it, or
    /// gives way to that patch's slot.
    #[test]
    fn an_unmarked_directory_is_used_or_gives_way() {
        let active = scratch("unmarked");
        util::mkdir(&active).unwrap_or_default();
        util::write(&active.join("obj"), b"wb build").unwrap_or_default();
        assert_eq!(take(&active, 4).ok(), Some(Taken::Unmarked));
        assert_eq!(content(&active), "wb build");
        assert_eq!(read_mark(&active), Some(4));
        // Park 4, then come back with an unmarked directory while 4's slot exists.
        assert_eq!(take(&active, 5).ok(), Some(Taken::CopyOf(4)));
        let _ = std::fs::remove_file(active.join(MARK));
        util::write(&active.join("obj"), b"other").unwrap_or_default();
        assert_eq!(take(&active, 4).ok(), Some(Taken::Slot));
        assert_eq!(content(&active), "wb build");
        let _ = std::fs::remove_dir_all(active.parent().unwrap_or(Path::new("/nonexistent")));
    }

    /// The key changes with each of its parts; the log round-trips.
    #[test]
    fn clippy_logs_by_identity() {
        let frags = vec![("base.config".to_string(), "CONFIG_RUST=y\n".to_string())];
        let k =
            clippy_key("fs-pid-n", &frags, "rustc 1.85", "base x\n1 a.rs\n").unwrap_or_default();
        assert_eq!(k.len(), 64);
        let other_src =
            clippy_key("fs-pid-n", &frags, "rustc 1.85", "base x\n2 a.rs\n").unwrap_or_default();
        let other_cfg =
            clippy_key("fs-pid-y", &frags, "rustc 1.85", "base x\n1 a.rs\n").unwrap_or_default();
        let other_tc =
            clippy_key("fs-pid-n", &frags, "rustc 1.86", "base x\n1 a.rs\n").unwrap_or_default();
        let frags2 = vec![("base.config".to_string(), "CONFIG_RUST=n\n".to_string())];
        let other_frag =
            clippy_key("fs-pid-n", &frags2, "rustc 1.85", "base x\n1 a.rs\n").unwrap_or_default();
        for o in [&other_src, &other_cfg, &other_tc, &other_frag] {
            assert_ne!(&k, o);
        }
        let active = scratch("clippy");
        assert!(saved_clippy(&active, &k).is_none());
        let log = active.parent().unwrap_or(Path::new("/")).join("build.log");
        util::write(&log, b"  CLIPPY L rust/kernel.o\n").unwrap_or_default();
        assert!(save_clippy(&active, &k, &log).is_ok());
        assert_eq!(
            saved_clippy(&active, &k).map(|(_, t)| t),
            Some("  CLIPPY L rust/kernel.o\n".to_string())
        );
        let _ = std::fs::remove_dir_all(active.parent().unwrap_or(Path::new("/nonexistent")));
    }
    /// A kept log is a whole copy, no temporary file stays behind, and the
    /// oldest records of the directory go beyond [`KEEP_LOGS`].
    #[test]
    fn kept_logs_are_whole_and_bounded() {
        let active = scratch("keep");
        let root = clippy_root(&active);
        let log = active.with_extension("log");
        std::fs::write(&log, "warning: x\n").unwrap_or_default();
        for i in 0..KEEP_LOGS {
            assert!(keep_log(&root.join(format!("{i:04}.w1")), &log).is_ok());
        }
        let first = root.join("0000.w1");
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1);
        let _ = std::fs::File::options()
            .append(true)
            .open(&first)
            .and_then(|f| f.set_modified(old));
        assert!(keep_log(&root.join("k.rustdoc"), &log).is_ok());
        assert_eq!(
            std::fs::read_to_string(root.join("k.rustdoc"))
                .ok()
                .as_deref(),
            Some("warning: x\n")
        );
        assert!(!first.exists(), "the oldest record is dropped");
        let names: Vec<String> = std::fs::read_dir(&root)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(names.len(), KEEP_LOGS);
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    }
}
