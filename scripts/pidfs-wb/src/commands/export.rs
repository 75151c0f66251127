// SPDX-License-Identifier: GPL-2.0
//! `wb export`: the series as mailing-list-ready mail, made by b4.
//!
//! In a scratch clone of the base repository (the cache's, never the work
//! tree), the series is applied *as sent* (the sender in `From:` and a
//! `Signed-off-by:` of the sender, see `checks::as_sent`), then:
//!
//! 1. `b4 prep -n pidfs-rs -f <base>` creates the prep branch with b4's
//!    cover-letter commit; its message becomes our cover letter
//!    (`ci/cover-NAME.txt` with the CI figures and the changelog filled
//!    in), and its tracking data gets the project's change-id
//!    (`ci/versions/change-id`) so every version of the series shares one;
//! 2. the patches are picked onto it, `b4 prep --force-revision N`,
//!    `--set-prefixes RFC` (with `--rfc`), `--auto-to-cc` (the base tree's
//!    scripts/get_maintainer.pl), `--check` (saved; b4 always exits 0, the
//!    gate is checkpatch in `wb ci`);
//! 3. `b4 send --no-sign -o DIR` writes one `.eml` per message; the tool
//!    adds `series.mbox` (all of them, mboxrd).
//!
//! `--series NAME` sends one series of the stack (see `series::parts`):
//! the earlier series are applied first, the prep branch forks from
//! them, and b4's tracking data gets one `patch-id:` prerequisite per
//! earlier patch and the base as `base-commit:`; the cover letter is
//! `ci/cover-NAME.txt` and the records live in `ci/versions/NAME/`.
//!
//! Versions: exporting vN records `patches/` as it is in
//! `ci/versions/vN/`; for N ≥ 2 the cover letter gets the range-diff
//! against `ci/versions/v(N-1)/` (applied onto the base in the scratch
//! clone, so it works from a fresh clone of this repository) and
//! `ci/versions/changelog.txt` must say what changed in vN.

use crate::base::{self, git};
use crate::checks;
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::ident::{self, Ident};
use crate::json;
use crate::series;
use crate::tree;
use crate::util::{self, info, step};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The cover-letter template, relative to the repository.
pub const COVER_TEMPLATE: &str = "ci/cover-letter.txt";
/// The prep branch's name (b4 makes it `b4/pidfs-rs`).
const PREP_NAME: &str = "pidfs-rs";
const BASE_BRANCH: &str = "pidfs-rs-base";
/// b4's marker between the cover letter and its tracking data.
const MAGIC_MARKER: &str = "--- b4-submit-tracking ---";

/// How the sender attributes tool-assisted work (the base tree's
/// Documentation/process/coding-assistants.rst): the export refuses to guess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attribution {
    /// `--assisted-by TEXT`: an `Assisted-by: TEXT` trailer before the
    /// sender's `Signed-off-by:` in every patch.
    AssistedBy(String),
    /// `--no-assisted-by`: the sender states that no assistant contributed.
    None,
}

impl Attribution {
    /// From the command line: exactly one of `--assisted-by TEXT` and
    /// `--no-assisted-by`.
    pub fn from_args(text: Option<String>, none: bool) -> Result<Self> {
        match (text, none) {
            (Some(_), true) => Err(Error::Usage(
                "--assisted-by and --no-assisted-by exclude each other".into(),
            )),
            (None, false) => Err(Error::Usage(
                "state how the series was made: --assisted-by 'LLM [TOOL1] [TOOL2]' \
                 (an Assisted-by: trailer, Documentation/process/coding-assistants.rst) or \
                 --no-assisted-by; the export never adds one on its own"
                    .into(),
            )),
            (None, true) => Ok(Attribution::None),
            (Some(t), false) => {
                let t = t.trim();
                if t.is_empty() || t.contains('\n') || t.contains(':') {
                    return Err(Error::Usage(format!(
                        "--assisted-by takes one line of the form `LLM [TOOL1] [TOOL2]`, \
                         without a colon: got `{t}`"
                    )));
                }
                Ok(Attribution::AssistedBy(t.to_string()))
            }
        }
    }

    pub fn trailer(&self) -> Option<&str> {
        match self {
            Attribution::AssistedBy(t) => Some(t),
            Attribution::None => None,
        }
    }

    /// The cover letter's "Tools" section (Documentation/process/
    /// generated-content.rst: which tools, for what, and how the result
    /// was checked), from the sender's own statement and nothing else.
    pub fn disclosure(&self) -> String {
        let checked = "How the result is checked: the workbench builds, boots and tests \
                       every patch of the series on its own, with checkpatch.pl --strict, \
                       rustfmt, clippy, rustdoc and W=1 on the code it changes, and runs the \
                       same selftests against the C and the Rust pidfs; \"How it was tested\" \
                       gives the figures of this version, or says that there are none.";
        let body = match self {
            Attribution::AssistedBy(a) => format!(
                "Every patch carries \"Assisted-by: {a}\" \
                 (Documentation/process/coding-assistants.rst): the sender used that \
                 assistant to write code, selftests and commit messages of this series, in \
                 long sessions rather than from a few prompts, against the design above and \
                 fs/pidfs.c, which the Rust code follows function by function. The sender's \
                 Signed-off-by on each patch certifies it under the DCO \
                 (Documentation/process/submitting-patches.rst). {checked}"
            ),
            Attribution::None => format!(
                "The sender states that no coding assistant contributed to this series \
                 (Documentation/process/coding-assistants.rst), so no patch carries the \
                 Assisted-by trailer. {checked}"
            ),
        };
        format!("Tools\n-----\n\n{}", wrap(&body, 72))
    }
}

/// Replaces `{{disclosure}}` in the cover-letter template with
/// [`Attribution::disclosure`]; the template must have the placeholder, so
/// that no cover letter goes out without the statement.
pub fn fill_disclosure(
    template: &str,
    attribution: &Attribution,
) -> std::result::Result<String, String> {
    // The comment lines go first: they may name the placeholder, and a
    // filled-in comment would leave its lines in the cover letter.
    let template = strip_comments(template);
    if !template.contains("{{disclosure}}") {
        return Err("the template has no {{disclosure}}".into());
    }
    Ok(template.replace("{{disclosure}}", &attribution.disclosure()))
}

