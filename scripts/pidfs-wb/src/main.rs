// SPDX-License-Identifier: GPL-2.0
//! `wb`: the pidfs-rs workbench. From nothing to "pinned base + patches/ →
//! Rust-enabled kernel → QEMU → upstream selftest verdict".

mod base;
mod bench;
mod build;
mod checks;
mod ctx;
mod error;
mod export;
mod guest;
mod harness;
mod ident;
mod json;
mod kcidb;
mod kconfig;
mod ktap;
mod lock;
mod mailtest;
mod maintainers;
mod matrix;
mod onto;
mod qemu;
mod run;
mod series;
mod seriescheck;
mod setup;
mod shard;
mod splat;
mod stamps;
mod testcmd;
mod trace;
mod tree;
mod util;
mod verdict;

use error::{Error, Result};
use run::{boot_and_judge, compare_runs, verdict_again, BootArgs};
use std::path::PathBuf;
use std::time::Duration;

const HELP: &str = "\
wb — workbench for the Rust pidfs patch series

usage: scripts/wb <command> [options]

commands:
  setup                 install the pinned toolchain (idempotent)
  base                  fetch, verify and unpack Linux 7.3.4 into a git repo
  series apply          apply patches/ onto the base in the work tree
        [--upto K]        only the first K patches
        [--discard]       throw away unexported edits in the work tree
  series check          apply the whole series; check the in-tree files,
                        ci/maintainers.md and the `# series:` markers
        [--discard]       throw away unexported edits in the work tree
  series maintainers    get_maintainer.pl on every patch (whole series
                        applied): print the table of ci/maintainers.md
        [--write]         write it to ci/maintainers.md
  series export         write the work tree's commits back into patches/
                        and the in-tree files
  build [--config C]    configure and build the work tree (default fs-pid-n)
        [--debug]         C with kconfig/debug.config (KASAN, lockdep,
                          kmemleak, fault injection, …) built with clang
                          (LLVM=-19) in its own directory C+debug
  boot  [--config C]    build, then boot in QEMU and print the verdict
        [--only S]...     run only binaries whose id contains S
        [--skip S]...     leave out binaries whose id contains S, or with
                          S = coll/binary:test one test of a harness binary
                          (the verdict lists them under Not run)
        [--extra FILE]... add a guest test program (collection `wb`)
        [--kernel BZ]     boot this bzImage with only --extra tests (no build)
        [--timeout S]     per-binary timeout (default 240)
        [--deadline S]    overall QEMU deadline (default 1800)
        [--kvm]           use KVM (only if /dev/kvm works; TCG is default)
        [--debug]         boot C+debug (see build); a kmemleak scan ends
                          the run and every report counts as a splat
  run   [--config C]    the main job: setup, series check, build, boot,
                        verdict (accepts the boot options)
  ci                    per-patch matrix: for k = 1..n apply patches 1..k,
                        static checks (checkpatch --strict as sent,
                        rustfmtcheck, CLIPPY=1, rustdoc, W=1), build each
                        configuration that exists, boot, test (smoke set;
                        everything on the last patch, where fs-pid-y is
                        compared test for test with fs-pid-n); report in
                        out/ci/<time>/report.{md,json}; on the last
                        patch also builds (no boot) fs-pid-y variants with
                        CONFIG_WERROR=y (kconfig/variants/): werror-min,
                        werror-max; and boots fs-pid-y+debug (see
                        build --debug) with every guest test but
                        pidfd_test and pidfd_poll_test (32768 and 10000
                        forks: more than 12 and 5 min there) and
                        pid_max (its harness timeout cuts it off there)
        [--full]          build-only variants one option at a time
                          instead: werror, proc-fs-n, pid-ns-n,
                          coredump-n, cgroups-n, user-ns-n,
                          ia32-emulation, debug-vfs; rustdoc on
                          every patch (otherwise on the last one only);
                          both debug boots with every test, fs-pid-n+debug
                          compared test for test with fs-pid-y+debug
        [--variants-only] apply the whole series and build only the
                          variants of the last patch (with --full: all 8)
        [--no-debug]      leave out the debug boots
        [--shard K/N]     run only the cells of patches K, K+N, K+2N, …
                          (each shard still applies the whole prefix and
                          keeps its build directories); the last patch's
                          full runs, variants and debug boot go with it
        --merge DIR…      join the report directories of shards 1..N of
                          one series into one report (report.md/.json,
                          kcidb.json in out/ci/<time>-merged) and verdict
  export                the series as mail through b4 (sender = git config
                        user.name/user.email, never the neutral identity)
        [--version N]     version (default 1); N >= 2 needs ci/versions/v(N-1)
                          and a `vN:` entry in ci/versions/changelog.txt
        [--rfc]           [PATCH RFC …]
        [--out DIR]       default out/mail/vN[-rfc][/NAME]
        [--series NAME]   only the series NAME of the stack (a `# series:`
                          marker of patches/series), applied after the
                          earlier series and naming them as b4
                          prerequisites; cover letter ci/cover-NAME.txt,
                          records ci/versions/NAME/ (without it: the whole
                          stack as one thread, with the cover letter of
                          its last series)
        [--no-b4-check]   leave out `b4 prep --check` (about a minute: it
                          runs checkpatch on every patch, as wb ci does,
                          and only reports); b4-check.txt then says so
        --assisted-by T | --no-assisted-by
                          required: an `Assisted-by: T` trailer (e.g. `LLM
                          sparse`) before the sender's Signed-off-by, or the
                          statement that none applies
                          (Documentation/process/coding-assistants.rst)
  onto TREE             apply the series with git am -3 onto a kernel git tree
        [--ref REF]       commit to apply onto (default HEAD)
        [--branch NAME]   branch left on success (default pidfs-rs/onto);
                          on failure TREE is left exactly as it was
  bench                 C pidfs (fs-pid-n) against Rust pidfs (fs-pid-y):
                        build both from the work tree, boot them alternately
                        (C, Rust, C, …) running guest/bench/pidfs_bench.c,
                        report median ns/op per kernel, min–max over boots,
                        Rust/C ratio with a 95 % bootstrap CI; report.md,
                        report.json and plot.svg in out/bench/<time>-<mode>/
        [--boots N]       boots per kernel (default 3)
        [--icount]        deterministic mode: QEMU -icount (guest time =
                          executed instructions); default is wall time
        [--shift N]       icount shift (default 0: 1 ns per instruction)
        [--reps R]        repetitions of every workload per boot (default 5)
        [--scale P]       iterations in percent of the defaults (default 100)
        [--deadline S]    QEMU deadline per boot (default 1800)
        [--quick]         1 boot each, 1 rep, 5 % iterations: checks that
                          every workload gives a figure (no timing verdict)
        [--no-build]      boot the kernels as last built (no setup, no make)
        [--llvm]          both kernels built with clang (LLVM=-19) and
                          CONFIG_RUST_INLINE_HELPERS=y (kconfig/llvm.config),
                          build directories fs-pid-{n,y}+llvm
  trace                 which functions execute one pidfs operation, C
                        (fs-pid-n) against Rust (fs-pid-y): boots each
                        kernel with the benchmark guest and QEMU's gdb stub,
                        single-steps one warm call of the operation and
                        counts instructions per function (and memory
                        accesses, calls); out/trace/<time>/report.md
        [--op OP]...      pidfd_open, get_info_live, get_info_exit,
                          name_to_handle, open_by_handle, fstat, prepare_pid,
                          add_pid, exit, remove_pid (default: all; under
                          a minute per operation and kernel; needs gdb)
        [--no-build]      trace the kernels as last built
        [--llvm]          the fs-pid-{n,y}+llvm kernels (see bench)
  verdict DIR           judge the logs saved in a run directory again
  compare LEFT RIGHT    judge two saved run directories again and compare
                        them test for test (e.g. fs-pid-n+debug against
                        fs-pid-y+debug booted by hand); exit 1 on a
                        difference (a test only RIGHT has and passes is
                        listed, not counted, as in wb ci)
  test                  the test command: unit tests, failure-path tests, the
                        per-patch matrix, export/round-trip/onto tests;
                        ends `N passed, N failed`
        [--quick]         without the matrix and the boots (for tool work)

