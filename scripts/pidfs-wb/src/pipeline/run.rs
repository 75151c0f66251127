// SPDX-License-Identifier: GPL-2.0
//! One boot and its verdict: build (unless a kernel is given), boot in
//! QEMU, judge the run directory; and the commands that judge or compare
//! saved runs again. `wb boot`/`run` and the per-patch matrix use it; it
//! parses no command line (main.rs does).

use crate::error::{Error, Result};
use crate::verdict::VerdictDiff;
use crate::{base, build, ctx, guest, ktap, qemu, tree, util, verdict};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What one boot needs: the configuration, the guest's tests, a kernel to
/// boot instead of building one, and QEMU's options.
pub struct BootArgs {
    pub config: build::KConfig,
    pub guest: guest::GuestOptions,
    pub kernel: Option<PathBuf>,
    pub boot: qemu::BootOptions,
}

/// The configuration `--config C [--debug]` names (default `fs-pid-n`),
/// parsed once for `wb build`, `boot` and `run`.
pub fn config_from_args(a: &mut crate::cli::Args) -> Result<build::KConfig> {
    let name = a.value("--config")?.unwrap_or_else(|| "fs-pid-n".into());
    let config = build::KConfig::parse(&name);
    if !a.flag("--debug")? {
        return Ok(config);
    }
    if config.flavour.is_some() {
        return Err(Error::Usage(format!(
            "--debug with --config {name}: a configuration has one flavour; \
             name the plain one (e.g. --config {} --debug)",
            config.plain
        )));
    }
    Ok(build::KConfig::flavoured(
        &config.plain,
        build::Flavour::Debug,
    ))
}

impl BootArgs {
    /// The boot options of `wb boot` and `wb run` (see `cli.rs`).
    pub fn from_args(a: &mut crate::cli::Args) -> Result<BootArgs> {
        let config = config_from_args(a)?;
        let only = a.values("--only")?;
        let skip = a.values("--skip")?;
        let extra: Vec<PathBuf> = a
            .values("--extra")?
            .into_iter()
            .map(PathBuf::from)
            .collect();
        for x in &extra {
            if !x.is_file() {
                return Err(Error::Usage(format!(
                    "--extra {}: no such file",
                    x.display()
                )));
            }
        }
        let kernel = a.value("--kernel")?.map(PathBuf::from);
        let timeout = a.number("--timeout")?.map(|t| t as u32);
        let deadline = Duration::from_secs(a.number("--deadline")?.unwrap_or(1800));
        let kvm = a.flag("--kvm")?;
        Ok(BootArgs {
            config,
            guest: guest::GuestOptions {
                extra,
                filter: only,
                skip: skip
                    .into_iter()
                    .map(|s| (s, "left out with --skip".to_string()))
                    .collect(),
                timeout,
            },
            kernel,
            boot: qemu::BootOptions {
                kvm,
                deadline,
                extra_cmdline: String::new(),
                icount_shift: None,
            },
        })
    }
}

/// One judged boot: its run directory (console, guest log, plan,
/// verdict.md/json) and the verdict, as `boot_and_judge` made them. The
/// callers pass this on instead of finding the directory again.
#[derive(Debug, Clone)]
pub struct Run {
    pub dir: PathBuf,
    pub passed: bool,
    pub counts: verdict::Counts,
}

