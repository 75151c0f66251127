// SPDX-License-Identifier: GPL-2.0
//! `wb ci`: the per-patch matrix. For k = 1..n, apply patches 1..k and, for
//! every configuration that exists at that point (`fs-pid-n` always,
//! `fs-pid-y` once the tree defines `CONFIG_FS_PID`), build incrementally,
//! boot and run the guest tests: a quick smoke set on intermediate patches,
//! everything on the last one.
//!
//! Every patch also gets the static checks of `checks.rs` (checkpatch and
//! rustfmtcheck once per patch, clippy, W=1 and rustdoc per configuration),
//! and on the last patch the `fs-pid-y` verdict is compared test for test
//! with the `fs-pid-n` verdict; any difference fails the matrix.
//!
//! This module runs the matrix; its cells, its verdict and its report files
//! are [`crate::matrix_report`]'s.

use crate::checks::{self, Check};
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::matrix_report::{Cell, Matrix, Stage};
use crate::run::{boot_and_judge, BootArgs};
use crate::shard::Shard;
use crate::verdict::VerdictDiff;
use crate::{guest, ident, qemu, slots, stamps, tree, util};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Build-only variants of `fs-pid-y` built on the last patch by `wb ci` and
/// `wb test` (the `.ci/run` budget): every option that changes which code of
/// the series compiles, switched in two builds, all with `CONFIG_WERROR=y`
/// so that any warning fails the build.
pub const VARIANTS: &[&str] = &["werror-min", "werror-max"];

/// Build-only variants of `wb ci --full`: `CONFIG_WERROR=y` alone, then each
/// option on its own.
pub const VARIANTS_FULL: &[&str] = &[
    "werror",
    "proc-fs-n",
    "pid-ns-n",
    "coredump-n",
    "cgroups-n",
    "user-ns-n",
    "ia32-emulation",
    "debug-vfs",
];

/// What `wb ci` runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Build every variant of [`VARIANTS_FULL`] instead of [`VARIANTS`].
    pub full: bool,
    /// Apply the whole series and build only the variants of the last patch:
    /// no per-patch checks, builds or boots (`wb ci --variants-only`).
    pub variants_only: bool,
    /// Leave out the debug cells of the last patch (`wb ci --no-debug`).
    pub no_debug: bool,
    /// Run only the cells of this shard's patches (`wb ci --shard K/N`).
    pub shard: Option<Shard>,
}

/// Configurations booted on the last patch with `kconfig/debug.config`
/// (KASAN, lockdep, kmemleak, fault injection; [`crate::build::DEBUG_SUFFIX`])
/// and every guest test but [`debug_left_out`]: `fs-pid-y` in `wb ci` and
/// `wb test`, both with `--full`, where the two verdicts are compared test
/// for test.
pub fn debug_configs(full: bool) -> &'static [&'static str] {
    if full {
        &["fs-pid-n", "fs-pid-y"]
    } else {
        &["fs-pid-y"]
    }
}

/// What a debug boot leaves out: [`DEBUG_CANNOT_PASS`], and unless `full`
/// [`DEBUG_LEFT_OUT`].
pub fn debug_left_out(full: bool) -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    DEBUG_CANNOT_PASS
        .iter()
        .chain(DEBUG_LEFT_OUT.iter().filter(move |_| !full))
}

/// Per-binary timeout of a debug boot: KASAN, lockdep and kmemleak make
/// every system call several times slower under TCG than the plain build,
/// for which [`guest::DEFAULT_TIMEOUT`] is sized.
pub const DEBUG_TIMEOUT: u32 = 900;

/// Overall QEMU deadline of a debug boot.
pub const DEBUG_DEADLINE: Duration = Duration::from_secs(2700);

/// Binaries (or, as `binary:test`, single tests) the debug boot of
/// `wb ci`/`wb test` leaves out, with the reason; `wb ci --full` runs them,
/// with [`DEBUG_TIMEOUT_FULL`].
pub const DEBUG_LEFT_OUT: &[(&str, &str)] = &[
    (
        "pidfd/pidfd_test",
        "its recycled-pid test forks 32768 times (pid_max of a new pid \
         namespace is 4194304, so the pid never comes round and it skips): \
         108 s on a plain kernel; on a debug kernel under TCG it had not \
         finished after 12 min; wb ci --full runs it",
    ),
    (
        "pidfd/pidfd_poll_test",
        "10000 fork, exit and poll rounds: 21 s on a plain kernel; on a debug \
         kernel under TCG it had not finished after 5 min; wb ci --full runs it",
    ),
    (
        "pidfd/pidfd_autoreap_test:autoreap_multithreaded",
        "races with release_task(): the leader's pidfd polls readable \
         (do_notify_parent()) before pidfs_exit() records its exit info, with \
         the C pidfs as with the Rust one (kernel/exit.c), and on a loaded \
         debug kernel the test can lose the race (seen once on \
         fs-pid-y+debug); patch 1 of the stack fixes it, not yet confirmed \
         by a debug run; the other 18 tests of the binary run; the plain \
         boots run it; wb ci --full runs it",
    ),
];

/// Binaries every debug boot of `wb ci` leaves out, `--full` included,
/// with the reason: they cannot pass on a debug kernel under TCG, C or Rust.
pub const DEBUG_CANNOT_PASS: &[(&str, &str)] = &[(
    "pid_namespace/pid_max",
    "pid_max.nested forks up to a nested pid_max and the kselftest \
     harness ends it after its fixed 30 s per test: it fails so on the debug \
     kernels of both pidfs (6 s for the binary on a plain kernel)",
)];

