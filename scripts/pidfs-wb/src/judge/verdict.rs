// SPDX-License-Identifier: GPL-2.0
//! The verdict: per binary and per test results from the guest log, KUnit
//! results from the console, kernel splats, and everything that makes a run
//! incomplete (missing output, timeouts, deadline).

use crate::guest::PlanItem;
use crate::ktap::{self, Outcome};
use crate::splat::{self, Splat};
use std::collections::BTreeMap;
use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    pub name: String,
    pub outcome: Outcome,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryResult {
    pub collection: String,
    pub binary: String,
    pub outcome: Outcome,
    pub exit: Option<i32>,
    pub seconds: Option<u32>,
    pub note: String,
    pub tests: Vec<TestResult>,
}

impl BinaryResult {
    pub fn id(&self) -> String {
        format!("{}/{}", self.collection, self.binary)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Verdict {
    pub binaries: Vec<BinaryResult>,
    /// KUnit suites from the console: (suite.case, outcome, reason).
    pub kunit: Vec<TestResult>,
    pub splats: Vec<Splat>,
    /// Reasons the run is incomplete (deadline, missing output, …).
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub skip: usize,
}

impl Counts {
    fn add(&mut self, o: Outcome) {
        match o {
            Outcome::Pass | Outcome::Xfail => self.pass += 1,
            Outcome::Skip => self.skip += 1,
            _ => self.fail += 1,
        }
    }
}

fn field<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    s.split_whitespace()
        .find_map(|w| w.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

/// Judges one binary from its output block and end marker.
fn judge(item: &PlanItem, body: Option<&str>, end: Option<&str>) -> BinaryResult {
    let mut r = judge_inner(item, body, end);
    if r.tests.is_empty() {
        // Programs without TAP output (nsfs' owner, pidns), and binaries that
        // never ran: the binary itself is the test, so it is counted.
        r.tests.push(TestResult {
            name: r.binary.clone(),
            outcome: r.outcome,
            reason: r.note.clone(),
        });
    }
    r
}

fn judge_inner(item: &PlanItem, body: Option<&str>, end: Option<&str>) -> BinaryResult {
    let mut r = BinaryResult {
        collection: item.collection.clone(),
        binary: item.binary.clone(),
        outcome: Outcome::Missing,
        exit: None,
        seconds: None,
        note: String::new(),
        tests: Vec::new(),
    };
    let Some(body) = body else {
        r.note = "never started (the guest stopped before it)".into();
        return r;
    };
    let doc = ktap::parse(body);
    for (name, c) in doc.leaves() {
        r.tests.push(TestResult {
            name: if name.is_empty() {
                format!("test {}", c.number)
            } else {
                name
            },
            outcome: c.outcome,
            reason: c.reason.clone(),
        });
    }
    let Some(end) = end else {
        r.note = "did not finish (no end marker: the kernel died or the deadline was hit)".into();
        r.outcome = Outcome::Missing;
        return r;
    };
    r.exit = field(end, "exit").and_then(|v| v.parse().ok());
    r.seconds = field(end, "seconds").and_then(|v| v.parse().ok());
    let timed_out = field(end, "timeout") == Some("1");
    let any_fail = r.tests.iter().any(|t| t.outcome.is_failure());
    let all_skip = !r.tests.is_empty() && r.tests.iter().all(|t| t.outcome == Outcome::Skip);
    r.outcome = if timed_out {
        r.note = format!(
            "killed after {}s (timeout {}s)",
            r.seconds.unwrap_or(0),
            item.timeout
        );
        Outcome::Timeout
    } else if let Some(b) = &doc.bail_out {
        r.note = format!("Bail out! {b}");
        Outcome::Fail
    } else if any_fail {
        let first = r
            .tests
            .iter()
            .find(|t| t.outcome.is_failure())
            .map(|t| t.name.clone())
            .unwrap_or_default();
        r.note = format!("first failing test: {first}");
        Outcome::Fail
    } else {
        match r.exit {
            Some(0) if all_skip => Outcome::Skip,
            Some(0) => Outcome::Pass,
            Some(4) if r.tests.is_empty() || all_skip => Outcome::Skip,
            Some(code) => {
                r.note = format!("exit status {code} without a failing test result");
                Outcome::Fail
            }
            None => {
                r.note = "end marker without exit status".into();
                Outcome::Error
            }
        }
    };
    r
}

/// Splits the guest log into per-binary blocks and judges each plan item.
pub fn judge_guest(plan: &[PlanItem], guest_log: &str) -> (Vec<BinaryResult>, bool) {
    let mut bodies: BTreeMap<String, String> = BTreeMap::new();
    let mut ends: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut done = false;
    for raw in guest_log.lines() {
        let line = raw.trim_end_matches('\r');
        if let Some(id) = line.strip_prefix("# wb: begin ") {
            current = Some(id.trim().to_string());
            bodies.insert(id.trim().to_string(), String::new());
            continue;
        }
        if let Some(rest) = line.strip_prefix("# wb: end ") {
            let id = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
            ends.insert(id, rest.to_string());
            current = None;
            continue;
        }
        if line.starts_with("# wb: done") {
            done = true;
            continue;
        }
        if line.starts_with("# wb: ") {
            continue;
        }
        if let Some(id) = &current {
            if let Some(b) = bodies.get_mut(id) {
                b.push_str(line);
                b.push('\n');
            }
        }
    }
    let results = plan
        .iter()
        .map(|p| {
            let id = p.id();
            judge(
                p,
                bodies.get(&id).map(String::as_str),
                ends.get(&id).map(String::as_str),
            )
        })
        .collect();
    (results, done)
}

/// KUnit results from the kernel console (doctests, `#[kunit_tests]`).
pub fn judge_kunit(console: &str) -> Vec<TestResult> {
    let text: String = console
        .lines()
        .map(|l| ktap::strip_printk_prefix(l.trim_end_matches('\r')))
        .collect::<Vec<_>>()
        .join("\n");
    let Some(pos) = text.find("KTAP version") else {
        return Vec::new();
    };
    // Start at the line that holds the first version header.
    let start = text[..pos].rfind('\n').map(|p| p + 1).unwrap_or(0);
    ktap::parse(&text[start..])
        .leaves()
        .into_iter()
        .map(|(name, c)| TestResult {
            name,
            outcome: c.outcome,
            reason: c.reason.clone(),
        })
        .collect()
}

pub struct RunFacts<'a> {
    pub plan: &'a [PlanItem],
    pub guest_log: &'a str,
    pub console: &'a str,
    pub qemu_exit: Option<i32>,
    pub deadline_hit: bool,
    /// A debug kernel was booted (`kconfig/debug.config`): its run must end
    /// with a finished kmemleak scan, even if the console does not show that
    /// kmemleak started.
    pub debug: bool,
}

/// How far the kmemleak scan that ends a guest run got (`guest/init` prints
/// these lines on the console; the verdict counts every object it reports
/// as a splat).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KmemleakScan {
    /// No scan began: the kernel has no writable `/sys/kernel/debug/kmemleak`.
    NotRun,
    /// Writing `scan` failed (kmemleak switched itself off, for example).
    Failed,
    /// The scan began but its end is missing (the guest died or was killed).
    Unfinished,
    /// The scan ran and its report is on the console.
    Done,
}

impl KmemleakScan {
    /// The scan's state, for a check or a problem line.
    pub fn describe(self) -> &'static str {
        match self {
            Self::NotRun => "did not run (no writable /sys/kernel/debug/kmemleak)",
            Self::Failed => "failed: writing `scan` to /sys/kernel/debug/kmemleak was refused",
            Self::Unfinished => "began but did not finish",
            Self::Done => "ran at the end of the guest run",
        }
    }
}

