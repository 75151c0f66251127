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

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::guest::{self, GuestOptions};
use crate::pair::{self, build_text, toolchain_text, PairOptions};
use crate::qemu::{self, BootOptions};
use crate::util::{self, fmt_duration, info, step};
use crate::{base, json, splat, tree};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The benchmark program's source, relative to the repository.
pub const SOURCE: &str = "scripts/pidfs-wb/guest/bench/pidfs_bench.c";

/// Every workload the program prints, in its order, with what it measures.
pub const WORKLOADS: &[(&str, &str)] = &[
    (
        "pidfd_open_hit",
        "pidfd_open + close, dentry stashed (another pidfd open)",
    ),
    (
        "pidfd_open_miss",
        "pidfd_open + close, first open (no other pidfd)",
    ),
    (
        "clone3_exit_waitid",
        "clone3(CLONE_PIDFD) + _exit + waitid(P_PIDFD) + close",
    ),
    ("thread_create_join_1", "pthread create + join, 1 at a time"),
    (
        "thread_create_join_2",
        "pthread create + join, 2 in parallel (per thread)",
    ),
    (
        "get_info_live",
        "PIDFD_GET_INFO (PID|CREDS|CGROUPID), live pid",
    ),
    ("get_info_exit", "PIDFD_GET_INFO (EXIT), reaped child"),
    ("fstat", "fstat on a pidfd"),
    (
        "fhandle_roundtrip",
        "name_to_handle_at + open_by_handle_at + close",
    ),
    ("poll_exit_latency", "child _exit to POLLIN on its pidfd"),
];

/// Timing mode of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// TCG, guest clock = host clock.
    Wall,
    /// `-icount shift=N,align=off,sleep=off`.
    Icount(u32),
}

impl Mode {
    pub fn name(&self) -> String {
        match self {
            Mode::Wall => "wall".into(),
            Mode::Icount(s) => format!("icount-shift{s}"),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Mode::Wall => "wall time (QEMU TCG; the guest clock follows the host clock, so host \
                           load is part of every figure)"
                .into(),
            Mode::Icount(s) => format!(
                "deterministic (QEMU TCG with -icount shift={s},align=off,sleep=off; the guest \
                 clock advances 2^{s} ns per executed instruction, so a figure counts executed \
                 work, not host time)"
            ),
        }
    }
}

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

/// One `BENCH` line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub workload: String,
    pub rep: u32,
    pub iters: u64,
    pub ns_per_op: f64,
}

/// The figures of the per-pid slab cache that a booted kernel reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlabFigures {
    /// Bytes of one object as the cache was created (`sizeof`).
    pub object_size: u64,
    /// Bytes one object takes in a slab, alignment and metadata included.
    pub slab_size: u64,
    pub align: u64,
    pub objs_per_slab: u64,
    /// Other caches merged into this one (0: the cache is its own).
    pub aliases: u64,
}

/// The slab cache of the per-pid pidfs state (`pidfs_attr_cache`) as a
/// booted kernel reports it in `/sys/kernel/slab/` (`BENCH_SLAB`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slab {
    Figures(SlabFigures),
    /// The kernel has no such figures (e.g. `SLUB_TINY`: no slab sysfs).
    Unavailable(String),
}

impl Slab {
    /// `BENCH_SLAB` fields (after the word itself); None if malformed.
    fn parse(words: &[&str]) -> Option<Slab> {
        if field(words, "cache=") != Some("pidfs_attr_cache") {
            return None;
        }
        if let Some(why) = field(words, "unavailable=") {
            return Some(Slab::Unavailable(why.to_string()));
        }
        let n = |k: &str| field(words, k).and_then(|v| v.parse::<u64>().ok());
        Some(Slab::Figures(SlabFigures {
            object_size: n("object_size=")?,
            slab_size: n("slab_size=")?,
            align: n("align=")?,
            objs_per_slab: n("objs_per_slab=")?,
            aliases: n("aliases=")?,
        }))
    }

    /// One line of text for a report.
    pub fn text(&self) -> String {
        match self {
            Slab::Figures(f) => format!(
                "object_size {} B, slab_size {} B (align {}), {} per slab{}",
                f.object_size,
                f.slab_size,
                f.align,
                f.objs_per_slab,
                if f.aliases == 0 {
                    ", not merged".to_string()
                } else {
                    format!(", merged with {} other cache(s)", f.aliases)
                }
            ),
            Slab::Unavailable(why) => format!("not reported by this kernel ({why})"),
        }
    }

