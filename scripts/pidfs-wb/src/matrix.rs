// SPDX-License-Identifier: GPL-2.0
//! `wb ci`: the per-patch matrix. For k = 1..n, apply patches 1..k and, for
//! every configuration that exists at that point (`fs-pid-n` always,
//! `fs-pid-y` once the tree defines `CONFIG_FS_PID`), build incrementally,
//! boot and run the guest tests: a quick smoke set on intermediate patches,
//! everything on the last one.

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::verdict::{jstr, Counts};
use crate::{boot_and_judge, guest, qemu, tree, util, BootArgs};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Binaries run on intermediate patches (KUnit always runs at boot).
pub const SMOKE: &[&str] = &[
    "pidfd/pidfd_open_test",
    "pidfd/pidfd_wait",
    "pidfd/pidfd_file_handle_test",
    "filesystems/nsfs/owner",
];

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
}

impl Cell {
    pub fn ok(&self) -> bool {
        self.failed.is_none()
    }

    fn mark(&self, stage: Stage) -> &'static str {
        match self.failed {
            None => "ok",
            Some(f) if f == stage => "FAIL",
            Some(f) if (f as u8) < (stage as u8) => "-",
            Some(_) => "ok",
        }
    }
}

/// Whether the tree at this point defines `CONFIG_FS_PID`.
pub fn defines_fs_pid(tree: &Path) -> bool {
    std::fs::read_to_string(tree.join("fs/Kconfig"))
        .map(|t| t.lines().any(|l| l.trim() == "config FS_PID"))
        .unwrap_or(false)
}

fn classify(e: &Error) -> Stage {
    match e {
        Error::Setup { .. } | Error::Config { .. } | Error::Build { .. } => Stage::Builds,
        Error::Guest { .. } | Error::Boot { .. } => Stage::Boots,
        Error::PatchDoesNotApply { .. } | Error::Series { .. } | Error::Unexported { .. } => {
            Stage::Applies
        }
        _ => Stage::Builds,
    }
}

pub struct Matrix {
    pub cells: Vec<Cell>,
    pub dir: PathBuf,
}

impl Matrix {
    pub fn ok(&self) -> bool {
        !self.cells.is_empty() && self.cells.iter().all(Cell::ok)
    }

    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "| patch | config | applies | builds | boots | tests | pass/fail/skip | time | note |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---:|---|");
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
                "| {} {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                c.patch,
                c.name,
                c.config,
                c.mark(Stage::Applies),
                c.mark(Stage::Builds),
                c.mark(Stage::Boots),
                c.mark(Stage::Tests),
                counts,
                util::fmt_duration(Duration::from_secs_f64(c.seconds)),
                c.note.replace('|', "\\|")
            );
        }
        s
    }

    pub fn json(&self) -> String {
        let rows: Vec<String> = self
            .cells
            .iter()
            .map(|c| {
                format!(
                    "  {{\"patch\": {}, \"name\": {}, \"config\": {}, \"ok\": {}, \"failed_stage\": {}, \"full\": {}, \"pass\": {}, \"fail\": {}, \"skip\": {}, \"seconds\": {:.1}, \"note\": {}, \"log\": {}}}",
                    c.patch,
                    jstr(&c.name),
                    jstr(&c.config),
                    c.ok(),
                    c.failed.map(|f| jstr(&format!("{f:?}").to_lowercase())).unwrap_or("null".into()),
                    c.full,
                    c.counts.map(|k| k.pass.to_string()).unwrap_or("null".into()),
                    c.counts.map(|k| k.fail.to_string()).unwrap_or("null".into()),
                    c.counts.map(|k| k.skip.to_string()).unwrap_or("null".into()),
                    c.seconds,
                    jstr(&c.note),
                    jstr(&c.log)
                )
            })
            .collect();
        format!(
            "{{\"ok\": {}, \"cells\": [\n{}\n]}}\n",
            self.ok(),
            rows.join(",\n")
        )
    }
}

