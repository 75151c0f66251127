// SPDX-License-Identifier: GPL-2.0
//! `wb trace`: where the instructions of one pidfs operation go, in the C
//! (fs-pid-n) and the Rust (fs-pid-y) kernel.
//!
//! `wb bench --icount` says how many instructions an operation costs; this
//! says which functions execute them. Each kernel is booted with the
//! benchmark guest and QEMU's gdb stub; gdb stops at one call of the
//! operation (after the benchmark has warmed it up), single-steps it to its
//! end and records every program counter. The counts per function, and
//! per kind of instruction (memory accesses and calls, which cost TCG more
//! than others), are put side by side.
//!
//! An operation is a kernel function traced from its first instruction to
//! its return: a system call's `__x64_sys_*` function (the entry code
//! around it is the same in both kernels), or a pidfs entry point C calls
//! (`pidfs_add_pid()` and friends).
//!
//! Output: `out/trace/<time>[-llvm]/` with `report.md` and, per kernel and
//! operation, the program counters (`<op>-<config>.pcs`) and gdb's log.

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::guest;
use crate::pair::{self, PairOptions};
use crate::util::{self, fmt_duration, info, step};
use crate::{bench, qemu};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where an operation starts: the first instruction of a kernel function,
/// at a call for which the gdb condition holds (`None`: every call).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Start {
    pub function: &'static str,
    pub condition: Option<&'static str>,
}

/// One operation `wb trace` knows.
pub struct Op {
    pub name: &'static str,
    pub what: &'static str,
    pub start: Start,
    /// Calls let through before the one traced (warm caches, stashed
    /// dentries, the benchmark's workload under way).
    pub skip: u32,
}

// A system call is traced from its `__x64_sys_*` function to the return:
// the entry code around it is the same in both kernels. `__x64_sys_ioctl()`
// gets the user registers in `$rdi` (`struct pt_regs`: `si` at 0x68, `dx` at
// 0x60). PIDFD_GET_INFO is _IOWR(0xFF, 11, struct pidfd_info): type and
// number in the low 16 bits whatever size the caller's struct has; the
// mask is the first field of the struct `dx` points to.
const GET_INFO_LIVE: &str = "(*(unsigned long *)($rdi + 0x68) & 0xffff) == 0xff0b && \
                             **(unsigned long long **)($rdi + 0x60) == 7";
const GET_INFO_EXIT: &str = "(*(unsigned long *)($rdi + 0x68) & 0xffff) == 0xff0b && \
                             **(unsigned long long **)($rdi + 0x60) == 8";

const fn at(function: &'static str) -> Start {
    Start {
        function,
        condition: None,
    }
}

pub static OPS: &[Op] = &[
    Op {
        name: "pidfd_open",
        what: "pidfd_open() of a pid whose dentry is stashed",
        start: at("__x64_sys_pidfd_open"),
        skip: 300,
    },
    Op {
        name: "get_info_live",
        what: "PIDFD_GET_INFO (PID|CREDS|CGROUPID) on a live pid",
        start: Start {
            function: "__x64_sys_ioctl",
            condition: Some(GET_INFO_LIVE),
        },
        skip: 50,
    },
    Op {
        name: "get_info_exit",
        what: "PIDFD_GET_INFO (EXIT) on a reaped pid",
        start: Start {
            function: "__x64_sys_ioctl",
            condition: Some(GET_INFO_EXIT),
        },
        skip: 50,
    },
    Op {
        name: "name_to_handle",
        what: "name_to_handle_at() on a pidfd",
        start: at("__x64_sys_name_to_handle_at"),
        skip: 100,
    },
    Op {
        name: "open_by_handle",
        what: "open_by_handle_at() of a pidfs file handle",
        start: at("__x64_sys_open_by_handle_at"),
        skip: 100,
    },
    Op {
        name: "fstat",
        what: "fstat() of a pidfd (glibc makes it newfstatat(fd, \"\", AT_EMPTY_PATH))",
        start: at("__x64_sys_newfstatat"),
        skip: 300,
    },
    Op {
        name: "prepare_pid",
        what: "pidfs_prepare_pid(), from alloc_pid()",
        start: at("pidfs_prepare_pid"),
        skip: 300,
    },
    Op {
        name: "add_pid",
        what: "pidfs_add_pid(), from alloc_pid()",
        start: at("pidfs_add_pid"),
        skip: 300,
    },
    Op {
        name: "exit",
        what: "pidfs_exit(), from release_task()",
        start: at("pidfs_exit"),
        skip: 300,
    },
    Op {
        name: "remove_pid",
        what: "pidfs_remove_pid(), from free_pid()",
        start: at("pidfs_remove_pid"),
        skip: 40,
    },
];