    pub fn to_json(&self) -> crate::json::Value {
        use crate::json::{num, obj, s};
        match self {
            Slab::Figures(f) => obj([
                ("object_size", num(f.object_size as f64)),
                ("slab_size", num(f.slab_size as f64)),
                ("align", num(f.align as f64)),
                ("objs_per_slab", num(f.objs_per_slab as f64)),
                ("aliases", num(f.aliases as f64)),
            ]),
            Slab::Unavailable(why) => obj([("unavailable", s(why.as_str()))]),
        }
    }
}

/// What one guest run of the program printed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub begun: bool,
    /// `Some(true)` for `BENCH_END ok=1`.
    pub end_ok: Option<bool>,
    pub samples: Vec<Sample>,
    pub failures: Vec<String>,
    /// The `BENCH_SLAB` line, if the program printed one.
    pub slab: Option<Slab>,
}

fn field<'a>(words: &[&'a str], key: &str) -> Option<&'a str> {
    words.iter().find_map(|w| w.strip_prefix(key))
}

/// Parses the program's output (other lines, such as the guest framing, are
/// ignored).
pub fn parse_output(text: &str) -> Parsed {
    let mut p = Parsed::default();
    for raw in text.lines() {
        let line = raw.trim_end_matches('\r').trim();
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.first().copied() {
            Some("BENCH_BEGIN") => p.begun = true,
            Some("BENCH_END") => p.end_ok = Some(field(&words, "ok=") == Some("1")),
            Some("BENCH_FAIL") => p.failures.push(words[1..].join(" ")),
            Some("BENCH_SLAB") => match Slab::parse(&words[1..]) {
                Some(slab) => p.slab = Some(slab),
                None => p.failures.push(format!("malformed line: {line}")),
            },
            Some("BENCH") if words.len() >= 5 => {
                let rep = field(&words, "rep=").and_then(|v| v.parse().ok());
                let iters = field(&words, "iters=").and_then(|v| v.parse().ok());
                let ns = field(&words, "ns_per_op=").and_then(|v| v.parse::<f64>().ok());
                match (rep, iters, ns) {
                    (Some(rep), Some(iters), Some(ns)) if ns.is_finite() && ns >= 0.0 => {
                        p.samples.push(Sample {
                            workload: words[1].to_string(),
                            rep,
                            iters,
                            ns_per_op: ns,
                        })
                    }
                    _ => p.failures.push(format!("malformed line: {line}")),
                }
            }
            Some("BENCH") => p.failures.push(format!("malformed line: {line}")),
            _ => {}
        }
    }
    p
}

/// Median; the mean of the two middle values for an even count.
pub fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn min_max(v: &[f64]) -> (f64, f64) {
    v.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        })
}

/// Quantile by linear interpolation between order statistics (q in 0..=1).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// A small deterministic generator (xorshift64*), so reports are
/// reproducible from their inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Number of bootstrap resamples.
pub const BOOTSTRAP_ROUNDS: usize = 10_000;

/// 95 % percentile-bootstrap interval of median(rust) / median(c),
/// resampling each kernel's per-boot figures with replacement.
pub fn bootstrap_ratio_ci(c: &[f64], rust: &[f64], rounds: usize, seed: u64) -> (f64, f64) {
    if c.is_empty() || rust.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mut rng = Rng(seed | 1);
    let mut ratios = Vec::with_capacity(rounds);
    let mut bc = vec![0.0; c.len()];
    let mut br = vec![0.0; rust.len()];
    for _ in 0..rounds {
        for x in bc.iter_mut() {
            *x = c[rng.below(c.len())];
        }
        for x in br.iter_mut() {
            *x = rust[rng.below(rust.len())];
        }
        ratios.push(median(&br) / median(&bc));
    }
    ratios.sort_by(|a, b| a.total_cmp(b));
    (quantile(&ratios, 0.025), quantile(&ratios, 0.975))
}

