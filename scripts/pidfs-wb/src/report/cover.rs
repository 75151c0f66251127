// SPDX-License-Identifier: GPL-2.0
//! The cover letter's text: the template filled in, the changelog, and "How
//! it was tested" from the `wb ci`, `wb bench` and `wb size` reports of this
//! very series. Pure functions of their inputs; `wb export` finds the
//! reports and the template and sends the result.

use crate::json;
use std::fmt::Write as _;

/// A template without its `#` comment lines.
pub fn strip_comments(template: &str) -> String {
    template
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The changelog sections for versions ≤ `v`, newest first, rendered as
/// `Changes in vK:` blocks. `ci/versions/changelog.txt` holds them as
/// `vK:` lines followed by `- …` items.
pub fn changelog(text: &str, v: u32) -> std::result::Result<String, String> {
    let mut sections: Vec<(u32, Vec<String>)> = Vec::new();
    for l in text.lines() {
        let t = l.trim_end();
        if t.starts_with('#') || t.trim().is_empty() {
            continue;
        }
        if let Some(n) = t
            .strip_prefix('v')
            .and_then(|r| r.strip_suffix(':'))
            .and_then(|n| n.parse().ok())
        {
            sections.push((n, Vec::new()));
            continue;
        }
        match sections.last_mut() {
            Some((_, items)) => items.push(t.to_string()),
            None => return Err(format!("`{t}` comes before any `vN:` line")),
        }
    }
    if v > 1
        && !sections
            .iter()
            .any(|(n, items)| *n == v && items.iter().any(|i| i.trim_start().starts_with("- ")))
    {
        return Err(format!("there is no `v{v}:` section with a `- ` item"));
    }
    sections.retain(|(n, _)| *n <= v);
    sections.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = String::new();
    for (n, items) in &sections {
        let _ = writeln!(out, "Changes in v{n}:");
        for i in items {
            let _ = writeln!(out, "{i}");
        }
        out.push('\n');
    }
    if !sections.iter().any(|(n, _)| *n == 1) {
        out.push_str("Changes in v1:\n- First version.\n");
    }
    Ok(out.trim_end().to_string())
}

/// "How it was tested", from a `wb ci` report.json, only if the report is
/// of this very series (`series_sha256`). Never makes figures up: without a
/// matching report it says so.
pub fn tested_section(report: Option<(&str, &str)>, fingerprint: &str) -> String {
    let Some((name, text)) = report else {
        return "Not measured: there is no `scripts/wb ci` report for this series.".into();
    };
    let v = match json::parse(text) {
        Ok(v) => v,
        Err(e) => {
            return format!("Not measured: the latest CI report ({name}) is unreadable: {e}.")
        }
    };
    if v.get("series_sha256").and_then(json::Value::str) != Some(fingerprint) {
        return format!(
            "Not measured for this version: the latest CI report ({name}) is of another state \
             of the series."
        );
    }
    let mut s = String::new();
    let ok = v.get("ok").and_then(json::Value::bool) == Some(true);
    let secs = v.get("seconds").and_then(json::Value::num).unwrap_or(0.0);
    let _ = writeln!(
        s,
        "`scripts/wb ci` of the pidfs-rs workbench ran on exactly this series\n\
         (report {name}, {} in {}m{:02}s on 2 cores), result: {}.\n\
         For every patch k it applies patches 1..k onto base-commit, builds the\n\
         kernel in each configuration that exists at that point (fs-pid-n: the C\n\
         pidfs; fs-pid-y: the Rust one, once CONFIG_FS_PID exists), boots it\n\
         in QEMU (TCG, x86_64) and runs a smoke set of the upstream selftests;\n\
         the last patch runs all pidfd, nsfs and pid_namespace selftests, and\n\
         KUnit with the Rust doctests runs at every boot. Static checks per\n\
         patch: checkpatch --strict, rustfmtcheck, CLIPPY=1, rustdoc, W=1.\n",
        v.get("base_commit")
            .and_then(json::Value::str)
            .map(|b| format!("base {}", &b[..b.len().min(12)]))
            .unwrap_or_default(),
        (secs as u64) / 60,
        (secs as u64) % 60,
        if ok { "all green" } else { "NOT all green" }
    );
    let cells = v.get("cells").map(json::Value::arr).unwrap_or(&[]);
    let debug: Vec<&str> = cells
        .iter()
        .filter_map(|c| c.get("config").and_then(json::Value::str))
        .filter(|c| crate::build::is_debug(c))
        .collect();
    if !debug.is_empty() {
        let _ = writeln!(
            s,
            "The last patch also boots {} with every test: built with clang, with\n\
             KASAN, lockdep, PROVE_RCU, DEBUG_VFS/LIST/OBJECTS, kmemleak (scanned\n\
             at the end) and fault injection; any report of theirs fails the run.\n",
            debug.join(" and ")
        );
    } else {
        let _ = writeln!(
            s,
            "No debug kernel (KASAN, lockdep, kmemleak) was booted in this run.\n"
        );
    }
    let _ = writeln!(
        s,
        "  patch  config              build boot  tests pass/fail/skip    checks"
    );
    for c in cells {
        let n = |k: &str| c.get(k).and_then(json::Value::num).map(|x| x as u64);
        let failed = c.get("failed_stage").and_then(json::Value::str);
        let flag = |k: &str| c.get(k).and_then(json::Value::bool) == Some(true);
        let (build_only, nothing_to_build) = (flag("build_only"), flag("nothing_to_build"));
        let mark = |stage: &str, order: u8| -> &str {
            if (build_only && order >= 2) || (nothing_to_build && order >= 1) {
                return "n/a";
            }
            let rank = |f: &str| match f {
                "applies" => 0,
                "builds" => 1,
                "boots" => 2,
                _ => 3,
            };
            match failed {
                None => "ok",
                Some(f) if f == stage => "FAIL",
                Some(f) if rank(f) < order => "-",
                Some(_) => "ok",
            }
        };
        let tests = match (n("pass"), n("fail"), n("skip")) {
            (Some(p), Some(f), Some(k)) => format!(
                "{p}/{f}/{k} ({})",
                if c.get("full").and_then(json::Value::bool) == Some(true) {
                    "all"
                } else {
                    "smoke"
                }
            ),
            _ => "-".into(),
        };
        let checks = if c.get("checks_ok").and_then(json::Value::bool) == Some(true) {
            "ok".to_string()
        } else {
            c.get("checks")
                .map(json::Value::arr)
                .unwrap_or(&[])
                .iter()
                .find(|k| k.get("ok").and_then(json::Value::bool) != Some(true))
                .and_then(|k| k.get("name").and_then(json::Value::str))
                .map(|k| format!("FAIL {k}"))
                .unwrap_or_else(|| "-".into())
        };
        let _ = writeln!(
            s,
            "  {:<6} {:<19} {:<5} {:<5} {:<23} {}",
            n("patch").unwrap_or(0),
            c.get("config").and_then(json::Value::str).unwrap_or("-"),
            mark("builds", 1),
            mark("boots", 2),
            tests,
            checks
        );
    }
    match diff_summary(v.get("verdict_diff")) {
        Some((compared, outcome)) => {
            let _ = writeln!(
                s,
                "\nfs-pid-y against fs-pid-n on the last patch, test for test: {compared} tests\ncompared, {outcome}."
            );
        }
        None => {
            let why = v
                .get("verdict_diff")
                .and_then(|d| d.get("not_compared"))
                .and_then(json::Value::str)
                .unwrap_or("no comparison in the report");
            let _ = writeln!(s, "\nfs-pid-y against fs-pid-n: not compared ({why}).");
        }
    }
    if let Some((compared, outcome)) = diff_summary(v.get("verdict_diff_debug")) {
        let _ = writeln!(
            s,
            "fs-pid-y+debug against fs-pid-n+debug: {compared} tests compared, {outcome}."
        );
    }
    s.trim_end().to_string()
}

/// Of a comparison in report.json: how many tests it compared, and "no
/// difference" or "N differ" (counting only the rows that count).
fn diff_summary(d: Option<&json::Value>) -> Option<(u64, String)> {
    let compared = d?.get("compared").and_then(json::Value::num)? as u64;
    let diffs = d
        .and_then(|d| d.get("differences"))
        .map(json::Value::arr)
        .unwrap_or(&[])
        .iter()
        .filter(|r| r.get("counted").and_then(json::Value::bool) != Some(false))
        .count();
    let outcome = if diffs == 0 {
        "no difference".to_string()
    } else {
        format!("{diffs} differ")
    };
    Some((compared, outcome))
}

/// `text` as lines of at most `width` columns, broken between words (a
/// word longer than `width` gets a line of its own).
pub fn wrap(text: &str, width: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines.join("\n")
}

/// The newest of `reports` (oldest first, as `(name, report.json)`) that
/// parses and that `want` accepts.
fn newest(
    reports: &[(String, String)],
    want: impl Fn(&json::Value) -> bool,
) -> Option<(&String, json::Value)> {
    reports.iter().rev().find_map(|(name, text)| {
        let v = json::parse(text).ok()?;
        want(&v).then_some((name, v))
    })
}

/// The Rust compiler driver a `wb bench` or `wb size` report names, as the
/// cover letter says it. Reports from before the field were all built with
/// clippy-driver (the commands built with `CLIPPY=1` then).
fn rust_driver_of(v: &json::Value) -> &'static str {
    crate::bench_report::rust_driver_text(
        v.get("rust_driver").and_then(json::Value::str) != Some("rustc"),
    )
}

