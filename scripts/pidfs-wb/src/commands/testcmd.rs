// SPDX-License-Identifier: GPL-2.0
//! `wb test`: the project's test command.
//!
//! 1. the tool's unit tests (`cargo test`, canned inputs);
//! 2. setup, the series/drift check and the per-patch matrix (`wb ci`):
//!    every patch built and booted with a smoke set, the last one with the
//!    upstream selftests and KUnit in full, in every configuration;
//! 3. failure paths, each through the real binary and, where it needs a
//!    kernel, the kernel built in 2: a patch that does not apply, in-tree
//!    drift, a hanging test binary, a kernel panic, the overall deadline;
//! 4. `wb bench --quick` on the kernels built in 2 (so the command cannot
//!    rot): every workload must give a figure for both kernels and the
//!    report files must exist and parse; no timing is judged.
//!
//! It ends with the line `N passed, N failed`.

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::harness::{expect, wb, Outcome, Tally};
use crate::util::{self, info, step};
use crate::{bench, matrix, setup};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Sums the `test result:` lines of cargo test output.
pub fn parse_cargo_test(out: &str) -> (usize, usize) {
    let mut pass = 0;
    let mut fail = 0;
    for l in out.lines() {
        let Some(rest) = l.trim().strip_prefix("test result: ") else {
            continue;
        };
        for part in rest.split(';') {
            let mut w = part.split_whitespace().rev();
            let (Some(label), Some(n)) = (w.next(), w.next()) else {
                continue;
            };
            let n: usize = n.parse().unwrap_or(0);
            match label.trim_end_matches('.') {
                "passed" => pass += n,
                "failed" => fail += n,
                _ => {}
            }
        }
    }
    (pass, fail)
}

fn unit_tests(ctx: &Ctx, t: &mut Tally) -> Result<()> {
    step("test: unit tests of the workbench (cargo test)");
    let manifest = ctx.repo.join("scripts/pidfs-wb/Cargo.toml");
    let out = Command::new("cargo")
        .args(["test", "--release", "--manifest-path"])
        .arg(&manifest)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::Setup {
            what: format!("cannot run cargo: {e}"),
            hint: "put ~/.cargo/bin on PATH".into(),
        })?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let (p, f) = parse_cargo_test(&text);
    for l in text
        .lines()
        .filter(|l| l.contains("FAILED") || l.starts_with("test result"))
    {
        info(l);
    }
    t.pass += p;
    t.fail += f;
    if !out.status.success() && f == 0 {
        // A build failure of the tests is a failure, not zero tests.
        t.record(
            "cargo test",
            false,
            "cargo test failed without a test failure (does it build?)",
        );
    }
    t.lines.push(format!("unit tests: {p} passed, {f} failed"));
    Ok(())
}

fn guest_script(ctx: &Ctx, name: &str) -> PathBuf {
    ctx.repo.join("scripts/pidfs-wb/guest/tests").join(name)
}

