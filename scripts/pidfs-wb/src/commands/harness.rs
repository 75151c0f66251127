// SPDX-License-Identifier: GPL-2.0
//! The harness of `wb test`: a tally of PASS/FAIL lines, this very binary
//! run with arguments and environment, and the check of its exit code and
//! output. `testcmd` (the command) and `mailtest` (the mail cases) both
//! use it, so neither imports the other's internals.

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use std::path::Path;
use std::process::{Command, Stdio};

/// PASS/FAIL lines and their counts; `wb test` prints the summary.
#[derive(Default)]
pub struct Tally {
    pub pass: usize,
    pub fail: usize,
    pub lines: Vec<String>,
}

impl Tally {
    pub fn record(&mut self, name: &str, ok: bool, detail: &str) {
        if ok {
            self.pass += 1;
        } else {
            self.fail += 1;
        }
        let l = format!(
            "{} {name}{}",
            if ok { "PASS" } else { "FAIL" },
            if detail.is_empty() {
                String::new()
            } else {
                format!(": {detail}")
            }
        );
        println!("{l}");
        self.lines.push(l);
    }
}

pub struct Outcome {
    pub code: i32,
    pub text: String,
}

impl Outcome {
    /// The exit code and the output (stdout, then stderr) of a finished
    /// command.
    pub fn of(out: std::process::Output) -> Outcome {
        Outcome {
            code: out.status.code().unwrap_or(-1),
            text: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }
}

/// Runs this very binary with arguments and environment, capturing output.
pub fn wb(ctx: &Ctx, args: &[&str], env: &[(&str, &Path)]) -> Result<Outcome> {
    let exe = std::env::current_exe().map_err(|e| Error::io("current executable", e))?;
    let mut c = Command::new(exe);
    c.args(args).env("WB_REPO", &ctx.repo).stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().map_err(|e| Error::io("run wb", e))?;
    Ok(Outcome::of(out))
}

/// Runs this very binary with owned environment pairs.
pub fn wb_env(ctx: &Ctx, args: &[&str], env: &[(String, String)]) -> Result<Outcome> {
    let pairs: Vec<(&str, &Path)> = env
        .iter()
        .map(|(k, v)| (k.as_str(), Path::new(v.as_str())))
        .collect();
    wb(ctx, args, &pairs)
}

pub fn expect(t: &mut Tally, name: &str, o: &Outcome, code: i32, needles: &[&str]) {
    let missing: Vec<&&str> = needles.iter().filter(|n| !o.text.contains(**n)).collect();
    let ok = o.code == code && missing.is_empty();
    let detail = if ok {
        format!("exit {}", o.code)
    } else {
        format!(
            "exit {} (want {code}), missing text {:?}; output tail:\n{}",
            o.code,
            missing,
            o.text
                .lines()
                .rev()
                .take(15)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n")
        )
    };
    t.record(name, ok, &detail);
}
