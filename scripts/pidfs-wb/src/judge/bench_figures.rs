// SPDX-License-Identifier: GPL-2.0
//! The figures of a `wb bench` run: what the benchmark program printed in
//! each boot (`BENCH` lines, the per-pid slab cache), the figure of a boot
//! (the median of its repetitions) and of a kernel (the median over its
//! boots), and the Rust/C ratio with its 95 % percentile-bootstrap interval,
//! which resamples the per-boot figures of each kernel independently. Pure
//! functions of the guest logs; `wb bench` boots, `report::bench_report`
//! writes.

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

/// A parsed boot whose workload `i` (in [`WORKLOADS`] order) took
/// `(i + 1) * 100 * scale` ns per operation.
#[cfg(test)]
pub fn test_boot(scale: f64) -> Parsed {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn table_and_readings() {
        let c = [test_boot(1.0), test_boot(1.01), test_boot(0.99)];
        let r = [test_boot(1.2), test_boot(1.21), test_boot(1.19)];
        let rows = rows(&c, &r).unwrap();
        assert_eq!(rows.len(), WORKLOADS.len());
        for row in &rows {
            assert!((row.ratio - 1.2).abs() < 1e-9);
            assert_eq!(row.reading(), "Rust slower");
            assert_eq!(row.c.per_boot.len(), 3);
        }
        let eq = rows_of(
            &[test_boot(1.0), test_boot(1.1)],
            &[test_boot(1.05), test_boot(1.0)],
        );
        assert!(eq.iter().all(|r| r.reading() == "equal within CI"));
        let fast = rows_of(
            &[test_boot(2.0), test_boot(2.1)],
            &[test_boot(1.0), test_boot(1.05)],
        );
        assert!(fast.iter().all(|r| r.reading() == "Rust faster"));
        let one = rows_of(&[test_boot(1.0)], &[test_boot(1.0)]);
        assert!(one.iter().all(|r| r.reading() == "one boot: no interval"));
    }

    fn rows_of(c: &[Parsed], r: &[Parsed]) -> Vec<Row> {
        rows(c, r).unwrap()
    }

    #[test]
    fn missing_figures_are_named() {
        let mut partial = test_boot(1.0);
        partial.samples.retain(|s| s.workload != "fstat");
        let e = rows(&[test_boot(1.0)], &[partial]).unwrap_err();
        assert_eq!(e, vec!["Rust boot 1: fstat".to_string()]);
        let e = rows(&[], &[test_boot(1.0)]).unwrap_err();
        assert!(e.contains(&"C: no boot".to_string()));
    }
}