/// Whether a `wb bench` or `wb size` report measured kernels built from
/// exactly this series: the work tree was `patches/` as checked in
/// (`tree_is_series`) and the series is the one `fingerprint` names.
fn of_this_series(v: &json::Value, fingerprint: &str) -> bool {
    v.get("tree_is_series").and_then(json::Value::bool) == Some(true)
        && v.get("series_sha256").and_then(json::Value::str) == Some(fingerprint)
}

/// The benchmark part of "How it was tested": for each build (the
/// performance build first, then the tinyconfig one), timing mode and
/// toolchain the newest full `wb bench` report whose kernels were exactly
/// this series (`series_sha256` and `tree_is_series`). Never quotes another
/// state of the series, nor a `--quick` run. The text names the run by its
/// time stamp, not by a path only the sender has, says which build the
/// kernels were, and keeps its lines within 72 columns.
pub fn bench_section(reports: &[(String, String)], fingerprint: &str) -> String {
    let mut out = String::new();
    for want_build in ["perf", "tiny"] {
        for (prefix, title) in [
        (
            "icount",
            "deterministic mode, QEMU -icount: guest time follows executed instructions (1 ns each)",
        ),
        ("wall", "wall time, QEMU TCG on a shared 2-core host"),
    ] {
        for (toolchain, llvm) in [("gcc", false), ("llvm", true)] {
            let found = newest(reports, |v| {
                let Some(mode) = v.get("mode").and_then(json::Value::str) else {
                    return false;
                };
                // Reports from before the field were all built with gcc.
                let tc = v
                    .get("toolchain")
                    .and_then(json::Value::str)
                    .unwrap_or("gcc");
                // Reports from before the field were all tinyconfig builds;
                // the cover quotes those, as `wb test` measures them.
                let build = v.get("build").and_then(json::Value::str).unwrap_or("tiny");
                mode.starts_with(prefix)
                    && tc == toolchain
                    && build == want_build
                    && v.get("quick").and_then(json::Value::bool) == Some(false)
                    && of_this_series(v, fingerprint)
            });
            let Some((name, v)) = found else {
                continue;
            };
            // `<time>-<mode>[-perf][-llvm]`: the run's time stamp.
            let dir = name.rsplit('/').next().unwrap_or(name);
            let stamp = dir.split(&format!("-{prefix}")).next().unwrap_or(dir);
            let n = |k: &str| v.get(k).and_then(json::Value::num).unwrap_or(0.0) as u64;
            let what = format!(
                "pidfs micro-benchmark, {title}; kernels built with {}; {}; Rust compiled by \
                 {}.",
                crate::bench_report::toolchain_text(llvm),
                crate::bench_report::build_text(want_build == "perf"),
                rust_driver_of(&v)
            );
            // The run's sentence starts a line, so that its name is never split.
            let how = format!(
                "`scripts/wb bench` run {stamp}: the C and the Rust pidfs kernels of \
                 this series booted alternately, {} boots each, {} repetitions per \
                 boot; median ns/op, Rust/C ratio of the medians, 95% bootstrap \
                 interval over boots.",
                n("boots_per_kernel"),
                n("reps_per_boot")
            );
            let _ = writeln!(out, "{}\n{}\n", wrap(&what, 72), wrap(&how, 72));
            let _ = writeln!(
                out,
                "  {:<22} {:>11} {:>11} {:>7}  95% CI",
                "workload", "C ns/op", "Rust ns/op", "Rust/C"
            );
            for w in v.get("workloads").map(json::Value::arr).unwrap_or(&[]) {
                let num = |a: &str, b: Option<&str>| {
                    let x = match b {
                        Some(b) => w.get(a).and_then(|o| o.get(b)),
                        None => w.get(a),
                    };
                    x.and_then(json::Value::num).unwrap_or(f64::NAN)
                };
                let _ = writeln!(
                    out,
                    "  {:<22} {:>11.1} {:>11.1} {:>7.3}  {:.3}-{:.3}",
                    w.get("name").and_then(json::Value::str).unwrap_or("?"),
                    num("c", Some("median_ns")),
                    num("rust", Some("median_ns")),
                    num("ratio", None),
                    num("ci_low", None),
                    num("ci_high", None)
                );
            }
            out.push('\n');
        }
    }
    }
    if out.is_empty() {
        "Benchmark: not measured for this version (no `scripts/wb bench` report\n\
         of exactly this series)."
            .into()
    } else {
        out.trim_end().to_string()
    }
}