/// Per-binary timeout and deadline of the debug boots of `wb ci --full`,
/// which run [`DEBUG_LEFT_OUT`] too.
pub const DEBUG_TIMEOUT_FULL: u32 = 3600;
pub const DEBUG_DEADLINE_FULL: Duration = Duration::from_secs(7200);

/// Binaries run on intermediate patches (KUnit always runs at boot).
pub const SMOKE: &[&str] = &[
    "pidfd/pidfd_open_test",
    "pidfd/pidfd_wait",
    "pidfd/pidfd_file_handle_test",
    "filesystems/nsfs/owner",
];

/// Whether a patch that changes `files` (paths in the kernel tree) changes
/// nothing the kernel, its Rust crates or the guest's selftests are built
/// from: every file is under `Documentation/` or is `MAINTAINERS`. An empty
/// list is not "nothing" (a patch whose files could not be read).
pub fn compiles_nothing(files: &BTreeSet<String>) -> bool {
    !files.is_empty()
        && files
            .iter()
            .all(|f| f.starts_with("Documentation/") || f == "MAINTAINERS")
}

/// The line the workbench adds to `fs/Makefile`, in CI only, while the
/// Rust pidfs exists but is not yet hooked up: the posted patches add
/// `fs/pidfs_rs.rs` topic by topic and link it only in the patch that adds
/// `CONFIG_FS_PID`, so without this line the patches in between would
/// compile none of what they add. `extra-y` builds the object without
/// linking it; the posted series never carries it.
pub const COMPILE_ONLY_LINE: &str = "extra-$(CONFIG_RUST_PSEUDO_FS_ABSTRACTIONS) += pidfs_rs.o";

/// Whether a tree whose `fs/Makefile` is `makefile` needs
/// [`COMPILE_ONLY_LINE`]: `fs/pidfs_rs.rs` exists and no line builds it.
pub fn needs_compile_only(makefile: &str, has_pidfs_rs: bool) -> bool {
    has_pidfs_rs && !makefile.contains("pidfs_rs.o")
}

/// [`COMPILE_ONLY_LINE`] in a work tree for as long as it lives: the
/// original `fs/Makefile` comes back when it is dropped, so the next
/// `git am` sees a clean tree.
struct CompileOnly {
    path: PathBuf,
    original: Vec<u8>,
}

impl CompileOnly {
    fn add(tree: &Path) -> Result<Option<Self>> {
        let path = tree.join("fs/Makefile");
        let original = std::fs::read(&path).map_err(|e| Error::io("read fs/Makefile", e))?;
        let text = String::from_utf8_lossy(&original).into_owned();
        if !needs_compile_only(&text, tree.join("fs/pidfs_rs.rs").is_file()) {
            return Ok(None);
        }
        let fixed = format!(
            "{text}\n# wb ci only, never in a posted patch: compile the Rust pidfs\n{COMPILE_ONLY_LINE}\n"
        );
        util::write(&path, fixed.as_bytes())?;
        Ok(Some(CompileOnly { path, original }))
    }
}

impl Drop for CompileOnly {
    fn drop(&mut self) {
        let _ = std::fs::write(&self.path, &self.original);
    }
}

/// Whether the tree at this point defines `CONFIG_FS_PID`.
pub fn defines_fs_pid(tree: &Path) -> bool {
    crate::build::defines_symbol(tree, "FS_PID")
}

fn classify(e: &Error) -> Stage {
    match e {
        Error::Setup { .. } | Error::Config { .. } | Error::Build { .. } => Stage::Builds,
        Error::Guest { .. } | Error::Boot { .. } => Stage::Boots,
        Error::PatchDoesNotApply { .. } | Error::Series { .. } | Error::Unexported { .. } => {
            Stage::Applies
        }
        _ => Stage::Builds,
    }
}

/// Checks that need only the applied tree: checkpatch and rustfmtcheck.
fn patch_checks(
    ctx: &Ctx,
    tree: &std::path::Path,
    entry_name: &str,
    allow: &[checks::AllowEntry],
    dir: &std::path::Path,
) -> Result<Vec<Check>> {
    let text = util::read(&ctx.patches_dir().join(entry_name))?;
    let sender = ident::sender_or_neutral(&ctx.repo).to_string();
    let cp = checks::checkpatch(ctx, tree, entry_name, &text, &sender, allow, dir)?;
    util::info(&format!("checkpatch: {}", cp.summary));
    let fmt_dir = ctx.build_dir("rustfmt");
    util::mkdir(&fmt_dir)?;
    let fmt = checks::rustfmtcheck(ctx, tree, &fmt_dir, &dir.join("rustfmtcheck.log"))?;
    util::info(&format!("rustfmtcheck: {}", fmt.summary));
    Ok(vec![cp, fmt])
}