/// Runs the matrix over the whole series.
pub fn run(ctx: &Ctx) -> Result<Matrix> {
    let entries = tree::read_series(ctx)?;
    let n = entries.len();
    let stamp = util::output(std::process::Command::new("date").arg("+%Y%m%d-%H%M%S"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "ci".into());
    let dir = ctx.out_dir().join("ci").join(stamp);
    util::mkdir(&dir)?;
    let mut cells = Vec::new();
    let ks: Vec<usize> = if n == 0 { vec![0] } else { (1..=n).collect() };
    'patches: for k in ks {
        let name = if k == 0 {
            "(base)".to_string()
        } else {
            entries[k - 1].name.clone()
        };
        let last = k == n;
        util::step(&format!("ci: patch {k}/{n} {name}"));
        let start = Instant::now();
        let applied = match tree::apply(ctx, Some(k), false) {
            Ok(a) => a,
            Err(e) => {
                cells.push(Cell {
                    patch: k,
                    name,
                    config: "-".into(),
                    failed: Some(Stage::Applies),
                    full: last,
                    counts: None,
                    seconds: start.elapsed().as_secs_f64(),
                    note: e.to_string().lines().next().unwrap_or_default().to_string(),
                    log: ctx.out_dir().join("logs/git-am.log").display().to_string(),
                });
                // Later patches cannot apply on top of a missing one.
                break 'patches;
            }
        };
        let mut configs = vec!["fs-pid-n".to_string()];
        if defines_fs_pid(&applied.tree) {
            configs.push("fs-pid-y".into());
        }
        for config in configs {
            let start = Instant::now();
            let args = BootArgs {
                config: config.clone(),
                guest: guest::GuestOptions {
                    extra: Vec::new(),
                    filter: if last {
                        Vec::new()
                    } else {
                        SMOKE.iter().map(|s| s.to_string()).collect()
                    },
                    timeout: None,
                },
                kernel: None,
                boot: qemu::BootOptions {
                    kvm: false,
                    deadline: Duration::from_secs(1800),
                    extra_cmdline: String::new(),
                },
            };
            let mut cell = Cell {
                patch: k,
                name: name.clone(),
                config: config.clone(),
                failed: None,
                full: last,
                counts: None,
                seconds: 0.0,
                note: String::new(),
                log: ctx
                    .out_dir()
                    .join(format!("latest-{config}"))
                    .display()
                    .to_string(),
            };
            match boot_and_judge(ctx, &args) {
                Ok((passed, counts)) => {
                    cell.counts = Some(counts);
                    if !passed {
                        cell.failed = Some(Stage::Tests);
                        cell.note = "verdict FAIL: see verdict.md".into();
                    }
                    if let Ok(p) =
                        std::fs::read_link(ctx.out_dir().join(format!("latest-{config}")))
                    {
                        cell.log = p.join("verdict.md").display().to_string();
                    }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    cell.failed = Some(classify(&e));
                    cell.note = e.to_string().lines().next().unwrap_or_default().to_string();
                    cell.log = ctx
                        .out_dir()
                        .join("logs")
                        .join(&config)
                        .display()
                        .to_string();
                }
            }
            cell.seconds = start.elapsed().as_secs_f64();
            cells.push(cell);
        }
    }
    let m = Matrix { cells, dir };
    util::write(&m.dir.join("report.md"), m.markdown().as_bytes())?;
    util::write(&m.dir.join("report.json"), m.json().as_bytes())?;
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(failed: Option<Stage>) -> Cell {
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
        }
    }

    #[test]
    fn marks_follow_the_first_failing_stage() {
        let c = cell(Some(Stage::Boots));
        assert_eq!(
            [Stage::Applies, Stage::Builds, Stage::Boots, Stage::Tests].map(|s| c.mark(s)),
            ["ok", "ok", "FAIL", "-"]
        );
        let c = cell(None);
        assert_eq!(c.mark(Stage::Tests), "ok");
    }

    #[test]
    fn report_rows() {
        let m = Matrix {
            cells: vec![cell(None), cell(Some(Stage::Builds))],
            dir: PathBuf::from("/tmp"),
        };
        assert!(!m.ok());
        let md = m.markdown();
        assert!(
            md.contains(
                "| 1 0001-x.patch | fs-pid-n | ok | ok | ok | ok | 3/0/1 (smoke) | 1m01s |"
            ),
            "{md}"
        );
        assert!(md.contains("| ok | FAIL | - | - |"), "{md}");
        let j = m.json();
        assert!(j.contains("\"failed_stage\": \"builds\""), "{j}");
        assert!(j.starts_with("{\"ok\": false"));
    }

    #[test]
    fn fs_pid_detection() {
        let d = std::env::temp_dir().join(format!("wb-kconfig-{}", std::process::id()));
        std::fs::create_dir_all(d.join("fs")).unwrap();
        std::fs::write(d.join("fs/Kconfig"), "config FS_POSIX_ACL\n\tdef_bool n\n").unwrap();
        assert!(!defines_fs_pid(&d));
        std::fs::write(
            d.join("fs/Kconfig"),
            "config FS_PID\n\tbool \"Rust pidfs\"\n",
        )
        .unwrap();
        assert!(defines_fs_pid(&d));
        let _ = std::fs::remove_dir_all(&d);
    }
}
