// SPDX-License-Identifier: GPL-2.0
//! A KTAP (and TAP 13/14) parser, as described in
//! Documentation/dev-tools/ktap.rst.
//!
//! It reads the kselftest harness output (flat, diagnostics as `# ` lines)
//! and KUnit output (nesting by indentation, a parent result line after its
//! subtests). Unknown lines are ignored, as the spec allows. A plan that is
//! not fulfilled produces `Missing` cases, so a truncated run can never look
//! like a clean one.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Pass,
    Skip,
    Xfail,
    Fail,
    Timeout,
    Error,
    Missing,
}

impl Outcome {
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            Outcome::Fail | Outcome::Timeout | Outcome::Error | Outcome::Missing
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Skip => "skip",
            Outcome::Xfail => "xfail",
            Outcome::Fail => "fail",
            Outcome::Timeout => "timeout",
            Outcome::Error => "error",
            Outcome::Missing => "missing",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub number: u32,
    pub name: String,
    pub outcome: Outcome,
    /// Text after the directive (`# SKIP reason`), if any.
    pub reason: String,
    pub children: Vec<Case>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Doc {
    /// Whether a `KTAP version`/`TAP version` line was seen.
    pub has_header: bool,
    pub plan: Option<u32>,
    pub cases: Vec<Case>,
    /// The text of a `Bail out!` line.
    pub bail_out: Option<String>,
}

impl Doc {
    /// Leaf cases with their full names (`parent.child`).
    pub fn leaves(&self) -> Vec<(String, &Case)> {
        fn walk<'a>(prefix: &str, cases: &'a [Case], out: &mut Vec<(String, &'a Case)>) {
            for c in cases {
                let name = if prefix.is_empty() {
                    c.name.clone()
                } else {
                    format!("{prefix}.{}", c.name)
                };
                if c.children.is_empty() {
                    out.push((name, c));
                } else {
                    walk(&name, &c.children, out);
                }
            }
        }
        let mut out = Vec::new();
        walk("", &self.cases, &mut out);
        out
    }
}

/// Strips a printk timestamp (`[    1.234567] `) and a caller id
/// (`[    T1] `) from a console line.
pub fn strip_printk_prefix(line: &str) -> &str {
    let mut rest = line;
    for _ in 0..2 {
        let t = rest;
        if let Some(stripped) = t.strip_prefix('[') {
            if let Some(end) = stripped.find(']') {
                let inner = stripped[..end].trim();
                let looks_like_prefix = !inner.is_empty()
                    && inner
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '.' || c == 'T' || c == 'C');
                if looks_like_prefix {
                    rest = stripped[end + 1..]
                        .strip_prefix(' ')
                        .unwrap_or(&stripped[end + 1..]);
                    continue;
                }
            }
        }
        break;
    }
    rest
}

struct ResultLine {
    ok: bool,
    number: u32,
    name: String,
    directive: Option<(String, String)>,
}

fn parse_result(s: &str) -> Option<ResultLine> {
    let (ok, rest) = if let Some(r) = s.strip_prefix("not ok") {
        (false, r)
    } else if let Some(r) = s.strip_prefix("ok") {
        (true, r)
    } else {
        return None;
    };
    // "ok" must be followed by a space and a number.
    let rest = rest.strip_prefix(' ')?.trim_start();
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let number: u32 = digits.parse().ok()?;
    let mut desc = rest[digits.len()..].trim();
    desc = desc.strip_prefix("- ").unwrap_or(desc);
    let (name, directive) = match desc.find('#') {
        Some(pos) if pos == 0 || desc[..pos].ends_with(' ') => {
            let d = desc[pos + 1..].trim();
            let word: String = d.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
            let reason = d[word.len()..].trim().to_string();
            (
                desc[..pos].trim().to_string(),
                Some((word.to_ascii_uppercase(), reason)),
            )
        }
        _ => (desc.to_string(), None),
    };
    Some(ResultLine {
        ok,
        number,
        name,
        directive,
    })
}

fn outcome_of(r: &ResultLine) -> (Outcome, String) {
    match &r.directive {
        Some((d, reason)) if d == "SKIP" => (Outcome::Skip, reason.clone()),
        Some((d, reason)) if d == "XFAIL" => (Outcome::Xfail, reason.clone()),
        Some((d, reason)) if d == "TIMEOUT" => (Outcome::Timeout, reason.clone()),
        Some((d, reason)) if d == "ERROR" => (Outcome::Error, reason.clone()),
        Some((_, reason)) => (
            if r.ok { Outcome::Pass } else { Outcome::Fail },
            reason.clone(),
        ),
        None => (
            if r.ok { Outcome::Pass } else { Outcome::Fail },
            String::new(),
        ),
    }
}

