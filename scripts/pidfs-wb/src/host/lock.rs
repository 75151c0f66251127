// SPDX-License-Identifier: GPL-2.0
//! One `wb` per cache. Two runs on one cache share its work tree and build
//! directories and corrupt each other's work, so every command that can
//! build, boot or change the work tree takes an exclusive lock on
//! `<cache>/wb.lock` for as long as it runs; a second one fails at once
//! and names the holder. `wb verdict`, `wb compare` and `wb help` only
//! read and take no lock. The `wb` processes that a holder starts itself
//! (`wb test` runs `wb export`, `wb onto`, …) inherit the lock through
//! [`ENV`] and do not take it again.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Set by the holder for its children: the cache whose lock it holds.
pub const ENV: &str = "WB_CACHE_LOCK_HELD";

/// The lock file of a cache.
pub fn path(cache: &Path) -> PathBuf {
    cache.join("wb.lock")
}

/// A held lock: released when dropped (or when the process ends, however
/// it ends: the kernel drops the flock with the last descriptor).
#[derive(Debug)]
pub struct CacheLock {
    _file: File,
}

/// Whether `cmd` (the first word of the command line) needs the lock.
pub fn needed(cmd: &str) -> bool {
    !matches!(cmd, "verdict" | "compare" | "help" | "--help" | "-h")
}

/// Takes the lock of `cache` for `what` (the command line), or fails at
/// once with the holder's pid and command line. Inherited locks (see
/// [`ENV`]) return `None`.
pub fn acquire(cache: &Path, what: &str) -> Result<Option<CacheLock>> {
    if std::env::var_os(ENV).is_some_and(|v| Path::new(&v) == cache) {
        return Ok(None);
    }
    std::fs::create_dir_all(cache)
        .map_err(|e| Error::io(format!("create {}", cache.display()), e))?;
    let p = path(cache);
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&p)
        .map_err(|e| Error::io(format!("open {}", p.display()), e))?;
    match f.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = f.read_to_string(&mut holder);
            return Err(Error::Busy {
                cache: cache.to_path_buf(),
                holder: holder.trim().to_string(),
            });
        }
        Err(TryLockError::Error(e)) => {
            return Err(Error::io(format!("lock {}", p.display()), e));
        }
    }
    let note = format!("pid {}: wb {what}\n", std::process::id());
    f.set_len(0)
        .and_then(|()| f.seek(SeekFrom::Start(0)).map(|_| ()))
        .and_then(|()| f.write_all(note.as_bytes()))
        .map_err(|e| Error::io(format!("write {}", p.display()), e))?;
    // Children run under this lock: tell them so. Set before any thread
    // is started (this runs first thing in main).
    std::env::set_var(ENV, cache);
    Ok(Some(CacheLock { _file: f }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("wb-lock-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn read_only_commands_take_no_lock() {
        for c in ["verdict", "compare", "help"] {
            assert!(!needed(c), "{c}");
        }
        for c in [
            "ci", "test", "build", "boot", "series", "export", "onto", "bench", "setup",
        ] {
            assert!(needed(c), "{c}");
        }
    }

    #[test]
    fn second_holder_is_refused_and_named() {
        let d = scratch("busy");
        // flock conflicts between two open file descriptions, even in one
        // process, which is what a second wb would have.
        let first = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open({
                std::fs::create_dir_all(&d).unwrap();
                path(&d)
            })
            .unwrap();
        first.try_lock().unwrap();
        std::fs::write(path(&d), "pid 4242: wb ci\n").unwrap();
        // Not via acquire(): the test must not set ENV for other tests.
        let e = match OpenOptions::new().read(true).write(true).open(path(&d)) {
            Ok(f) => f.try_lock(),
            Err(e) => panic!("{e}"),
        };
        assert!(matches!(e, Err(TryLockError::WouldBlock)));
        let err = Error::Busy {
            cache: d.clone(),
            holder: "pid 4242: wb ci".into(),
        };
        let s = err.to_string();
        assert!(
            s.contains("pid 4242: wb ci") && s.contains(&d.display().to_string()),
            "{s}"
        );
        assert_eq!(err.code(), crate::error::exit::BUSY);
        drop(first);
        // Released with its descriptor: the next one gets it. Other tests
        // of this process fork children (git) on other threads; a child
        // shares the lock's open file description from fork to exec
        // (O_CLOEXEC closes it only then), so the release can take that
        // long to show. Seen once in CI: retry for up to 2 s.
        let again = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path(&d))
            .unwrap();
        let mut got = again.try_lock();
        for _ in 0..200 {
            if got.is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
            got = again.try_lock();
        }
        assert!(got.is_ok(), "the lock was not released: {got:?}");
        let _ = std::fs::remove_dir_all(&d);
    }
}