fn failure_paths(ctx: &Ctx, t: &mut Tally, bzimage: Option<&Path>, quick: bool) -> Result<()> {
    step("test: failure paths");
    let scratch = ctx.cache.join("selftest");
    util::remove_dir_all_if_exists(&scratch)?;
    let worktree = ctx.cache.join("work").join("wb-selftest");

    // A second wb on this cache (this run holds its lock): run as a
    // separate process would be, without the lock this one hands to its
    // children. With an empty target directory, scripts/wb must not build
    // the tool under the held lock; with the real one, a command that
    // changes the work tree stops at once and a read-only one runs.
    let second = |args: &[&str], target: Option<&Path>| -> Result<Outcome> {
        let mut c = Command::new("bash");
        c.arg(ctx.repo.join("scripts/wb"))
            .args(args)
            .env("WB_CACHE", &ctx.cache)
            .env_remove(crate::lock::ENV)
            .stdin(Stdio::null());
        if let Some(d) = target {
            c.env("CARGO_TARGET_DIR", d);
        }
        let out = c.output().map_err(|e| Error::io("run scripts/wb", e))?;
        Ok(Outcome::of(out))
    };
    let empty_target = scratch.join("empty-target");
    util::mkdir(&empty_target)?;
    let o = second(&["series", "check"], Some(&empty_target))?;
    let built_nothing = util::list_files(&empty_target).is_empty();
    expect(
        t,
        "scripts/wb builds no tool while another wb holds the cache (exit 14)",
        &o,
        if built_nothing { 14 } else { -2 },
        &["busy", "another wb is using the cache"],
    );
    let o = second(&["series", "check"], None)?;
    expect(
        t,
        "a second wb that would change the work tree stops at once and names the holder (exit 14)",
        &o,
        14,
        &["busy", &format!("pid {}", std::process::id())],
    );
    let o = second(&["help"], None)?;
    expect(
        t,
        "a read-only wb runs alongside the holder",
        &o,
        0,
        &["usage: scripts/wb"],
    );

    // A patch that does not apply: its context is not in fs/Makefile.
    let patches = scratch.join("patches");
    util::write(
        &patches.join("series"),
        b"0001-good.patch\n0002-bad.patch\n",
    )?;
    util::write(&patches.join("0001-good.patch"), GOOD_PATCH.as_bytes())?;
    util::write(&patches.join("0002-bad.patch"), BAD_PATCH.as_bytes())?;
    let o = wb(
        ctx,
        &["series", "apply", "--discard"],
        &[("WB_PATCHES", &patches), ("WB_WORKTREE", &worktree)],
    )?;
    expect(
        t,
        "a patch that does not apply stops the run and names patch and files",
        &o,
        5,
        &["0002-bad.patch", "2 of 2", "fs/Makefile"],
    );

    // Drift: a kernel-path file in the repository that the series does not add.
    let repo = scratch.join("repo");
    util::write(&repo.join("patches/series"), b"0001-good.patch\n")?;
    util::write(&repo.join("patches/0001-good.patch"), GOOD_PATCH.as_bytes())?;
    util::write(&repo.join("scripts/pidfs-wb/.keep"), b"")?;
    util::write(
        &repo.join("Documentation/wb-selftest.txt"),
        b"added by the good patch\n",
    )?;
    util::write(&repo.join("fs/pidfs_rs.rs"), b"// not in the series\n")?;
    let _ = util::output(
        Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(["init", "-q"]),
    );
    let o = wb(
        ctx,
        &["series", "check", "--discard"],
        &[("WB_REPO", &repo), ("WB_WORKTREE", &worktree)],
    )?;
    expect(
        t,
        "a file in the repository that the series does not add is drift",
        &o,
        10,
        &["fs/pidfs_rs.rs: in the repository but not added by the series"],
    );
    util::write(&repo.join("fs/pidfs_rs.rs"), b"")?;
    std::fs::remove_file(repo.join("fs/pidfs_rs.rs")).map_err(|e| Error::io("remove", e))?;
    util::write(
        &repo.join("Documentation/wb-selftest.txt"),
        b"edited here only\n",
    )?;
    let o = wb(
        ctx,
        &["series", "check", "--discard"],
        &[("WB_REPO", &repo), ("WB_WORKTREE", &worktree)],
    )?;
    expect(
        t,
        "an in-tree file edited outside the series is drift",
        &o,
        10,
        &["Documentation/wb-selftest.txt: differs"],
    );
    util::write(
        &repo.join("Documentation/wb-selftest.txt"),
        b"added by the good patch\n",
    )?;
    let o = wb(
        ctx,
        &["series", "check", "--discard"],
        &[("WB_REPO", &repo), ("WB_WORKTREE", &worktree)],
    )?;
    expect(
        t,
        "a missing ci/maintainers.md is drift",
        &o,
        10,
        &["ci/maintainers.md: missing"],
    );
    let o = wb(
        ctx,
        &["series", "maintainers", "--write"],
        &[("WB_REPO", &repo), ("WB_WORKTREE", &worktree)],
    )?;
    expect(
        t,
        "wb series maintainers --write writes the recipients table",
        &o,
        0,
        &["wrote ci/maintainers.md"],
    );
    let table = util::read(&repo.join("ci/maintainers.md")).unwrap_or_default();
    util::write(
        &repo.join("ci/maintainers.md"),
        table.replace("1 patches", "2 patches").as_bytes(),
    )?;
    let o = wb(
        ctx,
        &["series", "check", "--discard"],
        &[("WB_REPO", &repo), ("WB_WORKTREE", &worktree)],
    )?;
    expect(
        t,
        "a stale ci/maintainers.md is drift",
        &o,
        10,
        &["ci/maintainers.md: out of date"],
    );
    util::write(&repo.join("ci/maintainers.md"), table.as_bytes())?;
    let o = wb(
        ctx,
        &["series", "check", "--discard"],
        &[("WB_REPO", &repo), ("WB_WORKTREE", &worktree)],
    )?;
    expect(
        t,
        "in-tree files equal to the applied series pass the drift check",
        &o,
        0,
        &["in-tree files match"],
    );

    // Unexported edits are never thrown away silently.
    util::write(
        &worktree.join("Documentation/wb-selftest.txt"),
        b"an edit\n",
    )?;
    let o = wb(
        ctx,
        &["series", "apply"],
        &[("WB_REPO", &repo), ("WB_WORKTREE", &worktree)],
    )?;
    expect(
        t,
        "apply refuses to reset a work tree with unexported edits",
        &o,
        5,
        &["not in patches/", "--discard"],
    );

    let Some(bz) = bzimage else {
        if quick {
            return Ok(());
        }
        t.record(
            "boot failure paths",
            false,
            "no kernel was built, so the boot failure paths could not run",
        );
        return Ok(());
    };
    let bz = bz.to_string_lossy().into_owned();
    let pass = guest_script(ctx, "pass.sh").to_string_lossy().into_owned();
    let hang = guest_script(ctx, "hang.sh").to_string_lossy().into_owned();
    let panic = guest_script(ctx, "panic.sh").to_string_lossy().into_owned();
    let out = scratch.join("out");

    let o = wb(
        ctx,
        &["boot", "--kernel", &bz, "--extra", &pass],
        &[("WB_OUT", &out)],
    )?;
    expect(
        t,
        "a guest whose tests pass gives exit 0",
        &o,
        0,
        &["VERDICT: PASS", "wb/pass.sh"],
    );
    let o = wb(
        ctx,
        &[
            "boot",
            "--kernel",
            &bz,
            "--extra",
            &hang,
            "--extra",
            &pass,
            "--timeout",
            "5",
        ],
        &[("WB_OUT", &out)],
    )?;
    expect(
        t,
        "a hanging test binary is killed at its timeout and fails the run",
        &o,
        1,
        &["wb/hang.sh (timeout)", "VERDICT: FAIL"],
    );
    let o = wb(
        ctx,
        &["boot", "--kernel", &bz, "--extra", &panic, "--extra", &pass],
        &[("WB_OUT", &out)],
    )?;
    expect(
        t,
        "a kernel panic fails the run and is named",
        &o,
        1,
        &["splat: panic", "VERDICT: FAIL", "wb/pass.sh (missing)"],
    );
    let o = wb(
        ctx,
        &[
            "boot",
            "--kernel",
            &bz,
            "--extra",
            &hang,
            "--timeout",
            "600",
            "--deadline",
            "20",
        ],
        &[("WB_OUT", &out)],
    )?;
    expect(
        t,
        "the overall deadline kills QEMU and fails the run",
        &o,
        1,
        &["deadline", "VERDICT: FAIL"],
    );
    Ok(())
}

