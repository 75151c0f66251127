// SPDX-License-Identifier: GPL-2.0
//! `wb size`: what the Rust pidfs costs in vmlinux against the C one, and how
//! many lines the series adds.
//!
//! Both kernels are built from the work tree with one toolchain and one
//! optimisation (`--perf`, `--llvm` as for `wb bench`): `fs-pid-n` links
//! fs/pidfs.c, `fs-pid-y` the Rust pidfs. `scripts/bloat-o-meter -c` compares
//! their vmlinux symbol by symbol; each symbol is put in a group (pidfs
//! itself, the kernel crate's code it pulls in, C helpers, the rest) and
//! `size` gives the section totals. The lines-of-code table counts what each
//! patch adds and removes, by area. Markdown and JSON go to
//! `out/size/<time>[-perf][-llvm]/`.

use crate::bench;
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::json::{self, num, obj, s, Value};
use crate::pair::{self, PairOptions};
use crate::util::{self, info, step};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

pub struct Options {
    pub kernels: PairOptions,
    /// Leave out the boots that read the per-pid slab figures.
    pub no_boot: bool,
}

impl Options {
    /// The options of `wb size` (see `cli.rs`).
    pub fn from_args(a: &mut crate::cli::Args) -> Result<Options> {
        let kernels = PairOptions::from_args(a)?;
        let no_boot = a.flag("--no-boot")?;
        a.done()?;
        Ok(Options { kernels, no_boot })
    }
}

/// A group of symbols in the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// pidfs itself: C `pidfs_*`/`pidfd_*` symbols, and the Rust symbols
    /// whose path starts in the `pidfs_rs` crate.
    Pidfs,
    /// Other Rust symbols: the kernel crate's code (and `core`'s generics)
    /// instantiated or kept for the Rust pidfs.
    KernelCrate,
    /// `rust_helper_*`: the C helpers the Rust code calls.
    Helpers,
    /// Everything else.
    Other,
}

impl Group {
    pub const ALL: [Group; 4] = [
        Group::Pidfs,
        Group::KernelCrate,
        Group::Helpers,
        Group::Other,
    ];

    pub fn of(symbol: &str) -> Group {
        if symbol.starts_with("_R") {
            // A v0 name spells its path from the outermost crate: code of
            // the kernel crate instantiated for `pidfs_rs::PidFs` names
            // `kernel` first and is the kernel crate's.
            match (symbol.find("8pidfs_rs"), symbol.find("6kernel")) {
                (Some(p), Some(k)) if p < k => Group::Pidfs,
                (Some(_), None) => Group::Pidfs,
                _ => Group::KernelCrate,
            }
        } else if symbol.starts_with("rust_helper_") {
            Group::Helpers
        } else if symbol.contains("pidfs") || symbol.contains("pidfd") {
            Group::Pidfs
        } else {
            Group::Other
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Group::Pidfs => "pidfs",
            Group::KernelCrate => "kernel crate (Rust)",
            Group::Helpers => "C helpers",
            Group::Other => "other",
        }
    }
}

/// One line of bloat-o-meter's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sym {
    /// `Function`, `Data` or `RO Data`.
    pub kind: String,
    pub name: String,
    pub old: u64,
    pub new: u64,
    pub delta: i64,
}

/// Parses `bloat-o-meter -c` output: per section a header line
/// (`Function  old  new  delta`), then one line per symbol whose size changed
/// (`-` for absent), until the `Total:` line.
pub fn parse_bloat(text: &str) -> Result<Vec<Sym>> {
    let mut out = Vec::new();
    let mut kind: Option<String> = None;
    let bad = |line: &str| Error::Usage(format!("bloat-o-meter: unexpected line `{line}`"));
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() || line.starts_with("add/remove:") {
            continue;
        }
        if line.starts_with("Total:") {
            kind = None;
            continue;
        }
        if words.len() >= 4 && words[words.len() - 3..] == ["old", "new", "delta"] {
            kind = Some(words[..words.len() - 3].join(" "));
            continue;
        }
        let Some(k) = &kind else {
            return Err(bad(line));
        };
        if words.len() < 4 {
            return Err(bad(line));
        }
        let n = words.len();
        let size = |w: &str| -> Result<u64> {
            if w == "-" {
                Ok(0)
            } else {
                w.parse().map_err(|_| bad(line))
            }
        };
        out.push(Sym {
            kind: k.clone(),
            name: words[..n - 3].join(" "),
            old: size(words[n - 3])?,
            new: size(words[n - 2])?,
            delta: words[n - 1].parse().map_err(|_| bad(line))?,
        });
    }
    Ok(out)
}

