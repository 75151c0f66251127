// SPDX-License-Identifier: GPL-2.0
//! Static checks per patch, part of the matrix (`wb ci`):
//!
//! - `scripts/checkpatch.pl --strict` on the patch *as it would be sent*:
//!   the checked-in patches carry no `Signed-off-by:` (the export adds the
//!   sender's), so checkpatch sees the patch with the sender's identity (or
//!   the neutral project identity when none is configured) in `From:` and a
//!   matching `Signed-off-by:`. Every ERROR, WARNING and CHECK is a failure
//!   unless `ci/checkpatch-allow.txt` lists it, with a reason;
//! - `make rustfmtcheck`;
//! - `make CLIPPY=1` (every build of the workbench is a clippy build): no
//!   warning or error located in a file the series touches so far;
//! - `make rustdoc`: succeeds, no warning in a file the series touches;
//! - `make W=1` for each C file the series touches: no warning in it.

use crate::build;
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::util::{self, info};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The allow-list, relative to the repository.
pub const ALLOW_FILE: &str = "ci/checkpatch-allow.txt";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Check,
}

impl Severity {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "ERROR" => Some(Severity::Error),
            "WARNING" => Some(Severity::Warning),
            "CHECK" => Some(Severity::Check),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::Warning => "WARNING",
            Severity::Check => "CHECK",
        }
    }
}

/// One checkpatch finding (`--terse --show-types --showfile` output).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub file: String,
    pub line: u32,
    pub severity: Severity,
    pub kind: String,
    pub message: String,
}

impl Finding {
    pub fn render(&self) -> String {
        format!(
            "{}:{}: {}:{}: {}",
            self.file,
            self.line,
            self.severity.as_str(),
            self.kind,
            self.message
        )
    }
}

/// Parses checkpatch's terse output. Returns the findings and the lines that
/// are not findings (anything else checkpatch printed).
pub fn parse_checkpatch(out: &str) -> (Vec<Finding>, Vec<String>) {
    let mut found = Vec::new();
    let mut other = Vec::new();
    for l in out.lines() {
        if l.trim().is_empty() {
            continue;
        }
        match parse_finding(l) {
            Some(f) => found.push(f),
            None => other.push(l.to_string()),
        }
    }
    (found, other)
}

fn parse_finding(l: &str) -> Option<Finding> {
    // FILE:LINE: SEVERITY:TYPE: message
    let (loc, rest) = l.split_once(": ")?;
    let (file, line) = loc.rsplit_once(':')?;
    let line: u32 = line.parse().ok()?;
    let (sev, rest) = rest.split_once(':')?;
    let severity = Severity::parse(sev)?;
    let (kind, message) = rest.split_once(": ")?;
    if kind.is_empty() || !kind.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
        return None;
    }
    Some(Finding {
        file: file.to_string(),
        line,
        severity,
        kind: kind.to_string(),
        message: message.trim_end().to_string(),
    })
}

/// One reviewed exception: `patch | TYPE | exact message | reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowEntry {
    /// A patch file name from `patches/series`, or `*` for every patch.
    pub patch: String,
    pub kind: String,
    pub message: String,
    pub reason: String,
    pub line: usize,
}

/// Parses the allow-list. Every entry needs all four fields; a reason is
/// not optional.
pub fn parse_allow(text: &str) -> Result<Vec<AllowEntry>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = l.splitn(4, '|').map(str::trim).collect();
        if f.len() != 4 || f.iter().any(|x| x.is_empty()) {
            return Err(Error::Series {
                what: format!(
                    "{ALLOW_FILE} line {}: expected `patch | TYPE | message | reason`",
                    i + 1
                ),
                hint: "every accepted checkpatch finding needs the patch (or *), its type, \
                       the exact message and the reason it cannot be avoided"
                    .into(),
            });
        }
        out.push(AllowEntry {
            patch: f[0].to_string(),
            kind: f[1].to_string(),
            message: f[2].to_string(),
            reason: f[3].to_string(),
            line: i + 1,
        });
    }
    Ok(out)
}

/// What the allow-list conditions are checked against.
#[derive(Debug, Clone, Default)]
pub struct PatchFacts {
    /// The patch file name.
    pub name: String,
    /// Files the patch touches.
    pub files: Vec<String>,
    /// Files of the patch that no MAINTAINERS section other than THE REST
    /// covers (per scripts/get_maintainer.pl).
    pub uncovered: Vec<String>,
    /// Whether the tree checkpatch ran in has history below the base, so
    /// that it can look up a commit id a log cites.
    pub tree_has_history: bool,
}

/// Whether `e` accepts finding `f` of a patch. Types that are only true
/// under a condition are checked against the patch itself: the MAINTAINERS
/// warning is accepted only if the patch touches no MAINTAINERS file and
/// every file it touches already has a MAINTAINERS section, and a missing
/// sign-off is never accepted (the check runs on the patch as it is sent,
/// with one). A commit id checkpatch cannot find is accepted only in a
/// tree without history (the base unpacked from Debian's tarball), where
/// checkpatch cannot look up any id; in a kernel git tree it must resolve.
pub fn allows(e: &AllowEntry, p: &PatchFacts, f: &Finding) -> bool {
    if e.patch != "*" && e.patch != p.name {
        return false;
    }
    if e.kind != f.kind || e.message != f.message {
        return false;
    }
    match f.kind.as_str() {
        "FILE_PATH_CHANGES" => {
            !p.files.iter().any(|t| t == "MAINTAINERS") && p.uncovered.is_empty()
        }
        "UNKNOWN_COMMIT_ID" => !p.tree_has_history,
        "MISSING_SIGN_OFF" | "NO_AUTHOR_SIGN_OFF" | "FROM_SIGN_OFF_MISMATCH" => false,
        _ => true,
    }
}