/// The state of the final kmemleak scan in a console log. The serial
/// console ends its lines with `\r\n`, so lines are compared trimmed.
pub fn kmemleak_scan(console: &str) -> KmemleakScan {
    let has = |want: &str| console.lines().any(|l| l.trim_end() == want);
    if has("wb: kmemleak scan failed") {
        KmemleakScan::Failed
    } else if has("wb: kmemleak scan done") {
        KmemleakScan::Done
    } else if has("wb: kmemleak scan") {
        KmemleakScan::Unfinished
    } else {
        KmemleakScan::NotRun
    }
}

/// Whether the kernel says on its console that kmemleak started.
fn kmemleak_started(console: &str) -> bool {
    console
        .lines()
        .any(|l| l.contains("kmemleak: Kernel memory leak detector initialized"))
}

pub fn judge_run(f: &RunFacts<'_>) -> Verdict {
    let (binaries, done) = judge_guest(f.plan, f.guest_log);
    let mut v = Verdict {
        binaries,
        kunit: judge_kunit(f.console),
        splats: splat::scan(f.console),
        problems: Vec::new(),
    };
    if f.deadline_hit {
        v.problems
            .push("the overall deadline was hit; QEMU was killed".into());
    }
    if f.console.trim().is_empty() {
        v.problems
            .push("the kernel printed nothing on the console".into());
    }
    if !done {
        v.problems
            .push("the guest did not report completion (`# wb: done` missing)".into());
    }
    if let Some(code) = f.qemu_exit {
        if code != 0 {
            v.problems.push(format!("QEMU exited with status {code}"));
        }
    }
    // Without a finished scan, "no kmemleak report" would mean nothing.
    if f.debug || kmemleak_started(f.console) {
        let scan = kmemleak_scan(f.console);
        if scan != KmemleakScan::Done {
            v.problems
                .push(format!("the final kmemleak scan {}", scan.describe()));
        }
    }
    v
}

