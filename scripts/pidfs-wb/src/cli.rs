// SPDX-License-Identifier: GPL-2.0
//! The command line: one table of commands and their flags, from which both
//! `wb help` and the parser come. A flag a command does not declare is
//! refused; the help text is rendered from the same entries.

use crate::error::{Error, Result};

/// One flag (or, for `--assisted-by T | --no-assisted-by`, two) as `wb help`
/// shows it. The label gives the syntax: `--name`, a value if an upper-case
/// word follows, and `...` if it may be repeated.
pub struct Flag {
    pub label: &'static str,
    /// Help lines; an empty first line puts the text under the label.
    pub help: &'static [&'static str],
}

pub struct Command {
    /// The words that select it (`series check`).
    pub name: &'static str,
    /// The left column of its help line, with positionals and inline flags.
    pub usage: &'static str,
    pub about: &'static [&'static str],
    pub flags: &'static [Flag],
    /// Flags it accepts that the help lists under another command.
    pub also: &'static [Flag],
}

const HEADER: &str = "wb — workbench for the Rust pidfs patch series

usage: scripts/wb <command> [options]

commands:
";

const FOOTER: &str = "
environment:
  WB_CACHE        cache directory (default ~/.cache/pidfs-rs)
  WB_KERNEL_TREE  use this kernel git tree as the base (e.g. linux-next)
  WB_BASE_REF     commit in WB_KERNEL_TREE to apply onto (default HEAD)
  WB_OUT          where run logs and verdicts go (default ./out)
  WB_PATCHES      series directory (default ./patches)
  WB_VERSIONS     records of exported versions (default ./ci/versions)
  WB_WORKTREE     the work tree (default in the cache)

exit codes: 0 ok, 1 tests or checks failed (or no usable bench figures),
  2 usage, 3 setup, 4 base, 5 series (a patch does not apply, also in
  `onto`), 6 config, 7 build, 8 guest, 9 boot, 10 drift, 11 I/O,
  12 no usable sender identity, 13 export (b4, cover letter, version records),
  14 cache busy (another wb holds its lock), 15 report (`ci --merge` input)
";

/// `boot`'s flags, which `run` takes too.
const BOOT_FLAGS: &[Flag] = &[
    Flag {
        label: "[--only S]...",
        help: &["run only binaries whose id contains S"],
    },
    Flag {
        label: "[--skip S]...",
        help: &[
            "leave out binaries whose id contains S, or with",
            "S = coll/binary:test one test of a harness binary",
            "(the verdict lists them under Not run)",
        ],
    },
    Flag {
        label: "[--extra FILE]...",
        help: &["add a guest test program (collection `wb`)"],
    },
    Flag {
        label: "[--kernel BZ]",
        help: &["boot this bzImage with only --extra tests (no build)"],
    },
    Flag {
        label: "[--timeout S]",
        help: &["per-binary timeout (default 240)"],
    },
    Flag {
        label: "[--deadline S]",
        help: &["overall QEMU deadline (default 1800)"],
    },
    Flag {
        label: "[--kvm]",
        help: &["use KVM (only if /dev/kvm works; TCG is default)"],
    },
    Flag {
        label: "[--debug]",
        help: &[
            "boot C+debug (see build); a kmemleak scan ends",
            "the run and every report counts as a splat",
        ],
    },
];

