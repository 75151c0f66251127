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
    /// kselftest harness tests of the binary left out (`-T name` each).
    pub exclude: Vec<String>,
}

impl PlanItem {
    pub fn id(&self) -> String {
        format!("{}/{}", self.collection, self.binary)
    }

    /// The item as a line of the guest's plan (and of a run directory's
    /// `plan.txt`): `collection binary timeout [-T test]...`.
    pub fn line(&self) -> String {
        let mut l = format!("{} {} {}", self.collection, self.binary, self.timeout);
        for t in &self.exclude {
            l.push_str(&format!(" -T {t}"));
        }
        l
    }

    /// Parses a line written by [`PlanItem::line`].
    pub fn parse_line(l: &str) -> Option<Self> {
        let mut w = l.split_whitespace();
        let mut item = PlanItem {
            collection: w.next()?.to_string(),
            binary: w.next()?.to_string(),
            timeout: w.next()?.parse().ok()?,
            exclude: Vec::new(),
        };
        while let Some(flag) = w.next() {
            if flag != "-T" {
                return None;
            }
            item.exclude.push(w.next()?.to_string());
        }
        Some(item)
    }
}

pub struct Guest {
    pub initramfs: PathBuf,
    pub plan: Vec<PlanItem>,
    /// Binaries of the selftest list left out, each with the reason.
    pub not_run: Vec<String>,
}

/// Selftests that need a kernel option to run at all, not just to pass:
/// `pidfd_compat_test` is a 32-bit program, which a kernel without
/// `CONFIG_IA32_EMULATION` cannot execute. Every other test checks what it
/// needs itself and skips.
pub const NEEDS: &[(&str, &str)] = &[("pidfd/pidfd_compat_test", "CONFIG_IA32_EMULATION")];

/// The plan items the kernel of `config_text` (its `.config`) cannot run,
/// with the reason, per [`NEEDS`].
pub fn unrunnable(plan: &[PlanItem], config_text: &str) -> Vec<(String, String)> {
    plan.iter()
        .filter_map(|p| {
            let id = p.id();
            NEEDS
                .iter()
                .find(|(t, opt)| {
                    *t == id && !config_text.lines().any(|l| l.trim() == format!("{opt}=y"))
                })
                .map(|(_, opt)| {
                    (
                        id,
                        format!("needs {opt}=y, which this kernel does not have"),
                    )
                })
        })
        .collect()
}

/// Options that shape the guest.
#[derive(Debug, Clone, Default)]
pub struct GuestOptions {
    /// Extra test programs or scripts (run as collection `wb`).
    pub extra: Vec<PathBuf>,
    /// Only run plan items whose id contains one of these strings.
    pub filter: Vec<String>,
    /// Plan items left out, each `(id, reason)`: an item whose id contains
    /// `id` is not run and is listed under "Not run" with the reason.
    pub skip: Vec<(String, String)>,
    pub timeout: Option<u32>,
}

/// Splits `plan` by `skip` (`(id, reason)`): the items to run, and
/// `"<what>: <reason>"` for each thing left out.
///
/// An `id` of the form `collection/binary:test` leaves out one test of a
/// kselftest harness binary (the binary runs with `-T test`; its id must be
/// exactly `collection/binary`); any other `id` leaves out every binary
/// whose id contains it. An `id` that matches no item is an error: a
/// renamed or mistyped test would otherwise run (or not) without anybody
/// noticing. (That the test exists in the binary is checked when the
/// initramfs is assembled, [`check_excluded_tests`].)
pub fn leave_out(
    mut plan: Vec<PlanItem>,
    skip: &[(String, String)],
) -> Result<(Vec<PlanItem>, Vec<String>)> {
    let mut out = Vec::new();
    let mut whole = Vec::new();
    for (id, why) in skip {
        match id.split_once(':') {
            Some((bin, test)) => {
                if test.is_empty() || test.contains(char::is_whitespace) {
                    return Err(Error::Usage(format!(
                        "`{id}`: a test to leave out is `collection/binary:test`, with a test name"
                    )));
                }
                let Some(p) = plan.iter_mut().find(|p| p.id() == bin) else {
                    return Err(Error::Guest {
                        what: format!("`{bin}` (whose test `{test}` is to be left out) is no test binary of the guest"),
                        hint: "check the name against the selftests' kselftest-list.txt".into(),
                    });
                };
                p.exclude.push(test.to_string());
                out.push(format!("{id}: {why}"));
            }
            None => whole.push((id, why)),
        }
    }
    if let Some((id, _)) = whole
        .iter()
        .find(|(id, _)| !plan.iter().any(|p| p.id().contains(id.as_str())))
    {
        return Err(Error::Guest {
            what: format!("`{id}` (to be left out) matches no test binary of the guest"),
            hint: "check the name against the selftests' kselftest-list.txt".into(),
        });
    }
    let kept = plan
        .into_iter()
        .filter(
            |p| match whole.iter().find(|(id, _)| p.id().contains(id.as_str())) {
                Some((_, why)) => {
                    out.retain(|o| !o.starts_with(&format!("{}:", p.id())));
                    out.push(format!("{}: {why}", p.id()));
                    false
                }
                None => true,
            },
        )
        .collect();
    Ok((kept, out))
}

