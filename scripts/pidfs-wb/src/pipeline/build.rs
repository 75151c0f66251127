// SPDX-License-Identifier: GPL-2.0
//! `wb build`: configure (tinyconfig + kconfig/ fragments), verify, build.

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::kconfig;
use crate::stamps;
use crate::util::{self, fmt_duration, info, step};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Fragments every configuration starts from.
pub const COMMON_FRAGMENTS: &[&str] = &["base.config", "selftests.config", "kunit.config"];

/// Suffix of a configuration built with the bug finders of `kconfig/debug.config`
/// (`wb build/boot/run --config C --debug` builds `C+debug` in its own directory).
pub const DEBUG_SUFFIX: &str = "+debug";

/// Suffix of a configuration built with clang and `CONFIG_RUST_INLINE_HELPERS=y`
/// (`kconfig/llvm.config`): the C helpers are inlined into the Rust code through LLVM
/// bitcode, which needs clang and rustc of the same LLVM (19.1.7 on both here).
/// `wb bench --llvm` compares `fs-pid-n+llvm` with `fs-pid-y+llvm`.
pub const LLVM_SUFFIX: &str = "+llvm";

/// Suffix of a performance build with gcc (`kconfig/perf.config`: `-O2`, the
/// normal SLUB), as a distribution builds; `wb bench
/// --perf` compares `fs-pid-n+perf` with `fs-pid-y+perf`.
pub const PERF_SUFFIX: &str = "+perf";

/// Suffix of a performance build with clang and `CONFIG_RUST_INLINE_HELPERS=y`
/// (`perf.config`, then `llvm.config`).
pub const PERF_LLVM_SUFFIX: &str = "+perf-llvm";

/// A build flavour: a suffix of the configuration name (and build directory) and
/// the fragments merged last, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// `+debug`: the bug finders of `kconfig/debug.config`, with clang.
    Debug,
    /// `+llvm`: clang with `CONFIG_RUST_INLINE_HELPERS=y`.
    Llvm,
    /// `+perf`: `kconfig/perf.config` with gcc.
    Perf,
    /// `+perf-llvm`: `perf.config` and `llvm.config`, with clang.
    PerfLlvm,
}

impl Flavour {
    // Longest suffix first: `+perf-llvm` is not `+llvm`.
    const ALL: [Flavour; 4] = [
        Flavour::PerfLlvm,
        Flavour::Debug,
        Flavour::Llvm,
        Flavour::Perf,
    ];

    pub fn suffix(self) -> &'static str {
        match self {
            Flavour::Debug => DEBUG_SUFFIX,
            Flavour::Llvm => LLVM_SUFFIX,
            Flavour::Perf => PERF_SUFFIX,
            Flavour::PerfLlvm => PERF_LLVM_SUFFIX,
        }
    }

    pub fn fragments(self) -> &'static [&'static str] {
        match self {
            Flavour::Debug => &["debug.config"],
            Flavour::Llvm => &["llvm.config"],
            Flavour::Perf => &["perf.config"],
            Flavour::PerfLlvm => &["perf.config", "llvm.config"],
        }
    }

    /// Built with clang ([`FLAVOUR_LLVM`]).
    pub fn clang(self) -> bool {
        !matches!(self, Flavour::Perf)
    }
}

/// A kernel configuration of the workbench, parsed from its name once: a
/// plain configuration (`fs-pid-n`, `fs-pid-y`, `fs-pid-y+werror-min`, …,
/// each a fragment of `kconfig/`) and at most one flavour. The name is
/// also the build directory's, so a directory name parses the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KConfig {
    pub plain: String,
    pub flavour: Option<Flavour>,
}

impl KConfig {
    pub fn parse(name: &str) -> KConfig {
        for f in Flavour::ALL {
            if let Some(plain) = name.strip_suffix(f.suffix()) {
                return KConfig {
                    plain: plain.to_string(),
                    flavour: Some(f),
                };
            }
        }
        KConfig {
            plain: name.to_string(),
            flavour: None,
        }
    }