/// `size`'s totals for one file: text, data, bss.
pub fn parse_size(text: &str) -> Result<(u64, u64, u64)> {
    let line = text
        .lines()
        .nth(1)
        .ok_or_else(|| Error::Usage(format!("size: no figures in `{}`", text.trim())))?;
    let w: Vec<u64> = line
        .split_whitespace()
        .take(3)
        .map(|x| x.parse().unwrap_or(u64::MAX))
        .collect();
    match w[..] {
        [t, d, b] if t != u64::MAX && d != u64::MAX && b != u64::MAX => Ok((t, d, b)),
        _ => Err(Error::Usage(format!("size: unexpected line `{line}`"))),
    }
}

/// Lines-of-code areas of the series.
pub const AREAS: [(&str, &str); 7] = [
    ("Rust pidfs", "fs/pidfs_rs"),
    ("Rust abstractions (rust/kernel)", "rust/kernel/"),
    ("C helpers (rust/helpers)", "rust/helpers/"),
    ("bindings", "rust/bindings/"),
    ("selftests", "tools/testing/"),
    ("documentation", "Documentation/"),
    ("C (fs, kernel, include, build files)", ""),
];

/// Lines added and removed per area (index into [`AREAS`]) over `patches`
/// (file name, text), from their diffs.
pub fn loc(patches: &[(String, String)]) -> Vec<(u64, u64)> {
    let mut out = vec![(0u64, 0u64); AREAS.len()];
    for (_, text) in patches {
        let mut area = AREAS.len() - 1;
        let mut in_hunk = false;
        for line in text.lines() {
            if let Some(path) = line.strip_prefix("diff --git a/") {
                let path = path.split(" b/").next().unwrap_or(path);
                area = AREAS
                    .iter()
                    .position(|(_, p)| !p.is_empty() && path.starts_with(p))
                    .unwrap_or(AREAS.len() - 1);
                in_hunk = false;
            } else if line.starts_with("@@") {
                in_hunk = true;
            } else if line == "-- " {
                // The signature separator of format-patch ends the last hunk.
                in_hunk = false;
            } else if in_hunk && line.starts_with('+') {
                out[area].0 += 1;
            } else if in_hunk && line.starts_with('-') {
                out[area].1 += 1;
            }
        }
    }
    out
}

/// Per group and section kind: (old, new) totals of the changed symbols.
fn by_group(syms: &[Sym]) -> Vec<(Group, u64, u64, usize)> {
    Group::ALL
        .iter()
        .map(|g| {
            let mine: Vec<&Sym> = syms.iter().filter(|x| Group::of(&x.name) == *g).collect();
            (
                *g,
                mine.iter().map(|x| x.old).sum(),
                mine.iter().map(|x| x.new).sum(),
                mine.len(),
            )
        })
        .collect()
}

pub struct Report {
    pub build: String,
    pub toolchain: String,
    /// The Rust compiler driver of the kernels (`rustc`, `clippy-driver`).
    pub rust_driver: String,
    pub syms: Vec<Sym>,
    pub size_c: (u64, u64, u64),
    pub size_rust: (u64, u64, u64),
    pub loc: Vec<(u64, u64)>,
    pub c_pidfs_lines: u64,
    pub tree_head: String,
    pub series_sha256: String,
    /// The work tree was exactly patches/ when the kernels were built.
    pub tree_is_series: bool,
    /// The per-pid slab cache of the C and the Rust kernel, read from each
    /// booted kernel; None with `--no-boot`.
    pub memory: Option<[Option<crate::bench_figures::Slab>; 2]>,
}