const GOOD_PATCH: &str = "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: pidfs-rs project <pidfs-rs@invalid>
Date: Mon, 23 Nov 2026 00:00:00 +0000
Subject: [PATCH] Documentation: add a workbench self-test file

---
 Documentation/wb-selftest.txt | 1 +
 1 file changed, 1 insertion(+)
 create mode 100644 Documentation/wb-selftest.txt

diff --git a/Documentation/wb-selftest.txt b/Documentation/wb-selftest.txt
new file mode 100644
index 000000000000..e69de29bb2d1
--- /dev/null
+++ b/Documentation/wb-selftest.txt
@@ -0,0 +1 @@
+added by the good patch
--
2.47.3

";

const BAD_PATCH: &str = "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: pidfs-rs project <pidfs-rs@invalid>
Date: Mon, 23 Nov 2026 00:00:00 +0000
Subject: [PATCH] fs: a patch whose context is not in the base

---
 fs/Makefile | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

diff --git a/fs/Makefile b/fs/Makefile
--- a/fs/Makefile
+++ b/fs/Makefile
@@ -1,3 +1,3 @@
 # this context line
-# does not exist
+# in the base tree
 # anywhere
--
2.47.3

";

/// What `wb test` leaves out of the matrix, and where it runs instead.
pub const NO_DEBUG: &str = "not run here: the fs-pid-y+debug build and boot (KASAN, lockdep, \
     kmemleak; 9 min to build from nothing and 2.5 min to boot on 2 cores, which took a run \
     from nothing to 75 min, past the CI budget of about 70); `wb ci` and `wb ci --full` run \
     them";