struct Level {
    indent: usize,
    plan: Option<u32>,
    cases: Vec<Case>,
    /// Subtests that finished at a deeper indent and wait for their parent
    /// result line at this level.
    pending: Vec<Case>,
    /// `# Subtest: name` seen at this level.
    subtest_name: Option<String>,
}

impl Level {
    fn new(indent: usize) -> Self {
        Level {
            indent,
            plan: None,
            cases: Vec::new(),
            pending: Vec::new(),
            subtest_name: None,
        }
    }
}

fn fill_missing(plan: Option<u32>, cases: &mut Vec<Case>) {
    if let Some(n) = plan {
        for k in 1..=n {
            if !cases.iter().any(|c| c.number == k) {
                cases.push(Case {
                    number: k,
                    name: format!("test {k} (no result)"),
                    outcome: Outcome::Missing,
                    reason: "planned but never reported".into(),
                    children: Vec::new(),
                });
            }
        }
        cases.sort_by_key(|c| c.number);
    }
}

/// Parses KTAP text. Lines should already have console prefixes removed
/// (see [`strip_printk_prefix`]).
pub fn parse(text: &str) -> Doc {
    let mut doc = Doc::default();
    // The stack of open levels; index 0 is the top level.
    let mut stack: Vec<Level> = vec![Level::new(0)];
    let mut started = false;

    for raw in text.lines() {
        let line = raw.trim_end_matches('\r');
        let indent = line.len() - line.trim_start().len();
        let s = line.trim_start();
        if s.is_empty() {
            continue;
        }
        let is_version = s.starts_with("KTAP version") || s.starts_with("TAP version");
        if is_version {
            if !started {
                started = true;
                doc.has_header = true;
                stack = vec![Level::new(indent)];
                continue;
            }
            let top = stack.last().map(|l| l.indent).unwrap_or(0);
            if indent > top {
                stack.push(Level::new(indent));
            }
            continue;
        }
        // Only KTAP lines shape the structure; kernel messages and other
        // unknown lines between them are ignored wherever they appear.
        let is_plan = s
            .strip_prefix("1..")
            .is_some_and(|p| p.trim().parse::<u32>().is_ok());
        let is_ktap = is_plan
            || s.starts_with("# Subtest:")
            || s.starts_with("Bail out!")
            || parse_result(s).is_some();
        if !is_ktap {
            continue;
        }
        // Close levels that are deeper than this line.
        while stack.len() > 1 && indent < stack.last().map(|l| l.indent).unwrap_or(0) {
            if let Some(mut done) = stack.pop() {
                fill_missing(done.plan, &mut done.cases);
                let name = done.subtest_name.take();
                if let Some(parent) = stack.last_mut() {
                    parent.pending.push(Case {
                        number: 0,
                        name: name.unwrap_or_default(),
                        outcome: Outcome::Pass,
                        reason: String::new(),
                        children: done.cases,
                    });
                }
            }
        }
        let Some(level) = stack.last_mut() else { break };
        if let Some(p) = s.strip_prefix("1..") {
            if let Ok(n) = p.trim().parse::<u32>() {
                if level.plan.is_none() {
                    level.plan = Some(n);
                }
                started = true;
            }
            continue;
        }
        if let Some(r) = s.strip_prefix("Bail out!") {
            doc.bail_out = Some(r.trim().to_string());
            continue;
        }
        if let Some(name) = s.strip_prefix("# Subtest:") {
            level.subtest_name = Some(name.trim().to_string());
            continue;
        }
        if let Some(r) = parse_result(s) {
            if !started {
                // Results without any header or plan still count: some
                // programs print bare TAP.
                started = true;
            }
            let (outcome, reason) = outcome_of(&r);
            let children = if level.pending.is_empty() {
                Vec::new()
            } else {
                let mut sub = std::mem::take(&mut level.pending);
                // One parent line closes one nested block.
                let last = sub.pop().map(|c| c.children).unwrap_or_default();
                // Earlier orphans (nested blocks without a parent line) are
                // kept as their own cases.
                level.cases.extend(sub);
                last
            };
            level.cases.push(Case {
                number: r.number,
                name: r.name,
                outcome,
                reason,
                children,
            });
        }
    }
    // Close whatever is open: a nested block without its parent line means
    // the output was cut off.
    while stack.len() > 1 {
        if let Some(mut done) = stack.pop() {
            fill_missing(done.plan, &mut done.cases);
            let name = done.subtest_name.take().unwrap_or_default();
            if let Some(parent) = stack.last_mut() {
                let number = parent.cases.iter().map(|c| c.number).max().unwrap_or(0) + 1;
                parent.cases.push(Case {
                    number,
                    name: format!("{name} (no parent result)"),
                    outcome: Outcome::Missing,
                    reason: "output ended inside this subtest".into(),
                    children: done.cases,
                });
            }
        }
    }
    if let Some(mut top) = stack.pop() {
        top.cases.append(&mut top.pending);
        fill_missing(top.plan, &mut top.cases);
        doc.plan = top.plan;
        doc.cases = top.cases;
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    const HARNESS: &str = include_str!("../../tests/data/harness_pidfd_info.txt");
    const KSFT: &str = include_str!("../../tests/data/ksft_pidfd_test.txt");
    const KUNIT: &str = include_str!("../../tests/data/kunit_console.txt");

    #[test]
    fn harness_output() {
        let d = parse(HARNESS);
        assert!(d.has_header);
        assert_eq!(d.plan, Some(4));
        let outcomes: Vec<_> = d.cases.iter().map(|c| c.outcome).collect();
        assert_eq!(
            outcomes,
            [Outcome::Pass, Outcome::Fail, Outcome::Skip, Outcome::Pass]
        );
        assert_eq!(d.cases[1].name, "pidfd_info.sigkill_reaped");
        assert_eq!(d.cases[2].reason, "needs root");
    }

    #[test]
    fn ksft_output_with_bare_skip() {
        let d = parse(KSFT);
        assert_eq!(d.plan, Some(3));
        assert_eq!(d.cases.len(), 3);
        assert_eq!(d.cases[2].outcome, Outcome::Skip);
        assert_eq!(d.cases[2].name, "");
        assert_eq!(d.cases[2].reason, "Test needs pidfd_send_signal");
    }

    #[test]
    fn truncated_output_gives_missing() {
        let d = parse("TAP version 13\n1..3\nok 1 a\n");
        assert_eq!(d.cases.len(), 3);
        assert_eq!(d.cases[1].outcome, Outcome::Missing);
        assert_eq!(d.cases[2].outcome, Outcome::Missing);
    }

    #[test]
    fn kunit_nesting_from_console() {
        let text: String = KUNIT
            .lines()
            .map(strip_printk_prefix)
            .collect::<Vec<_>>()
            .join("\n");
        let d = parse(&text);
        assert_eq!(d.plan, Some(2));
        assert_eq!(d.cases.len(), 2);
        assert_eq!(d.cases[0].name, "rust_doctests_kernel");
        assert_eq!(d.cases[0].children.len(), 3);
        assert_eq!(d.cases[0].children[2].outcome, Outcome::Skip);
        assert_eq!(d.cases[1].name, "example");
        assert_eq!(d.cases[1].outcome, Outcome::Fail);
        let leaves = d.leaves();
        assert_eq!(leaves.len(), 5);
        assert_eq!(leaves[4].0, "example.example_fail");
        assert_eq!(leaves[4].1.outcome, Outcome::Fail);
    }

    #[test]
    fn kunit_cut_off_inside_suite() {
        let d = parse(
            "KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: s\n    1..2\n    ok 1 a\n",
        );
        assert_eq!(d.cases.len(), 1);
        assert_eq!(d.cases[0].outcome, Outcome::Missing);
        let leaves = d.leaves();
        assert_eq!(leaves.len(), 2);
        assert_eq!(leaves[1].1.outcome, Outcome::Missing);
    }

    #[test]
    fn bail_out_and_directives() {
        let d =
            parse("TAP version 13\n1..2\nBail out! no pidfd support\nnot ok 1 x # TIMEOUT 30s\n");
        assert_eq!(d.bail_out.as_deref(), Some("no pidfd support"));
        assert_eq!(d.cases[0].outcome, Outcome::Timeout);
        assert_eq!(d.cases[1].outcome, Outcome::Missing);
    }

    #[test]
    fn hash_inside_name_is_not_a_directive() {
        let d = parse("1..1\nok 1 issue#42 works\n");
        assert_eq!(d.cases[0].name, "issue#42 works");
        assert_eq!(d.cases[0].outcome, Outcome::Pass);
    }

    #[test]
    fn printk_prefix() {
        assert_eq!(strip_printk_prefix("[    1.234567] ok 1 x"), "ok 1 x");
        assert_eq!(strip_printk_prefix("[    1.2] [    T1] ok 1 x"), "ok 1 x");
        assert_eq!(strip_printk_prefix("[x] ok"), "[x] ok");
        assert_eq!(strip_printk_prefix("    ok 1 x"), "    ok 1 x");
    }

    #[test]
    fn no_output_is_empty() {
        let d = parse("hello\nworld\n");
        assert!(!d.has_header);
        assert!(d.cases.is_empty());
    }
}