    /// `plain` with flavour `f`.
    pub fn flavoured(plain: &str, f: Flavour) -> KConfig {
        KConfig {
            plain: plain.to_string(),
            flavour: Some(f),
        }
    }

    /// The name, which is also the build directory's.
    pub fn name(&self) -> String {
        format!(
            "{}{}",
            self.plain,
            self.flavour.map(Flavour::suffix).unwrap_or_default()
        )
    }

    pub fn is_debug(&self) -> bool {
        self.flavour == Some(Flavour::Debug)
    }

    /// The same configuration without its flavour.
    pub fn unflavoured(&self) -> KConfig {
        KConfig {
            plain: self.plain.clone(),
            flavour: None,
        }
    }

    /// Built with clang ([`FLAVOUR_LLVM`]): every flavour but `+perf`.
    pub fn uses_clang(&self) -> bool {
        self.flavour.is_some_and(Flavour::clang)
    }
}

/// The toolchain of the flavoured configurations: KASAN with Rust needs clang (7.3's
/// `config RUST` depends on `!KASAN || CC_IS_CLANG`), and so does inlining the helpers.
pub const FLAVOUR_LLVM: &str = "LLVM=-19";

/// The name (and build directory) of the debug build of `config`.
pub fn debug_config_name(config: &str) -> String {
    KConfig::flavoured(config, Flavour::Debug).name()
}

/// Whether a configuration name (or a run directory named after one) is a
/// debug build.
pub fn is_debug(config: &str) -> bool {
    KConfig::parse(config).is_debug()
}

/// Whether a build directory holds a clang configuration, which must always be built
/// with [`FLAVOUR_LLVM`]: a clang `.config` made with gcc would be reconfigured.
fn is_llvm_dir(dir: &Path) -> bool {
    dir.file_name()
        .is_some_and(|n| KConfig::parse(&n.to_string_lossy()).uses_clang())
}

impl std::fmt::Display for KConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

pub struct Built {
    pub config: KConfig,
    pub dir: PathBuf,
    pub bzimage: PathBuf,
}

/// The fragments of one configuration, in merge order.
pub fn fragments(ctx: &Ctx, config: &KConfig) -> Result<Vec<PathBuf>> {
    if let Some(flavour) = config.flavour {
        let mut out = fragments(ctx, &config.unflavoured())?;
        for name in flavour.fragments() {
            let f = ctx.kconfig_dir().join(name);
            if !f.is_file() {
                return Err(Error::Usage(format!(
                    "no fragment {} for the configuration `{config}`",
                    f.display()
                )));
            }
            out.push(f);
        }
        return Ok(out);
    }
    let mut out: Vec<PathBuf> = COMMON_FRAGMENTS
        .iter()
        .map(|f| ctx.kconfig_dir().join(f))
        .collect();
    out.push(ctx.kconfig_dir().join(format!("{config}.config")));
    for f in &out {
        if !f.is_file() {
            let avail: Vec<String> = util::list_files(&ctx.kconfig_dir())
                .into_iter()
                .map(|p| p.to_string_lossy().trim_end_matches(".config").to_string())
                .filter(|n| {
                    !COMMON_FRAGMENTS
                        .iter()
                        .any(|c| c.trim_end_matches(".config") == n)
                })
                .collect();
            return Err(Error::Usage(format!(
                "no fragment {} for configuration `{config}` (configurations: {})",
                f.display(),
                avail.join(", ")
            )));
        }
    }
    Ok(out)
}