/// Builds (unless --kernel), boots, judges.
pub fn boot_and_judge(ctx: &ctx::Ctx, b: &BootArgs) -> Result<Run> {
    let start = Instant::now();
    let (bzimage, g, label) = match &b.kernel {
        Some(k) => {
            if !k.is_file() {
                return Err(Error::Usage(format!(
                    "--kernel {}: no such file",
                    k.display()
                )));
            }
            let g = guest::assemble(ctx, "custom", None, &b.guest)?;
            (k.clone(), g, "custom".to_string())
        }
        None => {
            let tree = ctx.work_tree();
            if base::rev_parse(&tree, "HEAD").is_none() {
                tree::apply(ctx, None, false)?;
            }
            let (built, g) = guest::build_and_prepare(ctx, &tree, &b.config, &b.guest)?;
            (built.bzimage, g, b.config.name())
        }
    };
    let stamp = util::now_stamp();
    let run_dir = ctx.out_dir().join("runs").join(format!("{stamp}-{label}"));
    util::mkdir(&run_dir)?;
    let mut plan_text = String::new();
    for p in &g.plan {
        plan_text.push_str(&p.line());
        plan_text.push('\n');
    }
    util::write(&run_dir.join("plan.txt"), plan_text.as_bytes())?;
    let boot = qemu::boot(&bzimage, &g, &run_dir, &b.boot)?;
    let debug = b.kernel.is_none() && b.config.is_debug();
    let res = judge_dir(
        &run_dir,
        &label,
        debug,
        &g.plan,
        boot.exit,
        boot.deadline_hit,
    )?;
    if !g.not_run.is_empty() {
        // Named in the verdict, so that a missing binary is never mistaken
        // for one that ran.
        let mut md = util::read(&run_dir.join("verdict.md"))?;
        md.push_str("\n## Not run\n\n");
        for n in &g.not_run {
            md.push_str(&format!("- {n}\n"));
            println!("not run: {n}");
        }
        util::write(&run_dir.join("verdict.md"), md.as_bytes())?;
    }
    let latest = ctx.out_dir().join(format!("latest-{label}"));
    let _ = std::fs::remove_file(&latest);
    let _ = std::os::unix::fs::symlink(&run_dir, &latest);
    util::info(&format!("total {}", util::fmt_duration(start.elapsed())));
    let (passed, counts) = res;
    Ok(Run {
        dir: run_dir,
        passed,
        counts,
    })
}

/// Judges a run directory, prints the tables, writes verdict.md/json.
fn judge_dir(
    dir: &std::path::Path,
    label: &str,
    debug: bool,
    plan: &[guest::PlanItem],
    qemu_exit: Option<i32>,
    deadline_hit: bool,
) -> Result<(bool, verdict::Counts)> {
    let console = std::fs::read_to_string(dir.join("console.log")).unwrap_or_default();
    let guest_log = std::fs::read_to_string(dir.join("guest.log")).unwrap_or_default();
    let v = verdict::judge_run(&verdict::RunFacts {
        plan,
        guest_log: &guest_log,
        console: &console,
        qemu_exit,
        deadline_hit,
        debug,
    });
    let md = v.markdown(&format!("Verdict: {label}"));
    util::write(&dir.join("verdict.md"), md.as_bytes())?;
    let meta = [
        ("label", label.to_string()),
        ("run_dir", dir.display().to_string()),
        (
            "qemu_exit",
            qemu_exit
                .map(|c| c.to_string())
                .unwrap_or_else(|| "killed".into()),
        ),
    ];
    util::write(&dir.join("verdict.json"), v.json(&meta).as_bytes())?;
    util::write(
        &dir.join("run.txt"),
        format!(
            "qemu_exit={}\ndeadline_hit={}\n",
            qemu_exit.map(|c| c.to_string()).unwrap_or("none".into()),
            deadline_hit as u8
        )
        .as_bytes(),
    )?;
    println!();
    print!("{}", v.collection_table());
    println!();
    print!("{}", v.binary_table());
    let bad: Vec<String> = v
        .binaries
        .iter()
        .flat_map(|b| b.tests.iter().map(move |t| (b, t)))
        .filter(|(_, t)| t.outcome != ktap::Outcome::Pass)
        .map(|(b, t)| format!("  {} {}: {} {}", b.id(), t.name, t.outcome, t.reason))
        .collect();
    if !bad.is_empty() {
        println!("\nnot passed:");
        for l in bad {
            println!("{l}");
        }
    }
    for s in &v.splats {
        println!("splat: {} at console.log:{}: {}", s.kind, s.line, s.text);
    }
    println!("\nlogs and verdict: {}", dir.display());
    if v.passed() {
        println!("VERDICT: PASS");
    } else {
        println!("VERDICT: FAIL — {}", v.failure_summary());
    }
    Ok((v.passed(), v.totals()))
}

/// What a run directory holds: the plan and how QEMU ended.
struct SavedRun {
    plan: Vec<guest::PlanItem>,
    qemu_exit: Option<i32>,
    deadline_hit: bool,
}