/// The patch as it is mailed: `From:` is the sender and a `Signed-off-by:`
/// of the sender ends the commit message (unless it is already there).
pub fn as_sent(patch: &str, ident: &str) -> String {
    as_sent_with(patch, ident, None)
}

/// [`as_sent`], with an `Assisted-by: {assisted_by}` trailer right before the
/// sender's `Signed-off-by:` when the sender stated one
/// (Documentation/process/coding-assistants.rst).
///
/// The `MAINTAINERS` entry of the checked-in series names the neutral
/// project identity as its maintainer (`M:`), a placeholder for whoever
/// sends it: in the diff of `MAINTAINERS`, that line (added, removed or
/// context) names the sender, the same identity that signs off.
pub fn as_sent_with(patch: &str, ident: &str, assisted_by: Option<&str>) -> String {
    let neutral_m = format!(
        "M:\t{} <{}>\n",
        crate::ident::PROJECT_NAME,
        crate::ident::PROJECT_EMAIL
    );
    let sender_m = format!("M:\t{ident}\n");
    let mut in_maintainers = false;
    let sob = match assisted_by {
        Some(a) => format!("Assisted-by: {a}\nSigned-off-by: {ident}"),
        None => format!("Signed-off-by: {ident}"),
    };
    let sob_line = format!("Signed-off-by: {ident}");
    let mut out = String::with_capacity(patch.len() + sob.len() + 2);
    let mut in_header = true;
    let mut done = false;
    // Lines of the current paragraph of the commit message.
    let mut para: Vec<String> = Vec::new();
    let has_sob = patch
        .split("\n---\n")
        .next()
        .map(|m| m.lines().any(|l| l == sob_line))
        .unwrap_or(false);
    for l in patch.split_inclusive('\n') {
        if in_header {
            if l.starts_with("From: ") {
                out.push_str(&format!("From: {ident}\n"));
                continue;
            }
            if l == "\n" {
                in_header = false;
            }
            out.push_str(l);
            continue;
        }
        if !done && l == "---\n" {
            if !has_sob {
                // A trailer block is separated from the body by a blank
                // line, unless the message already ends in trailers.
                if !para.is_empty() && !para.iter().all(|p| is_trailer(p)) {
                    out.push('\n');
                }
                out.push_str(&sob);
                out.push('\n');
            }
            done = true;
        }
        if done {
            if l.starts_with("diff --git ") {
                in_maintainers = l == "diff --git a/MAINTAINERS b/MAINTAINERS\n";
            } else if in_maintainers
                && l.len() > 1
                && matches!(l.as_bytes()[0], b'+' | b'-' | b' ')
                && l[1..] == neutral_m
            {
                out.push_str(&l[..1]);
                out.push_str(&sender_m);
                continue;
            }
        }
        if l == "\n" {
            para.clear();
        } else {
            para.push(l.trim_end().to_string());
        }
        out.push_str(l);
    }
    out
}

fn is_trailer(l: &str) -> bool {
    let Some((k, v)) = l.split_once(": ") else {
        return false;
    };
    !v.is_empty()
        && k.starts_with(|c: char| c.is_ascii_uppercase())
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The MAINTAINERS sections that cover a file of the tree.
pub fn maintainer_sections(tree: &Path, file: &str) -> Vec<String> {
    let out = Command::new("perl")
        .current_dir(tree)
        .arg("scripts/get_maintainer.pl")
        .args([
            "--nogit",
            "--nogit-fallback",
            "--nogit-chief-penguins",
            "--sections",
            "-f",
        ])
        .arg(file)
        .output();
    match out {
        Ok(o) => parse_sections(&String::from_utf8_lossy(&o.stdout)),
        Err(_) => Vec::new(),
    }
}

/// Section names in `get_maintainer.pl --sections` output: the lines that
/// are neither indented nor `X:` fields.
pub fn parse_sections(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with([' ', '\t']))
        .filter(|l| {
            let b = l.as_bytes();
            !(b.len() >= 2 && b[1] == b':' && b[0].is_ascii_uppercase())
        })
        .map(|l| l.trim().to_string())
        .collect()
}

/// A compiler diagnostic with its location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diag {
    pub level: String,
    pub message: String,
    pub file: String,
    pub line: u32,
}

impl Diag {
    pub fn render(&self) -> String {
        format!(
            "{}:{}: {}: {}",
            self.file, self.line, self.level, self.message
        )
    }
}