/// make variables that select the pinned Rust toolchain. Every build is a
/// clippy build (`CLIPPY=1`): clippy-driver compiles exactly what rustc
/// would and adds its lints, so the per-patch checks read clippy's warnings
/// from the ordinary build log.
pub fn toolchain_vars(ctx: &Ctx) -> Vec<String> {
    vec![
        "CLIPPY=1".into(),
        "RUSTC=/usr/bin/rustc".into(),
        "HOSTRUSTC=/usr/bin/rustc".into(),
        "RUSTDOC=/usr/bin/rustdoc".into(),
        "RUSTFMT=/usr/bin/rustfmt".into(),
        "CLIPPY_DRIVER=/usr/bin/clippy-driver".into(),
        format!("BINDGEN={}", ctx.bindgen().display()),
    ]
}

pub fn make(ctx: &Ctx, tree: &Path, dir: &Path) -> Command {
    let mut c = Command::new("make");
    c.arg("-C")
        .arg(tree)
        .arg(format!("O={}", dir.display()))
        .args(toolchain_vars(ctx));
    if is_llvm_dir(dir) {
        c.arg(FLAVOUR_LLVM);
    }
    c.env("LIBCLANG_PATH", ctx.libclang_path())
        // Make the kernel's own "KBUILD_BUILD_*" stable across machines.
        .env("KBUILD_BUILD_USER", "pidfs-rs")
        .env("KBUILD_BUILD_HOST", "workbench");
    c
}

fn jobs() -> String {
    let n = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    format!("-j{}", n + 1)
}

fn run_make(
    ctx: &Ctx,
    tree: &Path,
    dir: &Path,
    args: &[&str],
    log: &Path,
    label: &str,
) -> Result<()> {
    let ok = util::run_logged(make(ctx, tree, dir).args(args), log, label)?;
    if ok {
        Ok(())
    } else {
        Err(Error::Build {
            what: label.to_string(),
            log: log.to_path_buf(),
        })
    }
}

/// The fragments of a build-only variant of `fs-pid-y`: those of `fs-pid-y`, then
/// `kconfig/variants/<variant>.config`.
pub fn variant_fragments(ctx: &Ctx, variant: &str) -> Result<Vec<PathBuf>> {
    let mut frags = fragments(ctx, &KConfig::parse("fs-pid-y"))?;
    let f = ctx
        .kconfig_dir()
        .join("variants")
        .join(format!("{variant}.config"));
    if !f.is_file() {
        return Err(Error::Usage(format!(
            "no fragment {} for the build-only variant `{variant}`",
            f.display()
        )));
    }
    frags.push(f);
    Ok(frags)
}

/// The name of the build directory and logs of a build-only variant.
pub fn variant_config_name(variant: &str) -> String {
    format!("fs-pid-y+{variant}")
}

/// The Kconfig symbol of the Rust pidfs abstractions (`rust/kernel/pidfs/`), which
/// `CONFIG_FS_PID` selects. The series adds it in the patch that adds the abstractions,
/// before `CONFIG_FS_PID` exists.
pub const ABSTRACTIONS_SYMBOL: &str = "RUST_PSEUDO_FS_ABSTRACTIONS";

/// The fragment that enables [`ABSTRACTIONS_SYMBOL`] in every configuration of a tree
/// that defines it, so that each patch compiles (and clippy checks) the abstractions it
/// adds even before their user exists, and the C pidfs configuration runs their doctests.
pub const ABSTRACTIONS_FRAGMENT: &str = "rust-pseudo-fs-abstractions.config";

/// Whether `fs/Kconfig` of the tree defines `config <symbol>`.
pub fn defines_symbol(tree: &Path, symbol: &str) -> bool {
    std::fs::read_to_string(tree.join("fs/Kconfig"))
        .map(|t| kconfig_defines(&t, symbol))
        .unwrap_or(false)
}

fn kconfig_defines(text: &str, symbol: &str) -> bool {
    text.lines()
        .any(|l| l.trim().strip_prefix("config ").map(str::trim) == Some(symbol))
}

