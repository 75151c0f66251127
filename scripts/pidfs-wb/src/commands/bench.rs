// SPDX-License-Identifier: GPL-2.0
//! `wb bench`: the C pidfs (fs-pid-n) against the Rust pidfs (fs-pid-y).
//!
//! Both kernels are built from the same work tree (the series as applied
//! there), booted alternately (C, Rust, C, Rust, …) in the same QEMU setup
//! with the same initramfs, which runs `guest/bench/pidfs_bench.c`. Each
//! boot runs every workload `reps` times; the figure of a boot is the median
//! of its repetitions, the figure of a kernel is the median over its boots.
//!
//! The Rust/C ratio is the ratio of the two medians; its 95 % confidence
//! interval is a percentile bootstrap that resamples the per-boot figures of
//! each kernel independently (the boot is the unit of repetition: figures
//! within one boot share the boot's page layout, caches and host load).
//!
//! Two timing modes: wall time (TCG, the guest clock follows the host
//! clock) and `--icount` (`-icount shift=N,align=off,sleep=off`: the guest
//! clock advances with executed instructions, so a figure counts work and
//! host load does not enter it).
//!
//! Output: `out/bench/<time>-<mode>/` with `report.md`, `report.json`,
//! `plot.svg` and one directory of logs per boot.
//!
//! This module builds, boots and collects; the figures and their statistics
//! are [`crate::bench_figures`]' and the report files
//! [`crate::bench_report`]'s.

use crate::bench_figures::{parse_output, rows, Mode, Parsed, Slab};
use crate::bench_report::{check_report, json as report_json, markdown, svg, Meta};
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::guest::{self, GuestOptions};
use crate::pair::{self, PairOptions};
use crate::qemu::{self, BootOptions};
use crate::util::{self, fmt_duration, info, step};
use crate::{base, splat, tree};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The benchmark program's source, relative to the repository.
pub const SOURCE: &str = "scripts/pidfs-wb/guest/bench/pidfs_bench.c";

#[derive(Debug, Clone)]
pub struct Options {
    pub boots: usize,
    pub mode: Mode,
    pub reps: u32,
    /// Iterations in percent of the program's defaults.
    pub scale: u32,
    pub quick: bool,
    /// Per-boot QEMU deadline.
    pub deadline: Duration,
    /// The kernels: their flavour, or as last built (`wb test` runs the
    /// quick bench right after the matrix built them).
    pub kernels: PairOptions,
}

impl Options {
    /// The options of `wb bench` (see `cli.rs`).
    pub fn from_args(a: &mut crate::cli::Args) -> Result<Options> {
        let quick = a.flag("--quick")?;
        let icount = a.flag("--icount")?;
        let shift = a.number("--shift")?;
        if shift.is_some() && !icount {
            return Err(Error::Usage("--shift needs --icount".into()));
        }
        if shift.is_some_and(|s| s > 10) {
            return Err(Error::Usage("--shift takes 0 to 10".into()));
        }
        let mode = if icount {
            Mode::Icount(shift.unwrap_or(0) as u32)
        } else {
            Mode::Wall
        };
        let mut o = if quick {
            Options::quick(mode)
        } else {
            Options {
                boots: 3,
                mode,
                reps: 5,
                scale: 100,
                quick: false,
                deadline: Duration::from_secs(1800),
                kernels: PairOptions::default(),
            }
        };
        o.kernels = PairOptions::from_args(a)?;
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
        a.done()?;
        if o.boots == 0 || o.reps == 0 || o.scale == 0 {
            return Err(Error::Usage(
                "--boots, --reps and --scale must be at least 1".into(),
            ));
        }
        Ok(o)
    }
}

impl Options {
    pub fn quick(mode: Mode) -> Self {
        Options {
            boots: 1,
            mode,
            reps: 1,
            scale: 5,
            quick: true,
            deadline: Duration::from_secs(600),
            kernels: PairOptions::default(),
        }
    }
}