/// Checks of one configuration's build: clippy (from the build log),
/// rustdoc (in one configuration per patch, see below) and W=1. W=1 comes
/// last: it compiles with other flags, which `make rustdoc` would otherwise
/// have to undo first.
///
/// `touched` are the files of patches 1..k, `changed` those of patch k.
/// rustdoc only runs again when patch k changes a Rust file that this
/// configuration compiles; otherwise the documented sources are those of an
/// earlier patch, whose rustdoc result (in `rustdoc_done`) is carried over
/// and named as such.
#[allow(clippy::too_many_arguments)]
fn config_checks(
    ctx: &Ctx,
    tree: &std::path::Path,
    config: &str,
    touched: &BTreeSet<String>,
    changed: &BTreeSet<String>,
    dir: &std::path::Path,
    with_rustdoc: bool,
    rustdoc_done: &mut std::collections::BTreeMap<String, (usize, Check)>,
    k: usize,
    clippy_key: Option<&ClippyKey>,
) -> Result<Vec<Check>> {
    let build_dir = ctx.build_dir(config);
    let build_log = ctx.out_dir().join("logs").join(config).join("build.log");
    // Keep the build log of this cell: the next build overwrites it.
    let saved = dir.join(format!("build-{config}.log"));
    let _ = std::fs::copy(&build_log, &saved);
    let mut clippy = match clippy_key {
        // The diagnostics of these sources are on record: the log checked
        // is that record followed by this build's log (which compiled at most
        // what changed around them), so nothing either of them says is lost.
        Some(ClippyKey {
            saved: Some((from, text)),
            ..
        }) => {
            let this = std::fs::read_to_string(&build_log).unwrap_or_default();
            util::write(
                &saved,
                format!(
                    "# the build log of the same sources, configuration and toolchain, from {}\n{text}\n# this build's log\n{this}",
                    from.display()
                )
                .as_bytes(),
            )?;
            let mut c = checks::clippy(&saved, &build_dir, touched, changed);
            c.summary.push_str(
                " (clippy's output for these exact sources is on record: not compiled again)",
            );
            c
        }
        _ => checks::clippy(&saved, &build_dir, touched, changed),
    };
    if let Some(ClippyKey { key, saved: None }) = clippy_key {
        // This build compiled the patch's Rust files: its log is the record.
        if let Err(e) = slots::save_clippy(&build_dir, key, &saved) {
            clippy
                .summary
                .push_str(&format!("; not kept for later runs: {e}"));
        }
    }
    util::info(&format!("clippy[{config}]: {}", clippy.summary));
    let mut out = vec![clippy];
    if with_rustdoc {
        // What rustdoc documents changes with the Rust files compiled here,
        // and with the bindings (headers, helpers) and Kconfig behind them.
        let rust_changed = changed.iter().any(|f| {
            (f.ends_with(".rs") && checks::compiled_in(&build_dir, f))
                || f.starts_with("rust/bindings/")
                || f.starts_with("rust/helpers/")
                || f.ends_with("Kconfig")
        });
        let rustdoc = match rustdoc_done.get(config) {
            Some((j, earlier)) if !rust_changed => Check {
                name: "rustdoc",
                ok: earlier.ok,
                summary: format!(
                    "not run again: no Rust file compiled here changed since patch {j}, where: {}",
                    earlier.summary
                ),
                log: earlier.log.clone(),
            },
            _ => {
                let r = checks::rustdoc(
                    ctx,
                    tree,
                    &build_dir,
                    touched,
                    &dir.join(format!("rustdoc-{config}.log")),
                    clippy_key
                        .map(|c| slots::rustdoc_record(&build_dir, &c.key))
                        .as_deref(),
                )?;
                rustdoc_done.insert(config.to_string(), (k, r.clone()));
                r
            }
        };
        util::info(&format!("rustdoc[{config}]: {}", rustdoc.summary));
        out.push(rustdoc);
    }
    out.push(checks::w1(
        ctx,
        tree,
        &build_dir,
        touched,
        changed,
        &dir.join(format!("w1-{config}.log")),
        clippy_key
            .map(|c| slots::w1_record(&build_dir, &c.key))
            .as_deref(),
    )?);
    Ok(out)
}

/// The identity of one cell's clippy output, and its record if a build of
/// the same identity kept one.
pub struct ClippyKey {
    key: String,
    saved: Option<(PathBuf, String)>,
}

/// rustc's and clippy's versions, which clippy's output depends on besides
/// the sources and the configuration.
fn toolchain_identity(ctx: &Ctx) -> String {
    let mut id = crate::build::toolchain_vars(ctx).join(" ");
    for tool in ["/usr/bin/rustc", "/usr/bin/clippy-driver"] {
        let v = util::output(std::process::Command::new(tool).arg("-vV")).unwrap_or_default();
        id.push('\n');
        id.push_str(v.trim());
    }
    id
}

