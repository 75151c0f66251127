// SPDX-License-Identifier: GPL-2.0
//! Typed errors of the workbench. Every variant carries what went wrong and
//! what the user can do about it; each maps to a distinct exit code.

use std::fmt;
use std::path::PathBuf;

/// Exit codes. 0 is success; 1 is reserved for "the tests ran and something
/// failed" (a verdict), the others say which stage could not be completed.
pub mod exit {
    pub const VERDICT_FAILED: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const SETUP: i32 = 3;
    pub const BASE: i32 = 4;
    pub const SERIES: i32 = 5;
    pub const CONFIG: i32 = 6;
    pub const BUILD: i32 = 7;
    pub const GUEST: i32 = 8;
    pub const BOOT: i32 = 9;
    pub const DRIFT: i32 = 10;
    pub const IO: i32 = 11;
    pub const IDENTITY: i32 = 12;
    pub const EXPORT: i32 = 13;
    pub const BUSY: i32 = 14;
    pub const REPORT: i32 = 15;
}

#[derive(Debug)]
pub enum Error {
    /// Bad command line.
    Usage(String),
    /// A host tool is missing or the installation of one failed.
    Setup { what: String, hint: String },
    /// Fetching or preparing the base tree failed.
    Base { what: String, hint: String },
    /// `patches/series` is malformed or names a missing file.
    Series { what: String, hint: String },
    /// A patch of the series does not apply.
    PatchDoesNotApply {
        patch: String,
        files: Vec<String>,
        log: PathBuf,
    },
    /// The work tree holds edits that are not yet in `patches/`.
    Unexported { tree: PathBuf, what: String },
    /// Requested configuration options did not make it into `.config`.
    Config {
        missing: Vec<String>,
        config: PathBuf,
    },
    /// A build step failed.
    Build { what: String, log: PathBuf },
    /// Preparing the guest (initramfs, selftests) failed.
    Guest { what: String, hint: String },
    /// QEMU could not be started.
    Boot { what: String, hint: String },
    /// In-tree mirror files differ from the applied series.
    Drift { items: Vec<String> },
    /// A file-system operation failed.
    Io {
        what: String,
        source: std::io::Error,
    },
    /// No usable sender identity for mail (`git config user.name/email`).
    Identity { what: String },
    /// Preparing mail (b4, cover letter, versions) failed.
    Export { what: String, hint: String },
    /// The benchmark ran but gave no usable figures (`wb bench`).
    Bench { what: String, dir: PathBuf },
    /// Another `wb` holds the lock of the cache (`lock.rs`).
    Busy { cache: PathBuf, holder: String },
    /// A saved report cannot be read or joined (`wb ci --merge`).
    Report { what: String, hint: String },
}

impl Error {
    pub fn code(&self) -> i32 {
        match self {
            Error::Usage(_) => exit::USAGE,
            Error::Setup { .. } => exit::SETUP,
            Error::Base { .. } => exit::BASE,
            Error::Series { .. } | Error::PatchDoesNotApply { .. } | Error::Unexported { .. } => {
                exit::SERIES
            }
            Error::Config { .. } => exit::CONFIG,
            Error::Build { .. } => exit::BUILD,
            Error::Guest { .. } => exit::GUEST,
            Error::Boot { .. } => exit::BOOT,
            Error::Drift { .. } => exit::DRIFT,
            Error::Io { .. } => exit::IO,
            Error::Identity { .. } => exit::IDENTITY,
            Error::Export { .. } => exit::EXPORT,
            Error::Bench { .. } => exit::VERDICT_FAILED,
            Error::Busy { .. } => exit::BUSY,
            Error::Report { .. } => exit::REPORT,
        }
    }

    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) => write!(f, "{m}\nRun `scripts/wb help` for the list of commands."),
            Error::Setup { what, hint } => write!(f, "setup: {what}\n  what to do: {hint}"),
            Error::Base { what, hint } => write!(f, "base tree: {what}\n  what to do: {hint}"),
            Error::Series { what, hint } => write!(f, "series: {what}\n  what to do: {hint}"),
            Error::Report { what, hint } => write!(f, "report: {what}\n  what to do: {hint}"),
            Error::PatchDoesNotApply { patch, files, log } => {
                write!(f, "series: patch {patch} does not apply")?;
                if files.is_empty() {
                    write!(f, " (git am named no file; see the log)")?;
                } else {
                    write!(f, "\n  conflicting files: {}", files.join(", "))?;
                }
                write!(
                    f,
                    "\n  git am output: {}\n  what to do: rebase the patch onto the base \
                     (apply the series up to it with `scripts/wb series apply --upto`, fix, \
                     `scripts/wb series export`)",
                    log.display()
                )
            }
            Error::Unexported { tree, what } => write!(
                f,
                "series: the work tree {} has {what} that are not in patches/\n  what to do: \
                 `scripts/wb series export` writes them back; `--discard` throws them away",
                tree.display()
            ),
            Error::Config { missing, config } => write!(
                f,
                "config: {} requested option(s) are not in {}: {}\n  what to do: check their \
                 dependencies (make O=… menuconfig, search with '/') and fix the fragment in kconfig/",
                missing.len(),
                config.display(),
                missing.join(", ")
            ),
            Error::Build { what, log } => write!(
                f,
                "build: {what} failed\n  full log: {}\n  what to do: read the first error in the log",
                log.display()
            ),
            Error::Guest { what, hint } => write!(f, "guest: {what}\n  what to do: {hint}"),
            Error::Boot { what, hint } => write!(f, "boot: {what}\n  what to do: {hint}"),
            Error::Drift { items } => {
                write!(
                    f,
                    "drift: the in-tree files differ from what the applied series produces:"
                )?;
                for i in items {
                    write!(f, "\n  {i}")?;
                }
                write!(
                    f,
                    "\n  what to do: edit in the work tree and run `scripts/wb series export`, \
                     or, if the in-tree file is the newer one, copy it into the work tree, \
                     commit there and export"
                )
            }
            Error::Io { what, source } => write!(f, "{what}: {source}"),
            Error::Identity { what } => write!(
                f,
                "identity: {what}\n  what to do: set the sender, who signs the patches off: \
                 `git config user.name \"Your Name\"` and `git config user.email you@example.org` \
                 (in this repository or with --global); the tool never makes one up"
            ),
            Error::Export { what, hint } => write!(f, "export: {what}\n  what to do: {hint}"),
            Error::Busy { cache, holder } => write!(
                f,
                "busy: another wb is using the cache {} ({})\n  what to do: wait for it to \
                 finish, or give this run a cache of its own with WB_CACHE=DIR; `wb verdict` \
                 and `wb compare` run alongside",
                cache.display(),
                if holder.is_empty() { "its pid is not recorded yet" } else { holder.as_str() }
            ),
            Error::Bench { what, dir } => write!(
                f,
                "bench: {what}\n  logs: {}\n  what to do: read guest.log (the program's \
                 BENCH lines) and console.log of the failing boot",
                dir.display()
            ),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