pub fn markdown(r: &Report) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "# pidfs size: Rust (fs-pid-y) vs C (fs-pid-n)\n");
    let _ = writeln!(
        m,
        "- build: **{}**; toolchain: **{}**; Rust compiler: **{}**",
        r.build, r.toolchain, r.rust_driver
    );
    let _ = writeln!(
        m,
        "- tree: {} (series sha256 {}); {}\n",
        r.tree_head,
        r.series_sha256,
        if r.tree_is_series {
            "the kernels are exactly patches/"
        } else {
            "**the kernels are NOT patches/ as checked in** (the work tree differs)"
        }
    );
    let _ = writeln!(m, "## vmlinux sections (`size`)\n");
    let _ = writeln!(
        m,
        "| | text | data | bss | total |\n|---|---:|---:|---:|---:|"
    );
    for (label, (t, d, b)) in [("C pidfs", r.size_c), ("Rust pidfs", r.size_rust)] {
        let _ = writeln!(m, "| {label} | {t} | {d} | {b} | {} |", t + d + b);
    }
    let (a, b) = (r.size_c, r.size_rust);
    let _ = writeln!(
        m,
        "| Rust − C | {:+} | {:+} | {:+} | {:+} |\n",
        b.0 as i64 - a.0 as i64,
        b.1 as i64 - a.1 as i64,
        b.2 as i64 - a.2 as i64,
        (b.0 + b.1 + b.2) as i64 - (a.0 + a.1 + a.2) as i64
    );
    let _ = writeln!(
        m,
        "## Symbols that differ (`scripts/bloat-o-meter -c`), by group\n\n\
         Sizes in bytes of the symbols whose size differs between the two \
         kernels; a symbol in one kernel only counts 0 in the other.\n"
    );
    let _ = writeln!(
        m,
        "| group | symbols | C | Rust | delta |\n|---|---:|---:|---:|---:|"
    );
    for (g, old, new, n) in by_group(&r.syms) {
        let _ = writeln!(
            m,
            "| {} | {n} | {old} | {new} | {:+} |",
            g.name(),
            new as i64 - old as i64
        );
    }
    for g in Group::ALL {
        let mut mine: Vec<&Sym> = r.syms.iter().filter(|x| Group::of(&x.name) == g).collect();
        if mine.is_empty() {
            continue;
        }
        mine.sort_by_key(|x| -(x.delta.abs()));
        let _ = writeln!(m, "\n### {} (largest changes)\n", g.name());
        let _ = writeln!(
            m,
            "| symbol | kind | C | Rust | delta |\n|---|---|---:|---:|---:|"
        );
        for x in mine.iter().take(15) {
            let _ = writeln!(
                m,
                "| `{}` | {} | {} | {} | {:+} |",
                x.name, x.kind, x.old, x.new, x.delta
            );
        }
    }
    let _ = writeln!(
        m,
        "\n## Memory per pid\n\nThe slab cache `pidfs_attr_cache`: one object per pid that \
         had a pidfd, as each booted kernel reports it in /sys/kernel/slab/.\n"
    );
    match &r.memory {
        Some(slab) => {
            for l in crate::bench_report::memory_lines(slab) {
                let _ = writeln!(m, "- {l}");
            }
        }
        None => {
            let _ = writeln!(m, "- not measured (`--no-boot`)");
        }
    }
    let _ = writeln!(
        m,
        "\n## Lines of code\n\nfs/pidfs.c: {} lines. What the patches add and remove:\n",
        r.c_pidfs_lines
    );
    let _ = writeln!(m, "| area | added | removed |\n|---|---:|---:|");
    for ((name, _), (add, del)) in AREAS.iter().zip(&r.loc) {
        let _ = writeln!(m, "| {name} | {add} | {del} |");
    }
    m
}