fn saved_run(dir: &std::path::Path) -> Result<SavedRun> {
    let plan_text = util::read(&dir.join("plan.txt"))?;
    let plan: Vec<guest::PlanItem> = plan_text
        .lines()
        .filter_map(guest::PlanItem::parse_line)
        .collect();
    let run = util::read(&dir.join("run.txt")).unwrap_or_default();
    let qemu_exit = run
        .lines()
        .find_map(|l| l.strip_prefix("qemu_exit="))
        .and_then(|v| v.parse().ok());
    let deadline_hit = run.lines().any(|l| l == "deadline_hit=1");
    Ok(SavedRun {
        plan,
        qemu_exit,
        deadline_hit,
    })
}

/// The verdict of a saved run directory, judged again from its logs.
pub fn load_verdict(dir: &std::path::Path) -> Result<verdict::Verdict> {
    let r = saved_run(dir)?;
    let console = std::fs::read_to_string(dir.join("console.log")).unwrap_or_default();
    let guest_log = std::fs::read_to_string(dir.join("guest.log")).unwrap_or_default();
    Ok(verdict::judge_run(&verdict::RunFacts {
        plan: &r.plan,
        guest_log: &guest_log,
        console: &console,
        qemu_exit: r.qemu_exit,
        deadline_hit: r.deadline_hit,
        debug: build::is_debug(&dir.file_name().unwrap_or_default().to_string_lossy()),
    }))
}

pub fn verdict_again(dir: PathBuf) -> Result<(bool, verdict::Counts)> {
    let r = saved_run(&dir)?;
    let label = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A saved run is named `<time>-<configuration>`.
    let debug = build::is_debug(&label);
    judge_dir(&dir, &label, debug, &r.plan, r.qemu_exit, r.deadline_hit)
}

/// Judges two saved runs again and prints their comparison test for test;
/// true if no test differs.
/// Judges two saved run directories again and compares their verdicts test
/// for test, the sides named `left.0` and `right.0` in the Markdown: the one
/// comparison of `wb compare` and of `wb ci`'s comparisons of the last patch.
pub fn compare_dirs(
    left: (&str, &std::path::Path),
    right: (&str, &std::path::Path),
) -> Result<(verdict::Verdict, verdict::Verdict, VerdictDiff)> {
    let vl = load_verdict(left.1)?;
    let vr = load_verdict(right.1)?;
    let rows = verdict::diff(&vl, &vr);
    let compared = vl.keyed().len().max(vr.keyed().len());
    let markdown = verdict::diff_markdown(left.0, right.0, compared, &rows);
    Ok((
        vl,
        vr,
        VerdictDiff {
            compared,
            rows,
            markdown,
        },
    ))
}

pub fn compare_runs(left: &std::path::Path, right: &std::path::Path) -> Result<bool> {
    let name = |d: &std::path::Path| {
        d.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| d.display().to_string())
    };
    let (vl, vr, d) = compare_dirs((&name(left), left), (&name(right), right))?;
    print!("{}", d.markdown);
    for (side, v) in [(left, &vl), (right, &vr)] {
        if !v.passed() {
            println!(
                "\nnote: {} did not pass: {}",
                name(side),
                v.failure_summary()
            );
        }
    }
    Ok(d.agrees())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_of(argv: &[&str]) -> std::result::Result<String, String> {
        let (_, mut a) = crate::cli::command(argv.iter().map(|s| s.to_string()).collect())
            .map_err(|e| e.to_string())?;
        config_from_args(&mut a)
            .map(|k| k.name())
            .map_err(|e| e.to_string())
    }

    /// `--config` and `--debug` give one typed configuration; a flavour on
    /// top of a flavour is refused rather than built as a name no fragment has.
    #[test]
    fn configuration_from_the_command_line() {
        assert_eq!(config_of(&["build"]).as_deref(), Ok("fs-pid-n"));
        assert_eq!(
            config_of(&["boot", "--config", "fs-pid-y", "--debug"]).as_deref(),
            Ok("fs-pid-y+debug")
        );
        assert_eq!(
            config_of(&["build", "--config", "fs-pid-y+perf-llvm"]).as_deref(),
            Ok("fs-pid-y+perf-llvm")
        );
        let e = config_of(&["build", "--config", "fs-pid-y+perf", "--debug"]);
        assert!(
            e.as_ref().is_err_and(|e| e.contains("one flavour")),
            "{e:?}"
        );
    }
}
