// SPDX-License-Identifier: GPL-2.0
//! The guest: upstream selftests built statically from the same tree, our
//! own guest tests, busybox, and an init that runs every binary with a
//! timeout and frames its output for the verdict.
//!
//! Guest protocol (on the second serial port, ttyS1):
//! ```text
//! # wb: plan <n>
//! # wb: begin <collection>/<binary>
//! …the binary's own output (KTAP, or anything)…
//! # wb: end <collection>/<binary> exit=<rc> seconds=<s> timeout=<0|1>
//! # wb: done
//! ```
//! Kernel messages stay on ttyS0, so they cannot break KTAP lines.

use crate::build::{self, Built};
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::util::{self, info, step};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Upstream selftest directories run in the guest.
pub const COLLECTIONS: &[&str] = &["pidfd", "filesystems/nsfs", "pid_namespace"];

/// Per-binary timeout in seconds (TCG is slow; the harness has its own 30 s
/// per-test limit inside).
pub const DEFAULT_TIMEOUT: u32 = 240;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanItem {
    pub collection: String,
    pub binary: String,
    pub timeout: u32,
}

impl PlanItem {
    pub fn id(&self) -> String {
        format!("{}/{}", self.collection, self.binary)
    }
}

pub struct Guest {
    pub initramfs: PathBuf,
    pub plan: Vec<PlanItem>,
}

/// Options that shape the guest.
#[derive(Debug, Clone, Default)]
pub struct GuestOptions {
    /// Extra test programs or scripts (run as collection `wb`).
    pub extra: Vec<PathBuf>,
    /// Only run plan items whose id contains one of these strings.
    pub filter: Vec<String>,
    pub timeout: Option<u32>,
}

/// Parses `kselftest-list.txt` (`collection:binary` per line).
pub fn parse_list(text: &str, timeout: u32) -> Vec<PlanItem> {
    text.lines()
        .filter_map(|l| l.trim().split_once(':'))
        .map(|(c, b)| PlanItem {
            collection: c.to_string(),
            binary: b.to_string(),
            timeout,
        })
        .collect()
}

fn build_selftests(ctx: &Ctx, tree: &Path, built: &Built) -> Result<PathBuf> {
    let out = ctx.build_dir(&format!("{}-ksft", built.config));
    let install = out.join("install");
    step(&format!(
        "guest[{}]: selftests {} (static)",
        built.config,
        COLLECTIONS.join(" ")
    ));
    util::remove_dir_all_if_exists(&install)?;
    let log = ctx
        .out_dir()
        .join("logs")
        .join(&built.config)
        .join("selftests.log");
    let mut c = Command::new("make");
    c.arg("-C")
        .arg(tree.join("tools/testing/selftests"))
        .arg(format!("TARGETS={}", COLLECTIONS.join(" ")))
        .arg(format!("O={}", out.display()))
        .arg(format!(
            "KHDR_INCLUDES=-isystem {}/usr/include",
            built.dir.display()
        ))
        .arg("USERLDFLAGS=-static")
        .arg("FORCE_TARGETS=1")
        .arg(format!("INSTALL_PATH={}", install.display()))
        .arg(format!(
            "-j{}",
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        ))
        .arg("install");
    if !util::run_logged(&mut c, &log, "selftests")? {
        return Err(Error::Build {
            what: "building the selftests".into(),
            log,
        });
    }
    Ok(install)
}

const INIT: &str = include_str!("../guest/init");

fn copy_file(from: &Path, to: &Path) -> Result<()> {
    if let Some(d) = to.parent() {
        util::mkdir(d)?;
    }
    fs::copy(from, to)
        .map_err(|e| Error::io(format!("copy {} to {}", from.display(), to.display()), e))?;
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    for rel in util::list_files(from) {
        let src = from.join(&rel);
        let dst = to.join(&rel);
        copy_file(&src, &dst)?;
        let mode = fs::metadata(&src)
            .map(|m| m.permissions().mode())
            .unwrap_or(0o644);
        fs::set_permissions(&dst, fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io("chmod", e))?;
    }
    Ok(())
}

/// Builds the selftests and the initramfs for a built kernel.
pub fn prepare(ctx: &Ctx, tree: &Path, built: &Built, opts: &GuestOptions) -> Result<Guest> {
    let install = build_selftests(ctx, tree, built)?;
    assemble(ctx, &built.config, Some(&install), opts)
}