/// `quick`: no matrix and no boot (for working on the tool); the summary
/// says what did not run.
pub fn run(ctx: &Ctx, quick: bool) -> Result<bool> {
    let start = Instant::now();
    let mut t = Tally {
        pass: 0,
        fail: 0,
        lines: Vec::new(),
    };
    unit_tests(ctx, &mut t)?;
    if quick {
        setup::run(ctx)?;
        failure_paths(ctx, &mut t, None, true)?;
        let canned = ctx.cache.join("selftest/kcidb");
        let report = util::read(&ctx.repo.join("scripts/pidfs-wb/tests/data/report.json"))?;
        util::mkdir(&canned)?;
        crate::matrix_report::write_kcidb(&canned, &report)?;
        kcidb_valid(ctx, &mut t, &canned.join("kcidb.json"));
        workflow_valid(ctx, &mut t)?;
        if let Err(e) = crate::mailtest::run(ctx, &mut t, false) {
            t.record("export, round trip and onto", false, &e.to_string());
        }
        t.lines
            .push("quick mode: the matrix and the boot failure paths did not run".into());
        return Ok(finish(&t, start));
    }

    step("test: per-patch matrix (setup, series check, build, boot, tests)");
    let mut bz = None;
    let mut matrix_ran = false;
    let real = setup::run(ctx)
        .and_then(|()| crate::seriescheck::check(ctx, false))
        .and_then(|_| {
            matrix::run(
                ctx,
                matrix::Options {
                    no_debug: true,
                    ..matrix::Options::default()
                },
            )
        });
    match real {
        Ok(m) => {
            matrix_ran = true;
            println!("\n{}", m.markdown());
            for c in &m.cells {
                let what = format!("patch {} {} [{}]", c.patch, c.name, c.config);
                t.record(&what, c.ok(), &c.note);
                if c.full {
                    if let Some(k) = c.counts {
                        t.pass += k.pass;
                        t.fail += k.fail;
                        t.lines.push(format!(
                            "full run, {what}: {} passed, {} failed, {} skipped",
                            k.pass, k.fail, k.skip
                        ));
                    }
                }
            }
            t.lines.push(format!(
                "matrix report: {}",
                m.dir.join("report.md").display()
            ));
            kcidb_valid(ctx, &mut t, &m.dir.join("kcidb.json"));
            t.lines.push(NO_DEBUG.into());
            let fs_pid_n = ctx.build_dir("fs-pid-n").join("arch/x86/boot/bzImage");
            if fs_pid_n.is_file() {
                bz = Some(fs_pid_n);
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            t.record("per-patch matrix", false, &e.to_string());
        }
    }
    failure_paths(ctx, &mut t, bz.as_deref(), false)?;
    workflow_valid(ctx, &mut t)?;
    quick_bench(ctx, &mut t, matrix_ran);
    if let Err(e) = crate::mailtest::run(ctx, &mut t, matrix_ran) {
        t.record("export, round trip and onto", false, &e.to_string());
    }

    Ok(finish(&t, start))
}

/// `wb bench --quick --no-build` (wall-time mode, one boot per kernel, on
/// the kernels the matrix just built): a check that the benchmark and its
/// report work, never a timing verdict. Wall time, not `--icount`, because
/// an icount boot costs about a minute of TCG before the program starts.
/// Validates a kcidb.json with the schema of the `kcidb-io` package
/// (installed by setup), the reference of the kernel CI database.
fn kcidb_valid(ctx: &Ctx, t: &mut Tally, file: &Path) {
    const NAME: &str = "kcidb.json validates against kcidb-io's schema (KCIDB v5.3)";
    let py = ctx.venv().join("bin/python3");
    let script = "import json, sys\n\
from kcidb_io import schema\n\
data = json.load(open(sys.argv[1]))\n\
schema.LATEST.validate(data)\n\
print('valid:', len(data['checkouts']), 'checkouts,', len(data['builds']), 'builds,', \
len(data['tests']), 'tests')\n";
    match Command::new(&py)
        .arg("-c")
        .arg(script)
        .arg(file)
        .stdin(Stdio::null())
        .output()
    {
        Ok(o) => {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            let last = text.trim().lines().last().unwrap_or_default().to_string();
            t.record(
                NAME,
                o.status.success(),
                &format!("{}: {last}", file.display()),
            );
        }
        Err(e) => t.record(NAME, false, &format!("cannot run {}: {e}", py.display())),
    }
}

/// The GitHub Actions workflow of the sharded matrix: valid against the
/// GitHub workflow schema that check-jsonschema vendors (a copy with a
/// broken job must fail, so the check can fail), and its shard count, job
/// matrix and `wb` calls agree.
fn workflow_valid(ctx: &Ctx, t: &mut Tally) -> Result<()> {
    const NAME: &str =
        ".github/workflows/per-patch-ci.yml: valid GitHub workflow (check-jsonschema, \
                        vendor.github-workflows), shards and matrix agree";
    let file = ctx.repo.join(".github/workflows/per-patch-ci.yml");
    let text = util::read(&file)?;
    let check = |f: &Path| {
        Command::new(ctx.venv().join("bin/check-jsonschema"))
            .args(["--builtin-schema", "vendor.github-workflows"])
            .arg(f)
            .stdin(Stdio::null())
            .output()
    };
    let broken = ctx.cache.join("selftest/workflow-broken.yml");
    util::mkdir(broken.parent().unwrap_or(&ctx.cache))?;
    util::write(
        &broken,
        text.replacen("runs-on:", "runs-onn:", 1).as_bytes(),
    )?;
    let (good, bad) = match (check(&file), check(&broken)) {
        (Ok(g), Ok(b)) => (g, b),
        (Err(e), _) | (_, Err(e)) => {
            t.record(NAME, false, &format!("cannot run check-jsonschema: {e}"));
            return Ok(());
        }
    };
    let shards = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("SHARDS: "))
        .map(|v| v.trim_matches('"').to_string());
    let matrix = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("shard: ["))
        .map(|v| v.trim_end_matches(']').split(',').count().to_string());
    let (ok, detail) = if !good.status.success() {
        (
            false,
            String::from_utf8_lossy(&good.stdout).trim().to_string(),
        )
    } else if bad.status.success() {
        (
            false,
            "a copy with a misspelt `runs-on` passed: the check cannot fail".to_string(),
        )
    } else if shards.is_none() || shards != matrix {
        (
            false,
            format!("SHARDS {shards:?} against a job matrix of {matrix:?} shards"),
        )
    } else if !text.contains("wb ci --no-debug --shard") || !text.contains("wb ci --merge") {
        (
            false,
            "the jobs do not call `wb ci --shard` and `wb ci --merge`".to_string(),
        )
    } else {
        (
            true,
            format!(
                "{} shards; a broken copy is refused",
                shards.unwrap_or_default()
            ),
        )
    };
    t.record(NAME, ok, &detail);
    Ok(())
}