pub fn op(name: &str) -> Option<&'static Op> {
    OPS.iter().find(|o| o.name == name)
}

/// The gdb script. It reads its parameters from the environment, stops at
/// the operation, single-steps it to the return and writes one program
/// counter per line.
const GDB_SCRIPT: &str = r#"
import gdb, os
gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("target remote 127.0.0.1:" + os.environ["WB_TRACE_PORT"])
bp = gdb.Breakpoint(os.environ["WB_TRACE_FUNCTION"])
if os.environ["WB_TRACE_COND"]:
    bp.condition = os.environ["WB_TRACE_COND"]
bp.ignore_count = int(os.environ["WB_TRACE_SKIP"])
gdb.execute("continue")
bp.delete()
mask = (1 << 64) - 1
def reg(r):
    return int(gdb.parse_and_eval(r)) & mask
rsp0 = reg("$rsp")
ret = int(gdb.parse_and_eval("*(unsigned long *)$rsp")) & mask
pcs = []
done = False
for _ in range(int(os.environ["WB_TRACE_MAX"])):
    pc = reg("$pc")
    if pc == ret and reg("$rsp") > rsp0:
        done = True
        break
    pcs.append(pc)
    gdb.execute("stepi", to_string=True)
with open(os.environ["WB_TRACE_OUT"], "w") as f:
    for pc in pcs:
        f.write("%x\n" % pc)
    f.write("end\n" if done else "cut\n")
gdb.execute("kill")
"#;

/// The most instructions traced for one operation.
const MAX_STEPS: u32 = 100_000;

/// Text symbols of `nm -n --demangle`, sorted by address.
pub fn parse_nm(text: &str) -> Vec<(u64, String)> {
    let mut v: Vec<(u64, String)> = text
        .lines()
        .filter_map(|l| {
            let mut it = l.splitn(3, ' ');
            let addr = u64::from_str_radix(it.next()?, 16).ok()?;
            let kind = it.next()?;
            let name = it.next()?;
            matches!(kind, "t" | "T" | "w" | "W").then(|| (addr, name.to_string()))
        })
        .collect();
    v.sort_by_key(|s| s.0);
    v
}

/// The recorded program counters, and whether the operation ran to its
/// end (`end`) rather than being cut at the step limit (`cut`).
pub fn parse_pcs(text: &str) -> std::result::Result<(Vec<u64>, bool), String> {
    let mut pcs = Vec::new();
    let mut end = None;
    for (i, l) in text.lines().enumerate() {
        match l.trim() {
            "end" => end = Some(true),
            "cut" => end = Some(false),
            "" => {}
            t => {
                pcs.push(u64::from_str_radix(t, 16).map_err(|_| format!("line {}: `{t}`", i + 1))?)
            }
        }
    }
    match end {
        Some(done) => Ok((pcs, done)),
        None => Err("no `end` or `cut` line: gdb did not finish".into()),
    }
}

/// The function each program counter is in.
pub fn symbolize(syms: &[(u64, String)], pc: u64) -> &str {
    match syms.partition_point(|s| s.0 <= pc) {
        0 => "?",
        i => &syms[i - 1].1,
    }
}

/// Instructions per function, in the order the functions were first
/// entered.
pub fn per_function(syms: &[(u64, String)], pcs: &[u64]) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for &pc in pcs {
        let f = symbolize(syms, pc);
        match at.get(f) {
            Some(&i) => out[i].1 += 1,
            None => {
                at.insert(f, out.len());
                out.push((f.to_string(), 1));
            }
        }
    }
    out
}

/// Instructions of `objdump -d --no-show-raw-insn` by address.
pub fn parse_objdump(text: &str) -> HashMap<u64, String> {
    text.lines()
        .filter_map(|l| {
            let (a, ins) = l.trim().split_once(':')?;
            if a.contains(' ') {
                return None;
            }
            Some((u64::from_str_radix(a, 16).ok()?, ins.trim().to_string()))
        })
        .collect()
}