/// Assembles the initramfs from an installed selftest directory (or none).
pub fn assemble(
    ctx: &Ctx,
    name: &str,
    install: Option<&Path>,
    opts: &GuestOptions,
) -> Result<Guest> {
    let busybox = Path::new("/bin/busybox");
    let is_static = util::output(Command::new("file").arg("-L").arg(busybox))
        .map(|s| s.contains("statically linked"))
        .unwrap_or(true);
    if !busybox.exists() || !is_static {
        return Err(Error::Guest {
            what: "no static /bin/busybox".into(),
            hint: "run `scripts/wb setup` (installs busybox-static)".into(),
        });
    }
    let timeout = opts.timeout.unwrap_or(DEFAULT_TIMEOUT);
    let root = ctx.build_dir(&format!("{name}-guest")).join("root");
    util::remove_dir_all_if_exists(&root)?;
    for d in ["bin", "dev", "proc", "sys", "tmp", "kselftest", "wb"] {
        util::mkdir(&root.join(d))?;
    }
    copy_file(busybox, &root.join("bin/busybox"))?;
    let mut plan = Vec::new();
    if let Some(install) = install {
        copy_tree(install, &root.join("kselftest"))?;
        let list = util::read(&install.join("kselftest-list.txt"))?;
        plan.extend(parse_list(&list, timeout));
        if plan.is_empty() {
            return Err(Error::Guest {
                what: format!(
                    "{} lists no tests",
                    install.join("kselftest-list.txt").display()
                ),
                hint: "check the selftests build log".into(),
            });
        }
    }
    for x in &opts.extra {
        let name = x
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| Error::Usage(format!("bad extra test path {}", x.display())))?;
        let dst = root.join("kselftest/wb").join(&name);
        copy_file(x, &dst)?;
        fs::set_permissions(&dst, fs::Permissions::from_mode(0o755))
            .map_err(|e| Error::io("chmod", e))?;
        plan.push(PlanItem {
            collection: "wb".into(),
            binary: name,
            timeout,
        });
    }
    if !opts.filter.is_empty() {
        plan.retain(|p| opts.filter.iter().any(|f| p.id().contains(f.as_str())));
    }
    if plan.is_empty() {
        return Err(Error::Guest {
            what: "the guest would run no test".into(),
            hint: "check --only filters".into(),
        });
    }
    let mut plan_text = String::new();
    for p in &plan {
        plan_text.push_str(&format!("{} {} {}\n", p.collection, p.binary, p.timeout));
    }
    util::write(&root.join("wb/plan"), plan_text.as_bytes())?;
    util::write(&root.join("init"), INIT.as_bytes())?;
    fs::set_permissions(root.join("init"), fs::Permissions::from_mode(0o755))
        .map_err(|e| Error::io("chmod", e))?;

    let cpio = root.parent().unwrap_or(&root).join("initramfs.cpio");
    let ok = util::run_logged(
        Command::new("sh")
            .arg("-c")
            .arg("find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet > \"$0\"")
            .arg(&cpio)
            .current_dir(&root),
        &ctx.out_dir().join("logs").join(name).join("cpio.log"),
        "cpio",
    )?;
    if !ok {
        return Err(Error::Guest {
            what: "creating the initramfs failed".into(),
            hint: "run `scripts/wb setup` (installs cpio)".into(),
        });
    }
    let size = fs::metadata(&cpio).map(|m| m.len()).unwrap_or(0);
    info(&format!(
        "initramfs {} ({} MiB, {} test binaries)",
        cpio.display(),
        size >> 20,
        plan.len()
    ));
    Ok(Guest {
        initramfs: cpio,
        plan,
    })
}

/// Convenience for callers that only need the tree and a config.
pub fn build_and_prepare(
    ctx: &Ctx,
    tree: &Path,
    config: &str,
    opts: &GuestOptions,
) -> Result<(Built, Guest)> {
    let built = build::build(ctx, tree, config)?;
    let guest = prepare(ctx, tree, &built, opts)?;
    Ok((built, guest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kselftest_list() {
        let p = parse_list("pidfd:pidfd_test\nfilesystems/nsfs:owner\n\n", 60);
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].collection, "filesystems/nsfs");
        assert_eq!(p[1].id(), "filesystems/nsfs/owner");
        assert_eq!(p[0].timeout, 60);
    }
}
