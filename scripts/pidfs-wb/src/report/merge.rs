// SPDX-License-Identifier: GPL-2.0
//! `wb ci --merge DIR…`: the reports of shards 1..N of one run (see
//! `shard.rs`) read back and joined into the one report and verdict a
//! single `wb ci` gives. A merge checks that the reports are of one series
//! on one base, one shard each of the same N, and puts their cells back in
//! patch order; the comparison of the last patch comes from the shard that
//! ran it.

use crate::checks::Check;
use crate::error::{Error, Result};
use crate::json::{self, Value};
use crate::ktap::Outcome;
use crate::matrix_report::{Cell, Matrix, Stage};
use crate::shard::Shard;
use crate::util;
use crate::verdict::{Counts, DiffRow, VerdictDiff};
use std::path::{Path, PathBuf};

/// The stage names as `report.json` writes them.
fn stage(name: &str) -> Option<Stage> {
    Some(match name {
        "applies" => Stage::Applies,
        "builds" => Stage::Builds,
        "boots" => Stage::Boots,
        "tests" => Stage::Tests,
        _ => return None,
    })
}

fn outcome(name: &str) -> Option<Outcome> {
    [
        Outcome::Pass,
        Outcome::Skip,
        Outcome::Xfail,
        Outcome::Fail,
        Outcome::Timeout,
        Outcome::Error,
        Outcome::Missing,
    ]
    .into_iter()
    .find(|o| o.as_str() == name)
}

/// The names of the checks a cell can carry (`Check::name` is static).
const CHECK_NAMES: &[&str] = &[
    "checkpatch",
    "rustfmtcheck",
    "clippy",
    "rustdoc",
    "W=1",
    "build checks",
    "series",
    "werror",
    "kmemleak scan",
];

fn report_error(what: String) -> Error {
    Error::Report {
        what,
        hint: "merge the report.json of a `wb ci --shard K/N` run of this version of wb".into(),
    }
}

fn field<'a>(v: &'a Value, key: &str, what: &str) -> Result<&'a Value> {
    v.get(key)
        .ok_or_else(|| report_error(format!("{what}: no `{key}` in the report")))
}

fn text(v: &Value, key: &str, what: &str) -> Result<String> {
    field(v, key, what)?
        .str()
        .map(str::to_string)
        .ok_or_else(|| report_error(format!("{what}: `{key}` is not a string")))
}

fn number(v: &Value, key: &str, what: &str) -> Result<f64> {
    field(v, key, what)?
        .num()
        .ok_or_else(|| report_error(format!("{what}: `{key}` is not a number")))
}

fn flag(v: &Value, key: &str, what: &str) -> Result<bool> {
    field(v, key, what)?
        .bool()
        .ok_or_else(|| report_error(format!("{what}: `{key}` is not true or false")))
}

fn cell_from(v: &Value, what: &str) -> Result<Cell> {
    let failed = match field(v, "failed_stage", what)? {
        Value::Null => None,
        x => Some(
            x.str()
                .and_then(stage)
                .ok_or_else(|| report_error(format!("{what}: unknown failed_stage")))?,
        ),
    };
    let count = |key: &str| v.get(key).and_then(Value::num).map(|x| x as usize);
    let counts = match (count("pass"), count("fail"), count("skip")) {
        (Some(pass), Some(fail), Some(skip)) => Some(Counts { pass, fail, skip }),
        _ => None,
    };
    let mut checks = Vec::new();
    for c in field(v, "checks", what)?.arr() {
        let name = text(c, "name", what)?;
        let name = CHECK_NAMES
            .iter()
            .copied()
            .find(|n| *n == name)
            .ok_or_else(|| report_error(format!("{what}: unknown check `{name}`")))?;
        checks.push(Check {
            name,
            ok: flag(c, "ok", what)?,
            summary: text(c, "summary", what)?,
            log: PathBuf::from(text(c, "log", what)?),
        });
    }
    let run_dir = v.get("run_dir").and_then(Value::str).map(PathBuf::from);
    Ok(Cell {
        patch: number(v, "patch", what)? as usize,
        name: text(v, "name", what)?,
        config: text(v, "config", what)?,
        failed,
        full: flag(v, "full", what)?,
        counts,
        seconds: number(v, "seconds", what)?,
        note: text(v, "note", what)?,
        log: text(v, "log", what)?,
        checks,
        run_dir,
        build_only: flag(v, "build_only", what)?,
        nothing_to_build: v
            .get("nothing_to_build")
            .and_then(Value::bool)
            .unwrap_or(false),
    })
}

