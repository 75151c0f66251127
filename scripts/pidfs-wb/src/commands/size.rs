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
//! patch adds and removes, by area.
//!
//! A second comparison shows what the series costs every Rust kernel that
//! does not select the Rust pidfs. Both of its kernels are built from
//! `kconfig/rust-no-fs-pid.config` in the flavour of the pair, as a
//! distribution builds a Rust kernel without the Rust pidfs: `FS_PID=n`, no
//! pseudo filesystem abstractions, no KUnit and no doctests (test code the
//! pair's kernels have). The series' kernel is
//! `rust-no-fs-pid[+flavour]` from the work tree
//! ([`crate::pair::lean_kernel`]); the base kernel is the base commit with
//! no patch (a clean checkout of its own, [`crate::ctx::Ctx::base_tree`],
//! built in `base`, `base+perf`, … from the same fragments less the symbols
//! the series adds, by the same toolchain and Rust driver, see
//! [`crate::pair::base_kernel`]). Same groups; `--no-base` leaves it out. Markdown and JSON go to
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
    /// Leave out the base kernel and comparison (b).
    pub no_base: bool,
}

impl Options {
    /// The options of `wb size` (see `cli.rs`).
    pub fn from_args(a: &mut crate::cli::Args) -> Result<Options> {
        let kernels = PairOptions::from_args(a)?;
        let no_boot = a.flag("--no-boot")?;
        let no_base = a.flag("--no-base")?;
        a.done()?;
        Ok(Options {
            kernels,
            no_boot,
            no_base,
        })
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

/// A source tree's path as the Rust doctests' symbol names spell it: every
/// character but a letter or a digit becomes `_`.
pub fn mangled_path(path: &str) -> String {
    path.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// `name` with the source tree path `from` (as [`mangled_path`] spells it)
/// replaced by `to` in the identifiers of the Rust doctests
/// (`<length>__doctest_main_<path>_<file>_<line>_<column>` in a v0 name),
/// their lengths adjusted.
fn rename_tree(name: &str, from: &str, to: &str) -> String {
    const DOCTEST: &str = "__doctest_main_";
    let mut out = String::new();
    let mut rest = name;
    while let Some(p) = rest.find(DOCTEST) {
        let digits = rest[..p]
            .bytes()
            .rev()
            .take_while(u8::is_ascii_digit)
            .count();
        let len: Option<usize> = rest[p - digits..p].parse().ok();
        match len.and_then(|l| rest.get(p..p + l)) {
            Some(ident) if ident.contains(from) => {
                let l = ident.len();
                let ident = ident.replacen(from, to, 1);
                out.push_str(&rest[..p - digits]);
                let _ = write!(out, "{}{ident}", ident.len());
                rest = &rest[p + l..];
            }
            _ => {
                out.push_str(&rest[..p + DOCTEST.len()]);
                rest = &rest[p + DOCTEST.len()..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Pairs the symbols whose names differ only by the path of the source tree
/// (the old kernel's `from`, the new one's `to`, as [`mangled_path`] spells
/// them): bloat-o-meter sees a removed and an added symbol; joined under the
/// new name they count once, and not at all when their size is the same.
/// Returns the symbols and how many pairs were joined.
pub fn pair_renamed(syms: Vec<Sym>, from: &str, to: &str) -> (Vec<Sym>, usize) {
    if from == to || from.is_empty() {
        return (syms, 0);
    }
    let mut out: Vec<Sym> = Vec::new();
    let mut pairs = 0;
    for mut x in syms {
        x.name = rename_tree(&x.name, from, to);
        match out
            .iter_mut()
            .find(|y| y.kind == x.kind && y.name == x.name && (y.old == 0) != (x.old == 0))
        {
            Some(y) => {
                y.old += x.old;
                y.new += x.new;
                y.delta = y.new as i64 - y.old as i64;
                pairs += 1;
            }
            None => out.push(x),
        }
    }
    out.retain(|x| x.old != x.new);
    (out, pairs)
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

/// The options whose value differs between two `.config` files: (name,
/// value in the first, value in the second), `n` for an option that is not
/// set or absent (the same to Kconfig), sorted by name.
pub fn config_diff(a: &str, b: &str) -> Vec<(String, String, String)> {
    let (a, b) = (crate::kconfig::parse(a), crate::kconfig::parse(b));
    let value =
        |m: &std::collections::BTreeMap<String, crate::kconfig::Value>, k: &str| match m.get(k) {
            Some(crate::kconfig::Value::Set(v)) => v.clone(),
            _ => "n".to_string(),
        };
    let names: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    names
        .into_iter()
        .filter_map(|k| {
            let (x, y) = (value(&a, k), value(&b, k));
            (x != y).then(|| (k.clone(), x, y))
        })
        .collect()
}

/// `Linux VERSION.PATCHLEVEL.SUBLEVEL[EXTRAVERSION]` from a kernel Makefile.
pub fn kernel_version(makefile: &str) -> Option<String> {
    let field = |name: &str| {
        makefile.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == name).then(|| v.trim().to_string())
        })
    };
    let (v, p, sub) = (field("VERSION")?, field("PATCHLEVEL")?, field("SUBLEVEL")?);
    if v.is_empty() || p.is_empty() {
        return None;
    }
    let extra = field("EXTRAVERSION").unwrap_or_default();
    Some(format!(
        "Linux {v}.{p}{}{extra}",
        if sub.is_empty() || sub == "0" {
            String::new()
        } else {
            format!(".{sub}")
        }
    ))
}

/// Comparison (b): the base commit with no patch against the series with
/// `CONFIG_FS_PID=n` (`rust-no-fs-pid` of the same flavour), in one
/// toolchain, both without test code.
pub struct BaseCmp {
    /// The commit-ish of the base (`pidfs-base-7.3.4`, or `WB_BASE_REF`).
    pub base_ref: String,
    /// The base commit; None when `--no-build` found no base tree.
    pub base_commit: Option<String>,
    /// `Linux 7.3.4`, from the base tree's Makefile.
    pub base_version: Option<String>,
    /// The configurations (build directories): `base+perf`, `rust-no-fs-pid+perf`.
    pub config_base: String,
    pub config_series: String,
    /// bloat-o-meter's lines, old = base, new = series.
    pub syms: Vec<Sym>,
    pub size_base: (u64, u64, u64),
    pub size_series: (u64, u64, u64),
    /// [`config_diff`] of the base's `.config` and the series'.
    pub config_diff: Vec<(String, String, String)>,
    /// Pairs of symbols whose names differ only by the source tree's path
    /// ([`pair_renamed`]), joined in `syms`.
    pub renamed: usize,
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
    /// Comparison (b); None with `--no-base`.
    pub base: Option<BaseCmp>,
}

fn total(x: (u64, u64, u64)) -> u64 {
    x.0 + x.1 + x.2
}

/// The `size` table of two kernels: a row each, then the difference.
fn size_table(m: &mut String, rows: [(&str, (u64, u64, u64)); 2], delta: &str) {
    let _ = writeln!(
        m,
        "| | text | data | bss | total |\n|---|---:|---:|---:|---:|"
    );
    for (label, x) in rows {
        let _ = writeln!(
            m,
            "| {label} | {} | {} | {} | {} |",
            x.0,
            x.1,
            x.2,
            total(x)
        );
    }
    let (a, b) = (rows[0].1, rows[1].1);
    let _ = writeln!(
        m,
        "| {delta} | {:+} | {:+} | {:+} | {:+} |\n",
        b.0 as i64 - a.0 as i64,
        b.1 as i64 - a.1 as i64,
        b.2 as i64 - a.2 as i64,
        total(b) as i64 - total(a) as i64
    );
}

/// The table of [`by_group`], old and new under the given column names.
fn group_table(m: &mut String, syms: &[Sym], old: &str, new: &str) {
    let _ = writeln!(
        m,
        "| group | symbols | {old} | {new} | delta |\n|---|---:|---:|---:|---:|"
    );
    for (g, o, n, count) in by_group(syms) {
        let _ = writeln!(
            m,
            "| {} | {count} | {o} | {n} | {:+} |",
            g.name(),
            n as i64 - o as i64
        );
    }
}

/// Per group, its `top` largest changes under a heading of level `level`.
fn top_tables(m: &mut String, syms: &[Sym], old: &str, new: &str, level: &str, top: usize) {
    for g in Group::ALL {
        let mut mine: Vec<&Sym> = syms.iter().filter(|x| Group::of(&x.name) == g).collect();
        if mine.is_empty() {
            continue;
        }
        mine.sort_by_key(|x| -(x.delta.abs()));
        let _ = writeln!(m, "\n{level} {} (largest changes)\n", g.name());
        let _ = writeln!(
            m,
            "| symbol | kind | {old} | {new} | delta |\n|---|---|---:|---:|---:|"
        );
        for x in mine.iter().take(top) {
            let _ = writeln!(
                m,
                "| `{}` | {} | {} | {} | {:+} |",
                x.name, x.kind, x.old, x.new, x.delta
            );
        }
    }
}

/// The section of comparison (b).
fn base_markdown(m: &mut String, b: Option<&BaseCmp>) {
    let _ = writeln!(
        m,
        "\n## What the series costs a Rust kernel that does not select it\n"
    );
    let Some(b) = b else {
        let _ = writeln!(m, "Not measured (`--no-base`).");
        return;
    };
    let commit = b
        .base_commit
        .as_deref()
        .map(|c| c[..12.min(c.len())].to_string())
        .unwrap_or_else(|| "commit unknown: the base tree is gone".into());
    let _ = writeln!(
        m,
        "The base tree, {} (`{}`, {commit}) with no patch, configuration `{}`, against the \
         whole series with `CONFIG_RUST=y` and `CONFIG_FS_PID=n` (`{}`): both as a \
         distribution builds a Rust kernel without the Rust pidfs, from the same fragments \
         (`kconfig/rust-no-fs-pid.config`: no pseudo filesystem abstractions, no KUnit, no \
         doctests; the base less the Kconfig symbols the series adds), with the same \
         toolchain and Rust compiler.\n",
        b.base_version.as_deref().unwrap_or("version unknown"),
        b.base_ref,
        b.config_base,
        b.config_series
    );
    if b.config_diff.is_empty() {
        let _ = writeln!(m, "The two `.config` files set every option alike.\n");
    } else {
        let _ = writeln!(
            m,
            "Options the two `.config` files set differently (base → series):\n"
        );
        for (k, x, y) in &b.config_diff {
            let _ = writeln!(m, "- `{k}`: {x} → {y}");
        }
        m.push('\n');
    }
    let _ = writeln!(m, "### vmlinux sections (`size`)\n");
    size_table(
        m,
        [
            ("base", b.size_base),
            ("series, CONFIG_FS_PID=n", b.size_series),
        ],
        "series − base",
    );
    let _ = writeln!(
        m,
        "### Symbols that differ (`scripts/bloat-o-meter -c`), by group\n"
    );
    let _ = writeln!(
        m,
        "The Rust doctests' symbol names carry the path of the source tree: {} symbols \
         of the base whose names differ from the series' only by it are taken as the \
         series' symbol of that name (left out where their size is the same). Other \
         renames stay in the symbol counts (bindgen's impl numbers, doctests whose line \
         moved); the byte columns are sums, in which a rename of the same size cancels \
         out.\n",
        b.renamed
    );
    group_table(m, &b.syms, "base", "series");
    top_tables(m, &b.syms, "base", "series", "####", 15);
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
    size_table(
        &mut m,
        [("C pidfs", r.size_c), ("Rust pidfs", r.size_rust)],
        "Rust − C",
    );
    let _ = writeln!(
        m,
        "## Symbols that differ (`scripts/bloat-o-meter -c`), by group\n\n\
         Sizes in bytes of the symbols whose size differs between the two \
         kernels; a symbol in one kernel only counts 0 in the other.\n"
    );
    group_table(&mut m, &r.syms, "C", "Rust");
    top_tables(&mut m, &r.syms, "C", "Rust", "###", 15);
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
    base_markdown(&mut m, r.base.as_ref());
    m
}

fn size_json(x: (u64, u64, u64)) -> Value {
    obj([
        ("text", num(x.0 as f64)),
        ("data", num(x.1 as f64)),
        ("bss", num(x.2 as f64)),
    ])
}

/// The per-group sums of `syms` as JSON, the old and new sizes under the
/// names `keys` (`c`/`rust`, `base`/`series`).
fn groups_json(syms: &[Sym], keys: [&str; 2]) -> Value {
    Value::Arr(
        by_group(syms)
            .into_iter()
            .map(|(g, old, new, n)| {
                obj([
                    ("group", s(g.name())),
                    ("symbols", num(n as f64)),
                    (keys[0], num(old as f64)),
                    (keys[1], num(new as f64)),
                ])
            })
            .collect(),
    )
}

/// Every symbol of `syms` as JSON, with its group; sizes named as in
/// [`groups_json`].
fn symbols_json(syms: &[Sym], keys: [&str; 2]) -> Value {
    Value::Arr(
        syms.iter()
            .map(|x| {
                obj([
                    ("name", s(x.name.as_str())),
                    ("kind", s(x.kind.as_str())),
                    ("group", s(Group::of(&x.name).name())),
                    (keys[0], num(x.old as f64)),
                    (keys[1], num(x.new as f64)),
                ])
            })
            .collect(),
    )
}

/// The JSON of comparison (b): `null` without it.
fn base_json(b: Option<&BaseCmp>) -> Value {
    let Some(b) = b else {
        return Value::Null;
    };
    let text = |x: &Option<String>| x.as_deref().map(s).unwrap_or(Value::Null);
    obj([
        ("base_ref", s(b.base_ref.as_str())),
        ("base_commit", text(&b.base_commit)),
        ("base_version", text(&b.base_version)),
        ("config_base", s(b.config_base.as_str())),
        ("config_series", s(b.config_series.as_str())),
        ("size_base", size_json(b.size_base)),
        ("size_series", size_json(b.size_series)),
        ("groups", groups_json(&b.syms, ["base", "series"])),
        ("symbols", symbols_json(&b.syms, ["base", "series"])),
        (
            "config_diff",
            Value::Arr(
                b.config_diff
                    .iter()
                    .map(|(k, x, y)| {
                        obj([
                            ("option", s(k.as_str())),
                            ("base", s(x.as_str())),
                            ("series", s(y.as_str())),
                        ])
                    })
                    .collect(),
            ),
        ),
        ("renamed_by_tree_path", num(b.renamed as f64)),
    ])
}

pub fn json(r: &Report) -> String {
    let sz = size_json;
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
        ("groups", groups_json(&r.syms, ["c", "rust"])),
        ("symbols", symbols_json(&r.syms, ["c", "rust"])),
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
        ("base", base_json(r.base.as_ref())),
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
    let base_kernel = if o.no_base {
        None
    } else {
        let lean = pair::lean_kernel(ctx, &o.kernels, "size")?;
        let base = pair::base_kernel(ctx, &o.kernels, &lean, "size")?;
        Some((base, lean))
    };
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
    let (base, bloat_base) = match &base_kernel {
        None => (None, None),
        Some((b, lean)) => {
            step(&format!(
                "size: bloat-o-meter and size, the base ({}) against the series ({})",
                b.kernel.config, lean.config
            ));
            let base_vmlinux = b.kernel.vmlinux.to_string_lossy().into_owned();
            let lean_vmlinux = lean.vmlinux.to_string_lossy().into_owned();
            let text = tool(
                &tree,
                "python3",
                &["scripts/bloat-o-meter", "-c", &base_vmlinux, &lean_vmlinux],
            )?;
            let series_config = ctx.build_dir(&lean.config.name()).join(".config");
            let (syms, renamed) = pair_renamed(
                parse_bloat(&text)?,
                &mangled_path(&ctx.base_tree().to_string_lossy()),
                &mangled_path(&tree.to_string_lossy()),
            );
            let cmp = BaseCmp {
                base_ref: ctx.base_ref(),
                base_commit: b.commit.clone(),
                base_version: util::read(&ctx.base_tree().join("Makefile"))
                    .ok()
                    .and_then(|t| kernel_version(&t)),
                config_base: b.kernel.config.name(),
                config_series: lean.config.name(),
                syms,
                renamed,
                size_base: parse_size(&tool(&tree, "size", &[&base_vmlinux])?)?,
                size_series: parse_size(&tool(&tree, "size", &[&lean_vmlinux])?)?,
                config_diff: config_diff(
                    &util::read(&b.config_file)?,
                    &util::read(&series_config)?,
                ),
            };
            (Some(cmp), Some(text))
        }
    };
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
        base,
    };
    let dir = ctx
        .out_dir()
        .join("size")
        .join(o.kernels.run_name(&bench::stamp(), ""));
    util::mkdir(&dir)?;
    util::write(&dir.join("report.md"), markdown(&r).as_bytes())?;
    util::write(&dir.join("report.json"), json(&r).as_bytes())?;
    util::write(&dir.join("bloat-o-meter.txt"), bloat.as_bytes())?;
    if let Some(text) = &bloat_base {
        util::write(&dir.join("bloat-o-meter-base.txt"), text.as_bytes())?;
    }
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
            base: None,
        });
        assert!(md.contains("| Rust − C | +100 | -10 | +0 | +90 |"), "{md}");
        assert!(
            md.contains("- Rust (fs-pid-y): object_size 48 B, slab_size 64 B (align 64), 64 per slab, not merged"),
            "{md}"
        );
        assert!(md.contains("| pidfs | 5 | 700 | 660 | -40 |"), "{md}");
    }

    /// Comparison (b) of canned bloat-o-meter output: its section, its JSON
    /// object, and every field of comparison (a) left as it was.
    #[test]
    fn base_against_series_section_and_json() {
        let base_bloat = "\
add/remove: 2/0 grow/shrink: 1/0 up/down: 130/0 (130)
Function                                     old     new   delta
_RNvNtCs2xyz_6kernel3pid9StructPid3get         -      64     +64
rust_helper_get_pid                            -      36     +36
pidfd_poll                                   200     230     +30
Total: Before=10000, After=10130, chg +1.30%
";
        let syms = parse_bloat(BLOAT).unwrap();
        let base = BaseCmp {
            base_ref: "pidfs-base-7.3.4".into(),
            base_commit: Some("2653414bcbe73f9e1ffac590249bcd904a2ffd78".into()),
            base_version: kernel_version(
                "# SPDX-License-Identifier: GPL-2.0\nVERSION = 7\nPATCHLEVEL = 3\nSUBLEVEL = 4\nEXTRAVERSION =\nNAME = x\n",
            ),
            config_base: "base+perf".into(),
            config_series: "rust-no-fs-pid+perf".into(),
            syms: parse_bloat(base_bloat).unwrap(),
            size_base: (1000, 200, 50),
            size_series: (1130, 200, 50),
            config_diff: config_diff(
                "CONFIG_RUST=y\nCONFIG_64BIT=y\n",
                "CONFIG_RUST=y\nCONFIG_64BIT=y\n# CONFIG_FS_PID is not set\nCONFIG_RUST_PSEUDO_FS_ABSTRACTIONS=y\n",
            ),
            renamed: 1638,
        };
        assert_eq!(base.base_version.as_deref(), Some("Linux 7.3.4"));
        // CONFIG_FS_PID is n in the series and absent from the base: alike.
        assert_eq!(
            base.config_diff,
            vec![(
                "CONFIG_RUST_PSEUDO_FS_ABSTRACTIONS".to_string(),
                "n".to_string(),
                "y".to_string()
            )]
        );
        let mut r = Report {
            build: "perf".into(),
            toolchain: "gcc".into(),
            rust_driver: "rustc".into(),
            syms,
            size_c: (1130, 200, 50),
            size_rust: (1200, 190, 50),
            loc: vec![(1, 0); AREAS.len()],
            c_pidfs_lines: 1200,
            tree_head: "abc".into(),
            series_sha256: "def".into(),
            tree_is_series: true,
            memory: None,
            base: None,
        };
        let without = (markdown(&r), json(&r));
        r.base = Some(base);
        let md = markdown(&r);
        // The new section comes last; what comes before it is unchanged.
        let at = md
            .find("\n## What the series costs a Rust kernel that does not select it\n")
            .unwrap();
        assert!(without.0.starts_with(&md[..at]), "{md}");
        let section = &md[at..];
        for want in [
            "The base tree, Linux 7.3.4 (`pidfs-base-7.3.4`, 2653414bcbe7) with no patch, \
             configuration `base+perf`, against the whole series with `CONFIG_RUST=y` and \
             `CONFIG_FS_PID=n` (`rust-no-fs-pid+perf`",
            "- `CONFIG_RUST_PSEUDO_FS_ABSTRACTIONS`: n → y",
            "| base | 1000 | 200 | 50 | 1250 |",
            "| series, CONFIG_FS_PID=n | 1130 | 200 | 50 | 1380 |",
            "| series − base | +130 | +0 | +0 | +130 |",
            "The Rust doctests' symbol names carry the path of the source tree: 1638 symbols",
            "| group | symbols | base | series | delta |",
            "| pidfs | 1 | 200 | 230 | +30 |",
            "| kernel crate (Rust) | 1 | 0 | 64 | +64 |",
            "| C helpers | 1 | 0 | 36 | +36 |",
            "| other | 0 | 0 | 0 | +0 |",
            "#### kernel crate (Rust) (largest changes)",
            "| symbol | kind | base | series | delta |",
            "| `rust_helper_get_pid` | Function | 0 | 36 | +36 |",
        ] {
            assert!(section.contains(want), "{want}\n{section}");
        }
        assert!(!section.contains("#### other"), "{section}");
        let v = json::parse(&json(&r)).unwrap();
        let old = json::parse(&without.1).unwrap();
        // Every field of comparison (a) is what it was without (b).
        match (&v, &old) {
            (Value::Obj(new), Value::Obj(old)) => {
                for (k, x) in old {
                    if k != "base" {
                        assert_eq!(v.get(k), Some(x), "{k}");
                    }
                }
                assert_eq!(new.len(), old.len());
            }
            _ => panic!("not objects"),
        }
        assert_eq!(old.get("base"), Some(&Value::Null));
        let b = v.get("base").unwrap();
        let n = |x: Option<&Value>| x.and_then(Value::num).unwrap();
        assert_eq!(b.get("config_base").and_then(Value::str), Some("base+perf"));
        assert_eq!(
            b.get("base_commit").and_then(Value::str),
            Some("2653414bcbe73f9e1ffac590249bcd904a2ffd78")
        );
        assert_eq!(n(b.get("size_base").and_then(|x| x.get("text"))), 1000.0);
        assert_eq!(n(b.get("size_series").and_then(|x| x.get("text"))), 1130.0);
        let groups = b.get("groups").map(Value::arr).unwrap();
        assert_eq!(groups.len(), Group::ALL.len());
        assert_eq!(
            groups[1].get("group").and_then(Value::str),
            Some("kernel crate (Rust)")
        );
        assert_eq!(
            (n(groups[1].get("base")), n(groups[1].get("series"))),
            (0.0, 64.0)
        );
        let syms = b.get("symbols").map(Value::arr).unwrap();
        assert_eq!(syms.len(), 3);
        assert_eq!(syms[2].get("name").and_then(Value::str), Some("pidfd_poll"));
        assert_eq!(syms[2].get("group").and_then(Value::str), Some("pidfs"));
        assert_eq!(n(b.get("renamed_by_tree_path")), 1638.0);
        let diff = b.get("config_diff").map(Value::arr).unwrap();
        assert_eq!(
            diff[0].get("option").and_then(Value::str),
            Some("CONFIG_RUST_PSEUDO_FS_ABSTRACTIONS")
        );
    }

    /// The doctests of one file in the base (built in `…/orig/t`) and the
    /// series (built in `…/work/t`), as bloat-o-meter names them.
    #[test]
    fn doctests_renamed_by_the_tree_path_are_paired() {
        let base = mangled_path("/root/.cache/wb/orig/t");
        let series = mangled_path("/root/.cache/wb/work/t");
        assert_eq!(series, "_root__cache_wb_work_t");
        let name = |tree: &str, f: &str| {
            let ident = format!("__doctest_main_{tree}_rust_kernel_types_rs_205_0");
            format!("_RNvNvNvNvCs1_25doctests_kernel_generated30rust_doctest_kernel_types_rs_24main{}{ident}{}{f}", ident.len(), f.len())
        };
        let sym = |name: String, old: u64, new: u64| Sym {
            kind: "Function".into(),
            name,
            old,
            new,
            delta: new as i64 - old as i64,
        };
        let syms = vec![
            sym(name(&series, "example3"), 0, 464),
            sym(name(&base, "example3"), 464, 0),
            sym(name(&series, "grown"), 0, 120),
            sym(name(&base, "grown"), 100, 0),
            sym(name(&series, "new_test"), 0, 80),
            sym("rust_helper_get_pid".into(), 0, 36),
        ];
        let (out, pairs) = pair_renamed(syms.clone(), &base, &series);
        assert_eq!(pairs, 2);
        assert_eq!(out.len(), 3, "{out:?}");
        assert_eq!(
            (out[0].name.as_str(), out[0].old, out[0].new, out[0].delta),
            (name(&series, "grown").as_str(), 100, 120, 20)
        );
        assert_eq!(out[1].name, name(&series, "new_test"));
        assert_eq!(out[2].name, "rust_helper_get_pid");
        // A tree path of another length: the identifier's length follows.
        let longer = mangled_path("/root/.cache/wb/base-tree/t");
        let (out, pairs) = pair_renamed(
            vec![
                sym(name(&longer, "example3"), 464, 0),
                sym(name(&series, "example3"), 0, 464),
            ],
            &longer,
            &series,
        );
        assert_eq!((out.len(), pairs), (0, 1), "{out:?}");
        // Nothing to do when the trees are one.
        assert_eq!(pair_renamed(syms.clone(), &series, &series), (syms, 0));
    }

    #[test]
    fn kernel_versions_from_the_makefile() {
        assert_eq!(
            kernel_version("VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\nEXTRAVERSION = -rc3\n"),
            Some("Linux 6.12-rc3".into())
        );
        assert_eq!(kernel_version("VERSION = 6\n"), None);
        assert_eq!(
            config_diff(
                "CONFIG_A=y\nCONFIG_B=\"x\"\n",
                "CONFIG_A=y\nCONFIG_B=\"y\"\n"
            ),
            vec![("CONFIG_B".into(), "\"x\"".into(), "\"y\"".into())]
        );
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
