// SPDX-License-Identifier: GPL-2.0
//! The two kernels that `wb bench`, `wb trace` and `wb size` compare: the C
//! pidfs (`fs-pid-n`) and the Rust one (`fs-pid-y`), in one flavour
//! (`--llvm`, `--perf`), built from the work tree or taken as last built
//! (`--no-build`). The three commands share these options and this step.

use crate::base;
use crate::build;
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::setup;
use crate::tree;
use crate::util::{info, step};
use std::path::{Path, PathBuf};

/// The two kernels compared: (configuration, label).
pub const KERNELS: [(&str, &str); 2] = [("fs-pid-n", "C"), ("fs-pid-y", "Rust")];

/// The configuration benchmarked for `plain` (an entry of [`KERNELS`]): its `+llvm` flavour
/// with `--llvm`, `+perf` with `--perf`, `+perf-llvm` with both.
pub fn kernel_config(plain: &str, llvm: bool, perf: bool) -> build::KConfig {
    let flavour = match (perf, llvm) {
        (false, false) => return build::KConfig::parse(plain),
        (false, true) => build::Flavour::Llvm,
        (true, false) => build::Flavour::Perf,
        (true, true) => build::Flavour::PerfLlvm,
    };
    build::KConfig::flavoured(plain, flavour)
}

/// The name of a run directory: `<time>-<mode>[-perf][-llvm]`.
pub fn run_name(stamp: &str, mode: &str, perf: bool, llvm: bool) -> String {
    format!(
        "{stamp}{}{}{}",
        if mode.is_empty() {
            String::new()
        } else {
            format!("-{mode}")
        },
        if perf { "-perf" } else { "" },
        if llvm { "-llvm" } else { "" }
    )
}

/// `--llvm`, `--perf`/`--tiny` and `--no-build`. [`Default`] is the
/// tinyconfig pair as last built by the per-patch CI (what `wb test` runs
/// its quick bench on); the commands' own default is the performance build.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PairOptions {
    /// The `+llvm` flavour of both kernels (clang,
    /// `CONFIG_RUST_INLINE_HELPERS=y`) instead of the gcc ones.
    pub llvm: bool,
    /// The performance flavour (`+perf`, or `+perf-llvm` with `llvm`)
    /// instead of the tinyconfig-derived kernels.
    pub perf: bool,
    /// The kernels as last built in their build directories (no setup, no
    /// make).
    pub no_build: bool,
}

impl PairOptions {
    /// Takes `--llvm`, `--perf`, `--tiny` and `--no-build` from a command's
    /// arguments. The performance build is the default (`--perf` says so explicitly);
    /// `--tiny` asks for the tinyconfig-derived pair.
    pub fn from_args(a: &mut crate::cli::Args) -> Result<PairOptions> {
        let perf = a.flag("--perf")?;
        let tiny = a.flag("--tiny")?;
        if perf && tiny {
            return Err(Error::Usage(
                "--perf and --tiny exclude each other (the performance build is the default)"
                    .into(),
            ));
        }
        Ok(PairOptions {
            llvm: a.flag("--llvm")?,
            perf: !tiny,
            no_build: a.flag("--no-build")?,
        })
    }

    /// The configuration of `plain` (an entry of [`KERNELS`]) in
    /// this flavour.
    pub fn config(&self, plain: &str) -> build::KConfig {
        kernel_config(plain, self.llvm, self.perf)
    }

    /// `perf` or `tiny`, as the reports name the build.
    pub fn build_name(&self) -> &'static str {
        if self.perf {
            "perf"
        } else {
            "tiny"
        }
    }

    /// `llvm` or `gcc`, as the reports name the toolchain.
    pub fn toolchain_name(&self) -> &'static str {
        if self.llvm {
            "llvm"
        } else {
            "gcc"
        }
    }

    /// The name of a run directory: `<stamp>[-<mode>][-perf][-llvm]`.
    pub fn run_name(&self, stamp: &str, mode: &str) -> String {
        run_name(stamp, mode, self.perf, self.llvm)
    }
}

/// One of the two kernels, built.
pub struct Kernel {
    /// `C` or `Rust`.
    pub label: &'static str,
    pub config: build::KConfig,
    pub bzimage: PathBuf,
    pub vmlinux: PathBuf,
    /// The Rust code was compiled by clippy-driver (`CLIPPY=1`), whose
    /// `-Zmir-opt-level=0` leaves out MIR inlining and rustc's own
    /// cross-crate inlining of small functions: not the code a distribution
    /// ships (see [`crate::bench_report::rust_driver_text`]).
    pub clippy: bool,
}

/// Whether the Rust code of the build directory `dir` was compiled by
/// clippy-driver: the kernel crate's kbuild command line says which driver
/// ran (`rust/.kernel.o.cmd`). `None` if the directory has no kernel crate.
pub fn built_with_clippy(dir: &Path) -> Option<bool> {
    let cmd = std::fs::read_to_string(dir.join("rust/.kernel.o.cmd")).ok()?;
    let first = cmd.lines().next()?;
    Some(first.contains("clippy-driver"))
}