/// Gives `config` patch k's build directory ([`slots::take`]) and decides
/// whether the patch's Rust files must be compiled again for their clippy
/// diagnostics: not if a build of the same sources, configuration and
/// toolchain kept its log. Without a key (git failed), they are compiled.
#[allow(clippy::too_many_arguments)]
fn prepare_slot(
    ctx: &Ctx,
    tree: &Path,
    config: &str,
    k: usize,
    toolchain: &str,
    first_here: bool,
    touched: &BTreeSet<String>,
    forced: &BTreeSet<String>,
) -> Result<Option<ClippyKey>> {
    let active = ctx.build_dir(config);
    let taken = slots::take(&active, k)?;
    util::info(&format!("build directory[{config}]: {}", taken.describe(k)));
    let frags = crate::build::tree_fragments(ctx, tree, &crate::build::KConfig::parse(config))?
        .iter()
        .map(|f| {
            Ok((
                f.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                util::read(f)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let key = match stamps::content_identity(tree, &ctx.base_ref()) {
        Ok(sources) => Some(slots::clippy_key(config, &frags, toolchain, &sources)?),
        Err(e) => {
            util::info(&format!("warning: no identity for the sources ({e}): compiling the patch's Rust files again"));
            None
        }
    };
    let saved = key
        .as_ref()
        .and_then(|key| slots::saved_clippy(&active, key));
    if saved.is_none() {
        // The first patch a configuration builds at is checked for every
        // file of the series up to there.
        let rs: BTreeSet<String> = if first_here {
            touched
                .iter()
                .filter(|f| f.ends_with(".rs"))
                .cloned()
                .collect()
        } else {
            forced.clone()
        };
        stamps::forget(&active, &rs)?;
    }
    Ok(key.map(|key| ClippyKey { key, saved }))
}

/// Runs the matrix over the whole series.
pub fn run(ctx: &Ctx, opts: Options) -> Result<Matrix> {
    let started = Instant::now();
    let entries = tree::read_series(ctx)?;
    let series = tree::fingerprint(&ctx.patches_dir())?;
    let mut base = String::new();
    let allow_path = ctx.repo.join(checks::ALLOW_FILE);
    let allow = match std::fs::read_to_string(&allow_path) {
        Ok(t) => checks::parse_allow(&t)?,
        Err(_) => Vec::new(),
    };
    let n = entries.len();
    let stamp = util::now_stamp();
    let dir = ctx.out_dir().join("ci").join(stamp);
    util::mkdir(&dir)?;
    let mut cells = Vec::new();
    // Files touched by the patches applied so far.
    let mut touched: BTreeSet<String> = BTreeSet::new();
    let mut rustdoc_done = std::collections::BTreeMap::new();
    // Configurations checked so far: the first patch a configuration exists
    // at is checked for every file of the series up to there.
    let mut seen_configs: BTreeSet<String> = BTreeSet::new();
    let ks: Vec<usize> = if n == 0 { vec![0] } else { (1..=n).collect() };
    if let Some(sh) = opts.shard {
        if !ks.iter().any(|&k| sh.owns(k)) {
            return Err(Error::Usage(format!(
                "--shard {}: the series has {n} patch(es), so this shard has none",
                sh.label()
            )));
        }
    }
    // Rust files changed by the patches another shard runs since this
    // shard's previous cell: compiled again here like this patch's own.
    let mut changed_since: BTreeSet<String> = BTreeSet::new();
    let toolchain = toolchain_identity(ctx);
    'patches: for k in ks {
        let name = if k == 0 {
            "(base)".to_string()
        } else {
            entries[k - 1].name.clone()
        };
        let last = k == n;
        if opts.variants_only && !last {
            continue;
        }
        if let Some(sh) = opts.shard.filter(|sh| !sh.owns(k)) {
            let text = util::read(&ctx.patches_dir().join(&name))?;
            let files = crate::series::touched_files(&text);
            changed_since.extend(files.iter().filter(|f| f.ends_with(".rs")).cloned());
            touched.extend(files);
            util::info(&format!(
                "ci: patch {k}/{n} {name} is not in shard {}",
                sh.label()
            ));
            continue;
        }
        util::step(&format!("ci: patch {k}/{n} {name}"));
        let start = Instant::now();
        let applied = match tree::apply(ctx, Some(k), false) {
            Ok(a) => {
                base = a.base.clone();
                a
            }
            Err(e) => {
                cells.push(Cell {
                    patch: k,
                    name,
                    config: "-".into(),
                    failed: Some(Stage::Applies),
                    full: last,
                    counts: None,
                    seconds: start.elapsed().as_secs_f64(),
                    note: e.to_string().lines().next().unwrap_or_default().to_string(),
                    log: ctx.out_dir().join("logs/git-am.log").display().to_string(),
                    checks: Vec::new(),
                    run_dir: None,
                    build_only: false,
                    nothing_to_build: false,
                });
                // Later patches cannot apply on top of a missing one.
                break 'patches;
            }
        };
        let check_dir = dir.join("checks").join(format!("{k:04}"));
        util::mkdir(&check_dir)?;
        let mut per_patch = Vec::new();
        let mut changed: BTreeSet<String> = BTreeSet::new();
        // The Rust files to compile again in this patch's builds (unless
        // their clippy output is on record, see `slots`).
        let mut forced: BTreeSet<String> = BTreeSet::new();
        if k > 0 && !opts.variants_only {
            let text = util::read(&ctx.patches_dir().join(&name))?;
            changed.extend(crate::series::touched_files(&text));
            touched.extend(changed.iter().cloned());
            // Make sure the Rust files this patch changes are compiled
            // again, so their warnings are in this build's log (with the
            // crates that depend on them).
            for f in changed.iter().filter(|f| f.ends_with(".rs")) {
                let p = applied.tree.join(f);
                if p.is_file() {
                    let _ = std::fs::File::options()
                        .append(true)
                        .open(&p)
                        .and_then(|fh| fh.set_modified(std::time::SystemTime::now()));
                }
            }
            // The source-time records would give them back the mtime of
            // an earlier build of the same content.
            let mut rs: BTreeSet<String> = changed
                .iter()
                .filter(|f| f.ends_with(".rs"))
                .cloned()
                .collect();
            for f in std::mem::take(&mut changed_since) {
                let p = applied.tree.join(&f);
                if p.is_file() {
                    let _ = std::fs::File::options()
                        .append(true)
                        .open(&p)
                        .and_then(|fh| fh.set_modified(std::time::SystemTime::now()));
                }
                rs.insert(f);
            }
            forced = rs;
            util::step(&format!("ci: static checks of patch {k}"));
            per_patch = match patch_checks(ctx, &applied.tree, &name, &allow, &check_dir) {
                Ok(c) => c,
                Err(e) => vec![Check {
                    name: "checkpatch",
                    ok: false,
                    summary: e.to_string().lines().next().unwrap_or_default().to_string(),
                    log: check_dir.clone(),
                }],
            };
        }
        let patch_seconds = start.elapsed().as_secs_f64();
        // A patch in the middle that changes only documentation or
        // MAINTAINERS leaves the kernel and the guest as they were: its
        // static checks are all there is to run. The last patch always
        // builds and boots, since its full run is the verdict.
        if k > 0 && !last && !opts.variants_only && compiles_nothing(&changed) {
            util::info(&format!(
                "patch {k} changes only documentation or MAINTAINERS: its kernel is patch {}'s, \
                 nothing is built or booted again",
                k - 1
            ));
            cells.push(Cell {
                patch: k,
                name,
                config: "-".into(),
                failed: None,
                full: false,
                counts: None,
                seconds: patch_seconds,
                note: "documentation or MAINTAINERS only: static checks; kernel unchanged".into(),
                log: check_dir.display().to_string(),
                checks: per_patch,
                run_dir: None,
                build_only: false,
                nothing_to_build: true,
            });
            continue;
        }
        let compile_only = CompileOnly::add(&applied.tree)?;
        if compile_only.is_some() {
            util::info(&format!(
                "patch {k}: fs/pidfs_rs.rs is not built by the series yet; CI adds `{COMPILE_ONLY_LINE}` \
                 to fs/Makefile for this patch's builds and checks only"
            ));
        }
        let mut configs = vec!["fs-pid-n".to_string()];
        if defines_fs_pid(&applied.tree) {
            configs.push("fs-pid-y".into());
        }
        if opts.variants_only {
            configs.clear();
        }
        // rustdoc documents the same sources in every configuration, and
        // always from scratch (minutes): it runs once per patch, in the
        // last configuration, which compiles the most of the series.
        let n_configs = configs.len();
        for (ci, config) in configs.into_iter().enumerate() {
            let start = Instant::now();
            let first_here = !seen_configs.contains(&config);
            let clippy_key = if k > 0 {
                prepare_slot(
                    ctx,
                    &applied.tree,
                    &config,
                    k,
                    &toolchain,
                    first_here,
                    &touched,
                    &forced,
                )?
            } else {
                None
            };
            let args = BootArgs {
                config: crate::build::KConfig::parse(&config),
                guest: guest::GuestOptions {
                    extra: Vec::new(),
                    filter: if last {
                        Vec::new()
                    } else {
                        SMOKE.iter().map(|s| s.to_string()).collect()
                    },
                    skip: Vec::new(),
                    timeout: None,
                },
                kernel: None,
                boot: qemu::BootOptions {
                    kvm: false,
                    deadline: Duration::from_secs(1800),
                    extra_cmdline: String::new(),
                    icount_shift: None,
                },
            };
            let (mut cell, built) = boot_cell(ctx, k, &name, &args, last, per_patch.clone());
            if compile_only.is_some() {
                if !cell.note.is_empty() {
                    cell.note.push_str("; ");
                }
                cell.note.push_str(
                    "fs/pidfs_rs.rs compiled (not linked) through a CI-only fs/Makefile line",
                );
            }
            if built && k > 0 {
                util::step(&format!("ci: checks of patch {k} in {config}"));
                // rustdoc (about two minutes a patch) runs on the last patch,
                // where it covers every file of the series, and with --full on
                // every patch; `.ci/run` has no time for it in the middle.
                let with_rustdoc = ci + 1 == n_configs && (last || opts.full);
                if ci + 1 == n_configs && !with_rustdoc {
                    util::info(&format!(
                        "rustdoc[{config}]: not run on intermediate patches (`wb ci --full` runs it)"
                    ));
                }
                seen_configs.insert(config.clone());
                let changed_here = if first_here { &touched } else { &changed };
                match config_checks(
                    ctx,
                    &applied.tree,
                    &config,
                    &touched,
                    changed_here,
                    &check_dir,
                    with_rustdoc,
                    &mut rustdoc_done,
                    k,
                    clippy_key.as_ref(),
                ) {
                    Ok(c) => cell.checks.extend(c),
                    Err(e) => cell.checks.push(Check {
                        name: "build checks",
                        ok: false,
                        summary: e.to_string().lines().next().unwrap_or_default().to_string(),
                        log: check_dir.clone(),
                    }),
                }
            } else if k > 0 {
                cell.checks.push(Check {
                    name: "build checks",
                    ok: false,
                    summary: "clippy, W=1 and rustdoc need a build, and the build failed".into(),
                    log: PathBuf::from(&cell.log),
                });
            }
            if k == 0 {
                cell.checks.push(Check {
                    name: "series",
                    ok: true,
                    summary: "the series is empty: nothing to check".into(),
                    log: dir.clone(),
                });
            }
            cell.seconds =
                start.elapsed().as_secs_f64() + if ci == 0 { patch_seconds } else { 0.0 };
            cells.push(cell);
        }
        drop(compile_only);
        if last && k > 0 && defines_fs_pid(&applied.tree) {
            let variants = if opts.full { VARIANTS_FULL } else { VARIANTS };
            for v in variants {
                cells.push(build_variant(ctx, &applied.tree, k, &name, v));
            }
            if !opts.no_debug && !opts.variants_only {
                for config in debug_configs(opts.full) {
                    cells.push(debug_cell(ctx, k, &name, config, opts.full));
                }
            }
        }
    }
    let (diff, mut diff_note) = compare_last(&cells, n, &dir)?;
    if let Some(sh) = opts.shard.filter(|sh| !sh.owns(n)) {
        diff_note = format!("the last patch is not in shard {}", sh.label());
    }
    let (debug_diff, debug_diff_note) = if opts.full {
        compare_pair(
            &cells,
            n,
            &dir,
            &crate::build::debug_config_name("fs-pid-n"),
            &crate::build::debug_config_name("fs-pid-y"),
            "verdict-diff-debug.md",
        )?
    } else {
        (
            None,
            "fs-pid-n+debug boots only in `wb ci --full`".to_string(),
        )
    };
    let m = Matrix {
        cells,
        dir,
        diff,
        diff_note,
        debug_diff,
        debug_diff_note,
        series,
        base,
        seconds: started.elapsed().as_secs_f64(),
        shard: opts.shard,
        last_patch: n,
    };
    m.write()?;
    Ok(m)
}

/// The build directory to start a variant's first build from: another
/// `CONFIG_WERROR=y` variant that has been built (same compiler flags), in
/// this order of preference.
pub fn seed_for(config: &str, built: &[String]) -> Option<String> {
    ["werror", "werror-min", "werror-max"]
        .iter()
        .map(|v| crate::build::variant_config_name(v))
        .find(|c| c != config && built.iter().any(|b| b == c))
}

/// Gives a variant that has no build directory yet a copy of a built one
/// ([`seed_for`]). Its configuration differs by one or a few options, so
/// kbuild, which tracks which objects depend on which option, rebuilds
/// those objects (and the Rust crates, whose cfg changes) instead of the
/// whole kernel: a first `wb ci --full` builds six directories this way
/// instead of from nothing. The copy is made under a temporary name and
/// renamed, so an interrupted copy is never taken for a build directory.
fn seed_variant_dir(ctx: &Ctx, config: &str) -> Result<()> {
    let dir = ctx.build_dir(config);
    if dir.join(".config").exists() {
        return Ok(());
    }
    let parent = dir.parent().unwrap_or(Path::new("/")).to_path_buf();
    let built: Vec<String> = std::fs::read_dir(&parent)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().join("vmlinux").is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let Some(seed) = seed_for(config, &built) else {
        return Ok(());
    };
    let start = Instant::now();
    let tmp = parent.join(format!(".{config}.seeding"));
    util::remove_dir_all_if_exists(&tmp)?;
    util::remove_dir_all_if_exists(&dir)?;
    util::step(&format!(
        "ci: {config}: first build, starting from a copy of {seed}"
    ));
    let ok = util::run_logged(
        std::process::Command::new("cp")
            .arg("-a")
            .arg("--reflink=auto")
            .arg(parent.join(&seed))
            .arg(&tmp),
        &ctx.out_dir().join("logs").join(config).join("seed.log"),
        "cp -a",
    )?;
    if !ok {
        let _ = util::remove_dir_all_if_exists(&tmp);
        return Err(Error::Series {
            what: format!("copying {seed} to seed {config} failed"),
            hint: "check the free space of the cache".into(),
        });
    }
    std::fs::rename(&tmp, &dir).map_err(|e| Error::io("rename the seeded build directory", e))?;
    util::info(&format!(
        "seeded from {seed} in {}",
        util::fmt_duration(start.elapsed())
    ));
    Ok(())
}

/// Builds (through `boot_and_judge`), boots and judges one configuration;
/// the cell and whether the kernel was built.
fn boot_cell(
    ctx: &Ctx,
    k: usize,
    name: &str,
    args: &BootArgs,
    full: bool,
    checks: Vec<Check>,
) -> (Cell, bool) {
    let config = args.config.name();
    let mut cell = Cell {
        patch: k,
        name: name.to_string(),
        config: config.clone(),
        failed: None,
        full,
        counts: None,
        seconds: 0.0,
        note: String::new(),
        log: ctx
            .out_dir()
            .join(format!("latest-{config}"))
            .display()
            .to_string(),
        checks,
        run_dir: None,
        build_only: false,
        nothing_to_build: false,
    };
    let built;
    match boot_and_judge(ctx, args) {
        Ok(run) => {
            built = true;
            cell.counts = Some(run.counts);
            if !run.passed {
                cell.failed = Some(Stage::Tests);
                cell.note = "verdict FAIL: see verdict.md".into();
            }
            cell.log = run.dir.join("verdict.md").display().to_string();
            cell.run_dir = Some(run.dir);
        }
        Err(e) => {
            eprintln!("error: {e}");
            let stage = classify(&e);
            built = stage == Stage::Boots;
            cell.failed = Some(stage);
            cell.note = e.to_string().lines().next().unwrap_or_default().to_string();
            cell.log = ctx
                .out_dir()
                .join("logs")
                .join(&config)
                .display()
                .to_string();
        }
    }
    (cell, built)
}

/// The debug boot of `config` on the last patch: `kconfig/debug.config`
/// built with clang, every guest test but [`debug_left_out`], a kmemleak
/// scan at the end; any report of KASAN, lockdep, kmemleak,
/// DEBUG_LIST/OBJECTS/VFS fails it.
fn debug_cell(ctx: &Ctx, k: usize, name: &str, config: &str, full: bool) -> Cell {
    let config = crate::build::KConfig::flavoured(config, crate::build::Flavour::Debug);
    util::step(&format!("ci: debug boot {config} of patch {k}"));
    let start = Instant::now();
    let args = BootArgs {
        config,
        guest: guest::GuestOptions {
            extra: Vec::new(),
            filter: Vec::new(),
            skip: debug_left_out(full)
                .map(|(id, why)| (id.to_string(), why.to_string()))
                .collect(),
            timeout: Some(if full {
                DEBUG_TIMEOUT_FULL
            } else {
                DEBUG_TIMEOUT
            }),
        },
        kernel: None,
        boot: qemu::BootOptions {
            kvm: false,
            deadline: if full {
                DEBUG_DEADLINE_FULL
            } else {
                DEBUG_DEADLINE
            },
            extra_cmdline: String::new(),
            icount_shift: None,
        },
    };
    let left_out: Vec<&str> = debug_left_out(full).map(|(id, _)| *id).collect();
    let (mut cell, _) = boot_cell(ctx, k, name, &args, true, Vec::new());
    let console = cell
        .run_dir
        .as_ref()
        .map(|d| d.join("console.log"))
        .unwrap_or_else(|| PathBuf::from(&cell.log));
    let text = std::fs::read_to_string(&console).unwrap_or_default();
    cell.checks.push(kmemleak_check(&text, console));
    if cell.note.is_empty() && !left_out.is_empty() {
        cell.note = format!("not run here: {}", left_out.join(", "));
    }
    cell.seconds = start.elapsed().as_secs_f64();
    cell
}

/// The check of a debug cell: the kmemleak scan at the end of the guest run
/// ran to its end (the guest prints its report between two marker lines; the
/// verdict counts every object in it as a splat, and fails a debug run whose
/// scan did not finish). Shown as its own check so that the matrix names it.
pub fn kmemleak_check(console: &str, log: PathBuf) -> Check {
    let scan = crate::verdict::kmemleak_scan(console);
    Check {
        name: "kmemleak scan",
        ok: scan == crate::verdict::KmemleakScan::Done,
        summary: scan.describe().into(),
        log,
    }
}

/// Builds one build-only variant of `fs-pid-y` (`kconfig/variants/<v>.config`,
/// `CONFIG_WERROR=y`), in its own build directory so that later runs are
/// incremental. With `CONFIG_WERROR=y` every compiler warning, rustc's or
/// gcc's, is an error, so a successful build shows there is none. The
/// variants build with plain rustc, not clippy: with `-Dwarnings` an
/// upstream clippy finding (`rust/kernel/cpufreq.rs`) would fail every
/// build; clippy on the series' files is the `fs-pid-y` cell's check.
fn build_variant(ctx: &Ctx, tree: &Path, k: usize, name: &str, v: &str) -> Cell {
    let config = crate::build::variant_config_name(v);
    util::step(&format!("ci: build-only variant {config} of patch {k}"));
    let start = Instant::now();
    let logs = ctx.out_dir().join("logs").join(&config);
    let mut cell = Cell {
        patch: k,
        name: name.to_string(),
        config: config.clone(),
        failed: None,
        full: false,
        counts: None,
        seconds: 0.0,
        note: "build only".into(),
        log: logs.join("build.log").display().to_string(),
        checks: Vec::new(),
        run_dir: None,
        build_only: true,
        nothing_to_build: false,
    };
    if let Err(e) = seed_variant_dir(ctx, &config) {
        util::info(&format!("warning: {e}; building {config} from scratch"));
    }
    let built = crate::build::variant_fragments(ctx, v).and_then(|frags| {
        crate::build::build_frags(
            ctx,
            tree,
            &crate::build::KConfig::parse(&config),
            &frags,
            false,
        )
    });
    match built {
        Ok(_) => cell.checks.push(Check {
            name: "werror",
            ok: true,
            summary: "built with CONFIG_WERROR=y: no rustc or gcc warning in any compiled file"
                .into(),
            log: logs.join("build.log"),
        }),
        Err(e) => {
            eprintln!("error: {e}");
            cell.failed = Some(classify(&e));
            cell.note = e.to_string().lines().next().unwrap_or_default().to_string();
            cell.checks.push(Check {
                name: "werror",
                ok: false,
                summary: match cell.failed {
                    Some(Stage::Builds) if matches!(e, Error::Config { .. }) => {
                        "not built: the configuration is not what the fragments ask for".into()
                    }
                    _ => "the build failed (a warning is an error here)".into(),
                },
                log: logs.join("build.log"),
            });
        }
    }
    cell.seconds = start.elapsed().as_secs_f64();
    cell
}

/// Compares the fs-pid-y verdict of the last patch with fs-pid-n, test for
/// test, and saves the table as verdict-diff.md.
fn compare_last(cells: &[Cell], n: usize, dir: &Path) -> Result<(Option<VerdictDiff>, String)> {
    compare_pair(cells, n, dir, "fs-pid-n", "fs-pid-y", "verdict-diff.md")
}

/// Compares the verdicts of configurations `a` and `b` of the last patch,
/// test for test, and saves the table in `dir/file`.
fn compare_pair(
    cells: &[Cell],
    n: usize,
    dir: &Path,
    a: &str,
    b: &str,
    file: &str,
) -> Result<(Option<VerdictDiff>, String)> {
    let last: Vec<&Cell> = cells.iter().filter(|c| c.patch == n && c.full).collect();
    let find = |cfg: &str| last.iter().find(|c| c.config == cfg);
    let (Some(cn), Some(cy)) = (find(a), find(b)) else {
        let note = if last.is_empty() {
            "the last patch was not reached".to_string()
        } else {
            if b == "fs-pid-y" {
                "fs-pid-y does not exist at the last patch (no `config FS_PID` in fs/Kconfig)"
                    .to_string()
            } else {
                format!("{a} or {b} did not run on the last patch")
            }
        };
        return Ok((None, note));
    };
    let (Some(dn), Some(dy)) = (&cn.run_dir, &cy.run_dir) else {
        return Ok((
            None,
            "a configuration of the last patch did not boot, so there is nothing to compare".into(),
        ));
    };
    let (_, _, d) = crate::run::compare_dirs((a, dn), (b, dy))?;
    let file = dir.join(file);
    util::write(
        &file,
        format!(
            "# {b} against {a}, last patch\n\n{a}: {}\n{b}: {}\n\n{}",
            dn.display(),
            dy.display(),
            d.markdown
        )
        .as_bytes(),
    )?;
    print!("\n{}", d.markdown);
    Ok((Some(d), String::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_seeds() {
        let built = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let werror = crate::build::variant_config_name("werror");
        let min = crate::build::variant_config_name("werror-min");
        let cg = crate::build::variant_config_name("cgroups-n");
        // The plain WERROR build is the preferred seed, never its own.
        assert_eq!(
            seed_for(&cg, &built(&[&min, &werror])).as_deref(),
            Some(werror.as_str())
        );
        assert_eq!(
            seed_for(&werror, &built(&[&werror, &min])).as_deref(),
            Some(min.as_str())
        );
        // Only WERROR builds qualify: fs-pid-y has other compiler flags.
        assert_eq!(seed_for(&cg, &built(&["fs-pid-y", "fs-pid-n"])), None);
        assert_eq!(seed_for(&werror, &built(&[&werror])), None);
    }

    #[test]
    fn documentation_only_patches_compile_nothing() {
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert!(compiles_nothing(&set(&["MAINTAINERS"])));
        assert!(compiles_nothing(&set(&[
            "Documentation/filesystems/pidfs.rst",
            "Documentation/filesystems/index.rst",
        ])));
        assert!(!compiles_nothing(&set(&[])));
        assert!(!compiles_nothing(&set(&["MAINTAINERS", "fs/pidfs_rs.rs"])));
        assert!(!compiles_nothing(&set(&[
            "tools/testing/selftests/pidfd/pidfd_pidfs_test.c"
        ])));
        // A file named like documentation elsewhere is built.
        assert!(!compiles_nothing(&set(&["rust/kernel/Documentation.rs"])));
        let mut c = crate::matrix_report::test_cell(None);
        c.nothing_to_build = true;
        c.counts = None;
        assert_eq!(c.mark(Stage::Applies), "ok");
        assert_eq!(c.mark(Stage::Builds), "n/a");
        assert_eq!(c.mark(Stage::Boots), "n/a");
        assert_eq!(c.mark(Stage::Tests), "n/a");
        assert!(c.ok());
    }

    #[test]
    fn variant_fragments_exist() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for v in VARIANTS.iter().chain(VARIANTS_FULL) {
            let f = repo.join("kconfig/variants").join(format!("{v}.config"));
            let text =
                std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let opts = crate::kconfig::parse(&text);
            assert_eq!(
                opts.get("CONFIG_WERROR"),
                Some(&crate::kconfig::Value::Set("y".into())),
                "{v} must set CONFIG_WERROR=y"
            );
        }
    }

    #[test]
    fn debug_cells_check_the_kmemleak_scan() {
        let log = PathBuf::from("console.log");
        let ran = "[ 9.0] x\r\nwb: kmemleak scan\r\n[ 15.0] y\r\nwb: kmemleak scan done\r\n";
        assert!(kmemleak_check(ran, log.clone()).ok);
        let cut = "wb: kmemleak scan\n[ 15.0] y\n";
        assert!(!kmemleak_check(cut, log.clone()).ok);
        assert!(!kmemleak_check("wb: done\n", log.clone()).ok);
        // A debug cell carries this check, so it can pass (a cell without
        // any check never does).
        let mut c = crate::matrix_report::test_cell(None);
        c.checks = vec![kmemleak_check(ran, log)];
        assert!(c.ok());
    }

    #[test]
    fn debug_boots() {
        assert_eq!(debug_configs(false), ["fs-pid-y"]);
        assert_eq!(debug_configs(true), ["fs-pid-n", "fs-pid-y"]);
        let ids = |full| debug_left_out(full).map(|(id, _)| *id).collect::<Vec<_>>();
        assert_eq!(
            ids(false),
            [
                "pid_namespace/pid_max",
                "pidfd/pidfd_test",
                "pidfd/pidfd_poll_test",
                "pidfd/pidfd_autoreap_test:autoreap_multithreaded"
            ]
        );
        assert_eq!(ids(true), ["pid_namespace/pid_max"]);
    }

    #[test]
    fn compile_only_line_while_the_rust_pidfs_is_not_hooked_up() {
        let before = "obj-y := open.o pidfs.o\n";
        // No Rust pidfs yet: nothing to compile.
        assert!(!needs_compile_only(before, false));
        // The Rust pidfs exists, no line builds it: CI adds one.
        assert!(needs_compile_only(before, true));
        // The patch that hooks it up builds it: no CI line.
        let hooked = "ifdef CONFIG_FS_PID\nobj-y += pidfs_rs.o\nelse\nobj-y += pidfs.o\nendif\n";
        assert!(!needs_compile_only(hooked, true));
        let dir = std::env::temp_dir().join(format!("wb-compile-only-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("fs")).unwrap();
        std::fs::write(dir.join("fs/Makefile"), before).unwrap();
        std::fs::write(dir.join("fs/pidfs_rs.rs"), "").unwrap();
        {
            let g = CompileOnly::add(&dir).unwrap();
            assert!(g.is_some());
            let m = std::fs::read_to_string(dir.join("fs/Makefile")).unwrap();
            assert!(
                m.starts_with(before) && m.ends_with(&format!("{COMPILE_ONLY_LINE}\n")),
                "{m}"
            );
        }
        // Dropped: the tree is as the patches left it.
        assert_eq!(
            std::fs::read_to_string(dir.join("fs/Makefile")).unwrap(),
            before
        );
        std::fs::write(dir.join("fs/Makefile"), hooked).unwrap();
        assert!(CompileOnly::add(&dir).unwrap().is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn fs_pid_detection() {
        let d = std::env::temp_dir().join(format!("wb-kconfig-{}", std::process::id()));
        std::fs::create_dir_all(d.join("fs")).unwrap();
        std::fs::write(d.join("fs/Kconfig"), "config FS_POSIX_ACL\n\tdef_bool n\n").unwrap();
        assert!(!defines_fs_pid(&d));
        std::fs::write(
            d.join("fs/Kconfig"),
            "config FS_PID\n\tbool \"Rust pidfs\"\n",
        )
        .unwrap();
        assert!(defines_fs_pid(&d));
        let _ = std::fs::remove_dir_all(&d);
    }
}
