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
use std::path::PathBuf;

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

/// `--llvm`, `--perf` and `--no-build`.
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
    /// Takes `--llvm`, `--perf` and `--no-build` from a command's arguments.
    pub fn from_args(a: &mut crate::cli::Args) -> Result<PairOptions> {
        Ok(PairOptions {
            llvm: a.flag("--llvm")?,
            perf: a.flag("--perf")?,
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
            build::build(ctx, &tree, &config)?;
        }
        let dir = ctx.build_dir(&config.name());
        let bzimage = dir.join("arch/x86/boot/bzImage");
        let vmlinux = dir.join("vmlinux");
        if !bzimage.is_file() || !vmlinux.is_file() {
            return Err(Error::Usage(format!(
                "{} has no bzImage and vmlinux{} (build it with `scripts/wb build --config \
                 {config}`)",
                dir.display(),
                if o.no_build { " (--no-build)" } else { "" }
            )));
        }
        info(&format!(
            "{label} pidfs kernel ({config}): {}",
            bzimage.display()
        ));
        out.push(Kernel {
            label,
            config,
            bzimage,
            vmlinux,
        });
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
        assert_eq!((o.build_name(), o.toolchain_name()), ("tiny", "gcc"));
        assert_eq!(o.run_name("t", ""), "t");
    }
}