fn quick_bench(ctx: &Ctx, t: &mut Tally, matrix_ran: bool) {
    const NAME: &str = "wb bench --quick: every workload has a figure for C and Rust, and \
                        report.md, report.json and plot.svg parse";
    if !matrix_ran {
        t.record(
            NAME,
            false,
            "the matrix did not run, so there are no kernels",
        );
        return;
    }
    step("test: wb bench --quick");
    let start = Instant::now();
    let mut o = bench::Options::quick(crate::bench_figures::Mode::Wall);
    o.kernels.no_build = true;
    let res = bench::run(ctx, &o).and_then(|o| {
        crate::bench_report::check_report(&o.dir).map_err(|e| Error::Bench {
            what: e,
            dir: o.dir.clone(),
        })
    });
    match res {
        Ok(n) => t.record(
            NAME,
            true,
            &format!("{n} workloads, {}", util::fmt_duration(start.elapsed())),
        ),
        Err(e) => t.record(NAME, false, &e.to_string()),
    }
}

fn finish(t: &Tally, start: Instant) -> bool {
    println!("\nsummary ({}):", util::fmt_duration(start.elapsed()));
    for l in &t.lines {
        if !l.starts_with("PASS") {
            println!("  {}", l.lines().next().unwrap_or_default());
        }
    }
    println!("{} passed, {} failed", t.pass, t.fail);
    t.fail == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn cargo_test_summary() {
        let out = "running 3 tests\ntest a ... ok\ntest result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n\ntest result: FAILED. 5 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out\n";
        assert_eq!(super::parse_cargo_test(out), (8, 2));
    }
}
