// SPDX-License-Identifier: GPL-2.0
//! The per-patch matrix as a report: its cells (one patch in one
//! configuration, the stage that failed, its checks and counts), the
//! matrix's verdict, and report.md, report.json and kcidb.json. `wb ci`
//! fills it (`commands/matrix.rs`); `wb ci --merge` joins shards of it
//! (`merge.rs`).

use crate::checks::{self, Check};
use crate::error::{Error, Result};
use crate::shard::Shard;
use crate::util;
use crate::verdict::{Counts, VerdictDiff};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Applies,
    Builds,
    Boots,
    Tests,
}

#[derive(Debug, Clone)]
pub struct Cell {
    /// 1-based patch number (0: the bare base, for an empty series).
    pub patch: usize,
    pub name: String,
    pub config: String,
    /// The first stage that failed, if any.
    pub failed: Option<Stage>,
    pub full: bool,
    pub counts: Option<Counts>,
    pub seconds: f64,
    pub note: String,
    pub log: String,
    /// Static checks of this patch in this configuration, in the order run.
    pub checks: Vec<Check>,
    /// The run directory of the boot, if it got that far.
    pub run_dir: Option<PathBuf>,
    /// A build-only variant: nothing is booted.
    pub build_only: bool,
    /// A patch that changes no file the kernel or the guest is built from
    /// ([`crate::matrix::compiles_nothing`]): only its static checks ran; its kernel is
    /// the previous patch's, so nothing is built or booted again.
    pub nothing_to_build: bool,
}

impl Cell {
    pub fn ok(&self) -> bool {
        self.failed.is_none() && self.checks_ok()
    }

    pub fn checks_ok(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.ok)
    }

    /// The `checks` column: `ok (n)`, or the first failing check and its log.
    pub fn checks_mark(&self) -> String {
        if let Some(c) = checks::first_failure(&self.checks) {
            return format!("FAIL {}: {} ({})", c.name, c.summary, c.log.display());
        }
        if self.checks.is_empty() {
            return "-".into();
        }
        format!("ok ({})", self.checks.len())
    }

    pub fn mark(&self, stage: Stage) -> &'static str {
        if self.build_only && matches!(stage, Stage::Boots | Stage::Tests) {
            return "n/a";
        }
        if self.nothing_to_build && stage != Stage::Applies {
            return "n/a";
        }
        match self.failed {
            None => "ok",
            Some(f) if f == stage => "FAIL",
            Some(f) if (f as u8) < (stage as u8) => "-",
            Some(_) => "ok",
        }
    }
}

/// Writes `kcidb.json` (see `kcidb.rs`) next to a report.json.
pub fn write_kcidb(dir: &Path, report_json: &str) -> Result<()> {
    let v = crate::json::parse(report_json).map_err(|e| Error::Drift {
        items: vec![format!(
            "{}: report.json does not parse: {e}",
            dir.display()
        )],
    })?;
    let k = crate::kcidb::from_report(&v, &crate::kcidb::verdict_next_to);
    util::write(&dir.join("kcidb.json"), k.to_json().as_bytes())
}

pub struct Matrix {
    pub cells: Vec<Cell>,
    pub dir: PathBuf,
    /// Present when both configurations ran on the last patch.
    pub diff: Option<VerdictDiff>,
    /// Why there is no comparison, when there is none.
    pub diff_note: String,
    /// The same for the debug boots (both run with `--full` only).
    pub debug_diff: Option<VerdictDiff>,
    pub debug_diff_note: String,
    /// `tree::fingerprint` of the series the matrix ran on.
    pub series: String,
    pub base: String,
    pub seconds: f64,
    /// The shard this report is of, if it is one (`wb ci --shard`).
    pub shard: Option<Shard>,
    /// The number of patches of the series (the last patch).
    pub last_patch: usize,
}

impl Matrix {
    pub fn ok(&self) -> bool {
        !self.cells.is_empty()
            && self.cells.iter().all(Cell::ok)
            && [&self.diff, &self.debug_diff]
                .iter()
                .all(|d| d.as_ref().is_none_or(|d| d.agrees()))
    }

