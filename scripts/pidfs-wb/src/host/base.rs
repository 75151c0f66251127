// SPDX-License-Identifier: GPL-2.0
//! `wb base`: the pinned Linux 7.3.4 base tree as a git repository, or a
//! user's own kernel tree.

use crate::ctx::{self, Ctx};
use crate::error::{Error, Result};
use crate::util::{self, info, output, step};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Identity and date of the base commit. Fixed so the base commit has the
/// same hash on every machine, which makes `base-commit:` lines reproducible.
const BASE_IDENT_NAME: &str = "pidfs-rs base";
const BASE_IDENT_EMAIL: &str = "pidfs-rs@invalid";
const BASE_DATE: &str = "2026-11-15T22:30:00+00:00";

pub fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C").arg(dir);
    c
}

/// Resolves a commit-ish in a repository.
pub fn rev_parse(dir: &Path, rev: &str) -> Option<String> {
    output(
        git(dir)
            .args(["rev-parse", "--verify", "-q"])
            .arg(format!("{rev}^{{commit}}")),
    )
    .ok()
    .map(|s| s.trim().to_string())
}

/// Makes sure the base exists; returns (repository, base commit id).
pub fn ensure(ctx: &Ctx) -> Result<(PathBuf, String)> {
    let repo = ctx.base_repo();
    if let Some(tree) = &ctx.user_tree {
        let id = rev_parse(tree, &ctx.user_ref).ok_or_else(|| Error::Base {
            what: format!("`{}` is not a commit in {}", ctx.user_ref, tree.display()),
            hint: "set WB_KERNEL_TREE to a kernel git checkout and WB_BASE_REF to a commit in it"
                .into(),
        })?;
        if !tree.join("Makefile").exists() || !tree.join("fs/pidfs.c").exists() {
            return Err(Error::Base {
                what: format!(
                    "{} does not look like a kernel tree with pidfs (no fs/pidfs.c)",
                    tree.display()
                ),
                hint: "point WB_KERNEL_TREE at a Linux checkout of v6.9 or later".into(),
            });
        }
        return Ok((repo, id));
    }
    if let Some(id) = rev_parse(&repo, ctx::BASE_TAG) {
        return Ok((repo, id));
    }
    create(ctx, &repo)?;
    let id = rev_parse(&repo, ctx::BASE_TAG).ok_or_else(|| Error::Base {
        what: format!(
            "tag {} missing after creating {}",
            ctx::BASE_TAG,
            repo.display()
        ),
        hint: format!("remove {} and run again", repo.display()),
    })?;
    Ok((repo, id))
}

fn apt_options(ctx: &Ctx) -> Result<(Vec<String>, PathBuf)> {
    let conf = "/etc/apt/sources.list.d/debian.sources";
    let text = util::read(Path::new(conf)).map_err(|_| Error::Base {
        what: format!("cannot read {conf} to find this machine's Debian archive"),
        hint: "this tool expects a Debian 12 machine with deb822 apt sources".into(),
    })?;
    let uri = text
        .lines()
        .find_map(|l| l.strip_prefix("URIs:"))
        .and_then(|u| u.split_whitespace().next())
        .ok_or_else(|| Error::Base {
            what: format!("no URIs: line in {conf}"),
            hint: "add the Debian archive to apt's sources".into(),
        })?
        .to_string();
    let dir = ctx.cache.join("apt");
    util::mkdir(&dir.join("lists/partial"))?;
    let list = dir.join("sources.list");
    util::write(
        &list,
        format!("deb {uri} {} main\n", ctx::DEB_SUITE).as_bytes(),
    )?;
    let opts = vec![
        format!("-oDir::Etc::sourcelist={}", list.display()),
        "-oDir::Etc::sourceparts=/dev/null".to_string(),
        format!("-oDir::State::Lists={}", dir.join("lists").display()),
        "-oAPT::Sandbox::User=root".to_string(),
    ];
    Ok((opts, dir))
}