environment:
  WB_CACHE        cache directory (default ~/.cache/pidfs-rs)
  WB_KERNEL_TREE  use this kernel git tree as the base (e.g. linux-next)
  WB_BASE_REF     commit in WB_KERNEL_TREE to apply onto (default HEAD)
  WB_OUT          where run logs and verdicts go (default ./out)
  WB_PATCHES      series directory (default ./patches)
  WB_VERSIONS     records of exported versions (default ./ci/versions)
  WB_WORKTREE     the work tree (default in the cache)

exit codes: 0 ok, 1 tests or checks failed (or no usable bench figures),
  2 usage, 3 setup, 4 base, 5 series (a patch does not apply, also in
  `onto`), 6 config, 7 build, 8 guest, 9 boot, 10 drift, 11 I/O,
  12 no usable sender identity, 13 export (b4, cover letter, version records),
  14 cache busy (another wb holds its lock), 15 report (`ci --merge` input)
";

struct Args {
    rest: Vec<String>,
}

impl Args {
    fn flag(&mut self, name: &str) -> bool {
        if let Some(i) = self.rest.iter().position(|a| a == name) {
            self.rest.remove(i);
            true
        } else {
            false
        }
    }

    fn values(&mut self, name: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        while let Some(i) = self.rest.iter().position(|a| a == name) {
            if i + 1 >= self.rest.len() {
                return Err(Error::Usage(format!("{name} needs a value")));
            }
            out.push(self.rest.remove(i + 1));
            self.rest.remove(i);
        }
        Ok(out)
    }