/// A comparison as `report.json` records it, with its table read back from
/// the file the shard wrote.
fn diff_from(
    v: &Value,
    dir: &Path,
    left: &str,
    right: &str,
    what: &str,
) -> Result<(Option<VerdictDiff>, String)> {
    if let Some(note) = v.get("not_compared").and_then(Value::str) {
        return Ok((None, note.to_string()));
    }
    let mut rows = Vec::new();
    for r in field(v, "differences", what)?.arr() {
        let side = |key: &str| -> Result<Option<Outcome>> {
            match r.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(x) => x
                    .str()
                    .and_then(outcome)
                    .map(Some)
                    .ok_or_else(|| report_error(format!("{what}: unknown outcome in `{key}`"))),
            }
        };
        rows.push(DiffRow {
            binary: text(r, "binary", what)?,
            test: text(r, "test", what)?,
            left: side(left)?,
            right: side(right)?,
        });
    }
    // The shard wrote the table next to its report.json; the directory may
    // have moved since (an artifact downloaded on another machine).
    let file = PathBuf::from(text(v, "file", what)?);
    let name = file
        .file_name()
        .ok_or_else(|| report_error(format!("{what}: `file` names no file")))?;
    let saved = util::read(&dir.join(name))?;
    // The saved file is a heading, the two run directories and the table.
    let markdown = match saved.find("\n\n") {
        Some(i) => match saved[i + 2..].find("\n\n") {
            Some(j) => saved[i + 2 + j + 2..].to_string(),
            None => saved,
        },
        None => saved,
    };
    Ok((
        Some(VerdictDiff {
            compared: number(v, "compared", what)? as usize,
            rows,
            markdown,
        }),
        String::new(),
    ))
}

/// One shard's report, as far as a merge needs it.
struct Part {
    dir: PathBuf,
    shard: Shard,
    matrix: Matrix,
}

fn read_part(dir: &Path) -> Result<Part> {
    let path = dir.join("report.json");
    let what = path.display().to_string();
    let v = json::parse(&util::read(&path)?)
        .map_err(|e| report_error(format!("{what}: not JSON ({e})")))?;
    let shard = match v.get("shard").and_then(Value::str) {
        Some(s) => Shard::parse(s)?,
        None => {
            return Err(Error::Report {
                what: format!("{what}: not a shard report"),
                hint: "run `wb ci --shard K/N` for each shard, then merge their directories".into(),
            })
        }
    };
    let mut cells = Vec::new();
    for c in field(&v, "cells", &what)?.arr() {
        cells.push(cell_from(c, &what)?);
    }
    let (diff, diff_note) = diff_from(
        field(&v, "verdict_diff", &what)?,
        dir,
        "fs-pid-n",
        "fs-pid-y",
        &what,
    )?;
    let dn = crate::build::debug_config_name("fs-pid-n");
    let dy = crate::build::debug_config_name("fs-pid-y");
    let (debug_diff, debug_diff_note) = diff_from(
        field(&v, "verdict_diff_debug", &what)?,
        dir,
        &dn,
        &dy,
        &what,
    )?;
    Ok(Part {
        dir: dir.to_path_buf(),
        shard,
        matrix: Matrix {
            cells,
            dir: dir.to_path_buf(),
            diff,
            diff_note,
            debug_diff,
            debug_diff_note,
            series: text(&v, "series_sha256", &what)?,
            base: text(&v, "base_commit", &what)?,
            seconds: number(&v, "seconds", &what)?,
            shard: Some(shard),
            last_patch: number(&v, "patches", &what)? as usize,
        },
    })
}