/// rustc/clippy/rustdoc diagnostics: a `warning: …` or `error…: …` line
/// followed by its ` --> file:line:col` location.
pub fn parse_rust_diags(log: &str) -> Vec<Diag> {
    let lines: Vec<&str> = log.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let (level, msg) = if let Some(m) = l.strip_prefix("warning: ") {
            ("warning", m)
        } else if let Some(r) = l.strip_prefix("warning[") {
            match r.split_once("]: ") {
                Some((_, m)) => ("warning", m),
                None => continue,
            }
        } else if let Some(m) = l.strip_prefix("error: ") {
            ("error", m)
        } else if let Some(r) = l.strip_prefix("error[") {
            match r.split_once("]: ") {
                Some((_, m)) => ("error", m),
                None => continue,
            }
        } else {
            continue;
        };
        // The location follows within a few lines; a summary line such as
        // "warning: 1 warning emitted" has none before the next diagnostic.
        for n in lines.iter().skip(i + 1).take(4) {
            if n.starts_with("warning") || n.starts_with("error") {
                break;
            }
            if let Some(loc) = n.trim_start().strip_prefix("--> ") {
                let mut parts = loc.trim().rsplitn(3, ':');
                let _col = parts.next();
                let line = parts.next().and_then(|x| x.parse().ok());
                let file = parts.next();
                if let (Some(file), Some(line)) = (file, line) {
                    out.push(Diag {
                        level: level.to_string(),
                        message: msg.to_string(),
                        file: file.to_string(),
                        line,
                    });
                }
                break;
            }
        }
    }
    out
}

/// gcc diagnostics: `file:line:col: warning: message [-Wflag]`.
pub fn parse_gcc_diags(log: &str) -> Vec<Diag> {
    let mut out = Vec::new();
    for l in log.lines() {
        for level in ["warning", "error"] {
            let pat = format!(": {level}: ");
            let Some(pos) = l.find(&pat) else { continue };
            let loc = &l[..pos];
            let mut parts = loc.rsplitn(3, ':');
            let a = parts.next();
            let b = parts.next();
            let c = parts.next();
            let (file, line) = match (a, b, c) {
                (Some(_col), Some(line), Some(file)) if line.parse::<u32>().is_ok() => {
                    (file, line.parse().unwrap_or(0))
                }
                (Some(line), Some(file), None) if line.parse::<u32>().is_ok() => {
                    (file, line.parse().unwrap_or(0))
                }
                _ => continue,
            };
            out.push(Diag {
                level: level.to_string(),
                message: l[pos + pat.len()..].to_string(),
                file: file.to_string(),
                line,
            });
            break;
        }
    }
    out
}

/// The series file a diagnostic path refers to, if any. Build logs name
/// files relative to the build directory, absolutely or relative to the
/// source tree, so the path is matched on whole trailing components.
pub fn series_file<'a>(path: &str, touched: &'a BTreeSet<String>) -> Option<&'a String> {
    let p = path.trim_start_matches("./");
    touched
        .iter()
        .find(|t| p == t.as_str() || p.ends_with(&format!("/{t}")))
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    /// One line: what was found, or what was checked.
    pub summary: String,
    pub log: PathBuf,
}

/// The sorted checks of one cell, first failure first.
pub fn first_failure(checks: &[Check]) -> Option<&Check> {
    checks.iter().find(|c| !c.ok)
}

fn venv_path(ctx: &Ctx) -> std::ffi::OsString {
    let mut p = ctx.venv().join("bin").into_os_string();
    if let Some(old) = std::env::var_os("PATH") {
        p.push(":");
        p.push(old);
    }
    p
}

/// Makes sure checkpatch's spdxcheck can run (python3 with ply and git).
fn spdxcheck_works(ctx: &Ctx, tree: &Path) -> Result<()> {
    let mut c = Command::new("sh");
    c.current_dir(tree).env("PATH", venv_path(ctx)).args([
        "-c",
        "echo 'SPDX-License-Identifier: GPL-2.0' | scripts/spdxcheck.py - 2>&1",
    ]);
    match util::output(&mut c) {
        Ok(o) if o.trim().is_empty() => Ok(()),
        Ok(o) => Err(Error::Setup {
            what: format!(
                "checkpatch's spdxcheck.py does not run: {}",
                o.lines().last().unwrap_or_default()
            ),
            hint: "run `scripts/wb setup` (it installs ply and GitPython into the venv)".into(),
        }),
        Err(e) => Err(Error::Setup {
            what: format!("checkpatch's spdxcheck.py does not run: {e}"),
            hint: "run `scripts/wb setup` (it installs ply and GitPython into the venv)".into(),
        }),
    }
}

