// SPDX-License-Identifier: GPL-2.0
//! `wb`: the pidfs-rs workbench. From nothing to "pinned base + patches/ →
//! Rust-enabled kernel → QEMU → upstream selftest verdict".

mod cli;
mod commands;
mod deps;
mod host;
mod judge;
mod pipeline;
mod report;

// The modules by role (see each directory's mod.rs), reachable as
// `crate::name` from everywhere.
use commands::{
    bench, export, harness, mailtest, maintainers, matrix, onto, pair, seriescheck, size, testcmd,
    trace,
};
use host::{base, ctx, error, ident, lock, setup, util};
use judge::{bench_figures, checks, ktap, splat, verdict};
use pipeline::{build, guest, kconfig, qemu, run, series, slots, stamps, tree};
use report::{bench_report, cover, json, kcidb, matrix_report, merge, shard};

use error::{Error, Result};
use run::{boot_and_judge, compare_runs, verdict_again, BootArgs};
use std::path::PathBuf;

fn real_main() -> Result<i32> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.is_empty() || argv[0] == "help" || argv[0] == "--help" || argv[0] == "-h" {
        print!("{}", cli::help());
        return Ok(if argv.is_empty() {
            error::exit::USAGE
        } else {
            0
        });
    }
    let (command, mut a) = cli::command(argv.clone())?;
    let cmd = command.name;
    let repo = ctx::find_repo()?;
    let ctx = ctx::Ctx::new(repo)?;
    let _lock = if lock::needed(cmd.split(' ').next().unwrap_or(cmd)) {
        lock::acquire(&ctx.cache, &argv.join(" "))?
    } else {
        None
    };
    let ok = match cmd {
        "setup" => {
            a.done()?;
            setup::run(&ctx)?;
            true
        }
        "base" => {
            a.done()?;
            let (repo, id) = base::ensure(&ctx)?;
            println!("{} {id}", repo.display());
            true
        }
        "series apply" => {
            let upto = a.number("--upto")?.map(|n| n as usize);
            let discard = a.flag("--discard")?;
            a.done()?;
            let ap = tree::apply(&ctx, upto, discard)?;
            println!("{}", ap.tree.display());
            true
        }
        "series check" => {
            let discard = a.flag("--discard")?;
            a.done()?;
            seriescheck::check(&ctx, discard)?;
            true
        }
        "series export" => {
            a.done()?;
            tree::export(&ctx)?;
            true
        }
        "series maintainers" => {
            let write = a.flag("--write")?;
            a.done()?;
            maintainers::run(&ctx, write)?;
            true
        }
        "build" => {
            let config = run::config_from_args(&mut a)?;
            a.done()?;
            let tree = ctx.work_tree();
            if base::rev_parse(&tree, "HEAD").is_none() {
                tree::apply(&ctx, None, false)?;
            }
            let b = build::build(&ctx, &tree, &config)?;
            println!("{}", b.bzimage.display());
            true
        }
        "boot" => {
            let b = BootArgs::from_args(&mut a)?;
            a.done()?;
            boot_and_judge(&ctx, &b)?.passed
        }
        "run" => {
            let b = BootArgs::from_args(&mut a)?;
            a.done()?;
            setup::run(&ctx)?;
            seriescheck::check(&ctx, false)?;
            boot_and_judge(&ctx, &b)?.passed
        }
        "ci" => {
            let full = a.flag("--full")?;
            let variants_only = a.flag("--variants-only")?;
            let no_debug = a.flag("--no-debug")?;
            let shard = a
                .value("--shard")?
                .map(|s| shard::Shard::parse(&s))
                .transpose()?;
            let m = if a.flag("--merge")? {
                if full || variants_only || no_debug || shard.is_some() {
                    return Err(Error::Usage(
                        "--merge only joins reports: give it the shards' report directories alone"
                            .into(),
                    ));
                }
                let dirs: Vec<PathBuf> = a.positionals()?.into_iter().map(PathBuf::from).collect();
                let out = ctx
                    .out_dir()
                    .join("ci")
                    .join(format!("{}-merged", util::now_stamp()));
                merge::merge(&dirs, &out)?
            } else {
                a.done()?;
                setup::run(&ctx)?;
                matrix::run(
                    &ctx,
                    matrix::Options {
                        full,
                        variants_only,
                        no_debug,
                        shard,
                    },
                )?
            };
            println!("\n{}", m.markdown());
            println!("report: {}", m.dir.join("report.md").display());
            m.ok()
        }
        "export" => {
            let rfc = a.flag("--rfc")?;
            let version = a.number("--version")?.unwrap_or(1) as u32;
            let out = a.value("--out")?.map(PathBuf::from);
            let assisted_by = a.value("--assisted-by")?;
            let no_assisted_by = a.flag("--no-assisted-by")?;
            let b4_check = !a.flag("--no-b4-check")?;
            let record = !a.flag("--no-record")?;
            let series = a.value("--series")?;
            a.done()?;
            let attribution = export::Attribution::from_args(assisted_by, no_assisted_by)?;
            export::run(
                &ctx,
                &export::Options {
                    rfc,
                    version,
                    out,
                    attribution,
                    b4_check,
                    record,
                    series,
                },
            )?;
            true
        }
        "onto" => {
            let reference = a.value("--ref")?.unwrap_or_else(|| "HEAD".into());
            let branch = a
                .value("--branch")?
                .unwrap_or_else(|| onto::DEFAULT_BRANCH.into());
            let mut pos = a.positionals()?;
            if pos.len() != 1 {
                return Err(Error::Usage("onto needs one kernel git tree".into()));
            }
            let tree = pos.remove(0);
            let r = onto::run(&ctx, std::path::Path::new(&tree), &reference, &branch)?;
            r.first_failure(&ctx.out_dir().join("onto"), &tree, &reference)?;
            true
        }
        "verdict" => {
            let mut pos = a.positionals()?;
            if pos.len() != 1 {
                return Err(Error::Usage("verdict needs one run directory".into()));
            }
            let dir = pos.remove(0);
            verdict_again(PathBuf::from(dir))?.0
        }
        "compare" => {
            let mut pos = a.positionals()?;
            if pos.len() != 2 {
                return Err(Error::Usage(
                    "compare needs two run directories: LEFT RIGHT".into(),
                ));
            }
            let right = PathBuf::from(pos.remove(1));
            let left = PathBuf::from(pos.remove(0));
            for d in [&left, &right] {
                if !d.join("console.log").is_file() {
                    return Err(Error::Usage(format!(
                        "{}: not a run directory (no console.log); see out/runs/",
                        d.display()
                    )));
                }
            }
            compare_runs(&left, &right)?
        }
        "bench" => {
            let o = bench::Options::from_args(&mut a)?;
            bench::run(&ctx, &o)?;
            true
        }
        "trace" => {
            let o = trace::Options::from_args(&mut a)?;
            trace::run(&ctx, &o)?;
            true
        }
        "size" => {
            let o = size::Options::from_args(&mut a)?;
            size::run(&ctx, &o)?;
            true
        }
        "test" => {
            let quick = a.flag("--quick")?;
            a.done()?;
            testcmd::run(&ctx, quick)?
        }
        other => {
            return Err(Error::Usage(format!(
                "internal: `{other}` is in cli::COMMANDS but main.rs does not dispatch it"
            )))
        }
    };
    Ok(if ok { 0 } else { error::exit::VERDICT_FAILED })
}

fn main() {
    match real_main() {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(e.code());
        }
    }
}