    fn value(&mut self, name: &str) -> Result<Option<String>> {
        let mut v = self.values(name)?;
        if v.len() > 1 {
            return Err(Error::Usage(format!("{name} given more than once")));
        }
        Ok(v.pop())
    }

    fn number(&mut self, name: &str) -> Result<Option<u64>> {
        match self.value(name)? {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| Error::Usage(format!("{name} takes a number, not `{v}`"))),
        }
    }

    fn done(&self) -> Result<()> {
        if let Some(a) = self.rest.first() {
            return Err(Error::Usage(format!("unexpected argument `{a}`")));
        }
        Ok(())
    }
}

fn boot_args(a: &mut Args) -> Result<BootArgs> {
    let config = a.value("--config")?.unwrap_or_else(|| "fs-pid-n".into());
    let config = if a.flag("--debug") {
        build::debug_config_name(&config)
    } else {
        config
    };
    let only = a.values("--only")?;
    let skip = a.values("--skip")?;
    let extra: Vec<PathBuf> = a
        .values("--extra")?
        .into_iter()
        .map(PathBuf::from)
        .collect();
    for x in &extra {
        if !x.is_file() {
            return Err(Error::Usage(format!(
                "--extra {}: no such file",
                x.display()
            )));
        }
    }
    let kernel = a.value("--kernel")?.map(PathBuf::from);
    let timeout = a.number("--timeout")?.map(|t| t as u32);
    let deadline = Duration::from_secs(a.number("--deadline")?.unwrap_or(1800));
    let kvm = a.flag("--kvm");
    Ok(BootArgs {
        config,
        guest: guest::GuestOptions {
            extra,
            filter: only,
            skip: skip
                .into_iter()
                .map(|s| (s, "left out with --skip".to_string()))
                .collect(),
            timeout,
        },
        kernel,
        boot: qemu::BootOptions {
            kvm,
            deadline,
            extra_cmdline: String::new(),
            icount_shift: None,
        },
    })
}