/// checkpatch --strict on one patch as sent. `dir` receives the patch as
/// sent and the log.
pub fn checkpatch(
    ctx: &Ctx,
    tree: &Path,
    patch_name: &str,
    patch_text: &str,
    ident: &str,
    allow: &[AllowEntry],
    dir: &Path,
) -> Result<Check> {
    spdxcheck_works(ctx, tree)?;
    let sent = as_sent(patch_text, ident);
    let sent_path = dir.join(patch_name);
    util::write(&sent_path, sent.as_bytes())?;
    let out = Command::new("perl")
        .current_dir(tree)
        .env("PATH", venv_path(ctx))
        .arg(tree.join("scripts/checkpatch.pl"))
        .args([
            "--strict",
            "--terse",
            "--show-types",
            "--showfile",
            "--no-summary",
        ])
        .arg(&sent_path)
        .output()
        .map_err(|e| Error::io("run checkpatch.pl", e))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let (found, other) = parse_checkpatch(&text);
    let files = crate::series::touched_files(patch_text);
    let uncovered = files
        .iter()
        .filter(|f| tree.join(f).is_file())
        .filter(|f| {
            let s = maintainer_sections(tree, f);
            !s.iter().any(|x| x != "THE REST")
        })
        .cloned()
        .collect();
    let facts = PatchFacts {
        name: patch_name.to_string(),
        files,
        uncovered,
        tree_has_history: crate::base::rev_parse(tree, &format!("{}^", crate::ctx::BASE_TAG))
            .is_some(),
    };
    let mut log = format!(
        "$ scripts/checkpatch.pl --strict --terse --show-types --showfile --no-summary {}\n\
         (the patch as sent: From and Signed-off-by {ident})\n{text}# exit: {}\n\n",
        sent_path.display(),
        out.status.code().unwrap_or(-1)
    );
    let mut bad = Vec::new();
    for f in &found {
        match allow.iter().find(|e| allows(e, &facts, f)) {
            Some(e) => {
                let _ = writeln!(
                    log,
                    "accepted ({ALLOW_FILE}:{}): {} — {}",
                    e.line,
                    f.render(),
                    e.reason
                );
            }
            None => {
                let _ = writeln!(log, "NOT ACCEPTED: {}", f.render());
                bad.push(f.render());
            }
        }
    }
    if !facts.uncovered.is_empty() {
        let _ = writeln!(
            log,
            "files without a MAINTAINERS section (besides THE REST): {}",
            facts.uncovered.join(", ")
        );
    }
    let path = dir.join(format!("{patch_name}.checkpatch.log"));
    util::write(&path, log.as_bytes())?;
    let failed_silently = !out.status.success() && found.is_empty();
    let ok = bad.is_empty() && !failed_silently;
    let summary = if failed_silently {
        format!(
            "checkpatch exited {} without findings: {}",
            out.status.code().unwrap_or(-1),
            other.first().cloned().unwrap_or_default()
        )
    } else if ok {
        format!(
            "0 findings ({} accepted by {ALLOW_FILE})",
            found.len() - bad.len()
        )
    } else {
        format!("{} finding(s), first: {}", bad.len(), bad[0])
    };
    Ok(Check {
        name: "checkpatch",
        ok,
        summary,
        log: path,
    })
}

/// `make rustfmtcheck` over the tree.
pub fn rustfmtcheck(ctx: &Ctx, tree: &Path, build_dir: &Path, log: &Path) -> Result<Check> {
    let ok = util::run_logged(
        build::make(ctx, tree, build_dir).arg("rustfmtcheck"),
        log,
        "make rustfmtcheck",
    )?;
    let text = util::read(log).unwrap_or_default();
    let first = text
        .lines()
        .find(|l| l.starts_with("Diff in "))
        .unwrap_or("see the log")
        .to_string();
    Ok(Check {
        name: "rustfmtcheck",
        ok,
        summary: if ok {
            "clean".into()
        } else {
            format!("not formatted: {first}")
        },
        log: log.to_path_buf(),
    })
}

/// Whether a file of the source tree was compiled in a build: kbuild's
/// `.cmd` files name every source of every object (for Rust, every file of
/// the crate).
pub fn compiled_in(build_dir: &Path, file: &str) -> bool {
    let top = file.split('/').next().unwrap_or_default();
    let mut dirs = vec![build_dir.join(top)];
    if top != "rust" {
        dirs.push(build_dir.join("rust"));
    }
    let needle = format!("/{file}");
    for d in dirs {
        for rel in util::list_files(&d) {
            let n = rel.file_name().unwrap_or_default().to_string_lossy();
            if !(n.starts_with('.') && n.ends_with(".cmd")) {
                continue;
            }
            if let Ok(t) = std::fs::read_to_string(d.join(&rel)) {
                if t.contains(&needle) {
                    return true;
                }
            }
        }
    }
    false
}

/// Diagnostics of a build log that fall into series files.
pub fn diags_in_series(diags: &[Diag], touched: &BTreeSet<String>) -> Vec<Diag> {
    diags
        .iter()
        .filter_map(|d| {
            series_file(&d.file, touched).map(|f| Diag {
                file: f.clone(),
                ..d.clone()
            })
        })
        .collect()
}

/// CLIPPY=1: the build log of the configuration (every build runs clippy).
///
/// `changed` are the files of the patch being checked: those of its Rust
/// files that the configuration compiles must have been compiled (with
/// clippy) by this build. A diagnostic in any file of the series so far
/// (`touched`) fails the check.
pub fn clippy(
    build_log: &Path,
    build_dir: &Path,
    touched: &BTreeSet<String>,
    changed: &BTreeSet<String>,
) -> Check {
    let text = std::fs::read_to_string(build_log).unwrap_or_default();
    let rust: Vec<&String> = changed.iter().filter(|f| f.ends_with(".rs")).collect();
    let (compiled, not_compiled): (Vec<&String>, Vec<&String>) =
        rust.iter().partition(|f| compiled_in(build_dir, f));
    let bad = diags_in_series(&parse_rust_diags(&text), touched);
    clippy_verdict(&text, &compiled, &not_compiled, &bad, build_log)
}