pub const COMMANDS: &[Command] = &[
    Command {
        name: "setup",
        usage: "setup",
        about: &["install the pinned toolchain (idempotent)"],
        flags: &[],
        also: &[],
    },
    Command {
        name: "base",
        usage: "base",
        about: &["fetch, verify and unpack Linux 7.3.4 into a git repo"],
        flags: &[],
        also: &[],
    },
    Command {
        name: "series apply",
        usage: "series apply",
        about: &["apply patches/ onto the base in the work tree"],
        flags: &[
            Flag {
                label: "[--upto K]",
                help: &["only the first K patches"],
            },
            Flag {
                label: "[--discard]",
                help: &["throw away unexported edits in the work tree"],
            },
        ],
        also: &[],
    },
    Command {
        name: "series check",
        usage: "series check",
        about: &[
            "apply the whole series; check the in-tree files,",
            "ci/maintainers.md and the `# series:` markers",
        ],
        flags: &[Flag {
            label: "[--discard]",
            help: &["throw away unexported edits in the work tree"],
        }],
        also: &[],
    },
    Command {
        name: "series maintainers",
        usage: "series maintainers",
        about: &[
            "get_maintainer.pl on every patch (whole series",
            "applied): print the table of ci/maintainers.md",
        ],
        flags: &[Flag {
            label: "[--write]",
            help: &["write it to ci/maintainers.md"],
        }],
        also: &[],
    },
    Command {
        name: "series export",
        usage: "series export",
        about: &[
            "write the work tree's commits back into patches/",
            "and the in-tree files",
        ],
        flags: &[],
        also: &[],
    },
    Command {
        name: "build",
        usage: "build [--config C]",
        about: &["configure and build the work tree (default fs-pid-n)"],
        flags: &[Flag {
            label: "[--debug]",
            help: &[
                "C with kconfig/debug.config (KASAN, lockdep,",
                "kmemleak, fault injection, …) built with clang",
                "(LLVM=-19) in its own directory C+debug",
            ],
        }],
        also: &[],
    },
    Command {
        name: "boot",
        usage: "boot  [--config C]",
        about: &["build, then boot in QEMU and print the verdict"],
        flags: BOOT_FLAGS,
        also: &[],
    },
    Command {
        name: "run",
        usage: "run   [--config C]",
        about: &[
            "the main job: setup, series check, build, boot,",
            "verdict (accepts the boot options)",
        ],
        flags: &[],
        also: BOOT_FLAGS,
    },
    Command {
        name: "ci",
        usage: "ci",
        about: &[
            "per-patch matrix: for k = 1..n apply patches 1..k,",
            "static checks (checkpatch --strict as sent,",
            "rustfmtcheck, CLIPPY=1, rustdoc, W=1), build each",
            "configuration that exists, boot, test (smoke set;",
            "everything on the last patch, where fs-pid-y is",
            "compared test for test with fs-pid-n); report in",
            "out/ci/<time>/report.{md,json}; on the last",
            "patch also builds (no boot) fs-pid-y variants with",
            "CONFIG_WERROR=y (kconfig/variants/): werror-min,",
            "werror-max; and boots fs-pid-y+debug (see",
            "build --debug) with every guest test but",
            "pidfd_test and pidfd_poll_test (32768 and 10000",
            "forks: more than 12 and 5 min there) and",
            "pid_max (its harness timeout cuts it off there)",
        ],
        flags: &[
            Flag {
                label: "[--full]",
                help: &[
                    "build-only variants one option at a time",
                    "instead: werror, proc-fs-n, pid-ns-n,",
                    "coredump-n, cgroups-n, user-ns-n,",
                    "ia32-emulation, debug-vfs; rustdoc on",
                    "every patch (otherwise on the last one only);",
                    "both debug boots with every test, fs-pid-n+debug",
                    "compared test for test with fs-pid-y+debug",
                ],
            },
            Flag {
                label: "[--variants-only]",
                help: &[
                    "apply the whole series and build only the",
                    "variants of the last patch (with --full: all 8)",
                ],
            },
            Flag {
                label: "[--no-debug]",
                help: &["leave out the debug boots"],
            },
            Flag {
                label: "[--shard K/N]",
                help: &[
                    "run only the cells of patches K, K+N, K+2N, …",
                    "(each shard still applies the whole prefix and",
                    "keeps its build directories); the last patch's",
                    "full runs, variants and debug boot go with it",
                ],
            },
            Flag {
                label: "--merge DIR…",
                help: &[
                    "join the report directories of shards 1..N of",
                    "one series into one report (report.md/.json,",
                    "kcidb.json in out/ci/<time>-merged) and verdict",
                ],
            },
        ],
        also: &[],
    },
    Command {
        name: "export",
        usage: "export",
        about: &[
            "the series as mail through b4 (sender = git config",
            "user.name/user.email, never the neutral identity)",
        ],
        flags: &[
            Flag {
                label: "[--version N]",
                help: &[
                    "version (default 1); N >= 2 needs ci/versions/v(N-1)",
                    "and a `vN:` entry in ci/versions/changelog.txt",
                ],
            },
            Flag {
                label: "[--rfc]",
                help: &["[PATCH RFC …]"],
            },
            Flag {
                label: "[--out DIR]",
                help: &["default out/mail/vN[-rfc][/NAME]"],
            },
            Flag {
                label: "[--series NAME]",
                help: &[
                    "only the series NAME of the stack (a `# series:`",
                    "marker of patches/series), applied after the",
                    "earlier series and naming them as b4",
                    "prerequisites; cover letter ci/cover-NAME.txt,",
                    "records ci/versions/NAME/ (without it: the whole",
                    "stack as one thread, with the cover letter of",
                    "its last series)",
                ],
            },
            Flag {
                label: "[--no-record]",
                help: &[
                    "a preview: write the mail, but neither the",
                    "version record (ci/versions/…/vN) nor a new",
                    "change-id",
                ],
            },
            Flag {
                label: "[--no-b4-check]",
                help: &[
                    "leave out `b4 prep --check` (about a minute: it",
                    "runs checkpatch on every patch, as wb ci does,",
                    "and only reports); b4-check.txt then says so",
                ],
            },
            Flag {
                label: "--assisted-by T | --no-assisted-by",
                help: &[
                    "",
                    "required: an `Assisted-by: T` trailer (e.g. `LLM",
                    "sparse`) before the sender's Signed-off-by, or the",
                    "statement that none applies",
                    "(Documentation/process/coding-assistants.rst)",
                ],
            },
        ],
        also: &[],
    },
    Command {
        name: "onto",
        usage: "onto TREE",
        about: &["apply the series with git am -3 onto a kernel git tree"],
        flags: &[
            Flag {
                label: "[--ref REF]",
                help: &["commit to apply onto (default HEAD)"],
            },
            Flag {
                label: "[--branch NAME]",
                help: &[
                    "branch left on success (default pidfs-rs/onto);",
                    "on failure TREE is left exactly as it was",
                ],
            },
        ],
        also: &[],
    },
    Command {
        name: "bench",
        usage: "bench",
        about: &[
            "C pidfs (fs-pid-n) against Rust pidfs (fs-pid-y):",
            "build both from the work tree, boot them alternately",
            "(C, Rust, C, …) running guest/bench/pidfs_bench.c,",
            "report median ns/op per kernel, min–max over boots,",
            "Rust/C ratio with a 95 % bootstrap CI; report.md,",
            "report.json and plot.svg in out/bench/<time>-<mode>/",
        ],
        flags: &[
            Flag {
                label: "[--boots N]",
                help: &["boots per kernel (default 3)"],
            },
            Flag {
                label: "[--icount]",
                help: &[
                    "deterministic mode: QEMU -icount (guest time =",
                    "executed instructions); default is wall time",
                ],
            },
            Flag {
                label: "[--shift N]",
                help: &["icount shift (default 0: 1 ns per instruction)"],
            },
            Flag {
                label: "[--reps R]",
                help: &["repetitions of every workload per boot (default 5)"],
            },
            Flag {
                label: "[--scale P]",
                help: &["iterations in percent of the defaults (default 100)"],
            },
            Flag {
                label: "[--deadline S]",
                help: &["QEMU deadline per boot (default 1800)"],
            },
            Flag {
                label: "[--quick]",
                help: &[
                    "1 boot each, 1 rep, 5 % iterations: checks that",
                    "every workload gives a figure (no timing verdict)",
                ],
            },
            Flag {
                label: "[--no-build]",
                help: &["boot the kernels as last built (no setup, no make)"],
            },
            Flag {
                label: "[--llvm]",
                help: &[
                    "both kernels built with clang (LLVM=-19) and",
                    "CONFIG_RUST_INLINE_HELPERS=y (kconfig/llvm.config),",
                    "build directories fs-pid-{n,y}+perf-llvm",
                    "(fs-pid-{n,y}+llvm with --tiny)",
                ],
            },
            Flag {
                label: "[--perf]",
                help: &[
                    "the default: performance builds (kconfig/perf.config:",
                    "-O2, the normal SLUB), fs-pid-{n,y}+perf, or",
                    "fs-pid-{n,y}+perf-llvm with --llvm, Rust compiled",
                    "by plain rustc as a distribution builds",
                ],
            },
            Flag {
                label: "[--tiny]",
                help: &[
                    "tinyconfig's size builds instead: fs-pid-{n,y}",
                    "(fs-pid-{n,y}+llvm with --llvm); fs-pid-{n,y} are",
                    "the per-patch CI's, compiled by clippy-driver",
                    "(the report says so)",
                ],
            },
        ],
        also: &[],
    },
    Command {
        name: "size",
        usage: "size",
        about: &[
            "what the Rust pidfs costs in vmlinux: builds",
            "fs-pid-n and fs-pid-y, compares them with",
            "scripts/bloat-o-meter by symbol group (pidfs, the",
            "kernel crate, C helpers, other) and size, and counts",
            "the lines the patches add by area; and what the",
            "series costs a Rust kernel that does not select it:",
            "builds the series as rust-no-fs-pid (FS_PID=n, no",
            "abstractions, KUnit or doctests) and the base commit",
            "with no patch (a clean checkout in the cache, never",
            "the work tree) from the same fragments in",
            "base[+perf|+perf-llvm|+llvm], and compares the two",
            "the same way; out/size/<time>/report.{md,json}",
        ],
        flags: &[
            Flag {
                label: "[--no-build]",
                help: &[
                    "compare the kernels as last built (fails if the",
                    "base kernel never was; see --no-base)",
                ],
            },
            Flag {
                label: "[--llvm]",
                help: &["the clang kernels (see bench)"],
            },
            Flag {
                label: "[--perf]",
                help: &["the performance builds, the default (see bench)"],
            },
            Flag {
                label: "[--tiny]",
                help: &["the tinyconfig builds (see bench)"],
            },
            Flag {
                label: "[--no-boot]",
                help: &[
                    "leave out the boot of each kernel that reads",
                    "its per-pid slab figures (/sys/kernel/slab)",
                ],
            },
            Flag {
                label: "[--no-base]",
                help: &["leave out the base kernel and its comparison"],
            },
        ],
        also: &[],
    },
    Command {
        name: "trace",
        usage: "trace",
        about: &[
            "which functions execute one pidfs operation, C",
            "(fs-pid-n) against Rust (fs-pid-y): boots each",
            "kernel with the benchmark guest and QEMU's gdb stub,",
            "single-steps one warm call of the operation and",
            "counts instructions per function (and memory",
            "accesses, calls); out/trace/<time>/report.md",
        ],
        flags: &[
            Flag {
                label: "[--op OP]...",
                help: &[
                    "pidfd_open, get_info_live, get_info_exit,",
                    "name_to_handle, open_by_handle, fstat, prepare_pid,",
                    "add_pid, exit, remove_pid (default: all; under",
                    "a minute per operation and kernel; needs gdb)",
                ],
            },
            Flag {
                label: "[--no-build]",
                help: &["trace the kernels as last built"],
            },
            Flag {
                label: "[--llvm]",
                help: &["the fs-pid-{n,y}+llvm kernels (see bench)"],
            },
            Flag {
                label: "[--perf]",
                help: &["the performance builds, the default (see bench)"],
            },
            Flag {
                label: "[--tiny]",
                help: &["the tinyconfig builds (see bench)"],
            },
        ],
        also: &[],
    },
    Command {
        name: "verdict",
        usage: "verdict DIR",
        about: &["judge the logs saved in a run directory again"],
        flags: &[],
        also: &[],
    },
    Command {
        name: "compare",
        usage: "compare LEFT RIGHT",
        about: &[
            "judge two saved run directories again and compare",
            "them test for test (e.g. fs-pid-n+debug against",
            "fs-pid-y+debug booted by hand); exit 1 on a",
            "difference (a test only RIGHT has and passes is",
            "listed, not counted, as in wb ci)",
        ],
        flags: &[],
        also: &[],
    },
    Command {
        name: "test",
        usage: "test",
        about: &[
            "the test command: unit tests, failure-path tests, the",
            "per-patch matrix, export/round-trip/onto tests;",
            "ends `N passed, N failed`",
        ],
        flags: &[Flag {
            label: "[--quick]",
            help: &["without the matrix and the boots (for tool work)"],
        }],
        also: &[],
    },
];