    /// Writes report.md, report.json and kcidb.json into the report's
    /// directory.
    pub fn write(&self) -> Result<()> {
        util::write(&self.dir.join("report.md"), self.markdown().as_bytes())?;
        let report = self.json();
        util::write(&self.dir.join("report.json"), report.as_bytes())?;
        write_kcidb(&self.dir, &report)
    }

    pub fn markdown(&self) -> String {
        let mut s = String::new();
        if let Some(sh) = self.shard {
            let mine: Vec<String> = (1..=self.last_patch)
                .filter(|&k| sh.owns(k))
                .map(|k| k.to_string())
                .collect();
            let _ = writeln!(
                s,
                "Shard {} of the per-patch matrix: patches {} of {}; `wb ci --merge` joins the \
                 shards' reports.\n",
                sh.label(),
                mine.join(", "),
                self.last_patch
            );
        }
        let _ = writeln!(
            s,
            "| patch | config | applies | builds | boots | tests | checks | pass/fail/skip | time | note |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---:|---|");
        for c in &self.cells {
            let counts = c
                .counts
                .map(|k| {
                    format!(
                        "{}/{}/{}{}",
                        k.pass,
                        k.fail,
                        k.skip,
                        if c.full { " (all)" } else { " (smoke)" }
                    )
                })
                .unwrap_or_else(|| "-".into());
            let _ = writeln!(
                s,
                "| {} {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                c.patch,
                c.name,
                c.config,
                c.mark(Stage::Applies),
                c.mark(Stage::Builds),
                c.mark(Stage::Boots),
                c.mark(Stage::Tests),
                c.checks_mark().replace('|', "\\|"),
                counts,
                util::fmt_duration(Duration::from_secs_f64(c.seconds)),
                c.note.replace('|', "\\|")
            );
        }
        match &self.diff {
            Some(d) => {
                let _ = writeln!(
                    s,
                    "\nfs-pid-y against fs-pid-n on the last patch: {}",
                    d.markdown
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "\nfs-pid-y against fs-pid-n on the last patch: not compared ({})",
                    self.diff_note
                );
            }
        }
        let dn = crate::build::debug_config_name("fs-pid-n");
        let dy = crate::build::debug_config_name("fs-pid-y");
        match &self.debug_diff {
            Some(d) => {
                let _ = writeln!(s, "\n{dy} against {dn} on the last patch: {}", d.markdown);
            }
            None if self.cells.iter().any(|c| c.config == dy) => {
                let _ = writeln!(
                    s,
                    "\n{dy} against {dn} on the last patch: not compared ({})",
                    self.debug_diff_note
                );
            }
            None => {}
        }
        s
    }