/// What kind of work an instruction is, for TCG: (memory access, call).
/// `lea` and `nop` only look like memory operands; push, pop, call, ret and
/// string instructions access memory without one.
pub fn kind(ins: &str) -> (bool, bool) {
    let op = ins.split_whitespace().next().unwrap_or("");
    let call = op.starts_with("call");
    let mem = (ins.contains('(') && !op.starts_with("lea") && !op.starts_with("nop"))
        || ["push", "pop", "call", "ret", "rep", "stos", "movs"]
            .iter()
            .any(|p| op.starts_with(p));
    (mem, call)
}

/// Totals of one trace: instructions, memory accesses, calls.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub insns: usize,
    pub mem: usize,
    pub calls: usize,
}

pub fn totals(pcs: &[u64], dis: &HashMap<u64, String>) -> Totals {
    let mut t = Totals::default();
    for pc in pcs {
        t.insns += 1;
        if let Some(ins) = dis.get(pc) {
            let (m, c) = kind(ins);
            t.mem += usize::from(m);
            t.calls += usize::from(c);
        }
    }
    t
}

/// One traced operation of one kernel.
pub struct Traced {
    pub functions: Vec<(String, usize)>,
    pub totals: Totals,
}

/// The side-by-side table of one operation: every function of either
/// kernel, C's order first, then those only Rust entered.
pub fn side_by_side(c: &Traced, rust: &Traced) -> Vec<(String, usize, usize)> {
    let mut rows: Vec<(String, usize, usize)> = c
        .functions
        .iter()
        .map(|(f, n)| (f.clone(), *n, 0))
        .collect();
    for (f, n) in &rust.functions {
        match rows.iter_mut().find(|r| &r.0 == f) {
            Some(r) => r.2 = *n,
            None => rows.push((f.clone(), 0, *n)),
        }
    }
    rows
}

pub fn markdown(op: &Op, c: &Traced, rust: &Traced, labels: (&str, &str)) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## {} — {}\n", op.name, op.what);
    let _ = writeln!(
        s,
        "| | C ({}) | Rust ({}) | Rust − C |\n|---|---:|---:|---:|",
        labels.0, labels.1
    );
    let d = |a: usize, b: usize| b as i64 - a as i64;
    for (what, a, b) in [
        ("instructions", c.totals.insns, rust.totals.insns),
        ("memory accesses", c.totals.mem, rust.totals.mem),
        ("calls", c.totals.calls, rust.totals.calls),
    ] {
        let _ = writeln!(s, "| **{what}** | {a} | {b} | {:+} |", d(a, b));
    }
    for (f, a, b) in side_by_side(c, rust) {
        let mark = if a == b { "" } else { "**" };
        let _ = writeln!(s, "| `{f}` | {a} | {b} | {mark}{:+}{mark} |", d(a, b));
    }
    s.push('\n');
    s
}

fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Error::io("find a free TCP port for QEMU's gdb stub", e))?;
    Ok(l.local_addr()
        .map_err(|e| Error::io("find a free TCP port for QEMU's gdb stub", e))?
        .port())
}