/// text + data + bss of the `size` object `key` of a `wb size` report (or
/// of its comparison (b)); 0 where a figure is missing.
fn size_total(v: &json::Value, key: &str) -> i64 {
    ["text", "data", "bss"]
        .iter()
        .map(|f| {
            v.get(key)
                .and_then(|x| x.get(f))
                .and_then(json::Value::num)
                .unwrap_or(0.0) as i64
        })
        .sum()
}

/// The cover's quote of a `wb size` report's comparison (b), the base with
/// no patch against the series with `CONFIG_FS_PID=n`: its vmlinux delta
/// and its groups' deltas, and the options the two kernels set differently
/// (`CONFIG_FS_PID` aside), wrapped, indented as the other size lines.
pub fn base_quote(v: &json::Value) -> Vec<String> {
    let text = match v.get("base") {
        Some(b) if !matches!(b, json::Value::Null) => {
            let total = |k: &str| size_total(b, k);
            let groups: Vec<String> = b
                .get("groups")
                .map(json::Value::arr)
                .unwrap_or(&[])
                .iter()
                .map(|g| {
                    let n = |k: &str| g.get(k).and_then(json::Value::num).unwrap_or(0.0) as i64;
                    format!(
                        "{} {:+}",
                        g.get("group").and_then(json::Value::str).unwrap_or("?"),
                        n("series") - n("base")
                    )
                })
                .collect();
            let options: Vec<String> = b
                .get("config_diff")
                .map(json::Value::arr)
                .unwrap_or(&[])
                .iter()
                .filter_map(|o| {
                    let k = o.get("option").and_then(json::Value::str)?;
                    let y = o.get("series").and_then(json::Value::str)?;
                    Some(format!("{k}={y}"))
                })
                .collect();
            format!(
                "series (CONFIG_FS_PID=n) vs the base with no patch, both without \
                 test code ({}): text+data+bss {:+} bytes ({}){}",
                b.get("config_series")
                    .and_then(json::Value::str)
                    .unwrap_or("configuration unknown"),
                total("size_series") - total("size_base"),
                groups.join(", "),
                if options.is_empty() {
                    String::new()
                } else {
                    format!("; series .config: {}", options.join(", "))
                }
            )
        }
        _ => "series (CONFIG_FS_PID=n) vs the base with no patch: not measured".into(),
    };
    wrap(&text, 68)
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{}{l}", if i == 0 { "  " } else { "    " }))
        .collect()
}

