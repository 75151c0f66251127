// SPDX-License-Identifier: GPL-2.0
//! `wb series check`: the whole stack applies onto the base, the in-tree
//! files equal what it adds, and ci/maintainers.md is current and routes
//! every patch as it must. It sits above `tree` (applying, in-tree drift)
//! and `maintainers` (the recipients table), which know nothing of each
//! other.

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::tree::{self, Applied};
use crate::util::info;

/// Applies the whole series and reports every drift item at once.
pub fn check(ctx: &Ctx, discard: bool) -> Result<Applied> {
    let applied = tree::apply(ctx, None, discard)?;
    let mut items = tree::drift(ctx, &applied)?;
    let entries = tree::read_series(ctx)?;
    items.extend(crate::maintainers::drift(ctx, &applied.tree, &entries)?);
    if !items.is_empty() {
        return Err(Error::Drift { items });
    }
    info(&format!(
        "series applies ({} patch(es)); in-tree files match; {} is current",
        applied.commits.len(),
        crate::maintainers::TABLE
    ));
    Ok(applied)
}

/// The failure paths of applying and checking the series, against a fake
/// kernel tree (`WB_KERNEL_TREE`'s role, a few files in a git repository)
/// and a fake project: no base download, no kernel build.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::exit;
    use std::path::{Path, PathBuf};

    fn git(dir: &Path, args: &[&str]) {
        let out = crate::ident::neutral()
            .git(dir)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
    }

    fn write(path: PathBuf, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// A patch in `git format-patch` form that adds `fs/new.rs`, or changes
    /// `fs/a.c` from `from` to `to`.
    fn patch(subject: &str, body: &str) -> String {
        format!(
            "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n\
             From: t <t@invalid>\nDate: Sun, 6 Dec 2026 00:00:00 +0000\n\
             Subject: [PATCH] {subject}\n\n{subject}.\n---\n{body}--\n2.39.5\n\n"
        )
    }

    const ADD_NEW: &str = "diff --git a/fs/new.rs b/fs/new.rs\nnew file mode 100644\n\
        index 0000000..587be6b\n--- /dev/null\n+++ b/fs/new.rs\n@@ -0,0 +1 @@\n+x\n";

    fn change_a(from: &str, to: &str) -> String {
        format!(
            "diff --git a/fs/a.c b/fs/a.c\n--- a/fs/a.c\n+++ b/fs/a.c\n@@ -1 +1 @@\n-{from}\n+{to}\n"
        )
    }

    /// A fake kernel tree, a project with `patches`, and a context on them
    /// with a cache of its own.
    fn setup(name: &str, patches: &[(&str, String)], mirror: Option<&str>) -> (Ctx, PathBuf) {
        let root = std::env::temp_dir().join(format!("wb-fake-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let kernel = root.join("linux");
        write(kernel.join("Makefile"), "# fake\n");
        write(kernel.join("fs/pidfs.c"), "/* fake */\n");
        write(kernel.join("fs/a.c"), "one\n");
        git(&kernel, &["init", "-q"]);
        git(&kernel, &["add", "."]);
        git(&kernel, &["commit", "-q", "-m", "base"]);
        let repo = root.join("project");
        let mut series = String::new();
        for (file, text) in patches {
            write(repo.join("patches").join(file), text);
            series.push_str(file);
            series.push('\n');
        }
        write(repo.join("patches/series"), &series);
        // Project files outside patches/ that are not kernel files.
        write(repo.join(".github/workflows/ci.yml"), "name: ci\n");
        write(repo.join("README.md"), "fake\n");
        if let Some(text) = mirror {
            write(repo.join("fs/new.rs"), text);
        }
        git(&repo, &["init", "-q"]);
        git(&repo, &["add", "."]);
        git(&repo, &["commit", "-q", "-m", "project"]);
        let ctx = Ctx {
            repo,
            cache: root.join("cache"),
            user_tree: Some(kernel),
            user_ref: "HEAD".into(),
        };
        (ctx, root)
    }

    #[test]
    fn a_patch_that_does_not_apply_stops_the_series() {
        let (ctx, root) = setup(
            "noapply",
            &[
                ("0001-a.patch", patch("fs: add new.rs", ADD_NEW)),
                (
                    "0002-b.patch",
                    patch("fs: change a", &change_a("two", "three")),
                ),
            ],
            Some("x\n"),
        );
        let e = tree::apply(&ctx, None, false).unwrap_err();
        assert_eq!(e.code(), exit::SERIES);
        let text = e.to_string();
        assert!(text.contains("0002-b.patch"), "{text}");
        assert!(text.contains("fs/a.c"), "{text}");
        // The first patch still applies on its own.
        let ok = tree::apply(&ctx, Some(1), false).unwrap();
        assert_eq!(ok.commits.len(), 1);
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn drift_and_unexported_edits_are_reported() {
        let p = [
            ("0001-a.patch", patch("fs: add new.rs", ADD_NEW)),
            (
                "0002-b.patch",
                patch("fs: change a", &change_a("one", "two")),
            ),
        ];
        // The in-tree copy equals what the series adds: no drift (the project's own
        // files, .github/ included, are not mirrors of kernel files).
        let (ctx, root) = setup("clean", &p, Some("x\n"));
        let applied = tree::apply(&ctx, None, false).unwrap();
        assert_eq!(applied.commits.len(), 2);
        assert!(tree::drift(&ctx, &applied).unwrap().is_empty());
        // An edit in the work tree that is not in patches/ is not thrown
        // away by the next apply.
        write(applied.tree.join("fs/a.c"), "edited\n");
        let e = tree::apply(&ctx, None, false).unwrap_err();
        assert_eq!(e.code(), exit::SERIES);
        assert!(matches!(e, Error::Unexported { .. }), "{e}");
        assert!(tree::apply(&ctx, None, true).is_ok(), "--discard drops it");
        // A run stopped in the middle of the series leaves the patches it
        // applied, and one `git am` half done: nobody's work, so the next
        // apply goes on without --discard.
        let applied = tree::apply(&ctx, Some(1), false).unwrap();
        let second = ctx.patches_dir().join("0002-b.patch");
        write(applied.tree.join("fs/a.c"), "conflict\n");
        let st = std::process::Command::new("git")
            .current_dir(&applied.tree)
            .args(["am", "-q", "--no-3way"])
            .arg(&second)
            .output()
            .unwrap();
        assert!(!st.status.success(), "the second patch must stop half-way");
        assert!(
            tree::apply(&ctx, None, false).is_ok(),
            "a stopped apply is discarded"
        );
        let _ = std::fs::remove_dir_all(root);
        // A copy that differs, and one that is missing.
        let (ctx, root) = setup("drift", &p, Some("y\n"));
        let applied = tree::apply(&ctx, None, false).unwrap();
        let items = tree::drift(&ctx, &applied).unwrap();
        assert_eq!(items, ["fs/new.rs: differs from the applied series"]);
        let _ = std::fs::remove_dir_all(root);
        let (ctx, root) = setup("missing", &p, None);
        let applied = tree::apply(&ctx, None, false).unwrap();
        let items = tree::drift(&ctx, &applied).unwrap();
        assert_eq!(
            items,
            ["fs/new.rs: added by the series but missing in the repository"]
        );
        let e = Error::Drift { items };
        assert_eq!(e.code(), exit::DRIFT);
        let _ = std::fs::remove_dir_all(root);
    }
}