/// The clippy check from its facts. A build that compiled a Rust file of
/// the series must show clippy at work (`CLIPPY` lines of kbuild).
pub fn clippy_verdict(
    log_text: &str,
    compiled: &[&String],
    not_compiled: &[&String],
    bad: &[Diag],
    build_log: &Path,
) -> Check {
    let clippy_on = log_text
        .lines()
        .any(|l| l.trim_start().starts_with("CLIPPY ") || l.contains("clippy-driver"));
    let list = |v: &[&String]| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
    let (ok, mut summary) = if compiled.is_empty() && bad.is_empty() {
        (
            true,
            "no Rust file of this patch is compiled in this configuration; 0 diagnostics in series files"
                .to_string(),
        )
    } else if compiled.is_empty() {
        (
            false,
            format!("{} diagnostic(s), first: {}", bad.len(), bad[0].render()),
        )
    } else if !clippy_on {
        (
            false,
            format!(
                "the build log shows no clippy run, though it compiled {}",
                list(compiled)
            ),
        )
    } else if bad.is_empty() {
        (
            true,
            format!(
                "0 warnings in {} Rust file(s) of the series",
                compiled.len()
            ),
        )
    } else {
        (
            false,
            format!("{} diagnostic(s), first: {}", bad.len(), bad[0].render()),
        )
    };
    match not_compiled.len() {
        0 => {}
        1..=2 => {
            let _ = write!(summary, "; not compiled here: {}", list(not_compiled));
        }
        k => {
            let _ = write!(
                summary,
                "; not compiled here: {k} files ({}, …)",
                list(&not_compiled[..1])
            );
        }
    }
    Check {
        name: "clippy",
        ok,
        summary,
        log: build_log.to_path_buf(),
    }
}

/// `make rustdoc`: must succeed, and say nothing about series files.
pub fn rustdoc(
    ctx: &Ctx,
    tree: &Path,
    build_dir: &Path,
    touched: &BTreeSet<String>,
    log: &Path,
    record: Option<&Path>,
) -> Result<Check> {
    // A successful `make rustdoc` of the same sources, configuration and
    // toolchain kept its log: its diagnostics are these sources'.
    let kept = record.filter(|r| r.is_file());
    let ok = match kept {
        Some(rec) => {
            std::fs::copy(rec, log).map_err(|e| Error::io("copy the kept rustdoc log", e))?;
            true
        }
        None => util::run_logged(
            build::make(ctx, tree, build_dir).args(["-j2", "rustdoc"]),
            log,
            "make rustdoc",
        )?,
    };
    if let Some(rec) = record.filter(|_| ok && kept.is_none()) {
        crate::slots::keep_log(rec, log)?;
    }
    let text = util::read(log).unwrap_or_default();
    let bad = diags_in_series(&parse_rust_diags(&text), touched);
    let summary = if !ok {
        format!(
            "make rustdoc failed: {}",
            util::first_errors(&text, 1)
                .first()
                .cloned()
                .unwrap_or_else(|| "see the log".into())
        )
    } else if bad.is_empty() {
        "no warning in series files".into()
    } else {
        format!("{} diagnostic(s), first: {}", bad.len(), bad[0].render())
    };
    let summary = if kept.is_some() {
        format!("{summary} (rustdoc output for these exact sources is on record: not run again)")
    } else {
        summary
    };
    Ok(Check {
        name: "rustdoc",
        ok: ok && bad.is_empty(),
        summary,
        log: log.to_path_buf(),
    })
}

/// The object that compiles a C file (rust/helpers/*.c are included by
/// rust/helpers/helpers.c).
pub fn c_object(file: &str) -> Option<String> {
    let stem = file.strip_suffix(".c")?;
    if file.starts_with("rust/helpers/") {
        return Some("rust/helpers/helpers.o".into());
    }
    if file.starts_with("tools/") || file.starts_with("scripts/") || file.starts_with("samples/") {
        return None;
    }
    Some(format!("{stem}.o"))
}