/// Joins the reports of shards 1..N of one run into one matrix, written to
/// `out` (report.md, report.json, kcidb.json).
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Matrix> {
    if dirs.is_empty() {
        return Err(Error::Usage(
            "--merge needs the report directories of every shard (out/ci/<time>)".into(),
        ));
    }
    let mut parts = dirs
        .iter()
        .map(|d| read_part(d))
        .collect::<Result<Vec<_>>>()?;
    parts.sort_by_key(|p| p.shard.k);
    let n = parts[0].shard.n;
    let first = &parts[0].matrix;
    for p in &parts {
        let d = p.dir.display();
        if p.shard.n != n {
            return Err(Error::Usage(format!(
                "{d}: shard {} of a run with {} shards, not {n}",
                p.shard.label(),
                p.shard.n
            )));
        }
        if p.matrix.series != first.series || p.matrix.base != first.base {
            return Err(Error::Usage(format!(
                "{d}: another series or base (series {}, base {}) than {} (series {}, base {})",
                p.matrix.series,
                p.matrix.base,
                parts[0].dir.display(),
                first.series,
                first.base
            )));
        }
        if p.matrix.last_patch != first.last_patch {
            return Err(Error::Usage(format!(
                "{d}: a series of {} patches, not {}",
                p.matrix.last_patch, first.last_patch
            )));
        }
    }
    let ks: Vec<usize> = parts.iter().map(|p| p.shard.k).collect();
    if ks != (1..=n).collect::<Vec<_>>() {
        return Err(Error::Usage(format!(
            "--merge needs each of shards 1..{n} once; got {}",
            ks.iter()
                .map(|k| format!("{k}/{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let last = first.last_patch;
    let series = first.series.clone();
    let base = first.base.clone();
    let mut cells = Vec::new();
    let mut seconds = 0.0;
    let mut diff = (None, String::new());
    let mut debug_diff = (None, String::new());
    for p in parts {
        seconds += p.matrix.seconds;
        if p.shard.owns(last) {
            diff = (p.matrix.diff, p.matrix.diff_note);
            debug_diff = (p.matrix.debug_diff, p.matrix.debug_diff_note);
        }
        cells.extend(p.matrix.cells);
    }
    // Patch order; within a patch, the order the shard ran its cells in.
    cells.sort_by_key(|c| c.patch);
    util::mkdir(out)?;
    let m = Matrix {
        cells,
        dir: out.to_path_buf(),
        diff: diff.0,
        diff_note: diff.1,
        debug_diff: debug_diff.0,
        debug_diff_note: debug_diff.1,
        series,
        base,
        seconds,
        shard: None,
        last_patch: last,
    };
    m.write()?;
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shard::Shard;

    fn cell(patch: usize, config: &str, failed: Option<Stage>, last: bool) -> Cell {
        Cell {
            patch,
            name: format!("{patch:04}-x.patch"),
            config: config.into(),
            failed,
            full: last,
            counts: Some(Counts {
                pass: 4,
                fail: usize::from(failed.is_some()),
                skip: 1,
            }),
            seconds: 10.0 * patch as f64,
            note: format!("note of {patch} | {config}"),
            log: "out/logs/build.log".into(),
            checks: vec![Check {
                name: "clippy",
                ok: patch != 2,
                summary: "0 diagnostic(s)".into(),
                log: "out/ci/x/checks/0001".into(),
            }],
            run_dir: Some(PathBuf::from("out/runs/x")),
            build_only: false,
            nothing_to_build: false,
        }
    }

    fn matrix(cells: Vec<Cell>, dir: &Path, shard: Option<Shard>) -> Matrix {
        Matrix {
            cells,
            dir: dir.to_path_buf(),
            diff: None,
            diff_note: "fs-pid-y did not run".into(),
            debug_diff: None,
            debug_diff_note: "fs-pid-n+debug boots only in `wb ci --full`".into(),
            series: "abc".into(),
            base: "def".into(),
            seconds: 30.0,
            shard,
            last_patch: 3,
        }
    }

    /// Two shards written as `wb ci --shard` writes them, merged, give the
    /// table of one run over all cells; wrong inputs are refused.
    #[test]
    fn merge_of_shards_equals_one_run() {
        let tmp = std::env::temp_dir().join(format!("wb-shard-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let all = vec![
            cell(1, "fs-pid-n", None, false),
            cell(2, "fs-pid-n", Some(Stage::Boots), false),
            cell(3, "fs-pid-n", None, true),
            cell(3, "fs-pid-y", None, true),
        ];
        let one = matrix(all.clone(), &tmp.join("one"), None);
        let (s1, s2) = (Shard { k: 1, n: 2 }, Shard { k: 2, n: 2 });
        let part = |sh: Shard| -> PathBuf {
            let dir = tmp.join(sh.label().replace('/', "-of-"));
            util::mkdir(&dir).unwrap();
            let cells = all.iter().filter(|c| sh.owns(c.patch)).cloned().collect();
            let m = matrix(cells, &dir, Some(sh));
            m.write().unwrap();
            assert!(m.markdown().starts_with(&format!("Shard {}", sh.label())));
            let listed = if sh.k == 1 {
                "patches 1, 3 of 3"
            } else {
                "patches 2 of 3"
            };
            assert!(m.markdown().contains(listed), "{}", m.markdown());
            dir
        };
        let (d1, d2) = (part(s1), part(s2));
        // The comparison of the last patch, as compare_pair() saves it.
        let table = "| binary | test | fs-pid-n | fs-pid-y |\n|---|---|---|---|\n| pidfd/x | t | pass | fail |\n";
        util::write(
            &d1.join("verdict-diff.md"),
            format!(
                "# fs-pid-y against fs-pid-n, last patch\n\nfs-pid-n: a\nfs-pid-y: b\n\n{table}"
            )
            .as_bytes(),
        )
        .unwrap();
        let diff = VerdictDiff {
            compared: 2,
            rows: vec![DiffRow {
                binary: "pidfd/x".into(),
                test: "t".into(),
                left: Some(Outcome::Pass),
                right: Some(Outcome::Fail),
            }],
            markdown: table.into(),
        };
        let mut m1 = matrix(
            all.iter().filter(|c| s1.owns(c.patch)).cloned().collect(),
            &d1,
            Some(s1),
        );
        m1.diff = Some(VerdictDiff { ..diff });
        m1.write().unwrap();
        let mut one = one;
        one.diff = Some(VerdictDiff {
            compared: 2,
            rows: m1.diff.as_ref().unwrap().rows.clone(),
            markdown: table.into(),
        });
        // Either order on the command line.
        let merged = merge(&[d2.clone(), d1.clone()], &tmp.join("merged")).unwrap();
        assert_eq!(merged.markdown(), one.markdown());
        assert_eq!(merged.ok(), one.ok());
        assert!(!merged.ok(), "patch 2 failed in shard 2");
        assert_eq!(merged.seconds, 60.0);
        let json = util::read(&tmp.join("merged/report.json")).unwrap();
        assert!(
            json.contains("\"shard\": null") || json.contains("\"shard\":null"),
            "{json}"
        );
        assert!(tmp.join("merged/kcidb.json").is_file());
        // A shard missing, a shard twice, another series: refused.
        assert!(matches!(
            merge(std::slice::from_ref(&d1), &tmp.join("m2")),
            Err(Error::Usage(_))
        ));
        assert!(matches!(
            merge(&[d1.clone(), d1.clone()], &tmp.join("m3")),
            Err(Error::Usage(_))
        ));
        let other = tmp.join("other");
        util::mkdir(&other).unwrap();
        let mut m = matrix(vec![cell(2, "fs-pid-n", None, false)], &other, Some(s2));
        m.series = "zzz".into();
        m.write().unwrap();
        assert!(matches!(
            merge(&[d1.clone(), other], &tmp.join("m4")),
            Err(Error::Usage(_))
        ));
        // A report of a run without --shard is not a shard report.
        let plain = tmp.join("plain");
        util::mkdir(&plain).unwrap();
        matrix(all, &plain, None).write().unwrap();
        assert!(matches!(
            merge(&[plain, d2], &tmp.join("m5")),
            Err(Error::Report { .. })
        ));
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