/// A template without its `#` comment lines.
pub fn strip_comments(template: &str) -> String {
    template
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[derive(Debug, Clone)]
pub struct Options {
    pub rfc: bool,
    pub version: u32,
    pub attribution: Attribution,
    pub out: Option<PathBuf>,
    /// Run `b4 prep --check` (`--no-b4-check` leaves it out).
    pub b4_check: bool,
    /// One series of the stack (`--series NAME`), sent on its own with the
    /// earlier series as its prerequisites; `None` is the whole stack as
    /// one thread.
    pub series: Option<String>,
}

/// What one export sends: the patches, the ones it depends on (the
/// earlier series of the stack, applied first and recorded as
/// prerequisites), its cover-letter template and its version records.
#[derive(Debug, Clone)]
pub struct Selection {
    pub name: Option<String>,
    pub prior: Vec<(String, String)>,
    pub patches: Vec<(String, String)>,
    /// Relative to the repository.
    pub template: String,
    pub versions: PathBuf,
}

/// The cover-letter template of a series of the stack.
pub fn series_template(name: &str) -> String {
    format!("ci/cover-{name}.txt")
}

/// Picks what `--series` names out of the stack (`parts` from
/// `series::parts`, `all` the patches in order). Without `--series` it is
/// the whole stack, with the cover letter of its last series (the one the
/// others lead to) or, without markers, [`COVER_TEMPLATE`].
pub fn select(
    parts: &[series::Part],
    all: Vec<(String, String)>,
    want: Option<&str>,
    versions: &Path,
) -> Result<Selection> {
    let Some(n) = want else {
        return Ok(Selection {
            name: None,
            prior: Vec::new(),
            patches: all,
            template: parts
                .last()
                .map(|p| series_template(&p.name))
                .unwrap_or_else(|| COVER_TEMPLATE.to_string()),
            versions: versions.to_path_buf(),
        });
    };
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    let Some(i) = names.iter().position(|x| *x == n) else {
        return Err(export_err(
            format!("patches/series has no series `{n}`"),
            if names.is_empty() {
                "mark the series of the stack with `# series: NAME` lines".to_string()
            } else {
                format!("the stack has: {}", names.join(", "))
            },
        ));
    };
    let earlier: Vec<&String> = parts[..i].iter().flat_map(|p| p.patches.iter()).collect();
    let (prior, rest): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|(name, _)| earlier.contains(&name));
    let patches = rest
        .into_iter()
        .filter(|(name, _)| parts[i].patches.contains(name))
        .collect();
    Ok(Selection {
        name: Some(n.to_string()),
        prior,
        patches,
        template: series_template(n),
        versions: versions.join(n),
    })
}

/// Adds b4 prerequisites to the tracking data of b4's cover commit: one
/// `patch-id:` per patch of the earlier series (`git patch-id --stable`,
/// what b4 and lore match), then `base-commit:`, so the cover letter says
/// where the whole stack applies and what must be applied first.
pub fn with_prerequisites(
    tracking: &str,
    change_id: &str,
    patch_ids: &[String],
    base: &str,
) -> std::result::Result<String, String> {
    let key = format!("\"change-id\": \"{change_id}\"");
    if !tracking.contains(&key) {
        return Err("the tracking data has no change-id".into());
    }
    if tracking.contains("\"prerequisites\"") {
        return Err("the tracking data has prerequisites already".into());
    }
    let mut list: Vec<String> = patch_ids
        .iter()
        .map(|p| format!("\"patch-id: {p}\""))
        .collect();
    list.push(format!("\"base-commit: {base}\""));
    Ok(tracking.replace(
        &key,
        &format!("{key}, \"prerequisites\": [{}]", list.join(", ")),
    ))
}