/// Checks that every test a plan item leaves out (`-T`) is a test of its
/// binary: the kselftest harness keeps each test's name as a
/// NUL-terminated string in the binary, and ignores `-T` for a name it does
/// not know, so a renamed test would otherwise run unnoticed.
pub fn check_excluded_tests(plan: &[PlanItem], install: &Path) -> Result<()> {
    for p in plan.iter().filter(|p| !p.exclude.is_empty()) {
        let bin = install.join(&p.collection).join(&p.binary);
        let bytes = fs::read(&bin).map_err(|e| Error::io(format!("read {}", bin.display()), e))?;
        for t in &p.exclude {
            let needle = format!("\0{t}\0");
            if !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                return Err(Error::Guest {
                    what: format!("`{}` has no test `{t}` to leave out", p.id()),
                    hint: "check the test name (TEST(name) in the selftest source)".into(),
                });
            }
        }
    }
    Ok(())
}

/// Parses `kselftest-list.txt` (`collection:binary` per line).
pub fn parse_list(text: &str, timeout: u32) -> Vec<PlanItem> {
    text.lines()
        .filter_map(|l| l.trim().split_once(':'))
        .map(|(c, b)| PlanItem {
            collection: c.to_string(),
            binary: b.to_string(),
            timeout,
            exclude: Vec::new(),
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
        .join(built.config.name())
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

const INIT: &str = include_str!("../../guest/init");

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
    let config = util::read(&built.dir.join(".config"))?;
    assemble_for(
        ctx,
        &built.config.name(),
        Some(&install),
        opts,
        Some(&config),
    )
}

/// Assembles the initramfs from an installed selftest directory (or none).
pub fn assemble(
    ctx: &Ctx,
    name: &str,
    install: Option<&Path>,
    opts: &GuestOptions,
) -> Result<Guest> {
    assemble_for(ctx, name, install, opts, None)
}

/// Assembles the initramfs; with the kernel's `.config`, the selftests it
/// cannot run ([`NEEDS`]) are left out and named.
fn assemble_for(
    ctx: &Ctx,
    name: &str,
    install: Option<&Path>,
    opts: &GuestOptions,
    kernel_config: Option<&str>,
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
            exclude: Vec::new(),
        });
    }
    if !opts.filter.is_empty() {
        plan.retain(|p| opts.filter.iter().any(|f| p.id().contains(f.as_str())));
    }
    let mut not_run = Vec::new();
    let (kept, left_out) = leave_out(plan, &opts.skip)?;
    plan = kept;
    if let Some(install) = install {
        check_excluded_tests(&plan, install)?;
    }
    for l in left_out {
        info(&format!("not run: {l}"));
        not_run.push(l);
    }
    if let Some(config) = kernel_config {
        for (id, why) in unrunnable(&plan, config) {
            info(&format!("not run: {id} ({why})"));
            plan.retain(|p| p.id() != id);
            not_run.push(format!("{id}: {why}"));
        }
    }
    if plan.is_empty() {
        return Err(Error::Guest {
            what: "the guest would run no test".into(),
            hint: "check --only filters".into(),
        });
    }
    let mut plan_text = String::new();
    for p in &plan {
        plan_text.push_str(&p.line());
        plan_text.push('\n');
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
        not_run,
    })
}