fn deb_path(ctx: &Ctx) -> PathBuf {
    ctx.dl_dir().join(format!(
        "{}_{}_all.deb",
        ctx::DEB_PACKAGE,
        ctx::DEB_VERSION.replace(':', "%3a")
    ))
}

fn download(ctx: &Ctx) -> Result<PathBuf> {
    let deb = deb_path(ctx);
    if deb.exists() {
        if util::sha256(&deb)? == ctx::DEB_SHA256 {
            info(&format!("cached: {}", deb.display()));
            return Ok(deb);
        }
        info("cached package has the wrong hash; downloading again");
        let _ = fs::remove_file(&deb);
    }
    let (opts, dir) = apt_options(ctx)?;
    let log = dir.join("apt.log");
    step(&format!("base: apt-get update ({})", ctx::DEB_SUITE));
    if !util::run_logged(
        Command::new("apt-get").args(&opts).arg("update"),
        &log,
        "apt-get update",
    )? {
        return Err(Error::Base {
            what: format!("apt-get update for {} failed", ctx::DEB_SUITE),
            hint: format!("see {}", log.display()),
        });
    }
    util::mkdir(&ctx.dl_dir())?;
    step(&format!(
        "base: download {} {}",
        ctx::DEB_PACKAGE,
        ctx::DEB_VERSION
    ));
    let ok = util::run_logged(
        Command::new("apt-get")
            .current_dir(ctx.dl_dir())
            .args(&opts)
            .arg("download")
            .arg(format!("{}={}", ctx::DEB_PACKAGE, ctx::DEB_VERSION)),
        &log,
        "apt-get download",
    )?;
    if !ok {
        let avail = output(
            Command::new("apt-cache")
                .args(&opts)
                .args(["madison", ctx::DEB_PACKAGE]),
        )
        .unwrap_or_default();
        let versions: Vec<&str> = avail
            .lines()
            .filter_map(|l| l.split('|').nth(1))
            .map(str::trim)
            .collect();
        return Err(Error::Base {
            what: format!(
                "{} {} is not available from {} (available: {})",
                ctx::DEB_PACKAGE,
                ctx::DEB_VERSION,
                ctx::DEB_SUITE,
                if versions.is_empty() { "none".into() } else { versions.join(", ") }
            ),
            hint: "Debian drops old versions: pin a new one in scripts/pidfs-wb/src/ctx.rs (version and both hashes), or use WB_KERNEL_TREE".into(),
        });
    }
    let got = util::sha256(&deb)?;
    if got != ctx::DEB_SHA256 {
        let _ = fs::remove_file(&deb);
        return Err(Error::Base {
            what: format!(
                "{} has sha256 {got}, expected {}",
                deb.display(),
                ctx::DEB_SHA256
            ),
            hint: "the archive served a different file; do not proceed with it. Check the mirror"
                .into(),
        });
    }
    Ok(deb)
}

