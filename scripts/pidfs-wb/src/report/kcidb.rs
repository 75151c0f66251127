// SPDX-License-Identifier: GPL-2.0
//! The per-patch matrix in KCIDB form (the kernel CI reporting schema,
//! version 5.3, as the `kcidb-io` package on PyPI defines it): a checkout
//! per patch k (the base with patches 1..k), a build per configuration
//! built there, and tests per build: the boot, the selftest run (its
//! counts, and a test per selftest binary when the run's verdict.json is
//! at hand) and each static check. Made from the matrix's report.json, so
//! a report merged from several machines converts the same way.

use crate::json::{num, obj, s, Value};
use std::path::Path;

/// The origin of every object: this workbench.
pub const ORIGIN: &str = "pidfsrs";

/// A KCIDB test status from a per-binary outcome of the verdict.
fn outcome_status(o: &str) -> &'static str {
    match o {
        "pass" | "xfail" => "PASS",
        "skip" => "SKIP",
        "fail" | "timeout" => "FAIL",
        "error" => "ERROR",
        _ => "MISS",
    }
}

/// A test path element: KCIDB allows `[a-zA-Z0-9_-]` between dots.
fn path_part(x: &str) -> String {
    x.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// KCIDB JSON of a matrix report. `verdict_of` reads the verdict.json of
/// a run, given the cell's log (its verdict.md); `None` leaves the
/// per-binary tests out.
pub fn from_report(report: &Value, verdict_of: &dyn Fn(&str) -> Option<Value>) -> Value {
    let series = report
        .get("series_sha256")
        .and_then(Value::str)
        .unwrap_or("unknown");
    let short = &series[..series.len().min(16)];
    let base = report
        .get("base_commit")
        .and_then(Value::str)
        .unwrap_or_default();
    let cells = report.get("cells").map(Value::arr).unwrap_or(&[]);
    let mut checkouts = Vec::new();
    let mut builds = Vec::new();
    let mut tests = Vec::new();
    let mut seen = Vec::new();
    for c in cells {
        let k = c.get("patch").and_then(Value::num).unwrap_or(0.0) as u64;
        let name = c.get("name").and_then(Value::str).unwrap_or_default();
        let config = c.get("config").and_then(Value::str).unwrap_or("-");
        let failed = c.get("failed_stage").and_then(Value::str);
        let checkout = format!("{ORIGIN}:{short}-p{k}");
        if !seen.contains(&k) {
            seen.push(k);
            let mut co = vec![
                ("id".to_string(), s(checkout.as_str())),
                ("origin".to_string(), s(ORIGIN)),
                ("tree_name".to_string(), s("pidfs-rs")),
                (
                    "comment".to_string(),
                    s(format!("patches 1..{k} of patches/series, up to {name}")),
                ),
                ("valid".to_string(), Value::Bool(failed != Some("applies"))),
                (
                    "misc".to_string(),
                    obj([("patch", num(k as f64)), ("series_sha256", s(series))]),
                ),
            ];
            if base.len() == 40 && base.chars().all(|x| x.is_ascii_hexdigit()) {
                co.push(("git_commit_hash".into(), s(base)));
            }
            checkouts.push(Value::Obj(co));
        }
        if config == "-" {
            // Nothing built: a patch that did not apply, or one that
            // changes only documentation (static checks only).
            if failed == Some("applies") {
                continue;
            }
        }
        let build_id = format!("{checkout}-{config}");
        let build_only = c.get("build_only").and_then(Value::bool) == Some(true);
        let build_status = match failed {
            Some("builds") => "FAIL",
            Some("applies") => "MISS",
            _ if config == "-" => "SKIP",
            _ => "PASS",
        };
        let compiler = if crate::build::KConfig::parse(config).uses_clang() {
            "clang"
        } else {
            "gcc"
        };
        builds.push(obj([
            ("id", s(build_id.as_str())),
            ("checkout_id", s(checkout.as_str())),
            ("origin", s(ORIGIN)),
            ("architecture", s("x86_64")),
            ("config_name", s(config)),
            ("compiler", s(compiler)),
            ("status", s(build_status)),
            (
                "comment",
                s(c.get("note").and_then(Value::str).unwrap_or_default()),
            ),
            (
                "misc",
                obj([
                    (
                        "log",
                        s(c.get("log").and_then(Value::str).unwrap_or_default()),
                    ),
                    ("build_only", Value::Bool(build_only)),
                ]),
            ),
        ]));
        let test = |path: String, status: &str, misc: Value| {
            obj([
                ("id", s(format!("{build_id}-{path}"))),
                ("build_id", s(build_id.as_str())),
                ("origin", s(ORIGIN)),
                ("path", s(path)),
                ("status", s(status)),
                ("misc", misc),
            ])
        };
        if config != "-" {
            let ran = !build_only && build_status == "PASS";
            let boot = match failed {
                Some("boots") => "FAIL",
                _ if !ran => "SKIP",
                _ => "PASS",
            };
            tests.push(test("boot".into(), boot, obj::<&str>([])));
            let counts = |key: &str| c.get(key).and_then(Value::num);
            let full = c.get("full").and_then(Value::bool) == Some(true);
            let selftests = match failed {
                Some("tests") => "FAIL",
                _ if boot != "PASS" => "SKIP",
                _ => "PASS",
            };
            tests.push(test(
                "selftests".into(),
                selftests,
                obj([
                    ("set", s(if full { "all" } else { "smoke" })),
                    ("pass", counts("pass").map(num).unwrap_or(Value::Null)),
                    ("fail", counts("fail").map(num).unwrap_or(Value::Null)),
                    ("skip", counts("skip").map(num).unwrap_or(Value::Null)),
                ]),
            ));
            if boot == "PASS" {
                let log = c.get("log").and_then(Value::str).unwrap_or_default();
                if let Some(v) = verdict_of(log) {
                    for b in v.get("binaries").map(Value::arr).unwrap_or(&[]) {
                        let col = b.get("collection").and_then(Value::str).unwrap_or("x");
                        let bin = b.get("binary").and_then(Value::str).unwrap_or("x");
                        let o = b.get("outcome").and_then(Value::str).unwrap_or("missing");
                        tests.push(test(
                            format!("selftests.{}.{}", path_part(col), path_part(bin)),
                            outcome_status(o),
                            obj([("outcome", s(o))]),
                        ));
                    }
                }
            }
        }
        for k in c.get("checks").map(Value::arr).unwrap_or(&[]) {
            let n = k.get("name").and_then(Value::str).unwrap_or("check");
            let ok = k.get("ok").and_then(Value::bool) == Some(true);
            tests.push(test(
                format!("checks.{}", path_part(n)),
                if ok { "PASS" } else { "FAIL" },
                obj([(
                    "summary",
                    s(k.get("summary").and_then(Value::str).unwrap_or_default()),
                )]),
            ));
        }
    }
    obj([
        ("version", obj([("major", num(5.0)), ("minor", num(3.0))])),
        ("checkouts", Value::Arr(checkouts)),
        ("builds", Value::Arr(builds)),
        ("tests", Value::Arr(tests)),
    ])
}

/// Reads the verdict.json next to a cell's verdict.md.
pub fn verdict_next_to(log: &str) -> Option<Value> {
    let p = Path::new(log);
    if p.file_name()? != "verdict.md" {
        return None;
    }
    let text = std::fs::read_to_string(p.with_file_name("verdict.json")).ok()?;
    crate::json::parse(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A matrix report in the shape `Matrix::json` writes; `wb test --quick`
    /// validates its KCIDB form against the real schema.
    const REPORT: &str = include_str!("../../tests/data/report.json");

    #[test]
    fn matrix_report_as_kcidb() {
        let r = crate::json::parse(REPORT).unwrap();
        let verdict = |log: &str| {
            (log == "/r/verdict.md").then(|| {
                crate::json::parse(
                    r#"{"binaries": [{"collection": "pidfd", "binary": "pidfd_wait", "outcome": "pass"}, {"collection": "nsfs", "binary": "owner", "outcome": "timeout"}]}"#,
                )
                .unwrap()
            })
        };
        let k = from_report(&r, &verdict);
        let arr = |key: &str| k.get(key).map(Value::arr).unwrap_or(&[]).to_vec();
        let (co, bu, te) = (arr("checkouts"), arr("builds"), arr("tests"));
        // One checkout per patch, the base as its commit.
        assert_eq!(co.len(), 3);
        assert_eq!(
            co[0].get("id").and_then(Value::str),
            Some("pidfsrs:0123456789abcdef-p1")
        );
        assert_eq!(
            co[0].get("git_commit_hash").and_then(Value::str),
            Some("2653414bcbe73f9e1ffac590249bcd904a2ffd78")
        );
        // One build per cell; flavoured configurations are clang builds.
        assert_eq!(bu.len(), 4);
        let status = |v: &Value| {
            v.get("status")
                .and_then(Value::str)
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(status(&bu[0]), "PASS");
        assert_eq!(status(&bu[1]), "SKIP");
        assert_eq!(status(&bu[2]), "FAIL");
        assert_eq!(bu[2].get("compiler").and_then(Value::str), Some("clang"));
        assert_eq!(bu[3].get("compiler").and_then(Value::str), Some("gcc"));
        let by_id = |id: &str| {
            te.iter()
                .find(|t| t.get("id").and_then(Value::str) == Some(id))
                .cloned()
        };
        let t = |id: &str| {
            by_id(id)
                .map(|v| status(&v))
                .unwrap_or_else(|| format!("no test {id}"))
        };
        let p1 = "pidfsrs:0123456789abcdef-p1-fs-pid-n";
        assert_eq!(t(&format!("{p1}-boot")), "PASS");
        assert_eq!(t(&format!("{p1}-selftests")), "PASS");
        assert_eq!(t(&format!("{p1}-selftests.pidfd.pidfd_wait")), "PASS");
        assert_eq!(t(&format!("{p1}-selftests.nsfs.owner")), "FAIL");
        // A check name becomes a valid KCIDB path element.
        assert_eq!(t(&format!("{p1}-checks.W_1")), "PASS");
        let p3 = "pidfsrs:0123456789abcdef-p3-fs-pid-y+debug";
        assert_eq!(t(&format!("{p3}-boot")), "SKIP");
        assert_eq!(t(&format!("{p3}-checks.clippy")), "FAIL");
        // A build-only variant boots nothing.
        assert_eq!(
            t("pidfsrs:0123456789abcdef-p3-fs-pid-y+werror-min-boot"),
            "SKIP"
        );
        let v = k.get("version").unwrap();
        assert_eq!(
            (
                v.get("major").and_then(Value::num),
                v.get("minor").and_then(Value::num)
            ),
            (Some(5.0), Some(3.0))
        );
    }
}