impl Verdict {
    pub fn counts_by_collection(&self) -> BTreeMap<String, Counts> {
        let mut m: BTreeMap<String, Counts> = BTreeMap::new();
        for b in &self.binaries {
            let c = m.entry(b.collection.clone()).or_default();
            for t in &b.tests {
                c.add(t.outcome);
            }
        }
        if !self.kunit.is_empty() {
            let c = m.entry("kunit".into()).or_default();
            for t in &self.kunit {
                c.add(t.outcome);
            }
        }
        m
    }

    pub fn totals(&self) -> Counts {
        let mut t = Counts::default();
        for c in self.counts_by_collection().values() {
            t.pass += c.pass;
            t.fail += c.fail;
            t.skip += c.skip;
        }
        t
    }

    pub fn passed(&self) -> bool {
        self.problems.is_empty()
            && self.splats.is_empty()
            && self.binaries.iter().all(|b| !b.outcome.is_failure())
            && self.kunit.iter().all(|t| !t.outcome.is_failure())
    }

    /// One-paragraph reason for a failing verdict.
    pub fn failure_summary(&self) -> String {
        let mut parts = Vec::new();
        let bad: Vec<String> = self
            .binaries
            .iter()
            .filter(|b| b.outcome.is_failure())
            .map(|b| format!("{} ({})", b.id(), b.outcome))
            .collect();
        if !bad.is_empty() {
            parts.push(format!(
                "{} binary(ies) failed: {}",
                bad.len(),
                bad.join(", ")
            ));
        }
        let kbad = self.kunit.iter().filter(|t| t.outcome.is_failure()).count();
        if kbad > 0 {
            parts.push(format!("{kbad} KUnit case(s) failed"));
        }
        if !self.splats.is_empty() {
            let s = &self.splats[0];
            parts.push(format!(
                "{} kernel splat(s), first: {} at console.log:{}: {}",
                self.splats.len(),
                s.kind,
                s.line,
                s.text
            ));
        }
        parts.extend(self.problems.iter().cloned());
        parts.join("; ")
    }