/// Whether the kernel of `config` is (or is to be) compiled by
/// clippy-driver. The flavoured directories belong to `wb bench`, `wb trace`
/// and `wb size` alone and are built as a distribution would, with plain
/// rustc. The tinyconfig pair shares fs-pid-{n,y} with the per-patch CI,
/// which compiles with clippy-driver; building them otherwise here would
/// recompile every Rust object there and back. The base kernel of `wb size`
/// follows the same rule, so it has the driver of the kernel it is compared
/// with.
pub fn compiled_by_clippy(config: &build::KConfig) -> bool {
    config.flavour.is_none()
}

/// The kernel of `config` in its build directory as last built, or an error
/// that says how to build it (`hint`).
fn built(
    ctx: &Ctx,
    config: build::KConfig,
    label: &'static str,
    what: &str,
    hint: &str,
) -> Result<Kernel> {
    let dir = ctx.build_dir(&config.name());
    let bzimage = dir.join("arch/x86/boot/bzImage");
    let vmlinux = dir.join("vmlinux");
    if !bzimage.is_file() || !vmlinux.is_file() {
        return Err(Error::Usage(format!(
            "{} has no bzImage and vmlinux ({hint})",
            dir.display()
        )));
    }
    info(&format!("{what} ({config}): {}", bzimage.display()));
    let clippy = built_with_clippy(&dir).ok_or_else(|| {
        Error::Usage(format!(
            "{} has no rust/.kernel.o.cmd: not a Rust build ({hint})",
            dir.display()
        ))
    })?;
    info(&format!(
        "{what}: Rust compiled by {}",
        if clippy { "clippy-driver" } else { "rustc" }
    ));
    Ok(Kernel {
        label,
        config,
        bzimage,
        vmlinux,
        clippy,
    })
}

/// The plain configuration of comparison (b) of `wb size`
/// (`kconfig/rust-no-fs-pid.config`): a Rust kernel as a distribution
/// builds it without the Rust pidfs, `CONFIG_FS_PID=n`, no pseudo
/// filesystem abstractions, no KUnit and no doctests.
pub const LEAN_PLAIN: &str = "rust-no-fs-pid";

/// The series' kernel of comparison (b), [`LEAN_PLAIN`] in the flavour of
/// `o`, built from the work tree (unless `--no-build`) from its own
/// fragments only: not [`build::tree_fragments`], whose abstractions
/// fragment would select what this configuration leaves out. Same Rust
/// driver rule as the pair ([`compiled_by_clippy`]); its `.config` must have
/// `CONFIG_RUST=y`.
pub fn lean_kernel(ctx: &Ctx, o: &PairOptions, who: &str) -> Result<Kernel> {
    let config = o.config(LEAN_PLAIN);
    if !o.no_build {
        step(&format!(
            "{who}: building the series without the Rust pidfs, as a distribution would ({config})"
        ));
        let frags = build::fragments(ctx, &config)?;
        build::build_frags(
            ctx,
            &ctx.work_tree(),
            &config,
            &frags,
            compiled_by_clippy(&config),
        )?;
    }
    let kernel = built(
        ctx,
        config.clone(),
        "series",
        "series kernel without the Rust pidfs",
        &format!(
            "{}run `scripts/wb {who}` without --no-build",
            if o.no_build { "--no-build; " } else { "" }
        ),
    )?;
    build::require_rust(&ctx.build_dir(&config.name()).join(".config"))?;
    Ok(kernel)
}

/// The base kernel of `wb size` and the commit it was built from.
pub struct BaseKernel {
    pub kernel: Kernel,
    /// The base commit; `None` with `--no-build` when the base tree is gone.
    pub commit: Option<String>,
    /// The build directory's `.config`.
    pub config_file: PathBuf,
}