/// Per kernel figures of one workload.
#[derive(Debug, Clone, PartialEq)]
pub struct KernelStats {
    /// One figure per boot: the median of that boot's repetitions.
    pub per_boot: Vec<f64>,
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl KernelStats {
    pub fn new(per_boot: Vec<f64>) -> Self {
        let (min, max) = min_max(&per_boot);
        KernelStats {
            median: median(&per_boot),
            min,
            max,
            per_boot,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub workload: String,
    pub c: KernelStats,
    pub rust: KernelStats,
    pub ratio: f64,
    pub ci: (f64, f64),
}

impl Row {
    /// Rust faster, slower, or the interval contains 1.00.
    pub fn reading(&self) -> &'static str {
        if self.c.per_boot.len() < 2 || self.rust.per_boot.len() < 2 {
            "one boot: no interval"
        } else if self.ci.1 < 1.0 {
            "Rust faster"
        } else if self.ci.0 > 1.0 {
            "Rust slower"
        } else {
            "equal within CI"
        }
    }
}

/// Seed of a workload's bootstrap: a hash of its name, so every workload
/// gets its own stream and a report is reproducible.
fn seed_for(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// Per boot figure of a workload: the median of its repetitions.
pub fn boot_figure(p: &Parsed, workload: &str) -> Option<f64> {
    let v: Vec<f64> = p
        .samples
        .iter()
        .filter(|s| s.workload == workload)
        .map(|s| s.ns_per_op)
        .collect();
    if v.is_empty() {
        None
    } else {
        Some(median(&v))
    }
}

/// The table: one row per workload from the parsed boots of each kernel.
/// Fails with the list of (kernel, workload) pairs without a figure.
pub fn rows(
    c_boots: &[Parsed],
    rust_boots: &[Parsed],
) -> std::result::Result<Vec<Row>, Vec<String>> {
    let mut missing = Vec::new();
    let mut out = Vec::new();
    for (w, _) in WORKLOADS {
        let mut figs = Vec::new();
        for (label, boots) in [("C", c_boots), ("Rust", rust_boots)] {
            let mut f = Vec::new();
            for (i, b) in boots.iter().enumerate() {
                match boot_figure(b, w) {
                    Some(x) => f.push(x),
                    None => missing.push(format!("{label} boot {}: {w}", i + 1)),
                }
            }
            if boots.is_empty() {
                missing.push(format!("{label}: no boot"));
            }
            figs.push(f);
        }
        let rust = figs.pop().unwrap_or_default();
        let c = figs.pop().unwrap_or_default();
        if c.is_empty() || rust.is_empty() {
            continue;
        }
        let ci = bootstrap_ratio_ci(&c, &rust, BOOTSTRAP_ROUNDS, seed_for(w));
        let c = KernelStats::new(c);
        let rust = KernelStats::new(rust);
        out.push(Row {
            workload: w.to_string(),
            ratio: rust.median / c.median,
            ci,
            c,
            rust,
        });
    }
    if missing.is_empty() {
        Ok(out)
    } else {
        missing.dedup();
        Err(missing)
    }
}

/// What a report says besides the table.
pub struct Meta {
    pub mode: Mode,
    /// The kernels are the `+llvm` flavour (clang, helpers inlined).
    pub llvm: bool,
    /// The kernels are a performance flavour (`+perf`, `+perf-llvm`).
    pub perf: bool,
    pub boots: usize,
    pub reps: u32,
    pub scale: u32,
    pub quick: bool,
    pub series_sha256: String,
    pub tree_head: String,
    pub patches_applied: String,
    /// The work tree's commits are patches/ (same patch-ids, same order, no
    /// uncommitted change): only then do the figures belong to the series
    /// that `series_sha256` names.
    pub tree_is_series: bool,
    pub started: String,
    pub seconds: f64,
    /// The host's load averages (/proc/loadavg) at the start and the end:
    /// wall-time figures include whatever else the machine ran.
    pub host_load: (String, String),
    /// The guest's clock: the `tsc_early_khz=` given and the clocksources
    /// the boots ended on.
    pub clock: String,
    /// The per-pid slab cache of the C and the Rust kernel, from their
    /// first boot.
    pub slab: [Option<Slab>; 2],
}

/// The "memory per pid" lines of a report: the `pidfs_attr_cache` figures
/// of each kernel as it reported them when booted.
pub fn memory_lines(slab: &[Option<Slab>; 2]) -> Vec<String> {
    ["C (fs-pid-n)", "Rust (fs-pid-y)"]
        .iter()
        .zip(slab)
        .map(|(k, s)| {
            format!(
                "{k}: {}",
                s.as_ref()
                    .map(Slab::text)
                    .unwrap_or_else(|| "no BENCH_SLAB line".into())
            )
        })
        .collect()
}

pub fn memory_json(slab: &[Option<Slab>; 2]) -> crate::json::Value {
    use crate::json::{obj, Value};
    let one = |s: &Option<Slab>| s.as_ref().map(Slab::to_json).unwrap_or(Value::Null);
    obj([("c", one(&slab[0])), ("rust", one(&slab[1]))])
}

fn fmt_ns(x: f64) -> String {
    if x >= 100_000.0 {
        format!("{:.0}", x)
    } else if x >= 100.0 {
        format!("{:.1}", x)
    } else {
        format!("{:.2}", x)
    }
}

pub fn markdown(rows: &[Row], m: &Meta) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# pidfs benchmark: Rust (fs-pid-y) vs C (fs-pid-n){}\n",
        if m.quick { " — quick run" } else { "" }
    );
    let _ = writeln!(s, "- mode: **{}** — {}", m.mode.name(), m.mode.describe());
    let _ = writeln!(
        s,
        "- toolchain: **{}** — {}",
        if m.llvm { "llvm" } else { "gcc" },
        toolchain_text(m.llvm)
    );
    let _ = writeln!(
        s,
        "- build: **{}** — {}",
        if m.perf { "perf" } else { "tiny" },
        build_text(m.perf)
    );
    let _ = writeln!(
        s,
        "- boots: {} per kernel, alternating C, Rust, C, Rust, …; {} repetition(s) of every \
         workload per boot; iterations at {} % of the program's defaults",
        m.boots, m.reps, m.scale
    );
    let _ = writeln!(
        s,
        "- series: patches/ sha256 {}; work tree {} ({}); {}",
        m.series_sha256,
        m.tree_head,
        m.patches_applied,
        if m.tree_is_series {
            "the kernels are exactly patches/ (same patch-ids)"
        } else {
            "**the kernels are NOT patches/ as checked in** (the work tree differs)"
        }
    );
    let _ = writeln!(
        s,
        "- started {}, took {}; host load average (1, 5, 15 min) {} at the start, {} at the end",
        m.started,
        fmt_duration(Duration::from_secs_f64(m.seconds)),
        m.host_load.0,
        m.host_load.1
    );
    let _ = writeln!(s, "- guest clock: {}", m.clock);
    let _ = writeln!(
        s,
        "- figures: ns per operation in guest time. Per boot, the median of its repetitions; \
         per kernel, the median over boots, with the min–max over boots. Ratio = median Rust / \
         median C; CI = 95 % percentile bootstrap ({BOOTSTRAP_ROUNDS} resamples of the per-boot \
         figures of each kernel, independently). Every figure below is from the {} mode.\n",
        m.mode.name()
    );
    let _ = writeln!(
        s,
        "| workload | C median ns/op | C min–max | Rust median ns/op | Rust min–max | Rust/C | 95 % CI | reading |"
    );
    let _ = writeln!(s, "|---|---:|---|---:|---|---:|---|---|");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {}–{} | {} | {}–{} | {:.3} | {:.3}–{:.3} | {} |",
            r.workload,
            fmt_ns(r.c.median),
            fmt_ns(r.c.min),
            fmt_ns(r.c.max),
            fmt_ns(r.rust.median),
            fmt_ns(r.rust.min),
            fmt_ns(r.rust.max),
            r.ratio,
            r.ci.0,
            r.ci.1,
            r.reading()
        );
    }
    let _ = writeln!(
        s,
        "\nMemory per pid (`pidfs_attr_cache`, one object per pid that had a pidfd, as each \
         booted kernel reports it in /sys/kernel/slab/):\n"
    );
    for l in memory_lines(&m.slab) {
        let _ = writeln!(s, "- {l}");
    }
    let _ = writeln!(s, "\nWorkloads:\n");
    for (w, d) in WORKLOADS {
        let _ = writeln!(s, "- `{w}`: {d}");
    }
    s
}