fn real_main() -> Result<i32> {
    let mut argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.is_empty() || argv[0] == "help" || argv[0] == "--help" || argv[0] == "-h" {
        print!("{HELP}");
        return Ok(if argv.is_empty() {
            error::exit::USAGE
        } else {
            0
        });
    }
    let cmd = argv.remove(0);
    let repo = ctx::find_repo()?;
    let ctx = ctx::Ctx::new(repo)?;
    let _lock = if lock::needed(&cmd) {
        lock::acquire(
            &ctx.cache,
            &std::iter::once(cmd.as_str())
                .chain(argv.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(" "),
        )?
    } else {
        None
    };
    let mut a = Args { rest: argv };
    let ok = match cmd.as_str() {
        "setup" => {
            a.done()?;
            setup::run(&ctx)?;
            true
        }
        "base" => {
            a.done()?;
            let (repo, id) = base::ensure(&ctx)?;
            println!("{} {id}", repo.display());
            true
        }
        "series" => {
            let sub = if a.rest.is_empty() {
                String::new()
            } else {
                a.rest.remove(0)
            };
            match sub.as_str() {
                "apply" => {
                    let upto = a.number("--upto")?.map(|n| n as usize);
                    let discard = a.flag("--discard");
                    a.done()?;
                    let ap = tree::apply(&ctx, upto, discard)?;
                    println!("{}", ap.tree.display());
                }
                "check" => {
                    let discard = a.flag("--discard");
                    a.done()?;
                    seriescheck::check(&ctx, discard)?;
                }
                "export" => {
                    a.done()?;
                    tree::export(&ctx)?;
                }
                "maintainers" => {
                    let write = a.flag("--write");
                    a.done()?;
                    maintainers::run(&ctx, write)?;
                }
                other => {
                    return Err(Error::Usage(format!(
                        "unknown `series {other}`: use apply, check, maintainers or export"
                    )))
                }
            }
            true
        }
        "build" => {
            let config = a.value("--config")?.unwrap_or_else(|| "fs-pid-n".into());
            let config = if a.flag("--debug") {
                build::debug_config_name(&config)
            } else {
                config
            };
            a.done()?;
            let tree = ctx.work_tree();
            if base::rev_parse(&tree, "HEAD").is_none() {
                tree::apply(&ctx, None, false)?;
            }
            let b = build::build(&ctx, &tree, &config)?;
            println!("{}", b.bzimage.display());
            true
        }
        "boot" => {
            let b = boot_args(&mut a)?;
            a.done()?;
            boot_and_judge(&ctx, &b)?.passed
        }
        "run" => {
            let b = boot_args(&mut a)?;
            a.done()?;
            setup::run(&ctx)?;
            seriescheck::check(&ctx, false)?;
            boot_and_judge(&ctx, &b)?.passed
        }
        "ci" => {
            let full = a.flag("--full");
            let variants_only = a.flag("--variants-only");
            let no_debug = a.flag("--no-debug");
            let shard = a.value("--shard")?.map(|s| shard::Shard::parse(&s)).transpose()?;
            let m = if a.flag("--merge") {
                if full || variants_only || no_debug || shard.is_some() {
                    return Err(Error::Usage(
                        "--merge only joins reports: give it the shards' report directories alone"
                            .into(),
                    ));
                }
                let dirs: Vec<PathBuf> = a.rest.drain(..).map(PathBuf::from).collect();
                let out = ctx
                    .out_dir()
                    .join("ci")
                    .join(format!("{}-merged", util::now_stamp()));
                shard::merge(&dirs, &out)?
            } else {
                a.done()?;
                setup::run(&ctx)?;
                matrix::run(
                    &ctx,
                    matrix::Options {
                        full,
                        variants_only,
                        no_debug,
                        shard,
                    },
                )?
            };
            println!("\n{}", m.markdown());
            println!("report: {}", m.dir.join("report.md").display());
            m.ok()
        }
        "export" => {
            let rfc = a.flag("--rfc");
            let version = a.number("--version")?.unwrap_or(1) as u32;
            let out = a.value("--out")?.map(PathBuf::from);
            let assisted_by = a.value("--assisted-by")?;
            let no_assisted_by = a.flag("--no-assisted-by");
            let b4_check = !a.flag("--no-b4-check");
            let series = a.value("--series")?;
            a.done()?;
            let attribution = export::Attribution::from_args(assisted_by, no_assisted_by)?;
            export::run(
                &ctx,
                &export::Options {
                    rfc,
                    version,
                    out,
                    attribution,
                    b4_check,
                    series,
                },
            )?;
            true
        }
        "onto" => {
            let reference = a.value("--ref")?.unwrap_or_else(|| "HEAD".into());
            let branch = a
                .value("--branch")?
                .unwrap_or_else(|| onto::DEFAULT_BRANCH.into());
            let tree = a
                .rest
                .pop()
                .ok_or_else(|| Error::Usage("onto needs a kernel git tree".into()))?;
            a.done()?;
            let r = onto::run(&ctx, std::path::Path::new(&tree), &reference, &branch)?;
            if r.ok() {
                // fall through
            } else if let Some((i, (name, res))) = r
                .rows
                .iter()
                .enumerate()
                .find(|(_, (_, x))| matches!(x, onto::AmResult::Failed(_)))
            {
                let files = match res {
                    onto::AmResult::Failed(f) => f.clone(),
                    _ => Vec::new(),
                };
                return Err(Error::PatchDoesNotApply {
                    patch: format!(
                        "{name} ({} of {}) onto {tree} at {reference}",
                        i + 1,
                        r.rows.len()
                    ),
                    files,
                    log: ctx.out_dir().join("onto").join(format!("{name}.log")),
                });
            }
            true
        }
        "verdict" => {
            let dir = a
                .rest
                .pop()
                .ok_or_else(|| Error::Usage("verdict needs a run directory".into()))?;
            a.done()?;
            verdict_again(PathBuf::from(dir))?.0
        }
        "compare" => {
            if a.rest.len() != 2 {
                return Err(Error::Usage(
                    "compare needs two run directories: LEFT RIGHT".into(),
                ));
            }
            let right = PathBuf::from(a.rest.remove(1));
            let left = PathBuf::from(a.rest.remove(0));
            for d in [&left, &right] {
                if !d.join("console.log").is_file() {
                    return Err(Error::Usage(format!(
                        "{}: not a run directory (no console.log); see out/runs/",
                        d.display()
                    )));
                }
            }
            compare_runs(&left, &right)?
        }
        "bench" => {
            let quick = a.flag("--quick");
            let icount = a.flag("--icount");
            let shift = a.number("--shift")?;
            if shift.is_some() && !icount {
                return Err(Error::Usage("--shift needs --icount".into()));
            }
            if shift.is_some_and(|s| s > 10) {
                return Err(Error::Usage("--shift takes 0 to 10".into()));
            }
            let mode = if icount {
                bench::Mode::Icount(shift.unwrap_or(0) as u32)
            } else {
                bench::Mode::Wall
            };
            let mut o = if quick {
                bench::Options::quick(mode)
            } else {
                bench::Options {
                    boots: 3,
                    mode,
                    reps: 5,
                    scale: 100,
                    quick: false,
                    deadline: Duration::from_secs(1800),
                    no_build: false,
                    llvm: false,
                }
            };
            o.llvm = a.flag("--llvm");
            if let Some(n) = a.number("--boots")? {
                o.boots = n as usize;
            }
            if let Some(n) = a.number("--reps")? {
                o.reps = n as u32;
            }
            if let Some(n) = a.number("--scale")? {
                o.scale = n as u32;
            }
            if let Some(n) = a.number("--deadline")? {
                o.deadline = Duration::from_secs(n);
            }
            o.no_build = a.flag("--no-build");
            a.done()?;
            if o.boots == 0 || o.reps == 0 || o.scale == 0 {
                return Err(Error::Usage(
                    "--boots, --reps and --scale must be at least 1".into(),
                ));
            }
            bench::run(&ctx, &o)?;
            true
        }
        "trace" => {
            let names = a.values("--op")?;
            let llvm = a.flag("--llvm");
            let no_build = a.flag("--no-build");
            a.done()?;
            let ops = if names.is_empty() {
                trace::OPS.iter().collect()
            } else {
                names
                    .iter()
                    .map(|n| {
                        trace::op(n).ok_or_else(|| {
                            Error::Usage(format!(
                                "--op {n}: no such operation (one of: {})",
                                trace::OPS
                                    .iter()
                                    .map(|o| o.name)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>>>()?
            };
            trace::run(
                &ctx,
                &trace::Options {
                    ops,
                    llvm,
                    no_build,
                },
            )?;
            true
        }
        "test" => {
            let quick = a.flag("--quick");
            a.done()?;
            testcmd::run(&ctx, quick)?
        }
        other => return Err(Error::Usage(format!("unknown command `{other}`"))),
    };
    Ok(if ok { 0 } else { error::exit::VERDICT_FAILED })
}

fn main() {
    match real_main() {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(e.code());
        }
    }
}