/// The fragments of `config` for this tree: [`fragments`], plus
/// [`ABSTRACTIONS_FRAGMENT`] when the tree defines [`ABSTRACTIONS_SYMBOL`].
pub fn tree_fragments(ctx: &Ctx, tree: &Path, config: &KConfig) -> Result<Vec<PathBuf>> {
    let mut frags = fragments(ctx, config)?;
    if defines_symbol(tree, ABSTRACTIONS_SYMBOL) {
        let f = ctx.kconfig_dir().join(ABSTRACTIONS_FRAGMENT);
        if !f.is_file() {
            return Err(Error::Usage(format!(
                "the tree defines CONFIG_{ABSTRACTIONS_SYMBOL} but {} is missing",
                f.display()
            )));
        }
        // Before the flavour's fragments, which are merged last.
        let at = frags.len() - config.flavour.map_or(0, |f| f.fragments().len());
        frags.insert(at, f);
    }
    Ok(frags)
}

/// The plain name of the base kernel's configurations: `base`, `base+perf`,
/// `base+perf-llvm`, `base+llvm` (`wb size`, the base tree without the
/// series).
pub const BASE_PLAIN: &str = "base";

/// The configuration of the base kernel compared with `series` (a
/// configuration of the series' tree, `fs-pid-n` in some flavour): the
/// same flavour, so the same toolchain and the same flavour fragments.
pub fn base_config(series: &KConfig) -> KConfig {
    KConfig {
        plain: BASE_PLAIN.to_string(),
        flavour: series.flavour,
    }
}