/// The base kernel compared with `series`, the series' kernel of comparison
/// (b) ([`lean_kernel`], after [`kernels`] ran the setup): the base commit with no
/// patch ([`tree::base_tree`], never the work tree) in the configuration
/// [`build::base_config`] names (`base+perf`, …), built from the fragments
/// of `series` minus the Kconfig symbols the work tree adds to the base
/// ([`build::base_fragments`]), by the same Rust driver
/// ([`compiled_by_clippy`]). With `--no-build`, as last built; fails if it
/// never was. Either way its `.config` must have `CONFIG_RUST=y`
/// ([`build::require_rust`]) and its Rust driver must be that of `series`.
pub fn base_kernel(ctx: &Ctx, o: &PairOptions, series: &Kernel, who: &str) -> Result<BaseKernel> {
    let config = build::base_config(&series.config);
    let base_tree = ctx.base_tree();
    let commit = if o.no_build {
        base::rev_parse(&base_tree, "HEAD")
    } else {
        let (tree, commit) = tree::base_tree(ctx)?;
        let symbols = added_symbols(ctx, &commit)?;
        info(&format!(
            "Kconfig symbols the series adds, left out of the base kernel's fragments: {}",
            if symbols.is_empty() {
                "none".to_string()
            } else {
                symbols.iter().cloned().collect::<Vec<_>>().join(", ")
            }
        ));
        let copies = ctx
            .cache
            .join("base-kconfig")
            .join(ctx.flavour())
            .join(config.name());
        let frags = build::base_fragments(ctx, &tree, &series.config, &symbols, &copies)?;
        step(&format!(
            "{who}: building the base kernel ({config}: {} without the series)",
            &commit[..12.min(commit.len())]
        ));
        build::build_frags(ctx, &tree, &config, &frags, compiled_by_clippy(&config))?;
        Some(commit)
    };
    let kernel = built(
        ctx,
        config.clone(),
        "base",
        "base kernel",
        &if o.no_build {
            format!("--no-build: the base kernel was never built; run `scripts/wb {who}` without --no-build")
        } else {
            "the build left none".to_string()
        },
    )?;
    let config_file = ctx.build_dir(&config.name()).join(".config");
    build::require_rust(&config_file)?;
    if kernel.clippy != series.clippy {
        return Err(Error::Usage(format!(
            "the base kernel ({config}) was compiled by {} and the {} pidfs kernel ({}) by {}: \
             not comparable; run `scripts/wb {who}` without --no-build",
            if kernel.clippy {
                "clippy-driver"
            } else {
                "rustc"
            },
            series.label,
            series.config,
            if series.clippy {
                "clippy-driver"
            } else {
                "rustc"
            },
        )));
    }
    Ok(BaseKernel {
        kernel,
        commit,
        config_file,
    })
}

/// The Kconfig symbols the work tree defines and the base commit does not:
/// from its diff of the `Kconfig*` files against the base.
fn added_symbols(ctx: &Ctx, base_commit: &str) -> Result<std::collections::BTreeSet<String>> {
    let tree = ctx.work_tree();
    let diff = crate::util::output(
        base::git(&tree)
            .args(["diff", "--no-renames", base_commit, "--"])
            .arg("*Kconfig*"),
    )
    .map_err(|e| Error::Series {
        what: format!("the Kconfig symbols of the work tree: {e}"),
        hint: format!("check the work tree {}", tree.display()),
    })?;
    Ok(crate::series::added_kconfig_symbols(&[(
        "work tree".into(),
        diff,
    )]))
}

/// Builds the C and the Rust pidfs kernel in the flavour `o` names (after
/// the setup, and applying the series if the work tree has none), or with
/// `--no-build` finds them as last built; `who` names the command in the
/// progress lines. Fails if a kernel has no bzImage or vmlinux.
pub fn kernels(ctx: &Ctx, o: &PairOptions, who: &str) -> Result<Vec<Kernel>> {
    let tree = ctx.work_tree();
    if !o.no_build {
        setup::run(ctx)?;
        if base::rev_parse(&tree, "HEAD").is_none() {
            tree::apply(ctx, None, false)?;
        }
    }
    let mut out = Vec::new();
    for (plain, label) in KERNELS {
        let config = o.config(plain);
        if !o.no_build {
            step(&format!(
                "{who}: building the {label} pidfs kernel ({config})"
            ));
            let frags = build::tree_fragments(ctx, &tree, &config)?;
            build::build_frags(ctx, &tree, &config, &frags, compiled_by_clippy(&config))?;
        }
        let hint = format!(
            "{}build it with `scripts/wb build --config {config}`",
            if o.no_build { "--no-build; " } else { "" }
        );
        let what = format!("{label} pidfs kernel");
        out.push(built(ctx, config, label, &what, &hint)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_each_flavour() {
        let o = PairOptions {
            llvm: true,
            perf: true,
            no_build: false,
        };
        assert_eq!(o.config("fs-pid-y").name(), "fs-pid-y+perf-llvm");
        assert_eq!((o.build_name(), o.toolchain_name()), ("perf", "llvm"));
        assert_eq!(o.run_name("t", "icount"), "t-icount-perf-llvm");
        let o = PairOptions::default();
        assert_eq!(o.config("fs-pid-n").name(), "fs-pid-n");
        let dir = std::env::temp_dir().join(format!("wb-pair-{}", std::process::id()));
        let _ = std::fs::create_dir_all(dir.join("rust"));
        assert_eq!(built_with_clippy(&dir), None);
        let _ = std::fs::write(
            dir.join("rust/.kernel.o.cmd"),
            "savedcmd_rust/kernel.o := OBJTREE=/b /usr/bin/clippy-driver --edition=2021 -Zbinary_dep_depinfo=y\n",
        );
        assert_eq!(built_with_clippy(&dir), Some(true));
        let _ = std::fs::write(
            dir.join("rust/.kernel.o.cmd"),
            "savedcmd_rust/kernel.o := OBJTREE=/b /usr/bin/rustc --edition=2021\nsource_rust/kernel.o := clippy-driver.rs\n",
        );
        assert_eq!(built_with_clippy(&dir), Some(false));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!((o.build_name(), o.toolchain_name()), ("tiny", "gcc"));
        assert_eq!(o.run_name("t", ""), "t");
    }
}