/// Compiles the benchmark program statically for the guest.
fn compile(ctx: &Ctx) -> Result<PathBuf> {
    let src = ctx.repo.join(SOURCE);
    let dir = ctx.cache.join("bench");
    util::mkdir(&dir)?;
    let bin = dir.join("pidfs_bench");
    step("bench: compiling the benchmark program (gcc -static)");
    let log = ctx.out_dir().join("logs/bench/compile.log");
    let ok = util::run_logged(
        Command::new("gcc")
            .args(["-O2", "-static", "-Wall", "-Wextra", "-Werror", "-o"])
            .arg(&bin)
            .arg(&src)
            .arg("-lpthread"),
        &log,
        "gcc pidfs_bench.c",
    )?;
    if !ok {
        return Err(Error::Build {
            what: format!("compiling {SOURCE}"),
            log,
        });
    }
    Ok(bin)
}

/// The initramfs whose only program is the benchmark, given `timeout`
/// seconds (`wb bench`, `wb trace`).
pub fn bench_guest(ctx: &Ctx, timeout: u32) -> Result<guest::Guest> {
    let bin = compile(ctx)?;
    guest::assemble(
        ctx,
        "bench",
        None,
        &GuestOptions {
            extra: vec![bin],
            filter: Vec::new(),
            skip: Vec::new(),
            timeout: Some(timeout),
        },
    )
}

/// The guest TSC rate to give the kernel (`tsc_early_khz=`), so it does not
/// calibrate: without ACPI the guest has no HPET or PM timer to calibrate
/// against, and under TCG the PIT calibration fails on a busy host, which
/// leaves the guest on the jiffies clocksource (4 ms steps). Under TCG the
/// guest TSC is the host's; with -icount it counts virtual nanoseconds.
pub fn tsc_khz(mode: Mode, cpuinfo: &str) -> Option<u64> {
    match mode {
        Mode::Icount(_) => Some(1_000_000),
        Mode::Wall => {
            let flags = cpuinfo.lines().find(|l| l.starts_with("flags"))?;
            if !flags.split_whitespace().any(|f| f == "constant_tsc") {
                return None;
            }
            let mhz: f64 = cpuinfo
                .lines()
                .find(|l| l.starts_with("cpu MHz"))?
                .split(':')
                .nth(1)?
                .trim()
                .parse()
                .ok()?;
            (mhz > 0.0).then(|| (mhz * 1000.0).round() as u64)
        }
    }
}