    /// The per-binary summary table (Markdown).
    pub fn binary_table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "| binary | result | pass | fail | skip | exit | time | note |"
        );
        let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|---|");
        for b in &self.binaries {
            let mut c = Counts::default();
            for t in &b.tests {
                c.add(t.outcome);
            }
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                b.id(),
                b.outcome,
                c.pass,
                c.fail,
                c.skip,
                b.exit.map(|e| e.to_string()).unwrap_or("-".into()),
                b.seconds.map(|e| format!("{e}s")).unwrap_or("-".into()),
                b.note.replace('|', "\\|")
            );
        }
        s
    }

    pub fn collection_table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "| collection | pass | fail | skip |");
        let _ = writeln!(s, "|---|---:|---:|---:|");
        for (k, c) in self.counts_by_collection() {
            let _ = writeln!(s, "| {k} | {} | {} | {} |", c.pass, c.fail, c.skip);
        }
        let t = self.totals();
        let _ = writeln!(s, "| **total** | {} | {} | {} |", t.pass, t.fail, t.skip);
        s
    }

    /// Every test (Markdown).
    pub fn test_table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "| binary | test | result | reason |");
        let _ = writeln!(s, "|---|---|---|---|");
        for b in &self.binaries {
            for t in &b.tests {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} |",
                    b.id(),
                    t.name,
                    t.outcome,
                    t.reason.replace('|', "\\|")
                );
            }
        }
        for t in &self.kunit {
            let _ = writeln!(
                s,
                "| kunit | {} | {} | {} |",
                t.name,
                t.outcome,
                t.reason.replace('|', "\\|")
            );
        }
        s
    }

    pub fn markdown(&self, title: &str) -> String {
        let mut s = format!("# {title}\n\n");
        let _ = writeln!(
            s,
            "Verdict: **{}**\n",
            if self.passed() { "PASS" } else { "FAIL" }
        );
        if !self.passed() {
            let _ = writeln!(s, "{}\n", self.failure_summary());
        }
        s.push_str(&self.collection_table());
        s.push('\n');
        s.push_str(&self.binary_table());
        s.push('\n');
        if !self.splats.is_empty() {
            let _ = writeln!(s, "## Kernel splats\n");
            for sp in &self.splats {
                let _ = writeln!(s, "- {} (console.log:{}): `{}`", sp.kind, sp.line, sp.text);
            }
            s.push('\n');
        }
        let _ = writeln!(s, "## Tests\n");
        s.push_str(&self.test_table());
        s
    }

    pub fn json(&self, meta: &[(&str, String)]) -> String {
        use crate::json::{num, obj, opt, s, Value};
        let counts = |c: &Counts| {
            obj([
                ("pass", num(c.pass as f64)),
                ("fail", num(c.fail as f64)),
                ("skip", num(c.skip as f64)),
            ])
        };
        let mut pairs: Vec<(String, Value)> = meta
            .iter()
            .map(|(k, v)| (k.to_string(), s(v.as_str())))
            .collect();
        pairs.push(("passed".into(), Value::Bool(self.passed())));
        pairs.push(("totals".into(), counts(&self.totals())));
        pairs.push((
            "collections".into(),
            obj(self
                .counts_by_collection()
                .iter()
                .map(|(k, c)| (k.clone(), counts(c)))),
        ));
        pairs.push((
            "binaries".into(),
            Value::Arr(
                self.binaries
                    .iter()
                    .map(|b| {
                        obj([
                            ("collection", s(b.collection.as_str())),
                            ("binary", s(b.binary.as_str())),
                            ("outcome", s(b.outcome.as_str())),
                            ("exit", opt(b.exit.map(|e| num(e as f64)))),
                            ("seconds", opt(b.seconds.map(|e| num(e as f64)))),
                            ("note", s(b.note.as_str())),
                            ("tests", Value::Arr(b.tests.iter().map(test_json).collect())),
                        ])
                    })
                    .collect(),
            ),
        ));
        pairs.push((
            "kunit".into(),
            Value::Arr(self.kunit.iter().map(test_json).collect()),
        ));
        pairs.push((
            "splats".into(),
            Value::Arr(
                self.splats
                    .iter()
                    .map(|x| {
                        obj([
                            ("kind", s(x.kind)),
                            ("line", num(x.line as f64)),
                            ("text", s(x.text.as_str())),
                        ])
                    })
                    .collect(),
            ),
        ));
        pairs.push((
            "problems".into(),
            Value::Arr(self.problems.iter().map(|p| s(p.as_str())).collect()),
        ));
        Value::Obj(pairs).to_json()
    }
}