    pub fn json(&self) -> String {
        use crate::json::{num, num1, obj, opt, s, Value};
        let cells = self
            .cells
            .iter()
            .map(|c| {
                obj([
                    ("patch", num(c.patch as f64)),
                    ("name", s(c.name.as_str())),
                    ("config", s(c.config.as_str())),
                    ("build_only", Value::Bool(c.build_only)),
                    ("ok", Value::Bool(c.ok())),
                    (
                        "failed_stage",
                        opt(c.failed.map(|f| s(format!("{f:?}").to_lowercase()))),
                    ),
                    ("full", Value::Bool(c.full)),
                    ("pass", opt(c.counts.map(|k| num(k.pass as f64)))),
                    ("fail", opt(c.counts.map(|k| num(k.fail as f64)))),
                    ("skip", opt(c.counts.map(|k| num(k.skip as f64)))),
                    ("seconds", num1(c.seconds)),
                    ("note", s(c.note.as_str())),
                    ("log", s(c.log.as_str())),
                    (
                        "run_dir",
                        opt(c.run_dir.as_ref().map(|d| s(d.display().to_string()))),
                    ),
                    ("nothing_to_build", Value::Bool(c.nothing_to_build)),
                    ("checks_ok", Value::Bool(c.checks_ok())),
                    (
                        "checks",
                        Value::Arr(
                            c.checks
                                .iter()
                                .map(|k| {
                                    obj([
                                        ("name", s(k.name)),
                                        ("ok", Value::Bool(k.ok)),
                                        ("summary", s(k.summary.as_str())),
                                        ("log", s(k.log.display().to_string())),
                                    ])
                                })
                                .collect(),
                        ),
                    ),
                ])
            })
            .collect();
        let diff_json = |d: &Option<VerdictDiff>, note: &str, a: &str, b: &str, file: &str| match d
        {
            Some(d) => obj([
                ("compared", num(d.compared as f64)),
                (
                    "differences",
                    Value::Arr(
                        d.rows
                            .iter()
                            .map(|r| {
                                obj([
                                    ("binary".to_string(), s(r.binary.as_str())),
                                    ("test".to_string(), s(r.test.as_str())),
                                    ("counted".to_string(), Value::Bool(r.counts())),
                                    (a.to_string(), opt(r.left.map(|o| s(o.as_str())))),
                                    (b.to_string(), opt(r.right.map(|o| s(o.as_str())))),
                                ])
                            })
                            .collect(),
                    ),
                ),
                ("file", s(self.dir.join(file).display().to_string())),
            ]),
            None => obj([("not_compared", s(note))]),
        };
        obj([
            ("ok", Value::Bool(self.ok())),
            ("shard", opt(self.shard.map(|x| s(x.label())))),
            ("patches", num(self.last_patch as f64)),
            ("series_sha256", s(self.series.as_str())),
            ("base_commit", s(self.base.as_str())),
            ("seconds", num1(self.seconds)),
            ("cells", Value::Arr(cells)),
            (
                "verdict_diff",
                diff_json(
                    &self.diff,
                    &self.diff_note,
                    "fs-pid-n",
                    "fs-pid-y",
                    "verdict-diff.md",
                ),
            ),
            (
                "verdict_diff_debug",
                diff_json(
                    &self.debug_diff,
                    &self.debug_diff_note,
                    &crate::build::debug_config_name("fs-pid-n"),
                    &crate::build::debug_config_name("fs-pid-y"),
                    "verdict-diff-debug.md",
                ),
            ),
        ])
        .to_json()
    }
}