/// `fragment` without the lines that set or unset one of `symbols` (names
/// without `CONFIG_`); comments and every other line are kept.
pub fn strip_symbols(fragment: &str, symbols: &std::collections::BTreeSet<String>) -> String {
    fragment
        .lines()
        .filter(|l| {
            let one = kconfig::parse(l);
            !one.keys().any(|k| {
                k.strip_prefix("CONFIG_")
                    .is_some_and(|n| symbols.contains(n))
            })
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The fragments of the base kernel compared with `series`: those of
/// `series` for the base tree ([`tree_fragments`]: no
/// [`ABSTRACTIONS_FRAGMENT`] there), minus what the base does not know
/// (`symbols`, the Kconfig symbols the series adds): a fragment that names
/// one of them is replaced by a copy without those lines, written to
/// `copies` under its own name.
pub fn base_fragments(
    ctx: &Ctx,
    base_tree: &Path,
    series: &KConfig,
    symbols: &std::collections::BTreeSet<String>,
    copies: &Path,
) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for f in tree_fragments(ctx, base_tree, series)? {
        let text = util::read(&f)?;
        let kept = strip_symbols(&text, symbols);
        if kept == text {
            out.push(f);
            continue;
        }
        let copy = copies.join(f.file_name().unwrap_or_default());
        if util::read(&copy).ok().as_deref() != Some(kept.as_str()) {
            util::mkdir(copies)?;
            util::write(&copy, kept.as_bytes())?;
        }
        out.push(copy);
    }
    Ok(out)
}

/// Fails with a [`Error::Config`] unless `.config` has `CONFIG_RUST=y`: a
/// comparison of Rust kernels with a kernel that lost Rust on the way (an
/// unmet dependency of the base tree) would compare something else.
pub fn require_rust(config: &Path) -> Result<()> {
    let have = kconfig::parse(&util::read(config)?);
    match have.get("CONFIG_RUST") {
        Some(kconfig::Value::Set(v)) if v == "y" => Ok(()),
        other => Err(Error::Config {
            missing: vec![format!(
                "CONFIG_RUST=y ({})",
                match other {
                    Some(kconfig::Value::Set(v)) => format!("is {v}"),
                    Some(kconfig::Value::NotSet) => "is n (is not set)".into(),
                    None => "absent from .config".into(),
                }
            )],
            config: config.to_path_buf(),
        }),
    }
}

/// Configures and builds `config` from the tree; returns the build.
pub fn build(ctx: &Ctx, tree: &Path, config: &KConfig) -> Result<Built> {
    let frags = tree_fragments(ctx, tree, config)?;
    build_frags(ctx, tree, config, &frags, true)
}

/// Configures and builds from the given fragments into the build directory of `config`;
/// `clippy` false builds with plain rustc (`CLIPPY=` on the command line overrides the
/// `CLIPPY=1` of [`toolchain_vars`]).
pub fn build_frags(
    ctx: &Ctx,
    tree: &Path,
    config: &KConfig,
    frags: &[PathBuf],
    clippy: bool,
) -> Result<Built> {
    let dir = ctx.build_dir(&config.name());
    util::mkdir(&dir)?;
    let logs = ctx.out_dir().join("logs").join(config.name());
    let start = Instant::now();
    let configured = dir.join(CONFIGURED);
    let key = configuration_key(ctx, tree, &dir, frags);
    // The record is the key and the `.config` it gave: a `.config` changed
    // since (by hand, `make menuconfig` in the build directory) is made again.
    let record = |key: &str| -> Option<String> {
        let config_sha = util::sha256(&dir.join(".config")).ok()?;
        Some(format!("{key}\n{config_sha}\n"))
    };
    let current = key.as_deref().and_then(record);
    if current.is_some() && std::fs::read_to_string(&configured).ok() == current {
        step(&format!(
            "build[{config}]: configuration unchanged since the last one here (fragments, Kconfig, toolchain): kept"
        ));
        verify(frags, &dir.join(".config"))?;
    } else {
        let _ = std::fs::remove_file(&configured);
        configure(ctx, tree, config, &dir, &logs, frags)?;
        if let Some(r) = key.as_deref().and_then(record) {
            util::write(&configured, r.as_bytes())?;
        }
    }
    build_configured(ctx, tree, config, dir, &logs, clippy, start)
}

/// The file in a build directory that holds the [`configuration_key`] its
/// `.config` was made with, and the sha256 of that `.config`.
pub const CONFIGURED: &str = ".wb-configured";

/// What a configuration depends on: the make command (toolchain variables),
/// the fragments by content, the Kconfig files (the base commit and every file
/// of the tree that differs from it) and the versions of the compilers and
/// bindgen, which Kconfig reads. [`None`] if git cannot say what the tree
/// holds: then the configuration is made again.
fn configuration_key(ctx: &Ctx, tree: &Path, dir: &Path, frags: &[PathBuf]) -> Option<String> {
    let sources = crate::stamps::content_identity(tree, &ctx.base_ref()).ok()?;
    let mut text = format!("{:?}\n", make(ctx, tree, dir));
    for f in frags {
        text.push_str(&format!(
            "fragment {}\n{}\n",
            f.display(),
            util::read(f).ok()?
        ));
    }
    let mut tools: Vec<(String, Vec<&str>)> = vec![
        ("/usr/bin/rustc".into(), vec!["-vV"]),
        ("gcc".into(), vec!["--version"]),
        (ctx.bindgen().display().to_string(), vec!["--version"]),
    ];
    if is_llvm_dir(dir) {
        tools.push(("clang-19".into(), vec!["--version"]));
    }
    for (tool, args) in tools {
        let v = util::output(Command::new(&tool).args(args)).ok()?;
        text.push_str(&format!("{tool}: {}\n", v.trim()));
    }
    text.push_str(&sources);
    util::sha256_bytes(text.as_bytes()).ok()
}

/// `make rustavailable`, then tinyconfig, the fragments and olddefconfig,
/// checked option by option.
fn configure(
    ctx: &Ctx,
    tree: &Path,
    config: &KConfig,
    dir: &Path,
    logs: &Path,
    frags: &[PathBuf],
) -> Result<()> {
    step(&format!("build[{config}]: Rust toolchain check"));
    let ok = util::run_logged(
        make(ctx, tree, dir).arg("rustavailable"),
        &logs.join("rustavailable.log"),
        "make rustavailable",
    )?;
    if !ok {
        return Err(Error::Setup {
            what: "the kernel does not find a usable Rust toolchain (make rustavailable failed)"
                .into(),
            hint: format!(
                "run `scripts/wb setup`; details in {}",
                logs.join("rustavailable.log").display()
            ),
        });
    }

    step(&format!(
        "build[{config}]: configuration (tinyconfig + {})",
        frags
            .iter()
            .map(|f| f
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned())
            .collect::<Vec<_>>()
            .join(" + ")
    ));
    let log = logs.join("config.log");
    // Keep the previous .config so an unchanged configuration does not
    // disturb the incremental build (kbuild compares symbol by symbol).
    run_make(
        ctx,
        tree,
        dir,
        &["-s", "tinyconfig"],
        &log,
        "make tinyconfig",
    )?;
    let mut merge = Command::new(tree.join("scripts/kconfig/merge_config.sh"));
    merge
        .current_dir(tree)
        .arg("-m")
        .arg("-O")
        .arg(dir)
        .arg(dir.join(".config"))
        .args(frags);
    if !util::run_logged(
        &mut merge,
        &logs.join("merge_config.log"),
        "merge_config.sh",
    )? {
        return Err(Error::Build {
            what: "merge_config.sh".into(),
            log: logs.join("merge_config.log"),
        });
    }
    run_make(
        ctx,
        tree,
        dir,
        &["-s", "olddefconfig"],
        &logs.join("olddefconfig.log"),
        "make olddefconfig",
    )?;
    verify(frags, &dir.join(".config"))?;
    info("every requested option is in .config");
    Ok(())
}

/// Every file a patch of the series touches (see [`stamps::sync`]).
fn series_files(ctx: &Ctx) -> Result<std::collections::BTreeSet<String>> {
    Ok(crate::series::read_patches(&ctx.patches_dir())?
        .iter()
        .flat_map(|(_, text)| crate::series::touched_files(text))
        .collect())
}

/// The build proper, once `.config` is there: source times, then make.
fn build_configured(
    ctx: &Ctx,
    tree: &Path,
    config: &KConfig,
    dir: PathBuf,
    logs: &Path,
    clippy: bool,
    start: Instant,
) -> Result<Built> {
    let series_files = match series_files(ctx) {
        Ok(f) => f,
        Err(e) => {
            info(&format!(
                "warning: {e}; only the files that differ from the base keep their times"
            ));
            std::collections::BTreeSet::new()
        }
    };
    match stamps::sync(tree, &ctx.base_ref(), &dir, &series_files) {
        Ok(s) => info(&format!(
            "series files: {} unchanged since the last build here (their mtimes restored), {} to rebuild",
            s.restored, s.changed
        )),
        Err(e) => info(&format!("warning: {e}")),
    }
    step(&format!("build[{config}]: bzImage and uapi headers"));
    let j = jobs();
    let mut args = vec![j.as_str(), "bzImage", "headers"];
    if !clippy {
        args.push("CLIPPY=");
    }
    run_make(
        ctx,
        tree,
        &dir,
        &args,
        &logs.join("build.log"),
        "make bzImage headers",
    )?;
    let bzimage = dir.join("arch/x86/boot/bzImage");
    info(&format!(
        "built {} in {}",
        bzimage.display(),
        fmt_duration(start.elapsed())
    ));
    Ok(Built {
        config: config.clone(),
        dir,
        bzimage,
    })
}

/// Checks that every option requested by the fragments is in `.config`.
pub fn verify(frags: &[PathBuf], config: &Path) -> Result<()> {
    let mut requested = BTreeMap::new();
    for f in frags {
        requested.extend(kconfig::parse(&util::read(f)?));
    }
    let have = kconfig::parse(&util::read(config)?);
    let missing = kconfig::verify(&requested, &have);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::Config {
            missing,
            config: config.to_path_buf(),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn kconfig_symbol_detection() {
        let text =
            "menu \"Pseudo\"\nconfig RUST_PSEUDO_FS_ABSTRACTIONS\n\tbool\nconfig FS_PIDX\n\tbool\n";
        assert!(super::kconfig_defines(text, "RUST_PSEUDO_FS_ABSTRACTIONS"));
        assert!(!super::kconfig_defines(text, "FS_PID"));
        assert!(super::kconfig_defines(text, "FS_PIDX"));
        assert!(!super::kconfig_defines(
            "\tselect RUST_PSEUDO_FS_ABSTRACTIONS\n",
            "RUST_PSEUDO_FS_ABSTRACTIONS"
        ));
    }

    use super::*;

    /// A gcc build of `fs-pid-y` + `debug.config`: KASAN is on, so `config RUST`
    /// (`depends on !KASAN || CC_IS_CLANG`) and with it `CONFIG_FS_PID` are gone
    /// from `.config`. The check must name `CONFIG_FS_PID` and fail.
    #[test]
    fn verify_fails_when_kasan_drops_rust_and_fs_pid() {
        let dir = std::env::temp_dir().join(format!("wb-build-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let frags = vec![
            repo.join("kconfig/base.config"),
            repo.join("kconfig/fs-pid-y.config"),
            repo.join("kconfig/debug.config"),
        ];
        let want = kconfig::parse(&util::read(&frags[1]).unwrap());
        assert_eq!(
            want.get("CONFIG_FS_PID"),
            Some(&kconfig::Value::Set("y".into()))
        );
        // Everything requested is there, except what KASAN with gcc takes away.
        let mut text = String::from("CONFIG_CC_IS_GCC=y\n");
        for f in &frags {
            for (k, v) in kconfig::parse(&util::read(f).unwrap()) {
                match (k.as_str(), v) {
                    ("CONFIG_RUST" | "CONFIG_FS_PID", _) => {}
                    ("CONFIG_RUST_DEBUG_ASSERTIONS" | "CONFIG_RUST_OVERFLOW_CHECKS", _) => {}
                    (_, kconfig::Value::Set(v)) => text.push_str(&format!("{k}={v}\n")),
                    (_, kconfig::Value::NotSet) => text.push_str(&format!("# {k} is not set\n")),
                }
            }
        }
        text.push_str("# CONFIG_RUST is not set\n");
        let config = dir.join(".config");
        std::fs::write(&config, &text).unwrap();
        let err = verify(&frags, &config).unwrap_err();
        let missing = match &err {
            Error::Config { missing, .. } => missing.clone(),
            other => panic!("expected a config error, got {other:?}"),
        };
        assert!(
            missing
                .iter()
                .any(|m| m.starts_with("CONFIG_FS_PID=y") && m.contains("absent")),
            "{missing:?}"
        );
        assert!(
            missing
                .iter()
                .any(|m| m.starts_with("CONFIG_RUST=y") && m.contains("is n")),
            "{missing:?}"
        );
        // The same .config with Rust and FS_PID present passes.
        text.push_str("CONFIG_RUST=y\nCONFIG_FS_PID=y\nCONFIG_RUST_DEBUG_ASSERTIONS=y\nCONFIG_RUST_OVERFLOW_CHECKS=y\n");
        std::fs::write(&config, &text).unwrap();
        verify(&frags, &config).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(err.code(), crate::error::exit::CONFIG);
    }

    #[test]
    fn base_configuration() {
        let b = base_config(&KConfig::parse("fs-pid-n+perf-llvm"));
        assert_eq!(b.name(), "base+perf-llvm");
        assert!(b.uses_clang());
        assert_eq!(KConfig::parse(&b.name()), b);
        assert_eq!(
            base_config(&KConfig::parse("fs-pid-n+perf")).name(),
            "base+perf"
        );
        assert_eq!(base_config(&KConfig::parse("fs-pid-n")).name(), "base");
        assert_eq!(
            base_config(&KConfig::parse("fs-pid-n+llvm")).name(),
            "base+llvm"
        );
        let syms: std::collections::BTreeSet<String> = [
            "FS_PID".to_string(),
            "RUST_PSEUDO_FS_ABSTRACTIONS".to_string(),
        ]
        .into();
        assert_eq!(
            strip_symbols(
                "# The C pidfs.\n# CONFIG_FS_PID is not set\nCONFIG_FS_PIDX=y\nCONFIG_RUST_PSEUDO_FS_ABSTRACTIONS=y\nCONFIG_RUST=y\n",
                &syms
            ),
            "# The C pidfs.\nCONFIG_FS_PIDX=y\nCONFIG_RUST=y\n"
        );
        let dir = std::env::temp_dir().join(format!("wb-build-rust-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join(".config");
        for (text, ok) in [
            ("CONFIG_64BIT=y\nCONFIG_RUST=y\n", true),
            ("CONFIG_64BIT=y\n# CONFIG_RUST is not set\n", false),
            ("CONFIG_64BIT=y\n", false),
        ] {
            std::fs::write(&config, text).unwrap();
            let got = require_rust(&config);
            assert_eq!(got.is_ok(), ok, "{text}");
            if let Err(e) = got {
                assert_eq!(e.code(), crate::error::exit::CONFIG);
                assert!(e.to_string().contains("CONFIG_RUST=y"), "{e}");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn debug_names() {
        assert_eq!(debug_config_name("fs-pid-y"), "fs-pid-y+debug");
        assert!(is_llvm_dir(Path::new(
            "/c/build/debian-7.3.4/fs-pid-n+debug"
        )));
        assert!(!is_llvm_dir(Path::new(
            "/c/build/debian-7.3.4/fs-pid-y+werror"
        )));
        assert!(!is_llvm_dir(Path::new(
            "/c/build/debian-7.3.4/fs-pid-y+debug-ksft"
        )));
        assert!(is_llvm_dir(Path::new(
            "/c/build/debian-7.3.4/fs-pid-y+llvm"
        )));
        let l = KConfig::parse("fs-pid-n+llvm");
        assert_eq!(l, KConfig::flavoured("fs-pid-n", Flavour::Llvm));
        assert_eq!(
            l.flavour.map(Flavour::fragments),
            Some(&["llvm.config"][..])
        );
        let p = KConfig::parse("fs-pid-y+perf");
        assert_eq!(p, KConfig::flavoured("fs-pid-y", Flavour::Perf));
        assert!(!p.uses_clang() && !p.is_debug());
        let pl = KConfig::parse("fs-pid-n+perf-llvm");
        assert_eq!(pl, KConfig::flavoured("fs-pid-n", Flavour::PerfLlvm));
        assert!(pl.uses_clang());
        assert_eq!(pl.name(), "fs-pid-n+perf-llvm");
        assert_eq!(
            pl.flavour.map(Flavour::fragments),
            Some(&["perf.config", "llvm.config"][..])
        );
        let d = KConfig::parse("fs-pid-y+debug");
        assert!(d.is_debug() && d.uses_clang());
        assert_eq!(
            (d.plain.as_str(), d.name()),
            ("fs-pid-y", "fs-pid-y+debug".into())
        );
        // A variant is a plain configuration of its own.
        let v = KConfig::parse("fs-pid-y+werror-min");
        assert_eq!((v.plain.as_str(), v.flavour), ("fs-pid-y+werror-min", None));
        assert!(!v.uses_clang());
        // A run directory named after a configuration parses the same way.
        assert!(is_debug("20261206-101010-fs-pid-y+debug"));
        assert!(!is_debug("20261206-101010-fs-pid-y"));
    }
}
