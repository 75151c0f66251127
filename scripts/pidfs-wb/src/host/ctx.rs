// SPDX-License-Identifier: GPL-2.0
//! Where things live: the project repository and the cache outside it.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Pinned base: Debian's linux-source-7.3.
pub const BASE_VERSION: &str = "7.3.4";
pub const DEB_PACKAGE: &str = "linux-source-7.3";
pub const DEB_VERSION: &str = "7.3.4-1~bpo13+1";
pub const DEB_SUITE: &str = "trixie-backports";
pub const DEB_SHA256: &str = "703e369ddd4cce971452f5a593ee55df3a5c10c83caf0fa0df039633ed181ee3";
pub const TARBALL: &str = "usr/src/linux-source-7.3.tar.xz";
pub const TARBALL_SHA256: &str = "76df1affb19f24926949369be1d74b60071c963c598ce8780bddd4bbf0fc3bc4";
/// The base commit: the tarball committed with a fixed identity and date
/// (see base.rs), so it is the same on every machine.
pub const BASE_COMMIT: &str = "2653414bcbe73f9e1ffac590249bcd904a2ffd78";
/// Tag of the base commit in the base repository.
pub const BASE_TAG: &str = "pidfs-base-7.3.4";

/// Project directories that are not mirrors of kernel files.
pub const PROJECT_PATHS: &[&str] = &[
    ".ci",
    ".github",
    ".gitignore",
    "README.md",
    "ci",
    "kconfig",
    "patches",
    "scripts",
];

#[derive(Debug, Clone)]
pub struct Ctx {
    /// Root of the project repository.
    pub repo: PathBuf,
    /// Cache root (never inside the repository).
    pub cache: PathBuf,
    /// A user's kernel git tree to use instead of the Debian base.
    pub user_tree: Option<PathBuf>,
    /// The commit-ish in `user_tree` to apply onto.
    pub user_ref: String,
}

impl Ctx {
    pub fn new(repo: PathBuf) -> Result<Self> {
        let cache = match std::env::var_os("WB_CACHE") {
            Some(c) => PathBuf::from(c),
            None => {
                let base = std::env::var_os("XDG_CACHE_HOME")
                    .map(PathBuf::from)
                    .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                    .ok_or_else(|| {
                        Error::Usage("neither WB_CACHE, XDG_CACHE_HOME nor HOME is set".into())
                    })?;
                base.join("pidfs-rs")
            }
        };
        if cache.starts_with(&repo) {
            return Err(Error::Usage(format!(
                "the cache {} is inside the repository; set WB_CACHE to a directory outside it",
                cache.display()
            )));
        }
        let user_tree = std::env::var_os("WB_KERNEL_TREE").map(PathBuf::from);
        let user_ref = std::env::var("WB_BASE_REF").unwrap_or_else(|_| "HEAD".into());
        Ok(Ctx {
            repo,
            cache,
            user_tree,
            user_ref,
        })
    }

    /// The quilt series directory (`WB_PATCHES` overrides `patches/`).
    pub fn patches_dir(&self) -> PathBuf {
        std::env::var_os("WB_PATCHES")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.repo.join("patches"))
    }

    /// Records of exported versions (`WB_VERSIONS` overrides
    /// `ci/versions/`).
    pub fn versions_dir(&self) -> PathBuf {
        std::env::var_os("WB_VERSIONS")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.repo.join("ci/versions"))
    }

    pub fn kconfig_dir(&self) -> PathBuf {
        self.repo.join("kconfig")
    }

    /// The git repository that holds the base commit.
    pub fn base_repo(&self) -> PathBuf {
        match &self.user_tree {
            Some(t) => t.clone(),
            None => self
                .cache
                .join("base")
                .join(format!("linux-{BASE_VERSION}")),
        }
    }

    /// The commit-ish of the base in `base_repo()`.
    pub fn base_ref(&self) -> String {
        match &self.user_tree {
            Some(_) => self.user_ref.clone(),
            None => BASE_TAG.to_string(),
        }
    }

    /// Name that keeps caches for different bases apart.
    pub fn flavour(&self) -> String {
        match &self.user_tree {
            Some(t) => {
                let name: String = t
                    .to_string_lossy()
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect();
                format!("tree{name}")
            }
            None => format!("debian-{BASE_VERSION}"),
        }
    }

    /// The work tree where the series is applied (a git worktree of the base).
    pub fn work_tree(&self) -> PathBuf {
        match std::env::var_os("WB_WORKTREE") {
            Some(w) => PathBuf::from(w),
            None => self.cache.join("work").join(self.flavour()),
        }
    }

    /// A clean checkout of the base commit, no patches (a detached git
    /// worktree of the base repository, kept between runs): what `wb size`
    /// builds the base kernel from. Never the work tree. `orig` has as many
    /// letters as `work`: the Rust doctests' symbol names and the file names
    /// compiled into a kernel carry the path of its source tree, and a path
    /// of the same length as the work tree's keeps their sizes alike.
    pub fn base_tree(&self) -> PathBuf {
        self.cache.join("orig").join(self.flavour())
    }

    pub fn build_dir(&self, config: &str) -> PathBuf {
        self.cache.join("build").join(self.flavour()).join(config)
    }

    pub fn dl_dir(&self) -> PathBuf {
        self.cache.join("dl")
    }

    pub fn venv(&self) -> PathBuf {
        self.cache.join("venv")
    }

    pub fn libclang_path(&self) -> PathBuf {
        self.venv()
            .join("lib/python3.11/site-packages/clang/native")
    }

    /// Where run artefacts (logs, verdicts) go: `out/` in the repository,
    /// ignored by git.
    pub fn out_dir(&self) -> PathBuf {
        std::env::var_os("WB_OUT")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.repo.join("out"))
    }

    pub fn bindgen(&self) -> PathBuf {
        home().join(".cargo/bin/bindgen")
    }
}

pub fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}

/// Finds the repository root from the current executable's manifest dir or
/// the working directory.
pub fn find_repo() -> Result<PathBuf> {
    if let Some(r) = std::env::var_os("WB_REPO") {
        return Ok(PathBuf::from(r));
    }
    let cwd = std::env::current_dir().map_err(|e| Error::io("current directory", e))?;
    let mut d: &Path = &cwd;
    loop {
        if d.join("patches").is_dir() && d.join("scripts/pidfs-wb").is_dir() {
            return Ok(d.to_path_buf());
        }
        match d.parent() {
            Some(p) => d = p,
            None => {
                return Err(Error::Usage(
                    "not inside the pidfs-rs repository (no patches/ and scripts/pidfs-wb/ found above the current directory)".into(),
                ))
            }
        }
    }
}