/// A passing `fs-pid-n` cell of patch 1 (a failed stage if `failed`).
#[cfg(test)]
pub fn test_cell(failed: Option<Stage>) -> Cell {
    Cell {
        patch: 1,
        name: "0001-x.patch".into(),
        config: "fs-pid-n".into(),
        failed,
        full: false,
        counts: Some(Counts {
            pass: 3,
            fail: 0,
            skip: 1,
        }),
        seconds: 61.0,
        note: String::new(),
        log: "out/x".into(),
        checks: vec![Check {
            name: "checkpatch",
            ok: true,
            summary: "0 findings".into(),
            log: "out/cp.log".into(),
        }],
        run_dir: None,
        build_only: false,
        nothing_to_build: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict;

    #[test]
    fn build_only_cells_do_not_claim_boots_or_tests() {
        let mut c = test_cell(None);
        c.build_only = true;
        c.counts = None;
        assert_eq!(c.mark(Stage::Builds), "ok");
        assert_eq!(c.mark(Stage::Boots), "n/a");
        assert_eq!(c.mark(Stage::Tests), "n/a");
        assert!(c.ok());
        c.failed = Some(Stage::Builds);
        assert_eq!(c.mark(Stage::Builds), "FAIL");
        assert_eq!(c.mark(Stage::Boots), "n/a");
        assert!(!c.ok());
    }

    #[test]
    fn marks_follow_the_first_failing_stage() {
        let c = test_cell(Some(Stage::Boots));
        assert_eq!(
            [Stage::Applies, Stage::Builds, Stage::Boots, Stage::Tests].map(|s| c.mark(s)),
            ["ok", "ok", "FAIL", "-"]
        );
        let c = test_cell(None);
        assert_eq!(c.mark(Stage::Tests), "ok");
    }

    #[test]
    fn report_rows() {
        let mut bad_check = test_cell(None);
        bad_check.checks.push(Check {
            name: "clippy",
            ok: false,
            summary: "1 diagnostic(s), first: rust/kernel/pidfs.rs:3: warning: x".into(),
            log: "out/build.log".into(),
        });
        let m = Matrix {
            cells: vec![test_cell(None), test_cell(Some(Stage::Builds)), bad_check],
            dir: PathBuf::from("/tmp"),
            diff: None,
            diff_note: "fs-pid-y does not exist".into(),
            debug_diff: None,
            debug_diff_note: String::new(),
            series: "abc".into(),
            base: "def".into(),
            seconds: 1.0,
            shard: None,
            last_patch: 1,
        };
        assert!(!m.ok());
        let md = m.markdown();
        assert!(
            md.contains(
                "| 1 0001-x.patch | fs-pid-n | ok | ok | ok | ok | ok (1) | 3/0/1 (smoke) | 1m01s |"
            ),
            "{md}"
        );
        assert!(md.contains("| ok | FAIL | - | - |"), "{md}");
        let j = m.json();
        assert!(j.contains("\"failed_stage\": \"builds\""), "{j}");
        // The verdict comes first, so a reader of the file sees it at once.
        assert!(j.starts_with("{\n  \"ok\": false,"), "{j}");
        // A failing check fails the cell and names the check and its log.
        assert!(!m.cells[2].ok());
        assert!(
            md.contains("| ok | ok | ok | ok | FAIL clippy: 1 diagnostic(s), first: rust/kernel/pidfs.rs:3: warning: x (out/build.log) |"),
            "{md}"
        );
        assert!(j.contains("\"checks_ok\": false"), "{j}");
        let parsed = crate::json::parse(&j).expect("report.json parses");
        assert_eq!(
            parsed.get("series_sha256").and_then(|v| v.str()),
            Some("abc")
        );
        assert!(
            md.contains("not compared (fs-pid-y does not exist)"),
            "{md}"
        );
        let with_diff = Matrix {
            cells: vec![test_cell(None)],
            dir: PathBuf::from("/tmp"),
            diff: Some(VerdictDiff {
                compared: 2,
                rows: vec![verdict::DiffRow {
                    binary: "pidfd/pidfd_wait".into(),
                    test: "x".into(),
                    left: Some(crate::ktap::Outcome::Pass),
                    right: Some(crate::ktap::Outcome::Fail),
                }],
                markdown: String::new(),
            }),
            diff_note: String::new(),
            debug_diff: None,
            debug_diff_note: String::new(),
            series: String::new(),
            base: String::new(),
            seconds: 0.0,
            shard: None,
            last_patch: 1,
        };
        assert!(!with_diff.ok(), "a verdict difference fails the matrix");
        assert!(with_diff.json().contains("\"fs-pid-y\": \"fail\""));

        // The same for the debug boots, keyed by their own names.
        let mut dy = test_cell(None);
        dy.config = "fs-pid-y+debug".into();
        let debug = Matrix {
            cells: vec![test_cell(None), dy],
            diff: None,
            debug_diff: with_diff.diff,
            ..with_diff
        };
        assert!(
            !debug.ok(),
            "a difference of the debug boots fails the matrix"
        );
        // A test that only the right side has and passes there (a doctest
        // of code only it builds) is listed, not counted.
        let mut only_right = VerdictDiff {
            compared: 1,
            rows: vec![verdict::DiffRow {
                binary: "kunit".into(),
                test: "doctest".into(),
                left: None,
                right: None,
            }],
            markdown: String::new(),
        };
        only_right.rows[0].right = Some(crate::ktap::Outcome::Pass);
        assert!(only_right.agrees());
        only_right.rows[0].right = Some(crate::ktap::Outcome::Skip);
        assert!(!only_right.agrees());
        let j = debug.json();
        assert!(j.contains("\"fs-pid-y+debug\": \"fail\""), "{j}");
        assert!(j.contains("verdict-diff-debug.md"), "{j}");
        assert!(crate::json::parse(&j).is_ok(), "{j}");
        let md = debug.markdown();
        assert!(
            md.contains("fs-pid-y+debug against fs-pid-n+debug on the last patch:"),
            "{md}"
        );
    }
}