/// The `[PATCH …]` prefix b4 writes for version `v` (v1 carries no number).
pub fn subject_prefix(rfc: bool, v: u32, k: usize, n: usize) -> String {
    let mut s = String::from("[PATCH");
    if rfc {
        s.push_str(" RFC");
    }
    if v > 1 {
        let _ = write!(s, " v{v}");
    }
    // git format-patch and b4 pad the number to the width of the count:
    // [PATCH 01/10].
    let w = n.to_string().len();
    let _ = write!(s, " {k:0w$}/{n}]");
    s
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

/// The newest report.json under out/ci/ (directory names are timestamps).
fn latest_report(ctx: &Ctx) -> Option<(String, String)> {
    let dir = ctx.out_dir().join("ci");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .filter(|e| e.path().join("report.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let name = names.pop()?;
    let text = std::fs::read_to_string(dir.join(&name).join("report.json")).ok()?;
    Some((format!("out/ci/{name}"), text))
}

/// Every report.json of a `wb` command under out/KIND/ (`bench`, `size`),
/// oldest first (directory names are timestamps), as (`out/KIND/<name>`, text).
fn reports_of(ctx: &Ctx, kind: &str) -> Vec<(String, String)> {
    let dir = ctx.out_dir().join(kind);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .filter(|e| e.path().join("report.json").is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
        .into_iter()
        .filter_map(|n| {
            let text = std::fs::read_to_string(dir.join(&n).join("report.json")).ok()?;
            Some((format!("out/{kind}/{n}"), text))
        })
        .collect()
}

/// Every `wb bench` report under out/bench/, oldest first.
fn bench_reports(ctx: &Ctx) -> Vec<(String, String)> {
    reports_of(ctx, "bench")
}

/// `text` as lines of at most `width` columns, broken between words (a
/// word longer than `width` gets a line of its own).
fn wrap(text: &str, width: usize) -> String {
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
            let found = reports.iter().rev().find_map(|(name, text)| {
                let v = json::parse(text).ok()?;
                let mode = v.get("mode").and_then(json::Value::str)?;
                // Reports from before the field were all built with gcc.
                let tc = v
                    .get("toolchain")
                    .and_then(json::Value::str)
                    .unwrap_or("gcc");
                // Reports from before the field were all tinyconfig builds;
                // the cover quotes those, as `wb test` measures them.
                let build = v.get("build").and_then(json::Value::str).unwrap_or("tiny");
                let ok = mode.starts_with(prefix)
                    && tc == toolchain
                    && build == want_build
                    && v.get("quick").and_then(json::Value::bool) == Some(false)
                    && v.get("tree_is_series").and_then(json::Value::bool) == Some(true)
                    && v.get("series_sha256").and_then(json::Value::str) == Some(fingerprint);
                ok.then_some((name, v))
            });
            let Some((name, v)) = found else {
                continue;
            };
            // `<time>-<mode>[-perf][-llvm]`: the run's time stamp.
            let dir = name.rsplit('/').next().unwrap_or(name);
            let stamp = dir.split(&format!("-{prefix}")).next().unwrap_or(dir);
            let n = |k: &str| v.get(k).and_then(json::Value::num).unwrap_or(0.0) as u64;
            let what = format!(
                "pidfs micro-benchmark, {title}; kernels built with {}; {}.",
                crate::pair::toolchain_text(llvm),
                crate::pair::build_text(want_build == "perf")
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

/// Every `wb size` report under out/size/, oldest first.
fn size_reports(ctx: &Ctx) -> Vec<(String, String)> {
    reports_of(ctx, "size")
}

/// The size part of "How it was tested": for each build (performance
/// first) and toolchain the newest `wb size` report whose kernels were
/// exactly this series: vmlinux totals, the symbol groups, the memory per
/// pid the booted kernels reported; then the lines of code of the newest of
/// them. Within 72 columns, no local path.
pub fn size_section(reports: &[(String, String)], fingerprint: &str) -> String {
    let mut out = String::new();
    let mut loc_of: Option<json::Value> = None;
    for build in ["perf", "tiny"] {
        for (toolchain, llvm) in [("gcc", false), ("llvm", true)] {
            let found = reports.iter().rev().find_map(|(name, text)| {
                let v = json::parse(text).ok()?;
                let ok = v.get("build").and_then(json::Value::str) == Some(build)
                    && v.get("toolchain").and_then(json::Value::str) == Some(toolchain)
                    && v.get("tree_is_series").and_then(json::Value::bool) == Some(true)
                    && v.get("series_sha256").and_then(json::Value::str) == Some(fingerprint);
                ok.then_some((name, v))
            });
            let Some((name, v)) = found else {
                continue;
            };
            let stamp = name.rsplit('/').next().unwrap_or(name);
            let stamp = stamp.split('-').take(2).collect::<Vec<_>>().join("-");
            let total = |k: &str| {
                ["text", "data", "bss"]
                    .iter()
                    .map(|f| {
                        v.get(k)
                            .and_then(|x| x.get(f))
                            .and_then(json::Value::num)
                            .unwrap_or(0.0) as i64
                    })
                    .sum::<i64>()
            };
            let (c, r) = (total("size_c"), total("size_rust"));
            let what = format!(
                "Size, `scripts/wb size` run {stamp}: vmlinux of the C and the Rust pidfs \
                 kernels of this series, built with {}; {}.",
                crate::pair::toolchain_text(llvm),
                crate::pair::build_text(build == "perf")
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

/// Drops terminal colour sequences (b4 colours its check output).
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\u{1b}' {
            if it.peek() == Some(&'[') {
                it.next();
                for d in it.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            } else if matches!(it.next(), Some('(') | Some(')')) {
                it.next();
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// Turns b4's `.eml` files into one mboxrd file.
pub fn to_mbox(mails: &[String]) -> String {
    let mut out = String::new();
    for m in mails {
        out.push_str("From mboxrd@z Thu Jan  1 00:00:00 1970\n");
        for l in m.lines() {
            if l.trim_start_matches('>').starts_with("From ") {
                out.push('>');
            }
            out.push_str(l);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

fn export_err(what: impl Into<String>, hint: impl Into<String>) -> Error {
    Error::Export {
        what: what.into(),
        hint: hint.into(),
    }
}

fn run_git(dir: &Path, args: &[&str]) -> Result<String> {
    util::output(git(dir).args(args)).map_err(|e| export_err(e, "see the message"))
}

/// A fresh scratch clone of the base repository, kept in the cache and
/// reset for every use (the first checkout takes a while).
pub fn scratch_clone(ctx: &Ctx, name: &str) -> Result<(PathBuf, String)> {
    let (repo, base_id) = base::ensure(ctx)?;
    let dir = ctx.cache.join("scratch").join(name);
    let valid = base::rev_parse(&dir, &base_id).is_some()
        && base::rev_parse(&repo, &base_id).is_some()
        && dir.join(".git").is_dir();
    if valid {
        let _ = util::output(git(&dir).args(["am", "--abort"]));
        let _ = util::output(git(&dir).args(["rebase", "--abort"]));
        run_git(&dir, &["checkout", "-q", "-f", "--detach", &base_id])?;
        run_git(&dir, &["clean", "-q", "-f", "-d", "-x"])?;
        let heads = run_git(
            &dir,
            &[
                "for-each-ref",
                "--format=%(refname)",
                "refs/heads",
                "refs/tags/sent",
            ],
        )?;
        for h in heads.lines() {
            let _ = util::output(git(&dir).args(["update-ref", "-d", h]));
        }
        // b4's per-branch settings.
        let cfg =
            util::output(git(&dir).args(["config", "--name-only", "--get-regexp", "^branch\\."]))
                .unwrap_or_default();
        let mut sections: Vec<String> = cfg
            .lines()
            .filter_map(|k| k.rsplit_once('.').map(|(s, _)| s.to_string()))
            .collect();
        sections.dedup();
        for s in sections {
            let _ = util::output(git(&dir).args(["config", "--remove-section", &s]));
        }
    } else {
        step(&format!("scratch clone of the base: {}", dir.display()));
        util::remove_dir_all_if_exists(&dir)?;
        util::mkdir(dir.parent().unwrap_or(Path::new("/")))?;
        let log = ctx.cache.join("logs").join(format!("scratch-{name}.log"));
        let ok = util::run_logged(
            Command::new("git")
                .args(["clone", "-q", "--shared", "-n"])
                .arg(&repo)
                .arg(&dir),
            &log,
            "git clone",
        )? && util::run_logged(
            git(&dir).args(["checkout", "-q", "--detach", &base_id]),
            &log,
            "git checkout",
        )?;
        if !ok {
            return Err(export_err(
                "cannot make a scratch clone of the base",
                format!("see {}", log.display()),
            ));
        }
    }
    Ok((dir, base_id))
}

/// Applies patch texts as sent by `who` onto HEAD of `dir` with git am.
pub fn am_as_sent(
    dir: &Path,
    patches: &[(String, String)],
    who: &Ident,
    attribution: &Attribution,
    tmp: &Path,
) -> Result<()> {
    util::mkdir(tmp)?;
    for (i, (name, text)) in patches.iter().enumerate() {
        let p = tmp.join(name);
        let sent = checks::as_sent_with(text, &who.to_string(), attribution.trailer());
        util::write(&p, sent.as_bytes())?;
        let out = who
            .git(dir)
            .args(["am", "-q", "--no-3way"])
            .arg(&p)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Error::io("run git am", e))?;
        if !out.status.success() {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let log = tmp.join(format!("{name}.am.log"));
            util::write(&log, text.as_bytes())?;
            let _ = util::output(git(dir).args(["am", "--abort"]));
            return Err(Error::PatchDoesNotApply {
                patch: format!("{name} ({} of {})", i + 1, patches.len()),
                files: tree::conflict_files(&text),
                log,
            });
        }
    }
    Ok(())
}

fn b4(ctx: &Ctx, dir: &Path, args: &[&str], log: &Path) -> Result<String> {
    let b4 = ctx.venv().join("bin/b4");
    if !b4.exists() {
        return Err(Error::Setup {
            what: format!("b4 is not installed ({} is missing)", b4.display()),
            hint: "run `scripts/wb setup`".into(),
        });
    }
    let mut path = ctx.venv().join("bin").into_os_string();
    if let Some(p) = std::env::var_os("PATH") {
        path.push(":");
        path.push(p);
    }
    let out = Command::new(&b4)
        .current_dir(dir)
        .env("PATH", path)
        .args(["--offline-mode", "-n"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::io("run b4", e))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut f = util::read(log).unwrap_or_default();
    let _ = write!(f, "$ b4 --offline-mode -n {}\n{text}\n", args.join(" "));
    util::write(log, f.as_bytes())?;
    if !out.status.success() {
        return Err(export_err(
            format!(
                "`b4 {}` failed: {}",
                args.join(" "),
                text.lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or_default()
            ),
            format!("see {}", log.display()),
        ));
    }
    Ok(text)
}

/// A new change-id in b4's format: date, slug, 12 hex digits of entropy.
/// The addresses of the `To:` and `Cc:` headers of a mail (folded lines
/// joined), lower-cased: what is inside `<…>`, or a bare address.
pub(crate) fn recipients(mail: &str) -> std::collections::BTreeSet<String> {
    let head = mail.split("\n\n").next().unwrap_or("");
    let mut fields: Vec<String> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = fields.last_mut() {
                last.push_str(line);
            }
        } else {
            fields.push(line.to_string());
        }
    }
    let mut out = std::collections::BTreeSet::new();
    for f in fields {
        let Some(value) = f.strip_prefix("To:").or_else(|| f.strip_prefix("Cc:")) else {
            continue;
        };
        for part in value.split(',') {
            let part = part.trim();
            let addr = match (part.rfind('<'), part.rfind('>')) {
                (Some(a), Some(b)) if a < b => &part[a + 1..b],
                _ => part,
            };
            if addr.contains('@') {
                out.insert(addr.trim().to_lowercase());
            }
        }
    }
    out
}

/// Every address b4 put on the series must be the sender's, a `Cc:`/`To:`
/// trailer of one of the series' own patches, or come from
/// `get_maintainer.pl` run on one of them. b4 feeds get_maintainer.pl whole
/// mails, headers included, so a keyword (`K:`) of a MAINTAINERS entry can
/// match a Message-Id or change-id rather than the patch, and send a
/// series to people it has nothing for.
fn check_recipients(
    dir: &Path,
    patches: &[(String, String)],
    sender: &str,
    cover: &str,
) -> Result<()> {
    let mut want = std::collections::BTreeSet::new();
    want.insert(sender.to_lowercase());
    for (name, text) in patches {
        let log = text.split("\n---\n").next().unwrap_or("");
        let trailers: String = log
            .lines()
            .filter(|l| l.starts_with("Cc: ") || l.starts_with("To: "))
            .map(|l| format!("{}\n", l.replacen("Cc: ", "To: ", 1)))
            .collect();
        want.extend(recipients(&format!("{trailers}\n")));
        let mut child = Command::new("perl")
            .current_dir(dir)
            .args([
                "scripts/get_maintainer.pl",
                "--nogit",
                "--nogit-fallback",
                "--nogit-chief-penguins",
                "--norolestats",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error::io("run scripts/get_maintainer.pl", e))?;
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write as _;
            stdin
                .write_all(text.as_bytes())
                .map_err(|e| Error::io("write to get_maintainer.pl", e))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| Error::io("run scripts/get_maintainer.pl", e))?;
        if !out.status.success() {
            return Err(export_err(
                format!(
                    "get_maintainer.pl failed on {name}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
                "run it by hand in the export tree to see why",
            ));
        }
        let lines = String::from_utf8_lossy(&out.stdout).replace('\n', ", ");
        want.extend(recipients(&format!("To: {lines}\n\n")));
    }
    let extra: Vec<String> = recipients(cover).difference(&want).cloned().collect();
    if !extra.is_empty() {
        return Err(export_err(
            format!(
                "b4 addressed the series to {} that get_maintainer.pl gives for none of \
                 its patches: {}",
                if extra.len() == 1 {
                    "an address"
                } else {
                    "addresses"
                },
                extra.join(", ")
            ),
            "a MAINTAINERS keyword (K:) matched the mail headers, not a patch: see \
             export.log, and keep such words out of the change-id and cover letter",
        ));
    }
    Ok(())
}

fn new_change_id() -> Result<String> {
    let date = util::today();
    let mut buf = [0u8; 6];
    use std::io::Read as _;
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| Error::io("read /dev/urandom", e))?;
    let hex: String = buf.iter().map(|b| format!("{b:02x}")).collect();
    // No word a MAINTAINERS keyword matches (`K: \b(?i:rust)\b` would
    // send every series to the Rust list): b4 passes the change-id to
    // get_maintainer.pl in each mail's headers.
    Ok(format!("{}-pidfs-{hex}", date.trim()))
}

/// Whether a version record holds exactly these patches.
fn same_series(record: &Path, patches: &[(String, String)]) -> bool {
    matches!(series::read_patches(record), Ok(r) if r == patches)
}

/// Records a version: the patches and a series file naming them.
fn copy_series(patches: &[(String, String)], to: &Path) -> Result<()> {
    util::remove_dir_all_if_exists(to)?;
    for (name, text) in patches {
        util::write(&to.join(name), text.as_bytes())?;
    }
    let names: Vec<String> = patches.iter().map(|(n, _)| n.clone()).collect();
    util::write(
        &to.join("series"),
        series::render_stack(&names, &[]).as_bytes(),
    )?;
    Ok(())
}

/// `wb export`.
pub fn run(ctx: &Ctx, opts: &Options) -> Result<PathBuf> {
    let sender = ident::sender(&ctx.repo)?;
    if opts.version == 0 {
        return Err(Error::Usage("--version starts at 1".into()));
    }
    let v = opts.version;
    let patches_dir = ctx.patches_dir();
    let parts = series::parts(&util::read(&patches_dir.join("series"))?)?;
    let sel = select(
        &parts,
        series::read_patches(&patches_dir)?,
        opts.series.as_deref(),
        &ctx.versions_dir(),
    )?;
    let patches = sel.patches.clone();
    if patches.is_empty() {
        return Err(export_err(
            "patches/series is empty",
            "there is nothing to send",
        ));
    }
    let versions = sel.versions.clone();
    let cover_template = sel.template.clone();
    let template = util::read(&ctx.repo.join(&cover_template)).map_err(|_| {
        export_err(
            format!("{cover_template} is missing"),
            "every series of the stack has its cover letter in ci/cover-NAME.txt; \
             restore it from git or write it",
        )
    })?;
    let changes_text = std::fs::read_to_string(versions.join("changelog.txt")).unwrap_or_default();
    let changes = changelog(&changes_text, v).map_err(|e| {
        export_err(
            format!("{}/changelog.txt: {e}", versions.display()),
            format!(
                "say what changed since v{} under a `v{v}:` line",
                v.saturating_sub(1)
            ),
        )
    })?;
    // The version record: vN must be this series, v(N-1) must exist.
    let this = versions.join(format!("v{v}"));
    if this.join("series").is_file() && !same_series(&this, &patches) {
        return Err(export_err(
            format!(
                "{} records a different series than patches/",
                this.display()
            ),
            format!(
                "if v{v} was sent, export this series as v{} (--version {}); if it was not, \
                 remove {} and export again",
                v + 1,
                v + 1,
                this.display()
            ),
        ));
    }
    let prev = versions.join(format!("v{}", v - 1));
    if v > 1 && !prev.join("series").is_file() {
        return Err(export_err(
            format!("there is no record of v{} in {}", v - 1, prev.display()),
            format!(
                "v{v} needs v{} to compare with; export it first (--version {})",
                v - 1,
                v - 1
            ),
        ));
    }
    let cid_file = versions.join("change-id");
    let change_id = match std::fs::read_to_string(&cid_file) {
        Ok(c) if !c.trim().is_empty() => c.trim().to_string(),
        _ if v == 1 => {
            let c = new_change_id()?;
            util::write(&cid_file, format!("{c}\n").as_bytes())?;
            info(&format!("new change-id {c} in {}", cid_file.display()));
            c
        }
        _ => {
            return Err(export_err(
                format!("{} is missing", cid_file.display()),
                "every version of a series keeps v1's change-id; restore the file from git",
            ))
        }
    };

    let fingerprint = tree::fingerprint(&patches_dir)?;
    let report = latest_report(ctx);
    let tested = format!(
        "{}\n\n{}",
        tested_section(
            report.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
            &fingerprint,
        ),
        bench_section(&bench_reports(ctx), &fingerprint)
    );
    let tested = format!(
        "{tested}\n\n{}",
        size_section(&size_reports(ctx), &fingerprint)
    );

    let out = opts.out.clone().unwrap_or_else(|| {
        let d = ctx
            .out_dir()
            .join("mail")
            .join(format!("v{v}{}", if opts.rfc { "-rfc" } else { "" }));
        match &sel.name {
            Some(n) => d.join(n),
            None => d,
        }
    });
    util::remove_dir_all_if_exists(&out)?;
    util::mkdir(&out)?;
    let log = out.join("export.log");
    step(&format!(
        "export: {}v{v}{} as {sender}",
        sel.name
            .as_ref()
            .map(|n| format!(
                "series {n}, after {} patch(es) it depends on, ",
                sel.prior.len()
            ))
            .unwrap_or_default(),
        if opts.rfc { " RFC" } else { "" }
    ));
    let (dir, base_id) = scratch_clone(ctx, "export")?;
    run_git(&dir, &["config", "user.name", &sender.name])?;
    run_git(&dir, &["config", "user.email", &sender.email])?;
    // b4 send -o never sends; this makes sure nothing could.
    run_git(&dir, &["config", "sendemail.sendmailcmd", "/bin/false"])?;
    // The earlier series of the stack, as sent: this one applies on top
    // of them, and its cover letter names them as prerequisites.
    run_git(&dir, &["checkout", "-q", "-b", "pidfs-rs-prior", &base_id])?;
    am_as_sent(
        &dir,
        &sel.prior,
        &sender,
        &opts.attribution,
        &out.join("prerequisites"),
    )?;
    let fork = run_git(&dir, &["rev-parse", "HEAD"])?.trim().to_string();
    let mut prior_ids = Vec::new();
    for c in run_git(
        &dir,
        &["rev-list", "--reverse", &format!("{base_id}..{fork}")],
    )?
    .lines()
    {
        let diff = run_git(&dir, &["show", "--format=", c])?;
        let id = util::output_with_stdin(git(&dir).args(["patch-id", "--stable"]), diff.as_bytes())
            .map_err(|e| export_err(format!("git patch-id: {e}"), "check the scratch clone"))?;
        let id = id.split_whitespace().next().unwrap_or_default().to_string();
        if id.len() != 40 {
            return Err(export_err(
                format!("git patch-id gave no id for {c}"),
                "check the scratch clone",
            ));
        }
        prior_ids.push(id);
    }
    run_git(&dir, &["branch", "-f", BASE_BRANCH, &fork])?;

    // The series as sent, on its own branch.
    run_git(&dir, &["checkout", "-q", "-b", "pidfs-rs-new", &fork])?;
    am_as_sent(
        &dir,
        &patches,
        &sender,
        &opts.attribution,
        &out.join("as-sent"),
    )?;
    let mut range_diff = None;
    let mut rd_text = String::new();
    if v > 1 {
        let old = series::read_patches(&prev)?;
        run_git(&dir, &["checkout", "-q", "-b", "pidfs-rs-prev", &fork])?;
        am_as_sent(
            &dir,
            &old,
            &sender,
            &opts.attribution,
            &out.join("previous"),
        )?;
        rd_text = run_git(
            &dir,
            &[
                "range-diff",
                "--no-color",
                &format!("{fork}..pidfs-rs-prev"),
                &format!("{fork}..pidfs-rs-new"),
            ],
        )?;
        let p = out.join(format!("range-diff-v{}-v{v}.txt", v - 1));
        util::write(&p, rd_text.as_bytes())?;
        range_diff = Some(p);
    }
    let template = fill_disclosure(&template, &opts.attribution)
        .map_err(|e| export_err(format!("{cover_template}: {e}"), "restore the placeholder"))?;
    let cover = render_cover(
        &template,
        &tested,
        &changes,
        if v > 1 {
            Some((v - 1, rd_text.as_str()))
        } else {
            None
        },
    )
    .map_err(|e| export_err(format!("{cover_template}: {e}"), "restore the placeholders"))?;
    if let Some(l) = cover.lines().find(|l| l.starts_with('#')) {
        // b4 would drop it as a comment.
        return Err(export_err(
            format!("a line of the cover letter starts with #: `{l}`"),
            "reword it in the template, changelog or CI report",
        ));
    }

    // b4's prep branch, its cover commit carrying our cover and change-id.
    run_git(&dir, &["checkout", "-q", BASE_BRANCH])?;
    b4(
        ctx,
        &dir,
        &["prep", "-n", PREP_NAME, "-f", BASE_BRANCH],
        &log,
    )?;
    let msg = run_git(&dir, &["log", "-1", "--format=%B"])?;
    let (_, tracking) = msg.split_once(MAGIC_MARKER).ok_or_else(|| {
        export_err(
            "b4's cover commit has no tracking data",
            "check the b4 version (0.16.0)",
        )
    })?;
    let old_id = tracking
        .split("\"change-id\": \"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .ok_or_else(|| {
            export_err(
                "b4's tracking data has no change-id",
                "check the b4 version (0.16.0)",
            )
        })?;
    let tracking = tracking.replace(
        &format!("\"change-id\": \"{old_id}\""),
        &format!("\"change-id\": \"{change_id}\""),
    );
    let tracking = if sel.prior.is_empty() {
        tracking
    } else {
        with_prerequisites(&tracking, &change_id, &prior_ids, &base_id).map_err(|e| {
            export_err(
                format!("b4's cover commit: {e}"),
                "check the b4 version (0.16.0)",
            )
        })?
    };
    let new_msg = format!("{}\n\n{MAGIC_MARKER}{tracking}", cover.trim_end());
    let msg_file = out.join("cover-commit.txt");
    util::write(&msg_file, new_msg.as_bytes())?;
    run_git(
        &dir,
        &[
            "commit",
            "-q",
            "--amend",
            "--allow-empty",
            "--cleanup=verbatim",
            "-F",
            &msg_file.to_string_lossy(),
        ],
    )?;
    util::output(git(&dir).args([
        "cherry-pick",
        "--allow-empty",
        &format!("{fork}..pidfs-rs-new"),
    ]))
    .map_err(|e| {
        export_err(
            e,
            "the series applied on its own branch, so this should not happen",
        )
    })?;
    if v > 1 {
        b4(
            ctx,
            &dir,
            &["prep", "--force-revision", &v.to_string()],
            &log,
        )?;
    }
    if opts.rfc {
        b4(ctx, &dir, &["prep", "--set-prefixes", "RFC"], &log)?;
    }
    b4(ctx, &dir, &["prep", "--auto-to-cc"], &log)?;
    let summary = if opts.b4_check {
        let check = b4(ctx, &dir, &["prep", "--check", "-C"], &log)?;
        let check = strip_ansi(&check);
        util::write(&out.join("b4-check.txt"), check.as_bytes())?;
        check
            .lines()
            .find(|l| l.starts_with("Success:"))
            .unwrap_or("no summary line")
            .to_string()
    } else {
        let s = "not run (--no-b4-check)".to_string();
        util::write(&out.join("b4-check.txt"), format!("{s}\n").as_bytes())?;
        s
    };
    info(&format!(
        "b4 prep --check: {summary} (details: b4-check.txt)"
    ));
    let mail_dir = out.join("mail");
    b4(
        ctx,
        &dir,
        &["send", "--no-sign", "-o", &mail_dir.to_string_lossy()],
        &log,
    )?;
    let mut mails: Vec<PathBuf> = util::list_files(&mail_dir)
        .into_iter()
        .filter(|p| p.extension().map(|e| e == "eml").unwrap_or(false))
        .map(|p| mail_dir.join(p))
        .collect();
    mails.sort();
    if mails.len() != patches.len() + 1 {
        return Err(export_err(
            format!(
                "b4 wrote {} message(s), expected {}",
                mails.len(),
                patches.len() + 1
            ),
            format!("see {}", log.display()),
        ));
    }
    let texts: Vec<String> = mails.iter().map(|m| util::read(m)).collect::<Result<_>>()?;
    check_recipients(&dir, &patches, &sender.email, &texts[0])?;
    let mbox = out.join("series.mbox");
    util::write(&mbox, to_mbox(&texts).as_bytes())?;
    // Record this version's series.
    if !this.join("series").is_file() {
        copy_series(&patches, &this)?;
        info(&format!(
            "recorded v{v} in {} (commit it with the change-id)",
            this.display()
        ));
    }
    let _ = run_git(&dir, &["checkout", "-q", "--detach", &base_id]);
    println!("mail for v{v}: {}", mail_dir.display());
    for m in &mails {
        println!("  {}", m.file_name().unwrap_or_default().to_string_lossy());
    }
    println!("mbox: {}", mbox.display());
    if let Some(r) = &range_diff {
        println!("range-diff against v{}: {}", v - 1, r.display());
    }
    println!("b4 prep --check: {summary}");
    Ok(out)
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_of_folded_headers() {
        let mail = "From: A <a@x.org>\nTo: Alexander Viro <viro@zeniv.linux.org.uk>, \n \
                    =?utf-8?q?Bj=C3=B6rn?= <Bjorn@Example.com>\nSubject: To: no@x.org\n\
                    Cc: linux-kernel@vger.kernel.org,\n\tB <b@y.org>\n\nTo: body@x.org\n";
        let r: Vec<String> = recipients(mail).into_iter().collect();
        assert_eq!(
            r,
            [
                "b@y.org",
                "bjorn@example.com",
                "linux-kernel@vger.kernel.org",
                "viro@zeniv.linux.org.uk"
            ]
        );
    }

    fn stack() -> (Vec<series::Part>, Vec<(String, String)>) {
        let parts = series::parts(
            "# series: tests\n0001-a.patch\n# series: prereqs\n0002-b.patch\n0003-c.patch\n\
             # series: rfc\n0004-d.patch\n",
        )
        .unwrap();
        let all = [
            "0001-a.patch",
            "0002-b.patch",
            "0003-c.patch",
            "0004-d.patch",
        ]
        .iter()
        .map(|n| (n.to_string(), format!("text of {n}")))
        .collect();
        (parts, all)
    }

    #[test]
    fn selects_one_series_of_the_stack() {
        let (parts, all) = stack();
        let v = Path::new("/v");
        let s = select(&parts, all.clone(), Some("prereqs"), v).unwrap();
        let names = |x: &[(String, String)]| x.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(names(&s.prior), ["0001-a.patch"]);
        assert_eq!(names(&s.patches), ["0002-b.patch", "0003-c.patch"]);
        assert_eq!(s.template, "ci/cover-prereqs.txt");
        assert_eq!(s.versions, Path::new("/v/prereqs"));
        let r = select(&parts, all.clone(), Some("rfc"), v).unwrap();
        assert_eq!(names(&r.prior).len(), 3);
        assert_eq!(names(&r.patches), ["0004-d.patch"]);
        // The whole stack goes out with the cover letter of its last series.
        let w = select(&parts, all.clone(), None, v).unwrap();
        assert_eq!((w.prior.len(), w.patches.len()), (0, 4));
        assert_eq!(w.template, "ci/cover-rfc.txt");
        assert_eq!(w.versions, v);
        // Without markers: the one template of an unmarked series.
        assert_eq!(
            select(&[], all.clone(), None, v).unwrap().template,
            COVER_TEMPLATE
        );
        let e = select(&parts, all, Some("nope"), v)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no series `nope`") && e.contains("tests, prereqs, rfc"),
            "{e}"
        );
    }

    #[test]
    fn prerequisites_in_the_tracking_data() {
        let t = "\n{\n  \"series\": {\n    \"revision\": 1,\n    \"change-id\": \"c-1\",\n    \"prefixes\": []\n  }\n}\n";
        let ids = ["a".repeat(40), "b".repeat(40)];
        let out = with_prerequisites(t, "c-1", &ids, "base1").unwrap();
        let v = json::parse(&out).unwrap();
        let pre: Vec<&str> = v
            .get("series")
            .and_then(|s| s.get("prerequisites"))
            .map(json::Value::arr)
            .unwrap_or(&[])
            .iter()
            .filter_map(json::Value::str)
            .collect();
        assert_eq!(
            pre,
            [
                format!("patch-id: {}", ids[0]).as_str(),
                format!("patch-id: {}", ids[1]).as_str(),
                "base-commit: base1"
            ]
        );
        assert!(with_prerequisites(t, "other", &ids, "b").is_err());
        assert!(with_prerequisites(&out, "c-1", &ids, "b").is_err());
    }

    #[test]
    fn prefixes() {
        assert_eq!(subject_prefix(false, 1, 1, 3), "[PATCH 1/3]");
        assert_eq!(subject_prefix(false, 2, 0, 3), "[PATCH v2 0/3]");
        assert_eq!(subject_prefix(true, 3, 2, 3), "[PATCH RFC v3 2/3]");
        assert_eq!(subject_prefix(false, 1, 0, 10), "[PATCH 00/10]");
        assert_eq!(subject_prefix(true, 2, 7, 12), "[PATCH RFC v2 07/12]");
        assert_eq!(subject_prefix(false, 1, 10, 10), "[PATCH 10/10]");
    }

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

    const REPORT: &str = r#"{"ok": true, "series_sha256": "f00", "base_commit": "2653414bcbe73f9e1ffac590249bcd904a2ffd78", "seconds": 1830.0, "cells": [
  {"patch": 1, "name": "0001-a.patch", "config": "fs-pid-n", "ok": true, "failed_stage": null, "full": false, "pass": 40, "fail": 0, "skip": 2, "seconds": 300.0, "note": "", "log": "x", "checks_ok": true, "checks": []},
  {"patch": 2, "name": "0002-b.patch", "config": "fs-pid-y", "ok": false, "failed_stage": "boots", "full": true, "pass": null, "fail": null, "skip": null, "seconds": 300.0, "note": "", "log": "x", "checks_ok": false, "checks": [{"name": "checkpatch", "ok": true, "summary": "", "log": ""}, {"name": "clippy", "ok": false, "summary": "", "log": ""}]},
  {"patch": 2, "name": "0002-b.patch", "config": "fs-pid-y+debug", "ok": true, "failed_stage": null, "full": true, "pass": 50, "fail": 0, "skip": 1, "seconds": 900.0, "note": "", "log": "x", "checks_ok": true, "checks": []},
  {"patch": 2, "name": "0002-b.patch", "config": "fs-pid-y+werror-min", "build_only": true, "ok": true, "failed_stage": null, "full": true, "pass": null, "fail": null, "skip": null, "seconds": 300.0, "note": "", "log": "x", "checks_ok": true, "checks": []},
  {"patch": 3, "name": "0003-c.patch", "config": "-", "nothing_to_build": true, "ok": true, "failed_stage": null, "full": false, "pass": null, "fail": null, "skip": null, "seconds": 3.0, "note": "", "log": "x", "checks_ok": true, "checks": []}
],
"verdict_diff": {"compared": 120, "differences": [], "file": "x"},
"verdict_diff_debug": {"compared": 51, "differences": [], "file": "y"}}"#;

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

    const BENCH: &str = r#"{"version": 1, "mode": "icount-shift0", "quick": false,
  "boots_per_kernel": 5, "reps_per_boot": 5, "series_sha256": "f00", "tree_is_series": true,
  "workloads": [
    {"name": "get_info_live", "mode": "icount-shift0", "c": {"median_ns": 1265.1, "min_ns": 1264.2, "max_ns": 1286.0, "per_boot_ns": [1265.1]}, "rust": {"median_ns": 1577.8, "min_ns": 1567.7, "max_ns": 1578.9, "per_boot_ns": [1577.8]}, "ratio": 1.2472, "ci_low": 1.219, "ci_high": 1.249, "reading": "Rust slower"}
  ]}"#;

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
        use crate::bench::{Slab, SlabFigures};
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
        assert!(!s.contains("out/size"), "no local path in the mail: {s}");
        assert!(s.lines().all(|l| l.len() <= 72), "{s}");
        for other in [report("perf", "bar", true), report("perf", "f00", false)] {
            let s = size_section(&[("out/size/x".into(), other)], "f00");
            assert!(s.starts_with("Size: not measured"), "{s}");
        }
    }

    #[test]
    fn disclosure_follows_the_senders_statement() {
        let a = Attribution::AssistedBy("Claude claude-opus".into());
        let d = a.disclosure();
        assert!(d.starts_with("Tools\n-----\n\n"), "{d}");
        assert!(d.contains("\"Assisted-by: Claude claude-opus\""), "{d}");
        assert!(d.lines().all(|l| l.len() <= 72), "{d}");
        let n = Attribution::None.disclosure();
        assert!(n.contains("no coding assistant"), "{n}");
        assert!(!n.contains("Assisted-by:"), "{n}");
        // No line of either may pass for a trailer.
        assert!(
            !d.lines()
                .chain(n.lines())
                .any(|l| l.starts_with("Assisted-by:") || l.starts_with("Signed-off-by:")),
            "{d}"
        );
        let t = "s\n\n{{disclosure}}\n";
        let f = fill_disclosure(t, &Attribution::None).unwrap();
        assert!(f.starts_with("s\n\nTools\n"), "{f}");
        assert!(fill_disclosure("s\n", &Attribution::None).is_err());
        // A comment that names the placeholder is dropped, not filled in:
        // the subject stays the first line.
        let c = "# {{disclosure}} becomes the Tools section\nsubject\n\n{{disclosure}}\n";
        let f = fill_disclosure(c, &Attribution::None).unwrap();
        assert!(f.starts_with("subject\n\nTools\n"), "{f}");
        assert_eq!(f.matches("Tools\n-----").count(), 1, "{f}");
        // Only in a comment is not enough.
        assert!(fill_disclosure("# {{disclosure}}\ns\n", &Attribution::None).is_err());
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

    #[test]
    fn ansi() {
        assert_eq!(strip_ansi("\u{1b}[31;5m●\u{1b}[0m x\u{1b}(B"), "● x");
    }

    #[test]
    fn mboxrd() {
        let m = to_mbox(&[
            "From: A <a@example.org>\nSubject: x\n\nFrom the start\n>From quoted\n".into(),
        ]);
        assert_eq!(
            m,
            "From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: A <a@example.org>\nSubject: x\n\n>From the start\n>>From quoted\n\n"
        );
    }

    #[test]
    fn attribution_is_stated() {
        assert!(matches!(
            Attribution::from_args(None, false),
            Err(Error::Usage(m)) if m.contains("--assisted-by")
        ));
        assert!(Attribution::from_args(Some("LLM".into()), true).is_err());
        assert_eq!(
            Attribution::from_args(None, true).unwrap(),
            Attribution::None
        );
        assert_eq!(
            Attribution::from_args(Some(" LLM sparse ".into()), false).unwrap(),
            Attribution::AssistedBy("LLM sparse".into())
        );
        assert!(Attribution::from_args(Some("".into()), false).is_err());
        assert!(Attribution::from_args(Some("Signed-off-by: X".into()), false).is_err());
    }
}