fn text_of(cmd: &mut Command, what: &str) -> Result<String> {
    let out = cmd
        .output()
        .map_err(|e| Error::io(format!("run {what}"), e))?;
    if !out.status.success() {
        return Err(Error::Boot {
            what: format!("{what} failed: {}", String::from_utf8_lossy(&out.stderr)),
            hint: "is binutils installed? `scripts/wb setup` installs it".into(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Boots `bzimage` with the gdb stub and traces `op`; returns the program
/// counters.
fn trace_one(
    bzimage: &Path,
    vmlinux: &Path,
    g: &guest::Guest,
    op: &Op,
    dir: &Path,
    config: &str,
) -> Result<Vec<u64>> {
    let port = free_port()?;
    let script = dir.join("trace.py");
    std::fs::write(&script, GDB_SCRIPT)
        .map_err(|e| Error::io(format!("write {}", script.display()), e))?;
    let pcs_file = dir.join(format!("{}-{config}.pcs", op.name));
    let _ = std::fs::remove_file(&pcs_file);
    let log = |s: &str| dir.join(format!("{}-{config}.{s}", op.name));
    let open = |p: PathBuf| {
        std::fs::File::create(&p).map_err(|e| Error::io(format!("create {}", p.display()), e))
    };
    // nokaslr: the addresses gdb sees are those of vmlinux.
    let mut qemu = qemu::command(
        qemu::TCG,
        bzimage,
        &g.initramfs,
        "nokaslr kunit.enable=0 pidfs_bench.reps=1 pidfs_bench.scale=20",
        &log("console.log"),
        &log("guest.log"),
    )
    .arg("-gdb")
    .arg(format!("tcp:127.0.0.1:{port}"))
    .stdout(open(log("qemu.log"))?)
    .stderr(open(log("qemu.log"))?)
    .spawn()
    .map_err(|e| Error::Boot {
        what: format!("cannot start qemu-system-x86_64: {e}"),
        hint: "run `scripts/wb setup`".into(),
    })?;
    // QEMU opens the stub before it runs the guest; wait until it listens.
    let listening = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if listening.elapsed() > Duration::from_secs(30) {
            let _ = qemu.kill();
            let _ = qemu.wait();
            return Err(Error::Boot {
                what: format!("QEMU's gdb stub did not listen on port {port} within 30 s"),
                hint: format!("see {}", log("qemu.log").display()),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = Command::new("gdb")
        .args(["-q", "-batch", "-nx", "-x"])
        .arg(&script)
        .arg(vmlinux)
        .env("WB_TRACE_PORT", port.to_string())
        .env("WB_TRACE_COND", op.start.condition.unwrap_or(""))
        .env("WB_TRACE_FUNCTION", op.start.function)
        .env("WB_TRACE_SKIP", op.skip.to_string())
        .env("WB_TRACE_MAX", MAX_STEPS.to_string())
        .env("WB_TRACE_OUT", &pcs_file)
        .stdin(Stdio::null())
        .stdout(open(log("gdb.log"))?)
        .stderr(open(log("gdb.log"))?)
        .status();
    let _ = qemu.kill();
    let _ = qemu.wait();
    status.map_err(|e| Error::Boot {
        what: format!("cannot run gdb: {e}"),
        hint: "install gdb (`apt-get install gdb`)".into(),
    })?;
    let text = std::fs::read_to_string(&pcs_file).map_err(|_| Error::Bench {
        what: format!(
            "{} on {config}: gdb wrote no trace (the guest may have ended before {} calls); \
             see {}",
            op.name,
            op.skip + 1,
            log("gdb.log").display()
        ),
        dir: dir.to_path_buf(),
    })?;
    let (pcs, done) = parse_pcs(&text).map_err(|e| Error::Bench {
        what: format!("{}: {e}", pcs_file.display()),
        dir: dir.to_path_buf(),
    })?;
    if !done {
        return Err(Error::Bench {
            what: format!(
                "{} on {config}: cut after {MAX_STEPS} instructions before it returned",
                op.name
            ),
            dir: dir.to_path_buf(),
        });
    }
    Ok(pcs)
}

fn analyse(vmlinux: &Path, pcs: &[u64]) -> Result<Traced> {
    let syms = parse_nm(&text_of(
        Command::new("nm").args(["-n", "--demangle"]).arg(vmlinux),
        "nm",
    )?);
    let functions = per_function(&syms, pcs);
    // Disassemble only the functions the trace entered.
    let mut dis = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for &pc in pcs {
        let i = syms.partition_point(|s| s.0 <= pc);
        if i == 0 || i >= syms.len() || !seen.insert(i) {
            continue;
        }
        dis.extend(parse_objdump(&text_of(
            Command::new("objdump")
                .args(["-d", "--no-show-raw-insn"])
                .arg(format!("--start-address={:#x}", syms[i - 1].0))
                .arg(format!("--stop-address={:#x}", syms[i].0))
                .arg(vmlinux),
            "objdump",
        )?));
    }
    Ok(Traced {
        functions,
        totals: totals(pcs, &dis),
    })
}

pub struct Options {
    pub ops: Vec<&'static Op>,
    pub kernels: PairOptions,
}

impl Options {
    /// The options of `wb trace` (see `cli.rs`).
    pub fn from_args(a: &mut crate::cli::Args) -> Result<Options> {
        let names = a.values("--op")?;
        let kernels = PairOptions::from_args(a)?;
        a.done()?;
        let ops = if names.is_empty() {
            OPS.iter().collect()
        } else {
            names
                .iter()
                .map(|n| {
                    op(n).ok_or_else(|| {
                        Error::Usage(format!(
                            "--op {n}: no such operation (one of: {})",
                            OPS.iter().map(|o| o.name).collect::<Vec<_>>().join(", ")
                        ))
                    })
                })
                .collect::<Result<Vec<_>>>()?
        };
        Ok(Options { ops, kernels })
    }
}

pub fn run(ctx: &Ctx, o: &Options) -> Result<()> {
    let start = Instant::now();
    for tool in ["gdb", "nm", "objdump", "qemu-system-x86_64"] {
        if util::which(tool).is_none() {
            return Err(Error::Setup {
                what: format!("{tool} is not installed"),
                hint: if tool == "gdb" {
                    "apt-get install gdb".into()
                } else {
                    "run `scripts/wb setup`".into()
                },
            });
        }
    }
    let pair = pair::kernels(ctx, &o.kernels, "trace")?;
    let clippy = pair.iter().any(|k| k.clippy);
    let kernels: Vec<(PathBuf, PathBuf, String)> = pair
        .into_iter()
        .map(|k| (k.bzimage, k.vmlinux, k.config.name()))
        .collect();
    let g = bench::bench_guest(ctx, 1800)?;
    let dir = ctx
        .out_dir()
        .join("trace")
        .join(o.kernels.run_name(&bench::stamp(), ""));
    util::mkdir(&dir)?;
    let mut md = format!(
        "# pidfs trace: instructions per function, C (fs-pid-n) and Rust (fs-pid-y)\n\n\
         - toolchain: **{}** — {}\n\
         - build: **{}** — {}\n\
         - Rust compiler: **{}** — {}\n\
         - method: QEMU TCG with its gdb stub; gdb lets the benchmark guest make the \
         operation's first calls, then single-steps one call from the first instruction of its \
         function (for a system call its `__x64_sys_*` function) to the return. One \
         instruction per step, so a `rep` instruction counts once per iteration, as with \
         `-icount`.\n\
         - \"memory accesses\" counts instructions with a memory operand and push, pop, call, \
         ret and string instructions: under TCG each goes through the soft TLB.\n\n",
        o.kernels.toolchain_name(),
        crate::bench_report::toolchain_text(o.kernels.llvm),
        o.kernels.build_name(),
        crate::bench_report::build_text(o.kernels.perf),
        crate::bench_report::rust_driver(clippy),
        crate::bench_report::rust_driver_text(clippy)
    );
    let total = o.ops.len() * kernels.len();
    let mut n = 0;
    for op in &o.ops {
        let mut traced = Vec::new();
        for (bz, vmlinux, config) in &kernels {
            n += 1;
            step(&format!(
                "trace: {n} of {total}: {} on {config} [{} so far]",
                op.name,
                fmt_duration(start.elapsed())
            ));
            let pcs = trace_one(bz, vmlinux, &g, op, &dir, config)?;
            let t = analyse(vmlinux, &pcs)?;
            info(&format!(
                "{} instructions, {} memory accesses, {} calls",
                t.totals.insns, t.totals.mem, t.totals.calls
            ));
            traced.push(t);
        }
        md.push_str(&markdown(
            op,
            &traced[0],
            &traced[1],
            (&kernels[0].2, &kernels[1].2),
        ));
    }
    let report = dir.join("report.md");
    std::fs::write(&report, &md)
        .map_err(|e| Error::io(format!("write {}", report.display()), e))?;
    step(&format!(
        "trace: report in {} (took {})",
        report.display(),
        fmt_duration(start.elapsed())
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NM: &str = "\
ffffffff81000000 T _stext
ffffffff81000100 t helper
ffffffff81000010 T entry_SYSCALL_64
ffffffff81000200 D some_data
ffffffff81000180 W weak_fn
";

    #[test]
    fn nm_keeps_text_sorted() {
        let s = parse_nm(NM);
        let names: Vec<&str> = s.iter().map(|x| x.1.as_str()).collect();
        assert_eq!(names, ["_stext", "entry_SYSCALL_64", "helper", "weak_fn"]);
    }

    #[test]
    fn symbolize_and_count() {
        let s = parse_nm(NM);
        assert_eq!(symbolize(&s, 0xffffffff81000010), "entry_SYSCALL_64");
        assert_eq!(symbolize(&s, 0xffffffff810000ff), "entry_SYSCALL_64");
        assert_eq!(symbolize(&s, 0xffffffff81000100), "helper");
        assert_eq!(symbolize(&s, 0x1000), "?");
        let pcs = [
            0xffffffff81000010,
            0xffffffff81000104,
            0xffffffff81000108,
            0xffffffff81000014,
            0xffffffff81000190,
        ];
        assert_eq!(
            per_function(&s, &pcs),
            vec![
                ("entry_SYSCALL_64".to_string(), 2),
                ("helper".to_string(), 2),
                ("weak_fn".to_string(), 1)
            ]
        );
    }

    #[test]
    fn pcs_need_an_end() {
        assert_eq!(parse_pcs("a\nb\nend\n"), Ok((vec![0xa, 0xb], true)));
        assert_eq!(parse_pcs("a\ncut\n"), Ok((vec![0xa], false)));
        assert!(parse_pcs("a\nb\n").is_err());
        assert!(parse_pcs("a\nzz\nend\n").unwrap_err().contains("line 2"));
    }

    const OBJDUMP: &str = "
vmlinux:     file format elf64-x86-64

Disassembly of section .text:

ffffffff81000100 <helper>:
ffffffff81000100:\tendbr64
ffffffff81000104:\tpush   %rbx
ffffffff81000105:\tmov    0x8(%rdi),%rax
ffffffff81000109:\tlea    0x10(%rsp),%rsi
ffffffff8100010e:\tcall   ffffffff81000180 <weak_fn>
ffffffff81000113:\tmov    %rax,%rbx
ffffffff81000116:\tnopl   0x0(%rax)
ffffffff8100011a:\trep stos %eax,%es:(%rdi)
ffffffff8100011c:\tret
";

    #[test]
    fn objdump_and_kinds() {
        let d = parse_objdump(OBJDUMP);
        assert_eq!(d.len(), 9);
        assert_eq!(d[&0xffffffff81000105], "mov    0x8(%rdi),%rax");
        assert_eq!(kind(&d[&0xffffffff81000100]), (false, false));
        assert_eq!(kind(&d[&0xffffffff81000104]), (true, false));
        assert_eq!(kind(&d[&0xffffffff81000105]), (true, false));
        assert_eq!(kind(&d[&0xffffffff81000109]), (false, false));
        assert_eq!(kind(&d[&0xffffffff8100010e]), (true, true));
        assert_eq!(kind(&d[&0xffffffff81000113]), (false, false));
        assert_eq!(kind(&d[&0xffffffff81000116]), (false, false));
        assert_eq!(kind(&d[&0xffffffff8100011a]), (true, false));
        assert_eq!(kind(&d[&0xffffffff8100011c]), (true, false));
        // A rep instruction is one step per iteration.
        let pcs = [
            0xffffffff81000104,
            0xffffffff8100010e,
            0xffffffff8100011a,
            0xffffffff8100011a,
            0xffffffff81000113,
        ];
        assert_eq!(
            totals(&pcs, &d),
            Totals {
                insns: 5,
                mem: 4,
                calls: 1
            }
        );
    }

    #[test]
    fn table_has_every_function_once() {
        let c = Traced {
            functions: vec![("a".into(), 3), ("b".into(), 2)],
            totals: Totals {
                insns: 5,
                mem: 2,
                calls: 1,
            },
        };
        let r = Traced {
            functions: vec![
                ("a".into(), 3),
                ("rust_helper_x".into(), 4),
                ("b".into(), 1),
            ],
            totals: Totals {
                insns: 8,
                mem: 3,
                calls: 2,
            },
        };
        assert_eq!(
            side_by_side(&c, &r),
            vec![
                ("a".to_string(), 3, 3),
                ("b".to_string(), 2, 1),
                ("rust_helper_x".to_string(), 0, 4)
            ]
        );
        let md = markdown(&OPS[1], &c, &r, ("fs-pid-n", "fs-pid-y"));
        assert!(md.contains("| **instructions** | 5 | 8 | +3 |"), "{md}");
        assert!(md.contains("| `a` | 3 | 3 | +0 |"), "{md}");
        assert!(md.contains("| `rust_helper_x` | 0 | 4 | **+4** |"), "{md}");
    }

    #[test]
    fn ops_are_unique_and_found() {
        for o in OPS {
            assert!(std::ptr::eq(op(o.name).unwrap(), o));
        }
        assert!(op("nonesuch").is_none());
    }
}