pub fn json(r: &Report) -> String {
    let sz = |x: (u64, u64, u64)| {
        obj([
            ("text", num(x.0 as f64)),
            ("data", num(x.1 as f64)),
            ("bss", num(x.2 as f64)),
        ])
    };
    obj([
        ("version", num(1.0)),
        ("build", s(r.build.as_str())),
        ("toolchain", s(r.toolchain.as_str())),
        ("rust_driver", s(r.rust_driver.as_str())),
        ("tree_head", s(r.tree_head.as_str())),
        ("series_sha256", s(r.series_sha256.as_str())),
        ("tree_is_series", Value::Bool(r.tree_is_series)),
        ("size_c", sz(r.size_c)),
        ("size_rust", sz(r.size_rust)),
        (
            "groups",
            Value::Arr(
                by_group(&r.syms)
                    .into_iter()
                    .map(|(g, old, new, n)| {
                        obj([
                            ("group", s(g.name())),
                            ("symbols", num(n as f64)),
                            ("c", num(old as f64)),
                            ("rust", num(new as f64)),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "symbols",
            Value::Arr(
                r.syms
                    .iter()
                    .map(|x| {
                        obj([
                            ("name", s(x.name.as_str())),
                            ("kind", s(x.kind.as_str())),
                            ("group", s(Group::of(&x.name).name())),
                            ("c", num(x.old as f64)),
                            ("rust", num(x.new as f64)),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "memory_per_pid",
            match &r.memory {
                Some(slab) => crate::bench_report::memory_json(slab),
                None => Value::Null,
            },
        ),
        ("c_pidfs_lines", num(r.c_pidfs_lines as f64)),
        (
            "loc",
            Value::Arr(
                AREAS
                    .iter()
                    .zip(&r.loc)
                    .map(|((name, _), (a, d))| {
                        obj([
                            ("area", s(*name)),
                            ("added", num(*a as f64)),
                            ("removed", num(*d as f64)),
                        ])
                    })
                    .collect(),
            ),
        ),
    ])
    .to_json()
}

fn tool(dir: &Path, prog: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(prog)
        .current_dir(dir)
        .args(args)
        .output()
        .map_err(|e| Error::io(format!("run {prog}"), e))?;
    if !out.status.success() {
        return Err(Error::Usage(format!(
            "{prog} {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn run(ctx: &Ctx, o: &Options) -> Result<()> {
    let tree = ctx.work_tree();
    let kernels = pair::kernels(ctx, &o.kernels, "size")?;
    let vmlinux: Vec<String> = kernels
        .iter()
        .map(|k| k.vmlinux.to_string_lossy().into_owned())
        .collect();
    let memory = if o.no_boot {
        None
    } else {
        let g = bench::bench_guest(ctx, 120)?;
        let stamp = bench::stamp();
        let mut slab: [Option<crate::bench_figures::Slab>; 2] = [None, None];
        for (i, k) in kernels.iter().enumerate() {
            step(&format!(
                "size: booting the {} pidfs kernel ({}) for its slab figures",
                k.label, k.config
            ));
            let dir = ctx
                .out_dir()
                .join("size")
                .join(format!("{stamp}-boot-{}", k.config));
            let what = format!("{} pidfs ({})", k.label, k.config);
            let one = bench::slab_of(&k.bzimage, &g, &dir, &what)?;
            info(&format!("{} pidfs: {}", k.label, one.text()));
            slab[i] = Some(one);
        }
        Some(slab)
    };
    step("size: bloat-o-meter and size");
    let bloat = tool(
        &tree,
        "python3",
        &["scripts/bloat-o-meter", "-c", &vmlinux[0], &vmlinux[1]],
    )?;
    let syms = parse_bloat(&bloat)?;
    let size_c = parse_size(&tool(&tree, "size", &[&vmlinux[0]])?)?;
    let size_rust = parse_size(&tool(&tree, "size", &[&vmlinux[1]])?)?;
    let patches = crate::series::read_patches(&ctx.patches_dir())?;
    let c_pidfs = tool(&tree, "git", &["show", "HEAD:fs/pidfs.c"])?;
    let (series_sha256, tree_head, _) = bench::series_info(ctx);
    let r = Report {
        build: o.kernels.build_name().into(),
        toolchain: o.kernels.toolchain_name().into(),
        rust_driver: crate::bench_report::rust_driver(kernels.iter().any(|k| k.clippy)).into(),
        syms,
        size_c,
        size_rust,
        loc: loc(&patches),
        c_pidfs_lines: c_pidfs.lines().count() as u64,
        tree_head,
        series_sha256,
        tree_is_series: bench::tree_is_series(ctx),
        memory,
    };
    let dir = ctx
        .out_dir()
        .join("size")
        .join(o.kernels.run_name(&bench::stamp(), ""));
    util::mkdir(&dir)?;
    util::write(&dir.join("report.md"), markdown(&r).as_bytes())?;
    util::write(&dir.join("report.json"), json(&r).as_bytes())?;
    util::write(&dir.join("bloat-o-meter.txt"), bloat.as_bytes())?;
    let _ = json::parse(&json(&r)).map_err(|e| Error::Usage(format!("size: bad JSON: {e}")))?;
    println!("{}", markdown(&r));
    println!("report: {}", dir.join("report.md").display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `pidfs_attr_cache` figures of a kernel whose object is `size` bytes.
    fn slab_of(size: u64) -> crate::bench_figures::Slab {
        crate::bench_figures::Slab::Figures(crate::bench_figures::SlabFigures {
            object_size: size,
            slab_size: 64,
            align: 64,
            objs_per_slab: 64,
            aliases: 0,
        })
    }

    const BLOAT: &str = "\
add/remove: 3/2 grow/shrink: 1/0 up/down: 900/-700 (200)
Function                                     old     new   delta
_RNvNtCs1abc_8pidfs_rs4attr10pidfs_exit        -     400    +400
_RINvNtNtCs2xyz_6kernel2fs6pseudo5ioctlNtCs1abc_8pidfs_rs5PidFsEBT_   -     100    +100
rust_helper_get_pid                            -      40     +40
pidfs_exit                                   350       -    -350
pidfd_poll                                   200       -    -200
do_exit                                      900    1000    +100
Total: Before=10000, After=10090, chg +0.90%
add/remove: 0/1 grow/shrink: 0/0 up/down: 0/-150 (-150)
Data                                         old     new   delta
pidfs_attr_cachep                            150       -    -150
Total: Before=500, After=350, chg -30.00%
add/remove: 1/0 grow/shrink: 0/0 up/down: 260/0 (260)
RO Data                                      old     new   delta
_RNvNtCs1abc_8pidfs_rs10PIDFS_FOPS             -     260    +260
Total: Before=100, After=360, chg +260.00%
";

    #[test]
    fn bloat_o_meter_sections_and_groups() {
        let syms = parse_bloat(BLOAT).unwrap();
        assert_eq!(syms.len(), 8);
        assert_eq!(syms[3].name, "pidfs_exit");
        assert_eq!((syms[3].old, syms[3].new, syms[3].delta), (350, 0, -350));
        assert_eq!(syms[6].kind, "Data");
        assert_eq!(syms[7].kind, "RO Data");
        // A kernel trait implemented by pidfs_rs is pidfs'; kernel code
        // instantiated for PidFs is the kernel crate's.
        assert_eq!(
            Group::of("_RNvXs_Cs1_8pidfs_rsNtB4_5PidFsNtNtCs2_6kernel2fs8PseudoFs4poll"),
            Group::Pidfs
        );
        assert_eq!(Group::of(&syms[1].name), Group::KernelCrate);
        let g = by_group(&syms);
        // pidfs: C 350 + 200 + 150 gone, Rust 400 + 260 added.
        assert_eq!(g[0], (Group::Pidfs, 700, 660, 5));
        assert_eq!(g[1], (Group::KernelCrate, 0, 100, 1));
        assert_eq!(g[2], (Group::Helpers, 0, 40, 1));
        assert_eq!(g[3], (Group::Other, 900, 1000, 1));
        let md = markdown(&Report {
            build: "perf".into(),
            toolchain: "gcc".into(),
            rust_driver: "rustc".into(),
            syms,
            size_c: (1000, 200, 50),
            size_rust: (1100, 190, 50),
            loc: vec![(1, 0); AREAS.len()],
            c_pidfs_lines: 1200,
            tree_head: "abc".into(),
            series_sha256: "def".into(),
            tree_is_series: true,
            memory: Some([Some(slab_of(56)), Some(slab_of(48))]),
        });
        assert!(md.contains("| Rust − C | +100 | -10 | +0 | +90 |"), "{md}");
        assert!(
            md.contains("- Rust (fs-pid-y): object_size 48 B, slab_size 64 B (align 64), 64 per slab, not merged"),
            "{md}"
        );
        assert!(md.contains("| pidfs | 5 | 700 | 660 | -40 |"), "{md}");
    }

    #[test]
    fn bloat_o_meter_refuses_what_it_does_not_know() {
        assert!(parse_bloat("pidfs_exit 1 2 +1\n").is_err());
        assert!(parse_bloat("Function old new delta\nx 1 two +1\n").is_err());
        assert_eq!(
            parse_size("   text\t   data\t    bss\t    dec\t    hex\tfilename\n 100\t 20\t 3\t 123\t 7b\tvmlinux\n")
                .unwrap(),
            (100, 20, 3)
        );
        assert!(parse_size("text data\n").is_err());
    }

    #[test]
    fn lines_by_area() {
        let p = "Subject: x\n---\n fs/pidfs_rs.rs | 2 +\n\n\
                 diff --git a/fs/pidfs_rs.rs b/fs/pidfs_rs.rs\n--- a/fs/pidfs_rs.rs\n\
                 +++ b/fs/pidfs_rs.rs\n@@ -1,1 +1,2 @@\n a\n+b\n+c\n-d\n\
                 diff --git a/rust/helpers/pid.c b/rust/helpers/pid.c\n--- /dev/null\n\
                 +++ b/rust/helpers/pid.c\n@@ -0,0 +1 @@\n+x\n\
                 diff --git a/kernel/exit.c b/kernel/exit.c\n@@ -1 +1 @@\n-y\n+z\n-- \n2.39.5\n";
        let l = loc(&[("0001-x.patch".into(), p.into())]);
        assert_eq!(l[0], (2, 1));
        assert_eq!(l[2], (1, 0));
        assert_eq!(l[AREAS.len() - 1], (1, 1));
        assert_eq!(l[1], (0, 0));
    }
}