fn kernel_json(k: &KernelStats) -> crate::json::Value {
    use crate::json::{num, obj, Value};
    obj([
        ("median_ns", num(k.median)),
        ("min_ns", num(k.min)),
        ("max_ns", num(k.max)),
        (
            "per_boot_ns",
            Value::Arr(k.per_boot.iter().map(|x| num(*x)).collect()),
        ),
    ])
}

pub fn json(rows: &[Row], m: &Meta) -> String {
    use crate::json::{num, num1, obj, s, Value};
    obj([
        ("version", num(1.0)),
        ("mode", s(m.mode.name())),
        ("mode_description", s(m.mode.describe())),
        (
            "icount_shift",
            match m.mode {
                Mode::Icount(x) => num(x as f64),
                Mode::Wall => Value::Null,
            },
        ),
        ("toolchain", s(if m.llvm { "llvm" } else { "gcc" })),
        ("build", s(if m.perf { "perf" } else { "tiny" })),
        ("quick", Value::Bool(m.quick)),
        ("boots_per_kernel", num(m.boots as f64)),
        ("reps_per_boot", num(m.reps as f64)),
        ("scale_percent", num(m.scale as f64)),
        ("series_sha256", s(m.series_sha256.as_str())),
        ("tree_head", s(m.tree_head.as_str())),
        ("patches_applied", s(m.patches_applied.as_str())),
        ("tree_is_series", Value::Bool(m.tree_is_series)),
        ("started", s(m.started.as_str())),
        ("seconds", num1(m.seconds)),
        ("host_load_start", s(m.host_load.0.as_str())),
        ("host_load_end", s(m.host_load.1.as_str())),
        ("guest_clock", s(m.clock.as_str())),
        ("memory_per_pid", memory_json(&m.slab)),
        (
            "ci_method",
            s(format!(
                "95% percentile bootstrap of median(Rust)/median(C), {BOOTSTRAP_ROUNDS} resamples \
                 of the per-boot figures (median of the boot's repetitions) of each kernel"
            )),
        ),
        (
            "workloads",
            Value::Arr(
                rows.iter()
                    .map(|r| {
                        obj([
                            ("name", s(r.workload.as_str())),
                            ("mode", s(m.mode.name())),
                            ("c", kernel_json(&r.c)),
                            ("rust", kernel_json(&r.rust)),
                            ("ratio", num(r.ratio)),
                            ("ci_low", num(r.ci.0)),
                            ("ci_high", num(r.ci.1)),
                            ("reading", s(r.reading())),
                        ])
                    })
                    .collect(),
            ),
        ),
    ])
    .to_json()
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A forest plot of the ratios with their intervals, one row per workload.
pub fn svg(rows: &[Row], m: &Meta) -> String {
    let (left, width, right) = (190.0, 460.0, 150.0);
    let row_h = 26.0;
    let top = 56.0;
    let height = top + row_h * rows.len() as f64 + 46.0;
    let mut lo = 0.9f64;
    let mut hi = 1.1f64;
    for r in rows {
        for x in [r.ratio, r.ci.0, r.ci.1] {
            if x.is_finite() {
                lo = lo.min(x);
                hi = hi.max(x);
            }
        }
    }
    let pad = (hi - lo) * 0.05;
    let (lo, hi) = (lo - pad, hi + pad);
    let x = |v: f64| left + (v - lo) / (hi - lo) * width;
    let total_w = left + width + right;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{total_w}\" height=\"{height}\" \
         viewBox=\"0 0 {total_w} {height}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(
        s,
        "<rect x=\"0\" y=\"0\" width=\"{total_w}\" height=\"{height}\" fill=\"white\"/>"
    );
    let _ = writeln!(
        s,
        "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">pidfs: Rust/C ratio of \
         median ns/op, 95% bootstrap CI ({} mode{})</text>",
        xml(&m.mode.name()),
        if m.quick { ", quick" } else { "" }
    );
    let _ = writeln!(
        s,
        "<text x=\"10\" y=\"38\" fill=\"#555\">{} boots per kernel, {} reps per boot; left of \
         1.00: Rust faster</text>",
        m.boots, m.reps
    );
    // Grid: ticks every 0.05 (or 0.1 / 0.25 for wide ranges).
    let step = if hi - lo > 1.5 {
        0.25
    } else if hi - lo > 0.6 {
        0.1
    } else {
        0.05
    };
    let mut t = (lo / step).ceil() * step;
    let axis_y = top + row_h * rows.len() as f64 + 6.0;
    while t <= hi + 1e-9 {
        let xt = x(t);
        let _ = writeln!(
            s,
            "<line x1=\"{xt:.1}\" y1=\"{top}\" x2=\"{xt:.1}\" y2=\"{axis_y}\" stroke=\"#eee\"/>"
        );
        let _ = writeln!(
            s,
            "<text x=\"{xt:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\">{t:.2}</text>",
            axis_y + 16.0
        );
        t += step;
    }
    let one = x(1.0);
    let _ = writeln!(
        s,
        "<line x1=\"{one:.1}\" y1=\"{top}\" x2=\"{one:.1}\" y2=\"{axis_y}\" stroke=\"#333\" \
         stroke-dasharray=\"4 3\"/>"
    );
    for (i, r) in rows.iter().enumerate() {
        let y = top + row_h * i as f64 + row_h / 2.0;
        let colour = match r.reading() {
            "Rust faster" => "#1a7f37",
            "Rust slower" => "#cf222e",
            _ => "#0969da",
        };
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            y + 4.0,
            xml(&r.workload)
        );
        if r.ci.0.is_finite() && r.ci.1.is_finite() {
            let _ = writeln!(
                s,
                "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{colour}\" \
                 stroke-width=\"2\"/>",
                x(r.ci.0),
                x(r.ci.1)
            );
        }
        if r.ratio.is_finite() {
            let _ = writeln!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"{colour}\"/>",
                x(r.ratio)
            );
        }
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#333\">{:.3} [{:.3}, {:.3}]</text>",
            left + width + 8.0,
            y + 4.0,
            r.ratio,
            r.ci.0,
            r.ci.1
        );
    }
    let _ = writeln!(s, "</svg>");
    s
}