/// The size part of "How it was tested": for each build (performance
/// first) and toolchain the newest `wb size` report whose kernels were
/// exactly this series: vmlinux totals, the symbol groups, the memory per
/// pid the booted kernels reported, and [`base_quote`]'s lines on what the
/// series costs a kernel that does not select the Rust pidfs; then the lines
/// of code of the newest of them. Within 72 columns, no local path.
pub fn size_section(reports: &[(String, String)], fingerprint: &str) -> String {
    let mut out = String::new();
    let mut loc_of: Option<json::Value> = None;
    for build in ["perf", "tiny"] {
        for (toolchain, llvm) in [("gcc", false), ("llvm", true)] {
            let found = newest(reports, |v| {
                v.get("build").and_then(json::Value::str) == Some(build)
                    && v.get("toolchain").and_then(json::Value::str) == Some(toolchain)
                    && of_this_series(v, fingerprint)
            });
            let Some((name, v)) = found else {
                continue;
            };
            let stamp = name.rsplit('/').next().unwrap_or(name);
            let stamp = stamp.split('-').take(2).collect::<Vec<_>>().join("-");
            let total = |k: &str| size_total(&v, k);
            let (c, r) = (total("size_c"), total("size_rust"));
            let what = format!(
                "Size, `scripts/wb size` run {stamp}: vmlinux of the C and the Rust pidfs \
                 kernels of this series, built with {}; {}; Rust compiled by {}.",
                crate::bench_report::toolchain_text(llvm),
                crate::bench_report::build_text(build == "perf"),
                rust_driver_of(&v)
            );
            let _ = writeln!(out, "{}\n", wrap(&what, 72));
            let _ = writeln!(
                out,
                "  vmlinux text+data+bss: C {c}, Rust {r}, Rust-C {:+} bytes",
                r - c
            );
            let _ = writeln!(out, "  symbols that differ, by group (bytes, C -> Rust):");
            for g in v.get("groups").map(json::Value::arr).unwrap_or(&[]) {
                let n = |k: &str| g.get(k).and_then(json::Value::num).unwrap_or(0.0) as i64;
                let _ = writeln!(
                    out,
                    "    {:<20} {:>7} -> {:>7} ({:+})",
                    g.get("group").and_then(json::Value::str).unwrap_or("?"),
                    n("c"),
                    n("rust"),
                    n("rust") - n("c")
                );
            }
            for l in base_quote(&v) {
                let _ = writeln!(out, "{l}");
            }
            let _ = writeln!(
                out,
                "  memory per pid, pidfs_attr_cache as each booted kernel reports it:"
            );
            match v.get("memory_per_pid") {
                Some(m) if !matches!(m, json::Value::Null) => {
                    for (k, label) in [("c", "C"), ("rust", "Rust")] {
                        let line = match m.get(k) {
                            Some(x) if x.get("object_size").is_some() => {
                                let n = |f: &str| {
                                    x.get(f).and_then(json::Value::num).unwrap_or(0.0) as u64
                                };
                                format!(
                                    "{label}: object {} B, {} B per object in a slab{}",
                                    n("object_size"),
                                    n("slab_size"),
                                    if n("aliases") == 0 {
                                        String::new()
                                    } else {
                                        format!(" (merged with {} caches)", n("aliases"))
                                    }
                                )
                            }
                            Some(x) => format!(
                                "{label}: not reported ({})",
                                x.get("unavailable")
                                    .and_then(json::Value::str)
                                    .unwrap_or("?")
                            ),
                            None => format!("{label}: not reported"),
                        };
                        let _ = writeln!(out, "    {line}");
                    }
                }
                _ => {
                    let _ = writeln!(out, "    not measured");
                }
            }
            out.push('\n');
            if loc_of.is_none() {
                loc_of = Some(v.clone());
            }
        }
    }
    let Some(v) = loc_of else {
        return "Size: not measured for this version (no `scripts/wb size` report\n\
                of exactly this series)."
            .into();
    };
    let _ = writeln!(
        out,
        "Lines of code (fs/pidfs.c: {} lines); what the patches add and remove:",
        v.get("c_pidfs_lines")
            .and_then(json::Value::num)
            .unwrap_or(0.0) as u64
    );
    for a in v.get("loc").map(json::Value::arr).unwrap_or(&[]) {
        let n = |k: &str| a.get(k).and_then(json::Value::num).unwrap_or(0.0) as u64;
        let _ = writeln!(
            out,
            "  {:<28} +{:<6} -{}",
            a.get("area").and_then(json::Value::str).unwrap_or("?"),
            n("added"),
            n("removed")
        );
    }
    out.trim_end().to_string()
}