/// `wb help`.
pub fn help() -> String {
    let mut s = String::from(HEADER);
    for c in COMMANDS {
        for (i, line) in c.about.iter().enumerate() {
            let left = if i == 0 { c.usage } else { "" };
            s.push_str(format!("  {left:<21} {line}").trim_end());
            s.push('\n');
        }
        for f in c.flags {
            for (i, line) in f.help.iter().enumerate() {
                let left = if i == 0 { f.label } else { "" };
                s.push_str(format!("        {left:<17} {line}").trim_end());
                s.push('\n');
            }
        }
    }
    s.push_str(FOOTER);
    s
}

/// The flags a label or usage text declares: (name, takes a value).
fn declared(text: &str) -> Vec<(&str, bool)> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '[' || c == ']' || c == '|')
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if let Some(name) = w.strip_prefix("--").map(|_| w.trim_end_matches("...")) {
            // `--merge DIR…`: a switch followed by positionals.
            let value = words.get(i + 1).is_some_and(|v| {
                v.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && !v.ends_with('…')
            });
            out.push((name, value));
        }
    }
    out
}

impl Command {
    fn flags(&self) -> impl Iterator<Item = (&'static str, bool)> + '_ {
        declared(self.usage).into_iter().chain(
            self.flags
                .iter()
                .chain(self.also)
                .flat_map(|f| declared(f.label)),
        )
    }

    fn takes(&self, name: &str) -> Option<bool> {
        self.flags().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// Finds the command `argv` starts with (two words for `series …`) and
/// returns it with the arguments after it.
pub fn command(mut argv: Vec<String>) -> Result<(&'static Command, Args)> {
    let two = argv.iter().take(2).cloned().collect::<Vec<_>>().join(" ");
    let one = argv.first().cloned().unwrap_or_default();
    if let Some(c) = COMMANDS.iter().find(|c| argv.len() >= 2 && c.name == two) {
        argv.drain(..2);
        return Ok((c, Args { cmd: c, rest: argv }));
    }
    if let Some(c) = COMMANDS.iter().find(|c| c.name == one) {
        argv.remove(0);
        return Ok((c, Args { cmd: c, rest: argv }));
    }
    if COMMANDS
        .iter()
        .any(|c| c.name.starts_with(&format!("{one} ")))
    {
        let subs: Vec<&str> = COMMANDS
            .iter()
            .filter_map(|c| c.name.strip_prefix(&format!("{one} ")))
            .collect();
        return Err(Error::Usage(format!(
            "unknown `{two}`: use {}",
            subs.join(", ")
        )));
    }
    Err(Error::Usage(format!("unknown command `{one}`")))
}

/// The arguments of one command, taken out flag by flag; [`Args::done`]
/// refuses whatever is left.
pub struct Args {
    cmd: &'static Command,
    pub rest: Vec<String>,
}

impl Args {
    /// The flag must be in the command's table; asking for another one is a
    /// bug in `wb`, reported as such rather than silently never matching.
    fn check(&self, name: &str, value: bool) -> Result<()> {
        match self.cmd.takes(name) {
            Some(v) if v == value => Ok(()),
            _ => Err(Error::Usage(format!(
                "internal: `{name}` is not declared {} for `{}` in cli.rs",
                if value { "with a value" } else { "as a switch" },
                self.cmd.name
            ))),
        }
    }

    pub fn flag(&mut self, name: &str) -> Result<bool> {
        self.check(name, false)?;
        if let Some(i) = self.rest.iter().position(|a| a == name) {
            self.rest.remove(i);
            Ok(true)
        } else {
            Ok(false)
        }
    }

    pub fn values(&mut self, name: &str) -> Result<Vec<String>> {
        self.check(name, true)?;
        let mut out = Vec::new();
        while let Some(i) = self.rest.iter().position(|a| a == name) {
            if i + 1 >= self.rest.len() {
                return Err(Error::Usage(format!("{name} needs a value")));
            }
            out.push(self.rest.remove(i + 1));
            self.rest.remove(i);
        }
        Ok(out)
    }

    pub fn value(&mut self, name: &str) -> Result<Option<String>> {
        let mut v = self.values(name)?;
        if v.len() > 1 {
            return Err(Error::Usage(format!("{name} given more than once")));
        }
        Ok(v.pop())
    }

    pub fn number(&mut self, name: &str) -> Result<Option<u64>> {
        match self.value(name)? {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| Error::Usage(format!("{name} takes a number, not `{v}`"))),
        }
    }

    /// Takes the positional arguments (all that is left).
    pub fn positionals(&mut self) -> Result<Vec<String>> {
        if let Some(f) = self.rest.iter().find(|a| a.starts_with("--")) {
            return Err(self.unknown(f));
        }
        Ok(std::mem::take(&mut self.rest))
    }

    fn unknown(&self, a: &str) -> Error {
        if a.starts_with("--") {
            Error::Usage(format!("`wb {}` has no option `{a}`", self.cmd.name))
        } else {
            Error::Usage(format!(
                "unexpected argument `{a}` for `wb {}`",
                self.cmd.name
            ))
        }
    }

    pub fn done(&self) -> Result<()> {
        match self.rest.first() {
            Some(a) => Err(self.unknown(a)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn labels_declare_flags() {
        assert_eq!(declared("[--upto K]"), [("--upto", true)]);
        assert_eq!(declared("[--only S]..."), [("--only", true)]);
        assert_eq!(declared("[--full]"), [("--full", false)]);
        assert_eq!(
            declared("--assisted-by T | --no-assisted-by"),
            [("--assisted-by", true), ("--no-assisted-by", false)]
        );
        assert_eq!(declared("build [--config C]"), [("--config", true)]);
        assert_eq!(declared("--merge DIR…"), [("--merge", false)]);
        // Every label of the table declares at least one flag.
        for c in COMMANDS {
            for f in c.flags {
                assert!(!declared(f.label).is_empty(), "{}: {}", c.name, f.label);
            }
        }
    }

    #[test]
    fn help_comes_from_the_table() {
        let h = help();
        for c in COMMANDS {
            assert!(h.contains(&format!("  {}", c.usage)), "{}", c.name);
            for f in c.flags {
                assert!(h.contains(f.label), "{}", f.label);
            }
        }
        // Columns: descriptions start at 24, flag help at 26.
        assert!(h.contains("\n  setup                 install"));
        assert!(h.contains("\n        [--upto K]        only the first K patches\n"));
        assert!(h.lines().all(|l| l == l.trim_end()));
    }

    #[test]
    fn parser_follows_the_table() {
        let (c, mut a) = command(args(&["series", "apply", "--upto", "3"])).unwrap();
        assert_eq!(c.name, "series apply");
        assert_eq!(a.number("--upto").unwrap(), Some(3));
        assert!(!a.flag("--discard").unwrap());
        a.done().unwrap();
        // A flag of another command is refused by name.
        let (_, a) = command(args(&["series", "check", "--upto", "3"])).unwrap();
        let e = a.done().unwrap_err().to_string();
        assert!(
            e.contains("`wb series check` has no option `--upto`"),
            "{e}"
        );
        // Asking for an undeclared flag is reported as a bug in wb.
        let (_, mut a) = command(args(&["setup"])).unwrap();
        assert!(a
            .flag("--full")
            .unwrap_err()
            .to_string()
            .contains("internal"));
        // A value flag asked for as a switch is a bug too.
        let (_, mut a) = command(args(&["ci", "--shard", "1/2"])).unwrap();
        assert!(a.flag("--shard").is_err());
        assert_eq!(a.value("--shard").unwrap().as_deref(), Some("1/2"));
        // run takes boot's flags.
        let (_, mut a) = command(args(&["run", "--kvm"])).unwrap();
        assert!(a.flag("--kvm").unwrap());
        // Unknown commands and subcommands.
        assert!(command(args(&["nope"])).is_err());
        let e = command(args(&["series", "nope"]))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("apply, check, maintainers, export"), "{e}");
        // Positionals refuse a stray flag.
        let (_, mut a) = command(args(&["onto", "--bogus", "/tree"])).unwrap();
        assert!(a.positionals().is_err());
    }
}
