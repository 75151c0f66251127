// SPDX-License-Identifier: GPL-2.0
//! The files of a `wb bench` run: report.md, report.json and plot.svg from
//! the rows of [`crate::bench_figures`] and what the run says besides them
//! ([`Meta`]), the check that a written report is whole, and the texts that
//! name a build and a toolchain in every report of a pair of kernels.

use crate::bench_figures::{KernelStats, Mode, Row, Slab, BOOTSTRAP_ROUNDS, WORKLOADS};
use crate::json;
use crate::util::fmt_duration;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

/// What a report says besides the table.
pub struct Meta {
    pub mode: Mode,
    /// The kernels are the `+llvm` flavour (clang, helpers inlined).
    pub llvm: bool,
    /// The kernels are a performance flavour (`+perf`, `+perf-llvm`).
    pub perf: bool,
    /// Either kernel's Rust was compiled by clippy-driver
    /// ([`crate::pair::Kernel::clippy`]).
    pub clippy: bool,
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
        "- Rust compiler: **{}** — {}",
        rust_driver(m.clippy),
        rust_driver_text(m.clippy)
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
        ("rust_driver", s(rust_driver(m.clippy))),
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

/// The Rust compiler driver as the reports name it.
pub fn rust_driver(clippy: bool) -> &'static str {
    if clippy {
        "clippy-driver"
    } else {
        "rustc"
    }
}

/// What a report says about the Rust compiler driver of its kernels.
pub fn rust_driver_text(clippy: bool) -> &'static str {
    if clippy {
        "clippy-driver (`CLIPPY=1`, as the per-patch CI builds): `-Zmir-opt-level=0`, so no MIR \
         inlining and no cross-crate inlining of small functions; more calls than a plain build"
    } else {
        "rustc, as a distribution builds (no `CLIPPY=1`)"
    }
}

/// What the report says about how the kernels are optimised.
pub fn build_text(perf: bool) -> &'static str {
    if perf {
        "performance build (`kconfig/perf.config`): `-O2` and `-Copt-level=2`, the normal \
         SLUB, as distributions build"
    } else {
        "tinyconfig-derived: `-Os` and `-Copt-level=s`, `SLUB_TINY`"
    }
}

/// What the report says about the toolchain of the kernels.
pub fn toolchain_text(llvm: bool) -> &'static str {
    if llvm {
        "clang 19 (`LLVM=-19`) with `CONFIG_RUST_INLINE_HELPERS=y`: the C helpers are inlined \
         into the Rust code; the C kernel is built with the same clang"
    } else {
        "gcc: every C helper the Rust code calls (atomics, RCU, `current`, …) is an out-of-line \
         call, as on any gcc-built kernel"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench_figures::{rows, test_boot, SlabFigures};

    fn meta(boots: usize) -> Meta {
        Meta {
            mode: Mode::Icount(0),
            llvm: false,
            perf: false,
            clippy: false,
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
    fn reports_write_and_check() {
        let rows = rows(
            &[test_boot(1.0), test_boot(1.02)],
            &[test_boot(0.9), test_boot(0.95)],
        )
        .unwrap();
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
        assert!(md.contains("- Rust compiler: **rustc**"), "{md}");
        assert!(rust_driver_text(false).starts_with("rustc"));
        assert!(rust_driver_text(true).contains("-Zmir-opt-level=0"));
        assert_eq!(
            v.get("rust_driver").and_then(json::Value::str),
            Some("rustc")
        );
        assert_eq!(v.get("toolchain").and_then(json::Value::str), Some("gcc"));
        assert!(md.contains("icount-shift0"));
        // A report that lost a workload does not check out.
        std::fs::write(dir.join("report.json"), json(&rows[1..], &m)).unwrap();
        assert!(check_report(&dir).unwrap_err().contains("pidfd_open_hit"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn memory_lines_of_each_kernel() {
        let m = meta(1);
        assert_eq!(
            memory_lines(&m.slab),
            [
                "C (fs-pid-n): object_size 56 B, slab_size 64 B (align 64), 64 per slab, not merged",
                "Rust (fs-pid-y): not reported by this kernel (no-slab-sysfs)"
            ]
        );
    }
}