/// Fills the cover-letter template: its `#` lines are dropped, then
/// `{{tested}}` and `{{changelog}}` are replaced; the range-diff, if any,
/// is appended.
pub fn render_cover(
    template: &str,
    tested: &str,
    changes: &str,
    range_diff: Option<(u32, &str)>,
) -> std::result::Result<String, String> {
    let template = strip_comments(template);
    for key in ["{{tested}}", "{{changelog}}"] {
        if !template.contains(key) {
            return Err(format!("the template has no {key}"));
        }
    }
    let mut s = template
        .replace("{{tested}}", tested)
        .replace("{{changelog}}", changes);
    if let Some((prev, rd)) = range_diff {
        let _ = write!(s, "\nRange-diff against v{prev}:\n{}\n", rd.trim_end());
    }
    Ok(s.trim_end().to_string() + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"{"ok": true, "series_sha256": "f00", "base_commit": "2653414bcbe73f9e1ffac590249bcd904a2ffd78", "seconds": 1830.0, "cells": [
  {"patch": 1, "name": "0001-a.patch", "config": "fs-pid-n", "ok": true, "failed_stage": null, "full": false, "pass": 40, "fail": 0, "skip": 2, "seconds": 300.0, "note": "", "log": "x", "checks_ok": true, "checks": []},
  {"patch": 2, "name": "0002-b.patch", "config": "fs-pid-y", "ok": false, "failed_stage": "boots", "full": true, "pass": null, "fail": null, "skip": null, "seconds": 300.0, "note": "", "log": "x", "checks_ok": false, "checks": [{"name": "checkpatch", "ok": true, "summary": "", "log": ""}, {"name": "clippy", "ok": false, "summary": "", "log": ""}]},
  {"patch": 2, "name": "0002-b.patch", "config": "fs-pid-y+debug", "ok": true, "failed_stage": null, "full": true, "pass": 50, "fail": 0, "skip": 1, "seconds": 900.0, "note": "", "log": "x", "checks_ok": true, "checks": []},
  {"patch": 2, "name": "0002-b.patch", "config": "fs-pid-y+werror-min", "build_only": true, "ok": true, "failed_stage": null, "full": true, "pass": null, "fail": null, "skip": null, "seconds": 300.0, "note": "", "log": "x", "checks_ok": true, "checks": []},
  {"patch": 3, "name": "0003-c.patch", "config": "-", "nothing_to_build": true, "ok": true, "failed_stage": null, "full": false, "pass": null, "fail": null, "skip": null, "seconds": 3.0, "note": "", "log": "x", "checks_ok": true, "checks": []}
],
"verdict_diff": {"compared": 120, "differences": [], "file": "x"},
"verdict_diff_debug": {"compared": 51, "differences": [], "file": "y"}}"#;

    const BENCH: &str = r#"{"version": 1, "mode": "icount-shift0", "quick": false,
  "boots_per_kernel": 5, "reps_per_boot": 5, "series_sha256": "f00", "tree_is_series": true,
  "workloads": [
    {"name": "get_info_live", "mode": "icount-shift0", "c": {"median_ns": 1265.1, "min_ns": 1264.2, "max_ns": 1286.0, "per_boot_ns": [1265.1]}, "rust": {"median_ns": 1577.8, "min_ns": 1567.7, "max_ns": 1578.9, "per_boot_ns": [1577.8]}, "ratio": 1.2472, "ci_low": 1.219, "ci_high": 1.249, "reading": "Rust slower"}
  ]}"#;

    #[test]
    fn changelog_sections() {
        let t = "# comment\nv2:\n- Rebased.\n- Fixed x.\n\nv1:\n- First version.\n";
        let c = changelog(t, 2).unwrap();
        assert_eq!(
            c,
            "Changes in v2:\n- Rebased.\n- Fixed x.\n\nChanges in v1:\n- First version."
        );
        assert_eq!(changelog(t, 1).unwrap(), "Changes in v1:\n- First version.");
        assert_eq!(
            changelog("", 1).unwrap(),
            "Changes in v1:\n- First version."
        );
        assert!(changelog(t, 3).unwrap_err().contains("v3:"));
        assert!(changelog("- orphan\n", 1).is_err());
    }

    #[test]
    fn tested_from_report() {
        let s = tested_section(Some(("out/ci/20261126-120000", REPORT)), "f00");
        assert!(
            s.contains("report out/ci/20261126-120000, base 2653414bcbe7 in 30m30s"),
            "{s}"
        );
        assert!(s.contains("result: all green"), "{s}");
        assert!(
            s.contains("  1      fs-pid-n            ok    ok    40/0/2 (smoke)          ok"),
            "{s}"
        );
        assert!(
            s.contains(
                "  2      fs-pid-y            ok    FAIL  -                       FAIL clippy"
            ),
            "{s}"
        );
        assert!(s.contains("120 tests\ncompared, no difference."), "{s}");
        assert!(
            s.contains("also boots fs-pid-y+debug with every test"),
            "{s}"
        );
        assert!(
            s.contains("  2      fs-pid-y+debug      ok    ok    50/0/1 (all)"),
            "{s}"
        );
        assert!(
            s.contains("fs-pid-y+debug against fs-pid-n+debug: 51 tests compared, no difference."),
            "{s}"
        );
        // A build-only variant boots nothing; a documentation patch builds
        // nothing.
        assert!(
            s.contains("  2      fs-pid-y+werror-min ok    n/a   -                       ok"),
            "{s}"
        );
        assert!(
            s.contains("  3      -                   n/a   n/a   -                       ok"),
            "{s}"
        );
        let no_debug = REPORT.replace("fs-pid-y+debug", "fs-pid-y");
        let s = tested_section(Some(("out/ci/x", &no_debug)), "f00");
        assert!(s.contains("No debug kernel"), "{s}");
        // Figures are never quoted for another state of the series.
        let other = tested_section(Some(("out/ci/x", REPORT)), "bar");
        assert!(
            other.starts_with("Not measured for this version"),
            "{other}"
        );
        assert!(!other.contains("40/0/2"));
        assert!(tested_section(None, "f00").starts_with("Not measured"));
    }

    #[test]
    fn bench_figures_of_this_series_only() {
        let r = vec![(
            "out/bench/20261201-1-icount-shift0".to_string(),
            BENCH.to_string(),
        )];
        let s = bench_section(&r, "f00");
        assert!(s.contains("deterministic mode, QEMU -icount"), "{s}");
        assert!(s.contains("5 boots each"), "{s}");
        assert!(s.contains("run 20261201-1:"), "{s}");
        assert!(!s.contains("out/bench"), "no local path in the mail: {s}");
        assert!(s.contains("built with gcc"), "no toolchain field: gcc: {s}");
        assert!(s.lines().all(|l| l.len() <= 72), "{s}");
        assert!(
            s.contains("  get_info_live               1265.1      1577.8   1.247  1.219-1.249"),
            "{s}"
        );
        assert!(!s.contains("wall time"), "{s}");
        for other in [
            BENCH.replace("\"f00\"", "\"bar\""),
            BENCH.replace("\"tree_is_series\": true", "\"tree_is_series\": false"),
            BENCH.replace("\"quick\": false", "\"quick\": true"),
        ] {
            let s = bench_section(&[("out/bench/x".into(), other)], "f00");
            assert!(s.starts_with("Benchmark: not measured"), "{s}");
        }
        assert!(bench_section(&[], "f00").starts_with("Benchmark: not measured"));
        // One report per toolchain, both quoted, each under its own heading.
        let llvm = BENCH.replace(
            "\"quick\": false,",
            "\"quick\": false, \"toolchain\": \"llvm\",",
        );
        let gcc = BENCH.replace(
            "\"quick\": false,",
            "\"quick\": false, \"toolchain\": \"gcc\",",
        );
        let s = bench_section(
            &[
                ("out/bench/20261202-100000-icount-shift0".into(), gcc),
                ("out/bench/20261202-110000-icount-shift0-llvm".into(), llvm),
            ],
            "f00",
        );
        assert!(s.contains("built with gcc"), "{s}");
        assert!(s.contains("CONFIG_RUST_INLINE_HELPERS=y"), "{s}");
        assert!(
            s.find("built with gcc") < s.find("RUST_INLINE_HELPERS"),
            "{s}"
        );
        assert!(s.contains("run 20261202-110000:"), "{s}");
        assert!(s.lines().all(|l| l.len() <= 72), "{s}");
    }

    #[test]
    fn size_figures_of_this_series_only() {
        use crate::bench_figures::{Slab, SlabFigures};
        use crate::size::{self, Sym};
        let fig = |object_size| {
            Some(Slab::Figures(SlabFigures {
                object_size,
                slab_size: 64,
                align: 64,
                objs_per_slab: 64,
                aliases: 0,
            }))
        };
        let report = |build: &str, sha: &str, in_tree: bool| {
            size::json(&size::Report {
                build: build.into(),
                toolchain: "gcc".into(),
                rust_driver: "rustc".into(),
                syms: vec![Sym {
                    name: "pidfs_exit".into(),
                    kind: "t".into(),
                    old: 300,
                    new: 0,
                    delta: -300,
                }],
                size_c: (1000, 200, 50),
                size_rust: (1100, 190, 50),
                loc: vec![(3, 1); size::AREAS.len()],
                c_pidfs_lines: 1232,
                tree_head: "abc".into(),
                series_sha256: sha.into(),
                tree_is_series: in_tree,
                memory: Some([fig(56), fig(48)]),
                base: None,
            })
        };
        let r = vec![
            (
                "out/size/20261207-0700-perf".to_string(),
                report("perf", "f00", true),
            ),
            (
                "out/size/20261207-0800-perf".to_string(),
                report("perf", "bar", true),
            ),
        ];
        let s = size_section(&r, "f00");
        assert!(s.contains("run 20261207-0700"), "{s}");
        assert!(s.contains("performance build"), "{s}");
        assert!(
            s.contains("vmlinux text+data+bss: C 1250, Rust 1340, Rust-C +90 bytes"),
            "{s}"
        );
        assert!(
            s.contains("pidfs                    300 ->       0 (-300)"),
            "{s}"
        );
        assert!(
            s.contains("    Rust: object 48 B, 64 B per object in a slab"),
            "{s}"
        );
        assert!(s.contains("Lines of code (fs/pidfs.c: 1232 lines)"), "{s}");
        // A report without comparison (b) says so, in one line.
        assert!(
            s.contains("\n  series (CONFIG_FS_PID=n) vs the base with no patch: not measured\n"),
            "{s}"
        );
        assert!(!s.contains("out/size"), "no local path in the mail: {s}");
        assert!(s.lines().all(|l| l.len() <= 72), "{s}");
        for other in [report("perf", "bar", true), report("perf", "f00", false)] {
            let s = size_section(&[("out/size/x".into(), other)], "f00");
            assert!(s.starts_with("Size: not measured"), "{s}");
        }
    }

    #[test]
    fn size_quotes_the_cost_to_a_kernel_without_the_rust_pidfs() {
        use crate::size::{self, BaseCmp, Sym};
        let sym = |name: &str, old: u64, new: u64| Sym {
            kind: "Function".into(),
            name: name.into(),
            old,
            new,
            delta: new as i64 - old as i64,
        };
        let report = size::json(&size::Report {
            build: "perf".into(),
            toolchain: "gcc".into(),
            rust_driver: "rustc".into(),
            syms: vec![sym("pidfs_exit", 300, 0)],
            size_c: (1000, 200, 50),
            size_rust: (1100, 190, 50),
            loc: vec![(3, 1); size::AREAS.len()],
            c_pidfs_lines: 1232,
            tree_head: "abc".into(),
            series_sha256: "f00".into(),
            tree_is_series: true,
            memory: None,
            base: Some(BaseCmp {
                base_ref: "pidfs-base-7.3.4".into(),
                base_commit: Some("2653414bcbe73f9e1ffac590249bcd904a2ffd78".into()),
                base_version: Some("Linux 7.3.4".into()),
                config_base: "base+perf".into(),
                config_series: "rust-no-fs-pid+perf".into(),
                syms: vec![
                    sym("pidfd_poll", 200, 230),
                    sym("_RNvNtCs1_6kernel3pid9StructPid3get", 0, 64),
                    sym("rust_helper_get_pid", 0, 24),
                ],
                size_base: (900, 200, 50),
                size_series: (1000, 200, 50),
                config_diff: vec![(
                    "CONFIG_RUST_PSEUDO_FS_ABSTRACTIONS".into(),
                    "n".into(),
                    "y".into(),
                )],
                renamed: 0,
            }),
        });
        let s = size_section(&[("out/size/20261208-0900-perf".into(), report)], "f00");
        assert!(
            s.contains(
                "  series (CONFIG_FS_PID=n) vs the base with no patch, both without\n    \
                 test code (rust-no-fs-pid+perf): text+data+bss +100 bytes (pidfs\n    \
                 +30, kernel crate (Rust) +64, C helpers +24, other +0); series\n    \
                 .config: CONFIG_RUST_PSEUDO_FS_ABSTRACTIONS=y\n"
            ),
            "{s}"
        );
        // Between the groups of the C/Rust comparison and the memory lines.
        assert!(
            s.find("other                      0 ->       0") < s.find("CONFIG_FS_PID=n")
                && s.find("CONFIG_FS_PID=n") < s.find("memory per pid"),
            "{s}"
        );
        assert!(s.lines().all(|l| l.len() <= 72), "{s}");
        assert!(!s.contains("out/size"), "{s}");
    }

    #[test]
    fn wrapping() {
        assert_eq!(wrap("a bb  ccc\ndd", 6), "a bb\nccc dd");
        assert_eq!(wrap("abcdefgh x", 4), "abcdefgh\nx");
        assert_eq!(wrap("", 4), "");
    }

    #[test]
    fn cover_rendering() {
        let t = "# {{tested}} is replaced\nsubject\n\nWhy.\n\n{{tested}}\n\n{{changelog}}\n";
        let c = render_cover(t, "T", "C", Some((1, "1:  a = 1:  b x\n"))).unwrap();
        assert_eq!(
            c,
            "subject\n\nWhy.\n\nT\n\nC\n\nRange-diff against v1:\n1:  a = 1:  b x\n"
        );
        assert!(render_cover("no placeholders", "T", "C", None).is_err());
    }
}