/// Convenience for callers that only need the tree and a config.
pub fn build_and_prepare(
    ctx: &Ctx,
    tree: &Path,
    config: &build::KConfig,
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
    fn tests_the_kernel_cannot_run() {
        let plan = parse_list("pidfd:pidfd_test\npidfd:pidfd_compat_test\n", 60);
        let without = "CONFIG_X86_64=y\n# CONFIG_IA32_EMULATION is not set\n";
        let with = "CONFIG_X86_64=y\nCONFIG_IA32_EMULATION=y\n";
        let u = unrunnable(&plan, without);
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].0, "pidfd/pidfd_compat_test");
        assert!(u[0].1.contains("CONFIG_IA32_EMULATION=y"));
        assert!(unrunnable(&plan, with).is_empty());
        // A prefix of the option's name is not the option.
        assert_eq!(
            unrunnable(&plan, "CONFIG_IA32_EMULATION_DEFAULT_DISABLED=y\n").len(),
            1
        );
    }

    #[test]
    fn kselftest_list() {
        let p = parse_list("pidfd:pidfd_test\nfilesystems/nsfs:owner\n\n", 60);
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].collection, "filesystems/nsfs");
        assert_eq!(p[1].id(), "filesystems/nsfs/owner");
        assert_eq!(p[0].timeout, 60);
    }

    #[test]
    fn left_out_items_are_named_with_their_reason() {
        let plan = parse_list(
            "pidfd:pidfd_test\npidfd:pidfd_wait\nfilesystems/nsfs:owner\n",
            60,
        );
        let skip = vec![("pidfd/pidfd_test".to_string(), "too slow".to_string())];
        let (kept, out) = leave_out(plan.clone(), &skip).expect("matches");
        assert_eq!(
            kept.iter().map(PlanItem::id).collect::<Vec<_>>(),
            ["pidfd/pidfd_wait", "filesystems/nsfs/owner"]
        );
        assert_eq!(out, ["pidfd/pidfd_test: too slow"]);
        let (kept, out) = leave_out(plan.clone(), &[]).expect("nothing to leave out");
        assert_eq!(kept.len(), 3);
        assert!(out.is_empty());
        let stale = vec![("pidfd/pidfd_renamed".to_string(), "x".to_string())];
        let e = leave_out(plan, &stale).expect_err("matches nothing");
        assert!(e.to_string().contains("pidfd/pidfd_renamed"), "{e}");
    }

    #[test]
    fn one_test_of_a_binary_can_be_left_out() {
        let plan = parse_list("pidfd:pidfd_autoreap_test\npidfd:pidfd_wait\n", 60);
        let skip = vec![(
            "pidfd/pidfd_autoreap_test:autoreap_multithreaded".to_string(),
            "racy".to_string(),
        )];
        let (kept, out) = leave_out(plan.clone(), &skip).expect("matches");
        assert_eq!(kept.len(), 2, "the binary still runs");
        assert_eq!(kept[0].exclude, ["autoreap_multithreaded"]);
        assert_eq!(
            kept[0].line(),
            "pidfd pidfd_autoreap_test 60 -T autoreap_multithreaded"
        );
        assert_eq!(
            PlanItem::parse_line(&kept[0].line()).as_ref(),
            Some(&kept[0])
        );
        assert_eq!(kept[1].line(), "pidfd pidfd_wait 60");
        assert_eq!(
            out,
            ["pidfd/pidfd_autoreap_test:autoreap_multithreaded: racy"]
        );
        // A test of a binary that is not in the plan, or a prefix of its
        // id, is refused.
        for bad in ["pidfd/pidfd_autoreap:x", "pidfd/nothere:x"] {
            let e = leave_out(plan.clone(), &[(bad.to_string(), "y".to_string())])
                .expect_err("no such binary");
            assert!(e.to_string().contains("no test binary"), "{e}");
        }
        let e = leave_out(
            plan.clone(),
            &[("pidfd/pidfd_wait:".to_string(), "y".to_string())],
        )
        .expect_err("no test name");
        assert!(e.to_string().contains("test name"), "{e}");
        // Leaving out the whole binary as well wins, once.
        let both = vec![
            skip[0].clone(),
            ("pidfd/pidfd_autoreap_test".to_string(), "slow".to_string()),
        ];
        let (kept, out) = leave_out(plan, &both).expect("matches");
        assert_eq!(kept.len(), 1);
        assert_eq!(out, ["pidfd/pidfd_autoreap_test: slow"]);
        assert_eq!(PlanItem::parse_line("pidfd x 60 -X y"), None);
    }

    #[test]
    fn an_excluded_test_must_exist_in_its_binary() {
        let dir = std::env::temp_dir().join(format!("wb-exclude-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pidfd")).expect("mkdir");
        std::fs::write(
            dir.join("pidfd/t"),
            b"\x7fELF...\0autoreap_basic\0autoreap_multithreaded\0...",
        )
        .expect("write");
        let mut p = parse_list("pidfd:t\n", 60);
        p[0].exclude = vec!["autoreap_multithreaded".into()];
        assert!(check_excluded_tests(&p, &dir).is_ok());
        // A prefix of a name is not a name.
        p[0].exclude = vec!["autoreap_multi".into()];
        let e = check_excluded_tests(&p, &dir).expect_err("no such test");
        assert!(e.to_string().contains("autoreap_multi"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