/// One test that differs between two verdicts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRow {
    pub binary: String,
    pub test: String,
    /// Outcome on the left and right side; `None`: the test is absent.
    pub left: Option<Outcome>,
    pub right: Option<Outcome>,
}

impl DiffRow {
    /// Whether the row is a difference in behaviour. A test that exists on
    /// the right side only (say, a doctest of code that only the right
    /// configuration builds) and passes there is listed but not counted; a
    /// test the right side lost, or whose outcome changed, is counted.
    pub fn counts(&self) -> bool {
        self.left.is_some() || self.right != Some(Outcome::Pass)
    }
}

impl Verdict {
    /// Every test with a stable key: (binary id or `kunit`, test name). A
    /// name that occurs more than once in a binary gets `#2`, `#3`, … in
    /// order of appearance.
    pub fn keyed(&self) -> Vec<((String, String), &TestResult)> {
        let mut out = Vec::new();
        let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
        let all = self
            .binaries
            .iter()
            .flat_map(|b| b.tests.iter().map(move |t| (b.id(), t)))
            .chain(self.kunit.iter().map(|t| ("kunit".to_string(), t)));
        for (bin, t) in all {
            let n = seen.entry((bin.clone(), t.name.clone())).or_insert(0);
            *n += 1;
            let name = if *n == 1 {
                t.name.clone()
            } else {
                format!("{}#{}", t.name, n)
            };
            out.push(((bin, name), t));
        }
        out
    }
}

/// Test-for-test comparison: every test whose outcome differs, or that
/// exists on one side only.
pub fn diff(left: &Verdict, right: &Verdict) -> Vec<DiffRow> {
    let l: BTreeMap<(String, String), Outcome> = left
        .keyed()
        .into_iter()
        .map(|(k, t)| (k, t.outcome))
        .collect();
    let r: BTreeMap<(String, String), Outcome> = right
        .keyed()
        .into_iter()
        .map(|(k, t)| (k, t.outcome))
        .collect();
    let mut keys: Vec<&(String, String)> = l.keys().chain(r.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| l.get(*k) != r.get(*k))
        .map(|k| DiffRow {
            binary: k.0.clone(),
            test: k.1.clone(),
            left: l.get(k).copied(),
            right: r.get(k).copied(),
        })
        .collect()
}

/// Whether two verdicts agree: no difference that counts (a test only the
/// right side has and passes is listed, not counted).
pub fn agrees(rows: &[DiffRow]) -> bool {
    rows.iter().all(|r| !r.counts())
}

/// The comparison as Markdown: a summary line, then the differing tests.
pub fn diff_markdown(left: &str, right: &str, compared: usize, rows: &[DiffRow]) -> String {
    let mut s = String::new();
    if rows.is_empty() {
        let _ = writeln!(
            s,
            "{compared} tests compared, {left} and {right} agree on every one."
        );
        return s;
    }
    let counted = rows.iter().filter(|r| r.counts()).count();
    let _ = writeln!(
        s,
        "{compared} tests compared, {counted} differ between {left} and {right}{}:\n",
        if counted == rows.len() {
            String::new()
        } else {
            format!(
                " ({} more exist only in {right} and pass there, not counted)",
                rows.len() - counted
            )
        }
    );
    let _ = writeln!(s, "| binary | test | {left} | {right} |");
    let _ = writeln!(s, "|---|---|---|---|");
    let show = |o: Option<Outcome>| o.map(|o| o.to_string()).unwrap_or("(absent)".into());
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            r.binary,
            r.test,
            show(r.left),
            show(r.right)
        );
    }
    s
}