/// `make W=1 <object>` for every C file the patch being checked touches
/// (`changed`) that this configuration builds; warnings in any file of the
/// series so far (`touched`) count.
pub fn w1(
    ctx: &Ctx,
    tree: &Path,
    build_dir: &Path,
    touched: &BTreeSet<String>,
    changed: &BTreeSet<String>,
    log: &Path,
    record: Option<&Path>,
) -> Result<Check> {
    let mut objects: BTreeSet<String> = BTreeSet::new();
    let mut skipped = Vec::new();
    for f in changed.iter().filter(|f| f.ends_with(".c")) {
        if !tree.join(f).is_file() {
            continue;
        }
        match c_object(f) {
            Some(o) if build_dir.join(&o).is_file() => {
                objects.insert(o);
            }
            Some(_) => skipped.push(format!("{f} (not built in this configuration)")),
            None => skipped.push(format!("{f} (not kernel code)")),
        }
    }
    if objects.is_empty() {
        let summary = if skipped.is_empty() {
            "no C file in this patch".to_string()
        } else {
            format!("nothing to compile: {}", skipped.join(", "))
        };
        util::write(log, format!("{summary}\n").as_bytes())?;
        return Ok(Check {
            name: "W=1",
            ok: true,
            summary,
            log: log.to_path_buf(),
        });
    }
    // A successful W=1 compile of the same sources, configuration and
    // toolchain kept its log: its warnings are these objects' warnings.
    if let Some(rec) = record.filter(|r| r.is_file()) {
        std::fs::copy(rec, log).map_err(|e| Error::io("copy the kept W=1 log", e))?;
        let text = util::read(log).unwrap_or_default();
        let bad = diags_in_series(&parse_gcc_diags(&text), touched);
        let mut summary = if bad.is_empty() {
            format!(
                "0 warnings in {}",
                objects.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        } else {
            format!("{} warning(s), first: {}", bad.len(), bad[0].render())
        };
        summary.push_str(" (W=1 output for these exact sources is on record: not compiled again)");
        if !skipped.is_empty() {
            let _ = write!(summary, "; not compiled: {}", skipped.join(", "));
        }
        info(&format!("W=1: {summary}"));
        return Ok(Check {
            name: "W=1",
            ok: bad.is_empty(),
            summary,
            log: log.to_path_buf(),
        });
    }
    // Remove the objects so they are compiled again, with W=1. W=1 also
    // changes the preprocessor flags that bindgen sees, so `prepare` would
    // regenerate the bindings and rebuild every Rust crate, twice (W=1, then
    // the next normal build): about three minutes per patch with a C file,
    // for C warnings only. `CONFIG_RUST=` on the command line keeps `prepare`
    // out of rust/; the objects' own compile commands do not depend on it.
    for o in &objects {
        let _ = std::fs::remove_file(build_dir.join(o));
    }
    let ok = util::run_logged(
        build::make(ctx, tree, build_dir)
            .arg("W=1")
            .arg("CONFIG_RUST=")
            .args(objects.iter()),
        log,
        "make W=1",
    )?;
    // Remove them again, so the next build compiles them without W=1:
    // rust/Makefile builds helpers.o with `if_changed_rule,rust_cc_library`,
    // which has no command line to compare, so a change of flags alone would
    // leave the W=1 object in the kernel.
    for o in &objects {
        let _ = std::fs::remove_file(build_dir.join(o));
    }
    let text = util::read(log).unwrap_or_default();
    if let Some(rec) = record.filter(|_| ok) {
        crate::slots::keep_log(rec, log)?;
    }
    let bad = diags_in_series(&parse_gcc_diags(&text), touched);
    let mut summary = if !ok {
        "make W=1 failed, see the log".to_string()
    } else if bad.is_empty() {
        format!(
            "0 warnings in {}",
            objects.iter().cloned().collect::<Vec<_>>().join(", ")
        )
    } else {
        format!("{} warning(s), first: {}", bad.len(), bad[0].render())
    };
    if !skipped.is_empty() {
        let _ = write!(summary, "; not compiled: {}", skipped.join(", "));
    }
    info(&format!("W=1: {summary}"));
    Ok(Check {
        name: "W=1",
        ok: ok && bad.is_empty(),
        summary,
        log: log.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CP: &str = include_str!("../../tests/data/checkpatch_terse.txt");

    fn finding(kind: &str, msg: &str) -> Finding {
        Finding {
            file: "rust/kernel/pidfs.rs".into(),
            line: 1,
            severity: Severity::Warning,
            kind: kind.into(),
            message: msg.into(),
        }
    }

    #[test]
    fn checkpatch_output() {
        let (f, other) = parse_checkpatch(CP);
        assert_eq!(f.len(), 4, "{f:?}");
        assert_eq!(f[0].file, "rust/kernel/pidfs.rs");
        assert_eq!(f[0].line, 119);
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(f[0].kind, "FILE_PATH_CHANGES");
        assert_eq!(
            f[0].message,
            "added, moved or deleted file(s), does MAINTAINERS need updating?"
        );
        assert_eq!(f[1].severity, Severity::Error);
        assert_eq!(f[1].message, "trailing whitespace");
        assert_eq!(f[2].severity, Severity::Check);
        assert_eq!(f[2].kind, "PARENTHESIS_ALIGNMENT");
        assert_eq!(f[3].kind, "MISSING_SIGN_OFF");
        assert_eq!(other, ["Use of uninitialized value $x in concatenation"]);
    }

    const ALLOW: &str = "# comment\n\n\
        * | FILE_PATH_CHANGES | added, moved or deleted file(s), does MAINTAINERS need updating? | new files\n\
        0002-b.patch | LONG_LINE | line length of 101 exceeds 100 columns | a URL\n\
        * | MISSING_SIGN_OFF | Missing Signed-off-by: line(s) | never valid\n\
        * | UNKNOWN_COMMIT_ID | Unknown commit id '9d9539db8638', maybe rebased or not pulled? | checked upstream\n";

    #[test]
    fn allow_list_parsing() {
        let a = parse_allow(ALLOW).unwrap();
        assert_eq!(a.len(), 4);
        assert_eq!(a[1].patch, "0002-b.patch");
        assert_eq!(a[1].line, 4);
        let e = parse_allow("* | LONG_LINE | some message\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1") && e.contains("reason"), "{e}");
        assert!(parse_allow("* | X | msg | \n").is_err());
    }

    #[test]
    fn allow_list_matches_precisely() {
        let a = parse_allow(ALLOW).unwrap();
        let maint = finding(
            "FILE_PATH_CHANGES",
            "added, moved or deleted file(s), does MAINTAINERS need updating?",
        );
        let facts = |name: &str, files: &[&str], uncovered: &[&str]| PatchFacts {
            name: name.into(),
            files: files.iter().map(|s| s.to_string()).collect(),
            uncovered: uncovered.iter().map(|s| s.to_string()).collect(),
            tree_has_history: false,
        };
        let p1 = facts("0001-a.patch", &["rust/kernel/pidfs.rs"], &[]);
        assert!(allows(&a[0], &p1, &maint));
        // A patch that edits MAINTAINERS gets no pass for this warning, nor
        // one that adds a file no MAINTAINERS section covers.
        let with_m = facts(
            "0001-a.patch",
            &["rust/kernel/pidfs.rs", "MAINTAINERS"],
            &[],
        );
        assert!(!allows(&a[0], &with_m, &maint));
        let orphan = facts("0001-a.patch", &["newdir/x.c"], &["newdir/x.c"]);
        assert!(!allows(&a[0], &orphan, &maint));
        // Patch-specific entries apply to that patch only.
        let long = finding("LONG_LINE", "line length of 101 exceeds 100 columns");
        let p2 = facts("0002-b.patch", &["rust/kernel/pidfs.rs"], &[]);
        assert!(allows(&a[1], &p2, &long));
        assert!(!allows(&a[1], &p1, &long));
        // The message must match exactly.
        let longer = finding("LONG_LINE", "line length of 120 exceeds 100 columns");
        assert!(!allows(&a[1], &p2, &longer));
        // A missing sign-off is never accepted, whatever the list says.
        let sob = finding("MISSING_SIGN_OFF", "Missing Signed-off-by: line(s)");
        assert!(!allows(&a[2], &p1, &sob));
        // An id checkpatch cannot look up passes only where no id can be
        // looked up: in the base without history, not in a kernel git tree.
        let id = finding(
            "UNKNOWN_COMMIT_ID",
            "Unknown commit id '9d9539db8638', maybe rebased or not pulled?",
        );
        assert!(allows(&a[3], &p1, &id));
        let with_history = PatchFacts {
            tree_has_history: true,
            ..p1.clone()
        };
        assert!(!allows(&a[3], &with_history, &id));
        let other = finding(
            "UNKNOWN_COMMIT_ID",
            "Unknown commit id '0123456789ab', maybe rebased or not pulled?",
        );
        assert!(!allows(&a[3], &p1, &other));
    }

    #[test]
    fn get_maintainer_sections() {
        let out =
            "RUST\nM:\tMiguel Ojeda <ojeda@kernel.org>\nF:\trust/\n\nTHE REST\nM:\tX <x@y.org>\n";
        assert_eq!(parse_sections(out), ["RUST", "THE REST"]);
    }

    const PATCH: &str = "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n\
From: pidfs-rs project <pidfs-rs@invalid>\n\
Date: Tue, 24 Nov 2026 07:09:36 +0000\n\
Subject: [PATCH] rust: x: y\n\
\n\
Body line.\n\
\n\
---\n\
 a/b.c | 1 +\n\
\n\
diff --git a/rust/helpers/pid.c b/rust/helpers/pid.c\n\
--- /dev/null\n\
+++ b/rust/helpers/pid.c\n\
@@ -0,0 +1 @@\n\
+---\n\
diff --git a/fs/a.c b/fs/b.c\n";

    #[test]
    fn patch_as_sent_with_assisted_by() {
        let s = as_sent_with(PATCH, "A Sender <a@example.org>", Some("LLM sparse"));
        assert!(
            s.contains("Body line.\n\nAssisted-by: LLM sparse\nSigned-off-by: A Sender <a@example.org>\n---\n"),
            "{s}"
        );
        assert_eq!(s.matches("Signed-off-by").count(), 1);
        assert_eq!(s.matches("Assisted-by").count(), 1);
    }

    #[test]
    fn maintainers_entry_names_the_sender() {
        let p = "From: pidfs-rs project <pidfs-rs@invalid>\nSubject: [PATCH] x\n\nWhy.\n\
            M:\tpidfs-rs project <pidfs-rs@invalid>\n---\n\
            diff --git a/MAINTAINERS b/MAINTAINERS\n--- a/MAINTAINERS\n+++ b/MAINTAINERS\n\
            @@ -1,2 +1,3 @@\n X ENTRY\n+M:\tpidfs-rs project <pidfs-rs@invalid>\n \
            M:\tpidfs-rs project <pidfs-rs@invalid>\n\
            diff --git a/doc.txt b/doc.txt\n+M:\tpidfs-rs project <pidfs-rs@invalid>\n";
        let s = as_sent(p, "A Sender <a@example.org>");
        assert!(
            s.contains(
                "\n X ENTRY\n+M:\tA Sender <a@example.org>\n M:\tA Sender <a@example.org>\n"
            ),
            "{s}"
        );
        // Only in the diff of MAINTAINERS: not in the log, not in other files.
        assert!(
            s.contains("Why.\nM:\tpidfs-rs project <pidfs-rs@invalid>\n"),
            "{s}"
        );
        assert!(
            s.ends_with(
                "diff --git a/doc.txt b/doc.txt\n+M:\tpidfs-rs project <pidfs-rs@invalid>\n"
            ),
            "{s}"
        );
    }

    #[test]
    fn patch_as_sent() {
        let s = as_sent(PATCH, "A Sender <a@example.org>");
        assert!(s.contains("\nFrom: A Sender <a@example.org>\n"));
        assert!(!s.contains("pidfs-rs@invalid"));
        assert!(
            s.contains("Body line.\n\nSigned-off-by: A Sender <a@example.org>\n---\n"),
            "{s}"
        );
        assert_eq!(s.matches("Signed-off-by").count(), 1);
        // Idempotent, and a message ending in trailers gets no blank line.
        assert_eq!(as_sent(&s, "A Sender <a@example.org>"), s);
        let t = PATCH.replace(
            "Body line.\n\n---",
            "Body line.\n\nLink: https://x.invalid/1\n---",
        );
        let s = as_sent(&t, "B <b@example.org>");
        assert!(
            s.contains("Link: https://x.invalid/1\nSigned-off-by: B <b@example.org>\n---\n"),
            "{s}"
        );
    }

    #[test]
    fn files_of_a_patch() {
        assert_eq!(
            crate::series::touched_files(PATCH),
            ["rust/helpers/pid.c", "fs/a.c", "fs/b.c"]
        );
    }

    const RUST_LOG: &str = "  CLIPPY [M] rust/kernel.o\n\
warning: this `if` has identical blocks\n\
   --> /root/.cache/pidfs-rs/work/debian-7.3.4/rust/kernel/cpufreq.rs:700:5\n\
    |\n\
warning: unneeded `return` statement\n\
  --> ../../../work/debian-7.3.4/rust/kernel/pidfs/pid.rs:42:9\n\
warning: 2 warnings emitted\n\
\n\
error[E0308]: mismatched types\n\
 --> fs/pidfs_rs.rs:3:1\n\
warning[clippy::x]: y\n\
 --> rust/kernel/pidfs.rs:1:1\n";

    #[test]
    fn rust_diagnostics_in_series_files() {
        let d = parse_rust_diags(RUST_LOG);
        assert_eq!(d.len(), 4, "{d:?}");
        assert_eq!(d[0].line, 700);
        assert_eq!(d[2].level, "error");
        let touched: BTreeSet<String> = ["rust/kernel/pidfs/pid.rs", "fs/pidfs_rs.rs"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let bad = diags_in_series(&d, &touched);
        assert_eq!(bad.len(), 2);
        assert_eq!(bad[0].message, "unneeded `return` statement");
        // Reported by their path in the tree, not the build's.
        assert_eq!(bad[0].file, "rust/kernel/pidfs/pid.rs");
        assert_eq!(series_file("xrust/kernel/pidfs/pid.rs", &touched), None);
    }

    #[test]
    fn clippy_needs_a_clippy_build() {
        let a = "rust/kernel/pidfs.rs".to_string();
        let b = "fs/pidfs_rs.rs".to_string();
        let log = Path::new("build.log");
        let c = clippy_verdict("  CLIPPY L rust/kernel.o\n", &[&a], &[&b], &[], log);
        assert!(c.ok, "{c:?}");
        assert!(c.summary.contains("not compiled here: fs/pidfs_rs.rs"));
        let c = clippy_verdict("  RUSTC L rust/kernel.o\n", &[&a], &[], &[], log);
        assert!(!c.ok && c.summary.contains("no clippy run"), "{c:?}");
        let c = clippy_verdict("", &[], &[&a], &[], log);
        assert!(c.ok && c.summary.starts_with("no Rust file"), "{c:?}");
        let d = parse_rust_diags(RUST_LOG);
        let c = clippy_verdict("  CLIPPY L rust/kernel.o\n", &[&a], &[], &d[1..2], log);
        assert!(!c.ok && c.summary.contains("pid.rs:42"), "{c:?}");
        // A patch with no Rust file compiled here still fails on a warning
        // that the build printed for an earlier file of the series.
        let c = clippy_verdict("  CLIPPY L rust/kernel.o\n", &[], &[&a], &d[1..2], log);
        assert!(!c.ok && c.summary.contains("pid.rs:42"), "{c:?}");
    }

    #[test]
    fn gcc_diagnostics() {
        let log = "  CC      rust/helpers/helpers.o\n\
In file included from ../rust/helpers/helpers.c:33:\n\
../rust/helpers/pid.c:7:1: warning: no previous prototype for 'f' [-Wmissing-prototypes]\n\
include/linux/x.h:3: warning: something\n\
make: *** [x] Error 1\n";
        let d = parse_gcc_diags(log);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].file, "../rust/helpers/pid.c");
        assert_eq!(d[0].line, 7);
        assert_eq!(d[1].line, 3);
        let touched: BTreeSet<String> = ["rust/helpers/pid.c".to_string()].into();
        assert_eq!(diags_in_series(&d, &touched).len(), 1);
    }

    #[test]
    fn c_objects() {
        assert_eq!(
            c_object("rust/helpers/pid.c").unwrap(),
            "rust/helpers/helpers.o"
        );
        assert_eq!(c_object("fs/pidfs.c").unwrap(), "fs/pidfs.o");
        assert_eq!(c_object("fs/pidfs.h"), None);
        assert_eq!(c_object("tools/testing/selftests/pidfd/x.c"), None);
    }
}