/// Checks that the written report files exist and parse, and that every
/// workload has a figure for both kernels.
pub fn check_report(dir: &Path) -> std::result::Result<usize, String> {
    let text = std::fs::read_to_string(dir.join("report.json"))
        .map_err(|e| format!("report.json: {e}"))?;
    let v = json::parse(&text)?;
    let ws = v.get("workloads").map(json::Value::arr).unwrap_or(&[]);
    for (w, _) in WORKLOADS {
        let row = ws
            .iter()
            .find(|r| r.get("name").and_then(json::Value::str) == Some(w))
            .ok_or_else(|| format!("report.json has no workload {w}"))?;
        for k in ["c", "rust"] {
            let m = row
                .get(k)
                .and_then(|x| x.get("median_ns"))
                .and_then(json::Value::num);
            if !m.is_some_and(|m| m.is_finite() && m > 0.0) {
                return Err(format!("report.json: {w} has no {k} figure"));
            }
        }
        if row.get("ratio").and_then(json::Value::num).is_none() {
            return Err(format!("report.json: {w} has no ratio"));
        }
    }
    for k in ["c", "rust"] {
        let m = v.get("memory_per_pid").and_then(|m| m.get(k));
        if !m.is_some_and(|m| m.get("object_size").is_some() || m.get("unavailable").is_some()) {
            return Err(format!("report.json: no memory_per_pid figure for {k}"));
        }
    }
    let md =
        std::fs::read_to_string(dir.join("report.md")).map_err(|e| format!("report.md: {e}"))?;
    for (w, _) in WORKLOADS {
        if !md.contains(&format!("| {w} |")) {
            return Err(format!("report.md has no row for {w}"));
        }
    }
    let svg =
        std::fs::read_to_string(dir.join("plot.svg")).map_err(|e| format!("plot.svg: {e}"))?;
    if !svg.starts_with("<svg ") || !svg.trim_end().ends_with("</svg>") {
        return Err("plot.svg is not an SVG document".into());
    }
    if svg.matches("<circle ").count() != WORKLOADS.len() {
        return Err("plot.svg does not plot every workload".into());
    }
    Ok(ws.len())
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
    let kernels: Vec<(PathBuf, String, &str)> = pair::kernels(ctx, &o.kernels, "bench")?
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
    util::write(&dir.join("report.json"), json(&rows, &meta).as_bytes())?;
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

    const GUEST_LOG: &str = "# wb: plan 1\r\n# wb: begin wb/pidfs_bench\r\n\
BENCH_BEGIN version=1 reps=2 scale=10\r\n\
BENCH pidfd_open_hit rep=0 iters=2000 ns_per_op=1474.2\r\n\
BENCH fstat rep=0 iters=2000 ns_per_op=353.8\r\n\
BENCH pidfd_open_hit rep=1 iters=2000 ns_per_op=1500.0\r\n\
BENCH fstat rep=1 iters=2000 ns_per_op=360.0\r\n\
BENCH fstat rep=2 iters=2000 ns_per_op=340.0\r\n\
BENCH_END ok=1\r\n# wb: end wb/pidfs_bench exit=0 seconds=3 timeout=0\r\n# wb: done\r\n";

    #[test]
    fn parses_bench_lines() {
        let p = parse_output(GUEST_LOG);
        assert!(p.begun);
        assert_eq!(p.end_ok, Some(true));
        assert!(p.failures.is_empty());
        assert_eq!(p.samples.len(), 5);
        assert_eq!(
            p.samples[0],
            Sample {
                workload: "pidfd_open_hit".into(),
                rep: 0,
                iters: 2000,
                ns_per_op: 1474.2
            }
        );
        assert_eq!(boot_figure(&p, "fstat"), Some(353.8));
        assert_eq!(
            boot_figure(&p, "pidfd_open_hit"),
            Some((1474.2 + 1500.0) / 2.0)
        );
        assert_eq!(boot_figure(&p, "poll_exit_latency"), None);
    }

    #[test]
    fn parse_failures_and_malformed_lines() {
        let p = parse_output(
            "BENCH_BEGIN version=1 reps=1 scale=1\n\
             BENCH fstat rep=0 iters=x ns_per_op=1\n\
             BENCH fstat\n\
             BENCH fstat rep=0 iters=1 ns_per_op=nan\n\
             BENCH_FAIL get_info_exit PIDFD_GET_INFO: Invalid argument\n\
             BENCH_END ok=0\n",
        );
        assert!(p.samples.is_empty());
        assert_eq!(p.end_ok, Some(false));
        assert_eq!(p.failures.len(), 4);
        assert_eq!(
            p.failures[3],
            "get_info_exit PIDFD_GET_INFO: Invalid argument"
        );
        let none = parse_output("# wb: begin wb/pidfs_bench\nkilled\n");
        assert!(!none.begun);
        assert_eq!(none.end_ok, None);
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

    #[test]
    fn medians_and_quantiles() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
        let s = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&s, 0.0), 1.0);
        assert_eq!(quantile(&s, 1.0), 5.0);
        assert_eq!(quantile(&s, 0.5), 3.0);
        assert_eq!(quantile(&s, 0.125), 1.5);
        assert_eq!(min_max(&[2.0, -1.0, 7.0]), (-1.0, 7.0));
    }

    #[test]
    fn bootstrap_interval() {
        // Identical constant samples: the interval is the point.
        let (lo, hi) = bootstrap_ratio_ci(&[100.0; 3], &[110.0; 3], 1000, 7);
        assert!((lo - 1.1).abs() < 1e-12 && (hi - 1.1).abs() < 1e-12);
        // The interval holds the point estimate and lies within the
        // extreme ratios of the samples.
        let c = [100.0, 102.0, 98.0, 101.0];
        let r = [120.0, 118.0, 125.0, 121.0];
        let (lo, hi) = bootstrap_ratio_ci(&c, &r, BOOTSTRAP_ROUNDS, 42);
        let point = median(&r) / median(&c);
        assert!(lo <= point && point <= hi, "{lo} {point} {hi}");
        assert!(lo >= 118.0 / 102.0 - 1e-12 && hi <= 125.0 / 98.0 + 1e-12);
        assert!(lo > 1.0);
        // Deterministic for a seed.
        assert_eq!(
            bootstrap_ratio_ci(&c, &r, 500, 9),
            bootstrap_ratio_ci(&c, &r, 500, 9)
        );
    }

    fn boot(scale: f64) -> Parsed {
        let mut t = String::from("BENCH_BEGIN version=1 reps=1 scale=1\n");
        for (i, (w, _)) in WORKLOADS.iter().enumerate() {
            t.push_str(&format!(
                "BENCH {w} rep=0 iters=10 ns_per_op={}\n",
                (i as f64 + 1.0) * 100.0 * scale
            ));
        }
        t.push_str("BENCH_END ok=1\n");
        parse_output(&t)
    }

    fn meta(boots: usize) -> Meta {
        Meta {
            mode: Mode::Icount(0),
            llvm: false,
            perf: false,
            boots,
            reps: 1,
            scale: 1,
            quick: false,
            series_sha256: "abc".into(),
            tree_head: "def".into(),
            patches_applied: "8 commits".into(),
            tree_is_series: true,
            started: "20260101-000000".into(),
            seconds: 12.0,
            host_load: ("0.10 0.20 0.30".into(), "1.00 2.00 3.00".into()),
            clock: "tsc_early_khz=1000000; clocksource at the end of boot: tsc".into(),
            slab: [
                Some(Slab::Figures(SlabFigures {
                    object_size: 56,
                    slab_size: 64,
                    align: 64,
                    objs_per_slab: 64,
                    aliases: 0,
                })),
                Some(Slab::Unavailable("no-slab-sysfs".into())),
            ],
        }
    }

    #[test]
    fn parses_the_slab_line() {
        let p = parse_output(
            "BENCH_BEGIN version=1 reps=0 scale=1\r\n\
             BENCH_SLAB cache=pidfs_attr_cache object_size=56 slab_size=64 align=64 \
             objs_per_slab=64 aliases=2\r\nBENCH_END ok=1\r\n",
        );
        assert!(p.failures.is_empty());
        assert_eq!(
            p.slab,
            Some(Slab::Figures(SlabFigures {
                object_size: 56,
                slab_size: 64,
                align: 64,
                objs_per_slab: 64,
                aliases: 2
            }))
        );
        assert_eq!(
            p.slab.as_ref().map(Slab::text).as_deref(),
            Some("object_size 56 B, slab_size 64 B (align 64), 64 per slab, merged with 2 other cache(s)")
        );
        let p = parse_output("BENCH_SLAB cache=pidfs_attr_cache unavailable=no-slab-sysfs\n");
        assert_eq!(p.slab, Some(Slab::Unavailable("no-slab-sysfs".into())));
        // A missing field or another cache is malformed, not a figure.
        let p = parse_output(
            "BENCH_SLAB cache=pidfs_attr_cache object_size=56 slab_size=64\n\
             BENCH_SLAB cache=other object_size=1 slab_size=1 align=1 objs_per_slab=1 aliases=0\n",
        );
        assert_eq!(p.slab, None);
        assert_eq!(p.failures.len(), 2);
        let m = meta(1);
        assert_eq!(
            memory_lines(&m.slab),
            [
                "C (fs-pid-n): object_size 56 B, slab_size 64 B (align 64), 64 per slab, not merged",
                "Rust (fs-pid-y): not reported by this kernel (no-slab-sysfs)"
            ]
        );
    }

    #[test]
    fn table_and_readings() {
        let c = [boot(1.0), boot(1.01), boot(0.99)];
        let r = [boot(1.2), boot(1.21), boot(1.19)];
        let rows = rows(&c, &r).unwrap();
        assert_eq!(rows.len(), WORKLOADS.len());
        for row in &rows {
            assert!((row.ratio - 1.2).abs() < 1e-9);
            assert_eq!(row.reading(), "Rust slower");
            assert_eq!(row.c.per_boot.len(), 3);
        }
        let eq = rows_of(&[boot(1.0), boot(1.1)], &[boot(1.05), boot(1.0)]);
        assert!(eq.iter().all(|r| r.reading() == "equal within CI"));
        let fast = rows_of(&[boot(2.0), boot(2.1)], &[boot(1.0), boot(1.05)]);
        assert!(fast.iter().all(|r| r.reading() == "Rust faster"));
        let one = rows_of(&[boot(1.0)], &[boot(1.0)]);
        assert!(one.iter().all(|r| r.reading() == "one boot: no interval"));
    }

    fn rows_of(c: &[Parsed], r: &[Parsed]) -> Vec<Row> {
        rows(c, r).unwrap()
    }

    #[test]
    fn missing_figures_are_named() {
        let mut partial = boot(1.0);
        partial.samples.retain(|s| s.workload != "fstat");
        let e = rows(&[boot(1.0)], &[partial]).unwrap_err();
        assert_eq!(e, vec!["Rust boot 1: fstat".to_string()]);
        let e = rows(&[], &[boot(1.0)]).unwrap_err();
        assert!(e.contains(&"C: no boot".to_string()));
    }

    #[test]
    fn reports_write_and_check() {
        let rows = rows(&[boot(1.0), boot(1.02)], &[boot(0.9), boot(0.95)]).unwrap();
        let m = meta(2);
        let dir = std::env::temp_dir().join(format!("wb-bench-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("report.md"), markdown(&rows, &m)).unwrap();
        std::fs::write(dir.join("report.json"), json(&rows, &m)).unwrap();
        std::fs::write(dir.join("plot.svg"), svg(&rows, &m)).unwrap();
        assert_eq!(check_report(&dir), Ok(WORKLOADS.len()));
        let v = json::parse(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
        assert_eq!(
            v.get("mode").and_then(json::Value::str),
            Some("icount-shift0")
        );
        assert_eq!(v.get("icount_shift").and_then(json::Value::num), Some(0.0));
        let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
        assert!(md.contains("- toolchain: **gcc**"));
        assert_eq!(v.get("toolchain").and_then(json::Value::str), Some("gcc"));
        assert!(md.contains("icount-shift0"));
        // A report that lost a workload does not check out.
        std::fs::write(dir.join("report.json"), json(&rows[1..], &m)).unwrap();
        assert!(check_report(&dir).unwrap_err().contains("pidfd_open_hit"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