fn create(ctx: &Ctx, repo: &Path) -> Result<()> {
    step(&format!("base: creating {}", repo.display()));
    let deb = download(ctx)?;
    let parent = repo.parent().unwrap_or(Path::new("/"));
    let scratch = parent.join("unpack.tmp");
    util::remove_dir_all_if_exists(&scratch)?;
    util::mkdir(&scratch)?;
    step("base: unpacking the package");
    let log = parent.join("unpack.log");
    if !util::run_logged(
        Command::new("dpkg").arg("-x").arg(&deb).arg(&scratch),
        &log,
        "dpkg -x",
    )? {
        return Err(Error::Base {
            what: "dpkg -x failed".into(),
            hint: format!("see {}", log.display()),
        });
    }
    let tarball = scratch.join(ctx::TARBALL);
    let got = util::sha256(&tarball)?;
    if got != ctx::TARBALL_SHA256 {
        return Err(Error::Base {
            what: format!(
                "{} has sha256 {got}, expected {}",
                ctx::TARBALL,
                ctx::TARBALL_SHA256
            ),
            hint: "the package content differs from the pinned one; do not proceed".into(),
        });
    }
    step("base: unpacking the kernel tarball");
    if !util::run_logged(
        Command::new("tar")
            .arg("-C")
            .arg(&scratch)
            .arg("-xf")
            .arg(&tarball),
        &log,
        "tar -x",
    )? {
        return Err(Error::Base {
            what: "unpacking the tarball failed".into(),
            hint: format!("see {} (disk full?)", log.display()),
        });
    }
    let src = scratch.join("linux-source-7.3");
    neutralise_debian_gitignore(&src)?;
    step("base: creating the git repository and the base commit");
    let gitlog = parent.join("git.log");
    let run = |args: &[&str], label: &str| -> Result<()> {
        let ok = util::run_logged(
            git(&src)
                .args([
                    "-c",
                    &format!("user.name={BASE_IDENT_NAME}"),
                    "-c",
                    &format!("user.email={BASE_IDENT_EMAIL}"),
                ])
                .args(args)
                .env("GIT_AUTHOR_DATE", BASE_DATE)
                .env("GIT_COMMITTER_DATE", BASE_DATE),
            &gitlog,
            label,
        )?;
        if ok {
            Ok(())
        } else {
            Err(Error::Base {
                what: format!("{label} failed"),
                hint: format!("see {}", gitlog.display()),
            })
        }
    };
    run(&["init", "-q", "-b", "base"], "git init")?;
    run(&["add", "-A", "-f"], "git add")?;
    let msg = format!(
        "Linux {} from Debian {} {}\n\nUnpacked from {} (sha256 {}).\nDebian's packaging rule that ignores every top-level path was removed\nfrom .gitignore so that files added by the series can be added with git.\n",
        ctx::BASE_VERSION,
        ctx::DEB_PACKAGE,
        ctx::DEB_VERSION,
        ctx::TARBALL,
        ctx::TARBALL_SHA256
    );
    run(&["commit", "-q", "--no-verify", "-m", &msg], "git commit")?;
    run(&["tag", ctx::BASE_TAG], "git tag")?;
    util::remove_dir_all_if_exists(repo)?;
    fs::rename(&src, repo)
        .map_err(|e| Error::io(format!("rename {} to {}", src.display(), repo.display()), e))?;
    util::remove_dir_all_if_exists(&scratch)?;
    let id = rev_parse(repo, ctx::BASE_TAG).unwrap_or_default();
    if id != ctx::BASE_COMMIT {
        return Err(Error::Base {
            what: format!("the base commit is {id}, expected {}", ctx::BASE_COMMIT),
            hint: format!(
                "the unpacked tree or the commit recipe differs from the pinned one; remove {} and run again, or update BASE_COMMIT in scripts/pidfs-wb/src/ctx.rs if the recipe changed on purpose",
                repo.display()
            ),
        });
    }
    info(&format!("base commit {id} tagged {}", ctx::BASE_TAG));
    Ok(())
}

/// Debian's top-level .gitignore ends with `/*` + `!/debian/`, which ignores
/// every top-level path. Drop exactly those lines.
fn neutralise_debian_gitignore(src: &Path) -> Result<()> {
    let p = src.join(".gitignore");
    let text = util::read(&p)?;
    let (kept, dropped) = strip_debian_rule(&text);
    if dropped > 0 {
        util::write(&p, kept.as_bytes())?;
        info(&format!(
            "removed {dropped} Debian packaging line(s) from .gitignore"
        ));
    }
    Ok(())
}

pub fn strip_debian_rule(text: &str) -> (String, usize) {
    let mut out = String::new();
    let mut dropped = 0;
    for l in text.lines() {
        if l == "/*" || l == "!/debian/" {
            dropped += 1;
            continue;
        }
        out.push_str(l);
        out.push('\n');
    }
    (out, dropped)
}

#[cfg(test)]
mod tests {
    #[test]
    fn strips_only_the_debian_rule() {
        let (out, n) = super::strip_debian_rule("*.o\n/vmlinux\n\n# Debian\n/*\n!/debian/\n");
        assert_eq!(n, 2);
        assert_eq!(out, "*.o\n/vmlinux\n\n# Debian\n");
    }
}