fn test_json(t: &TestResult) -> crate::json::Value {
    use crate::json::{obj, s};
    obj([
        ("name", s(t.name.as_str())),
        ("outcome", s(t.outcome.as_str())),
        ("reason", s(t.reason.as_str())),
    ])
}

/// One run's verdict against another's, test for test: the fs-pid-y
/// against fs-pid-n comparison of the last patch of the matrix, or two
/// saved runs (`wb compare`).
#[derive(Debug, Clone)]
pub struct VerdictDiff {
    pub compared: usize,
    pub rows: Vec<DiffRow>,
    pub markdown: String,
}

impl VerdictDiff {
    /// No counted difference (see [`DiffRow::counts`]).
    pub fn agrees(&self) -> bool {
        agrees(&self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Vec<PlanItem> {
        [
            "pidfd:pidfd_info_test",
            "pidfd:pidfd_wait",
            "filesystems/nsfs:owner",
            "pidfd:pidfd_poll_test",
        ]
        .iter()
        .map(|s| {
            let (c, b) = s.split_once(':').unwrap();
            PlanItem {
                collection: c.into(),
                binary: b.into(),
                timeout: 60,
                exclude: Vec::new(),
            }
        })
        .collect()
    }

    const GUEST: &str = include_str!("../../tests/data/guest_mixed.txt");
    const CLEAN: &str = include_str!("../../tests/data/console_clean.txt");
    const WARN: &str = include_str!("../../tests/data/console_warn.txt");

    #[test]
    fn judges_each_binary() {
        let (r, done) = judge_guest(&plan(), GUEST);
        assert!(!done);
        let o: Vec<_> = r.iter().map(|b| b.outcome).collect();
        assert_eq!(
            o,
            [
                Outcome::Fail,
                Outcome::Timeout,
                Outcome::Pass,
                Outcome::Missing
            ]
        );
        assert_eq!(r[0].tests.len(), 4);
        assert!(
            r[0].note.contains("pidfd_info.sigkill_reaped"),
            "{}",
            r[0].note
        );
        // No-TAP program: the binary is the test.
        assert_eq!(r[2].tests.len(), 1);
        assert_eq!(r[2].tests[0].name, "owner");
        assert_eq!(r[3].note, "never started (the guest stopped before it)");
        // A binary that never ran still counts as one failed test.
        assert_eq!(r[3].tests.len(), 1);
        assert_eq!(r[3].tests[0].outcome, Outcome::Missing);
    }

    #[test]
    fn clean_run_passes_and_warn_fails_it() {
        let guest = "# wb: plan 1\n# wb: begin pidfd/pidfd_wait\nTAP version 13\n1..1\nok 1 wait_simple\n# wb: end pidfd/pidfd_wait exit=0 seconds=1 timeout=0\n# wb: done\n";
        let p = &plan()[1..2];
        let mut f = RunFacts {
            plan: p,
            guest_log: guest,
            console: CLEAN,
            qemu_exit: Some(0),
            deadline_hit: false,
            debug: false,
        };
        let v = judge_run(&f);
        assert!(v.passed(), "{}", v.failure_summary());
        assert_eq!(
            v.totals(),
            Counts {
                pass: 1,
                fail: 0,
                skip: 0
            }
        );
        f.console = WARN;
        let v = judge_run(&f);
        assert!(!v.passed());
        assert!(
            v.failure_summary().contains("warning at console.log:4"),
            "{}",
            v.failure_summary()
        );
    }

    /// Every test passed, but the final kmemleak scan of a debug kernel reported leaks.
    #[test]
    fn kmemleak_report_fails_a_passing_run() {
        let guest = "# wb: plan 1\n# wb: begin pidfd/pidfd_wait\nTAP version 13\n1..1\nok 1 wait_simple\n# wb: end pidfd/pidfd_wait exit=0 seconds=1 timeout=0\n# wb: done\n";
        let debug = include_str!("../../tests/data/console_debug.txt");
        let start = debug.find("wb: kmemleak scan\n").unwrap_or(0);
        let console = format!("{CLEAN}{}", &debug[start..]);
        let v = judge_run(&RunFacts {
            plan: &plan()[1..2],
            guest_log: guest,
            console: &console,
            qemu_exit: Some(0),
            deadline_hit: false,
            debug: false,
        });
        assert_eq!(v.totals().fail, 0);
        assert!(!v.passed());
        let kinds: Vec<_> = v.splats.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, ["kmemleak", "kmemleak"]);
        assert!(
            v.failure_summary()
                .contains("2 kernel splat(s), first: kmemleak"),
            "{}",
            v.failure_summary()
        );
    }

    /// A debug run passes only with a finished kmemleak scan: a kernel
    /// whose console shows kmemleak starting, or a run booted as a debug
    /// kernel, fails when the scan is missing, cut short or refused.
    #[test]
    fn debug_run_needs_a_finished_kmemleak_scan() {
        let guest = "# wb: plan 1\n# wb: begin pidfd/pidfd_wait\nTAP version 13\n1..1\nok 1 wait_simple\n# wb: end pidfd/pidfd_wait exit=0 seconds=1 timeout=0\n# wb: done\n";
        let started = "[    1.2] kmemleak: Kernel memory leak detector initialized (mem pool available: 15753)\r\n";
        let judge = |console: &str, debug: bool| {
            judge_run(&RunFacts {
                plan: &plan()[1..2],
                guest_log: guest,
                console,
                qemu_exit: Some(0),
                deadline_hit: false,
                debug,
            })
        };
        let done = format!("{CLEAN}{started}wb: kmemleak scan\r\nwb: kmemleak scan done\r\n");
        assert!(judge(&done, true).passed());
        assert!(judge(&done, false).passed());
        assert_eq!(kmemleak_scan(&done), KmemleakScan::Done);
        // kmemleak started but the guest never scanned: fails without the
        // debug flag too (`wb boot --kernel` of a debug bzImage).
        let v = judge(&format!("{CLEAN}{started}"), false);
        assert!(!v.passed());
        assert!(
            v.failure_summary()
                .contains("the final kmemleak scan did not run"),
            "{}",
            v.failure_summary()
        );
        // Booted as a debug kernel: no scan fails even if the console does
        // not show kmemleak.
        assert!(!judge(CLEAN, true).passed());
        assert!(judge(CLEAN, false).passed());
        let cut = format!("{CLEAN}{started}wb: kmemleak scan\r\n");
        assert_eq!(kmemleak_scan(&cut), KmemleakScan::Unfinished);
        assert!(judge(&cut, true)
            .failure_summary()
            .contains("began but did not finish"));
        let refused = format!("{CLEAN}{started}wb: kmemleak scan\r\nwb: kmemleak scan failed\r\n");
        assert_eq!(kmemleak_scan(&refused), KmemleakScan::Failed);
        assert!(!judge(&refused, true).passed());
    }

    #[test]
    fn deadline_and_missing_output_fail() {
        let v = judge_run(&RunFacts {
            plan: &plan()[..1],
            guest_log: "",
            console: "",
            qemu_exit: None,
            deadline_hit: true,
            debug: false,
        });
        assert!(!v.passed());
        assert_eq!(v.problems.len(), 3, "{:?}", v.problems);
        assert_eq!(v.binaries[0].outcome, Outcome::Missing);
    }

    #[test]
    fn nonzero_exit_without_failing_case_fails() {
        let guest = "# wb: begin pidfd/pidfd_wait\nTAP version 13\n1..1\nok 1 x\n# wb: end pidfd/pidfd_wait exit=1 seconds=1 timeout=0\n# wb: done\n";
        let (r, _) = judge_guest(&plan()[1..2], guest);
        assert_eq!(r[0].outcome, Outcome::Fail);
        assert!(r[0].note.contains("exit status 1"));
    }

    #[test]
    fn all_skipped_is_skip() {
        let guest = "# wb: begin pidfd/pidfd_wait\nTAP version 13\n1..1\nok 1 x # SKIP no\n# wb: end pidfd/pidfd_wait exit=4 seconds=1 timeout=0\n";
        let (r, _) = judge_guest(&plan()[1..2], guest);
        assert_eq!(r[0].outcome, Outcome::Skip);
    }

    #[test]
    fn kunit_from_console() {
        let k = judge_kunit(include_str!("../../tests/data/kunit_console.txt"));
        assert_eq!(k.len(), 5);
        assert_eq!(k.iter().filter(|t| t.outcome == Outcome::Fail).count(), 1);
        assert!(judge_kunit(CLEAN).is_empty());
    }

    #[test]
    fn json_escapes() {
        assert_eq!(
            crate::json::quote("a\"b\\c\nd\u{1}"),
            "\"a\\\"b\\\\c\\nd\\u0001\""
        );
        let v = Verdict::default();
        let j = v.json(&[("config", "fs-pid-n".into())]);
        assert!(j.contains("\"config\": \"fs-pid-n\""));
        assert!(j.contains("\"passed\": true"));
    }

    #[test]
    fn verdict_diff_test_for_test() {
        let guest_n = "# wb: begin pidfd/pidfd_wait\nTAP version 13\n1..3\nok 1 a\nok 2 b\nok 3 b\n# wb: end pidfd/pidfd_wait exit=0 seconds=1 timeout=0\n# wb: done\n";
        let guest_y = "# wb: begin pidfd/pidfd_wait\nTAP version 13\n1..3\nok 1 a\nok 2 b\nnot ok 3 b\n# wb: end pidfd/pidfd_wait exit=1 seconds=1 timeout=0\n# wb: done\n";
        let p = &plan()[1..2];
        let mk = |g: &str| {
            judge_run(&RunFacts {
                plan: p,
                guest_log: g,
                console: CLEAN,
                qemu_exit: Some(0),
                deadline_hit: false,
                debug: false,
            })
        };
        let n = mk(guest_n);
        let y = mk(guest_y);
        assert!(diff(&n, &n).is_empty());
        let d = diff(&n, &y);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].binary, "pidfd/pidfd_wait");
        assert_eq!(d[0].test, "b#2");
        assert_eq!(d[0].left, Some(Outcome::Pass));
        assert_eq!(d[0].right, Some(Outcome::Fail));
        // A test present on one side only is a difference too.
        let mut y2 = n.clone();
        y2.kunit.push(TestResult {
            name: "rust_doctests_kernel.x".into(),
            outcome: Outcome::Pass,
            reason: String::new(),
        });
        let d = diff(&n, &y2);
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].binary.as_str(), d[0].left), ("kunit", None));
        // It passes there, so it is listed but not counted.
        assert!(!d[0].counts());
        let md = diff_markdown("fs-pid-n", "fs-pid-y", 4, &d);
        assert!(
            md.contains("| kunit | rust_doctests_kernel.x | (absent) | pass |"),
            "{md}"
        );
        assert!(md.contains("0 differ between fs-pid-n and fs-pid-y (1 more exist only in fs-pid-y and pass there, not counted)"), "{md}");
        // A test fs-pid-y lost is counted.
        let d = diff(&y2, &n);
        assert!(d[0].counts());
        assert!(diff_markdown("a", "b", 3, &[]).contains("agree on every one"));
    }
}