/// The clocksource a boot ended on (`Switched to clocksource X`).
pub fn clocksource(console: &str) -> Option<String> {
    console
        .lines()
        .rev()
        .find_map(|l| l.split("Switched to clocksource ").nth(1))
        .map(|s| s.trim().to_string())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

pub fn stamp() -> String {
    util::now_stamp()
}

/// Boots `bzimage` once with the benchmark guest `g` in its slab-only mode
/// (`pidfs_bench.slab_only=1`: no workload) and returns the per-pid slab
/// figures the kernel reported (`wb size`). Logs go to `dir`.
pub fn slab_of(bzimage: &Path, g: &guest::Guest, dir: &Path, what: &str) -> Result<Slab> {
    let deadline = Duration::from_secs(300);
    let boot = qemu::boot(
        bzimage,
        g,
        dir,
        &BootOptions {
            kvm: false,
            deadline,
            extra_cmdline: "kunit.enable=0 pidfs_bench.slab_only=1".into(),
            icount_shift: None,
        },
    )?;
    let guest_log = std::fs::read_to_string(dir.join("guest.log")).unwrap_or_default();
    let console = std::fs::read_to_string(dir.join("console.log")).unwrap_or_default();
    let p = parse_output(&guest_log);
    let mut problems: Vec<String> = p.failures.clone();
    if boot.deadline_hit {
        problems.push(format!(
            "the QEMU deadline of {} was reached",
            fmt_duration(deadline)
        ));
    }
    if p.end_ok != Some(true) {
        problems.push("the program printed no BENCH_END ok=1".into());
    }
    for sp in splat::scan(&console) {
        problems.push(format!(
            "kernel splat ({}) at console.log:{}: {}",
            sp.kind, sp.line, sp.text
        ));
    }
    match p.slab {
        Some(slab) if problems.is_empty() => Ok(slab),
        _ => {
            if problems.is_empty() {
                problems.push("the program printed no BENCH_SLAB".into());
            }
            Err(Error::Bench {
                what: format!("{what}: {}", problems.join("; ")),
                dir: dir.to_path_buf(),
            })
        }
    }
}

/// Boots one kernel once and returns what the program printed.
fn one_boot(
    bzimage: &Path,
    g: &guest::Guest,
    dir: &Path,
    o: &Options,
    what: &str,
    tsc: Option<u64>,
) -> Result<(Parsed, String)> {
    let boot = qemu::boot(
        bzimage,
        g,
        dir,
        &BootOptions {
            kvm: false,
            deadline: o.deadline,
            // No KUnit at boot: it costs boot time and is not measured.
            extra_cmdline: format!(
                "kunit.enable=0 pidfs_bench.reps={} pidfs_bench.scale={}{}",
                o.reps,
                o.scale,
                tsc.map(|k| format!(" tsc_early_khz={k}"))
                    .unwrap_or_default()
            ),
            icount_shift: match o.mode {
                Mode::Icount(s) => Some(s),
                Mode::Wall => None,
            },
        },
    )?;
    let guest_log = std::fs::read_to_string(dir.join("guest.log")).unwrap_or_default();
    let console = std::fs::read_to_string(dir.join("console.log")).unwrap_or_default();
    let p = parse_output(&guest_log);
    let mut problems = Vec::new();
    if boot.deadline_hit {
        problems.push(format!(
            "the QEMU deadline of {} was reached",
            fmt_duration(o.deadline)
        ));
    }
    if !p.begun {
        problems.push("the benchmark printed no BENCH_BEGIN".into());
    }
    if p.slab.is_none() {
        problems.push("the benchmark printed no BENCH_SLAB".into());
    }
    if p.end_ok != Some(true) {
        problems.push(match p.end_ok {
            Some(false) => "the benchmark ended with ok=0".into(),
            _ => "the benchmark printed no BENCH_END".into(),
        });
    }
    problems.extend(p.failures.iter().cloned());
    for s in splat::scan(&console) {
        problems.push(format!(
            "kernel splat ({}) at console.log:{}: {}",
            s.kind, s.line, s.text
        ));
    }
    if !problems.is_empty() {
        return Err(Error::Bench {
            what: format!("{what}: {}", problems.join("; ")),
            dir: dir.to_path_buf(),
        });
    }
    Ok((p, clocksource(&console).unwrap_or_else(|| "unknown".into())))
}

pub fn series_info(ctx: &Ctx) -> (String, String, String) {
    let sha = tree::fingerprint(&ctx.patches_dir()).unwrap_or_else(|_| "unknown".into());
    let t = ctx.work_tree();
    let head = base::rev_parse(&t, "HEAD").unwrap_or_else(|| "unknown".into());
    let count = util::output(
        base::git(&t)
            .arg("rev-list")
            .arg("--count")
            .arg(format!("{}..HEAD", ctx.base_ref())),
    )
    .map(|s| s.trim().to_string())
    .unwrap_or_else(|_| "?".into());
    let total = crate::series::parse(
        &std::fs::read_to_string(ctx.patches_dir().join("series")).unwrap_or_default(),
    )
    .map(|v| v.len().to_string())
    .unwrap_or_else(|_| "?".into());
    (
        sha,
        head,
        format!("{count} commits on the base, patches/series has {total}"),
    )
}

/// Whether the work tree holds exactly patches/: the patch-ids of its
/// commits on the base equal those of the series files, in order, and
/// nothing is uncommitted.
pub fn tree_is_series(ctx: &Ctx) -> bool {
    let t = ctx.work_tree();
    let dirty = util::output(base::git(&t).args(["status", "--porcelain", "-uno"]))
        .map(|s| !s.trim().is_empty())
        .unwrap_or(true);
    if dirty {
        return false;
    }
    let patch_id = |input: &[u8]| -> Option<Vec<String>> {
        use std::io::Write;
        let mut c = Command::new("git")
            .args(["patch-id", "--stable"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .ok()?;
        c.stdin.take()?.write_all(input).ok()?;
        let out = c.wait_with_output().ok()?;
        Some(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| l.split_whitespace().next().map(str::to_string))
                .collect(),
        )
    };
    let dir = ctx.patches_dir();
    let Ok(names) =
        crate::series::parse(&std::fs::read_to_string(dir.join("series")).unwrap_or_default())
    else {
        return false;
    };
    let mut want = Vec::new();
    for e in names {
        let Ok(text) = std::fs::read(dir.join(&e.name)) else {
            return false;
        };
        match patch_id(&text) {
            Some(ids) if ids.len() == 1 => want.extend(ids),
            _ => return false,
        }
    }
    let Ok(log) = base::git(&t)
        .args(["log", "--reverse", "-p"])
        .arg(format!("{}..HEAD", ctx.base_ref()))
        .output()
    else {
        return false;
    };
    patch_id(&log.stdout).is_some_and(|have| have == want)
}

pub struct Outcome {
    pub dir: PathBuf,
}

/// `wb bench`.
pub fn run(ctx: &Ctx, o: &Options) -> Result<Outcome> {
    let start = Instant::now();
    let started = stamp();
    let load_start = loadavg();
    let (series_sha256, tree_head, patches_applied) = series_info(ctx);
    let is_series = tree_is_series(ctx);
    if !is_series {
        info("warning: the work tree is not patches/ as checked in: the report says so");
    }
    let pair = pair::kernels(ctx, &o.kernels, "bench")?;
    let clippy = pair.iter().any(|k| k.clippy);
    let kernels: Vec<(PathBuf, String, &str)> = pair
        .into_iter()
        .map(|k| (k.bzimage, k.config.name(), k.label))
        .collect();
    let per_boot = 60 + 30 * u64::from(o.reps) * u64::from(o.scale) / 100;
    let g = bench_guest(ctx, o.deadline.as_secs().max(per_boot) as u32)?;
    let dir = ctx
        .out_dir()
        .join("bench")
        .join(o.kernels.run_name(&started, &o.mode.name()));
    util::mkdir(&dir)?;
    let tsc = tsc_khz(
        o.mode,
        &std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default(),
    );
    if tsc.is_none() {
        info("the host TSC rate is unknown: the guest calibrates its own clock");
    }
    let mut sources: Vec<String> = Vec::new();
    let mut c_boots = Vec::new();
    let mut rust_boots = Vec::new();
    let mut slab: [Option<Slab>; 2] = [None, None];
    let total = o.boots * kernels.len();
    let mut n = 0;
    for b in 1..=o.boots {
        for (bz, config, label) in &kernels {
            n += 1;
            step(&format!(
                "bench: boot {n} of {total}: {label} pidfs ({config}), {} mode, round {b} \
                 [{} so far]",
                o.mode.name(),
                fmt_duration(start.elapsed())
            ));
            let run_dir = dir.join(format!("boot{b}-{config}"));
            let (p, source) = one_boot(bz, &g, &run_dir, o, &format!("boot {b} of {config}"), tsc)?;
            if source.contains("jiffies") {
                info(&format!(
                    "warning: the guest ran on the {source} clocksource: figures are in 4 ms steps"
                ));
            }
            if !sources.contains(&source) {
                sources.push(source);
            }
            info(&format!(
                "{} figures from {}",
                p.samples.len(),
                run_dir.display()
            ));
            let k = usize::from(!config.starts_with("fs-pid-n"));
            if slab[k].is_none() {
                slab[k] = p.slab.clone();
            }
            if k == 0 {
                c_boots.push(p);
            } else {
                rust_boots.push(p);
            }
        }
    }
    let rows = rows(&c_boots, &rust_boots).map_err(|missing| Error::Bench {
        what: format!("workloads without a figure: {}", missing.join(", ")),
        dir: dir.clone(),
    })?;
    let meta = Meta {
        mode: o.mode,
        llvm: o.kernels.llvm,
        perf: o.kernels.perf,
        clippy,
        boots: o.boots,
        reps: o.reps,
        scale: o.scale,
        quick: o.quick,
        series_sha256,
        tree_head,
        patches_applied,
        tree_is_series: is_series,
        started,
        seconds: start.elapsed().as_secs_f64(),
        host_load: (load_start, loadavg()),
        clock: format!(
            "{}; clocksource at the end of boot: {}",
            match (tsc, o.mode) {
                (Some(k), Mode::Wall) => format!(
                    "tsc_early_khz={k} (the host's TSC rate from /proc/cpuinfo; a wrong rate \
                     scales both kernels alike and leaves the ratios)"
                ),
                (Some(k), Mode::Icount(_)) => {
                    format!("tsc_early_khz={k} (with -icount the TSC counts virtual ns)")
                }
                (None, _) => "calibrated by the guest".into(),
            },
            sources.join(", ")
        ),
        slab,
    };
    let md = markdown(&rows, &meta);
    util::write(&dir.join("report.md"), md.as_bytes())?;
    util::write(
        &dir.join("report.json"),
        report_json(&rows, &meta).as_bytes(),
    )?;
    util::write(&dir.join("plot.svg"), svg(&rows, &meta).as_bytes())?;
    check_report(&dir).map_err(|e| Error::Bench {
        what: format!("the report does not check out: {e}"),
        dir: dir.clone(),
    })?;
    let latest = ctx.out_dir().join("bench").join("latest");
    let _ = std::fs::remove_file(&latest);
    let _ = std::os::unix::fs::symlink(&dir, &latest);
    println!("\n{md}");
    println!("report: {}", dir.join("report.md").display());
    println!("        {}", dir.join("report.json").display());
    println!("        {}", dir.join("plot.svg").display());
    info(&format!("bench took {}", fmt_duration(start.elapsed())));
    Ok(Outcome { dir })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_and_run_names_of_each_build() {
        use crate::pair::{kernel_config, run_name};
        assert_eq!(kernel_config("fs-pid-n", false, false).name(), "fs-pid-n");
        assert_eq!(
            kernel_config("fs-pid-y", true, false).name(),
            "fs-pid-y+llvm"
        );
        assert_eq!(
            kernel_config("fs-pid-y", false, true).name(),
            "fs-pid-y+perf"
        );
        assert_eq!(
            kernel_config("fs-pid-n", true, true).name(),
            "fs-pid-n+perf-llvm"
        );
        assert_eq!(
            run_name("20261207-0300", "icount", false, false),
            "20261207-0300-icount"
        );
        assert_eq!(run_name("t", "wall", true, true), "t-wall-perf-llvm");
        assert_eq!(run_name("t", "", true, false), "t-perf");
    }

    #[test]
    fn guest_clock() {
        let cpuinfo =
            "processor\t: 0\ncpu MHz\t\t: 2596.128\nflags\t\t: fpu tsc constant_tsc nonstop_tsc\n";
        assert_eq!(tsc_khz(Mode::Wall, cpuinfo), Some(2_596_128));
        assert_eq!(tsc_khz(Mode::Icount(3), cpuinfo), Some(1_000_000));
        assert_eq!(
            tsc_khz(Mode::Wall, "cpu MHz\t: 2000.0\nflags\t: fpu tsc\n"),
            None
        );
        assert_eq!(tsc_khz(Mode::Wall, ""), None);
        let console = "[    0.7] clocksource: Switched to clocksource tsc-early\r\n\
                       [    1.8] clocksource: Switched to clocksource tsc\r\n";
        assert_eq!(clocksource(console).as_deref(), Some("tsc"));
        assert_eq!(clocksource("no clock"), None);
    }
}
