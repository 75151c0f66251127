// SPDX-License-Identifier: GPL-2.0
//! The mail side of `wb test`: the export (identity refusal, v1, v2 RFC
//! with range-diff), the round trip of the exported mail (git am, b4 am,
//! quilt push -a, each compared with the applied series by tree hash) and
//! `wb onto` on a scratch tree made from the base (clean, offsets, a
//! conflicting edit).

use crate::base::{git, rev_parse};
use crate::ctx::{self, Ctx};
use crate::error::{Error, Result};
use crate::export;
use crate::harness::{expect, wb_env, Tally};
use crate::ident::{PROJECT_EMAIL, PROJECT_NAME};
use crate::series;
use crate::util::{self, output, step};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const TEST_NAME: &str = "wb round-trip test";
/// The attribution the v1 test export states (`--assisted-by`).
const ASSISTED_BY: &str = "LLM";
const TEST_EMAIL: &str = "wb-test@example.invalid";

fn ident_env(name: &str, email: &str) -> Vec<(String, String)> {
    vec![
        ("GIT_CONFIG_COUNT".into(), "2".into()),
        ("GIT_CONFIG_KEY_0".into(), "user.name".into()),
        ("GIT_CONFIG_VALUE_0".into(), name.into()),
        ("GIT_CONFIG_KEY_1".into(), "user.email".into()),
        ("GIT_CONFIG_VALUE_1".into(), email.into()),
    ]
}

fn git_out(dir: &Path, args: &[&str]) -> std::result::Result<String, String> {
    output(git(dir).args(args)).map(|s| s.trim().to_string())
}

/// Tree hash of `dir`'s HEAD after `git am` of `files` onto `base`.
fn am_tree(dir: &Path, base: &str, files: &[PathBuf]) -> std::result::Result<String, String> {
    let _ = output(git(dir).args(["am", "--abort"]));
    git_out(dir, &["checkout", "-q", "-f", "--detach", base])?;
    let mut c = crate::ident::neutral().git(dir);
    c.args(["am", "-q"]).args(files);
    if let Err(e) = output(&mut c) {
        let _ = output(git(dir).args(["am", "--abort"]));
        return Err(e);
    }
    git_out(dir, &["rev-parse", "HEAD^{tree}"])
}

/// The cover letter's subject must be the first line of its template
/// after the comments.
fn cover_subject_problem(ctx: &Ctx, series: Option<&str>, got: Option<&String>) -> Option<String> {
    let template = match series {
        Some(n) => export::series_template(n),
        None => {
            let text = util::read(&ctx.patches_dir().join("series")).ok()?;
            let parts = series::parts(&text).ok()?;
            parts
                .last()
                .map(|p| export::series_template(&p.name))
                .unwrap_or_else(|| export::COVER_TEMPLATE.to_string())
        }
    };
    let text = util::read(&ctx.repo.join(&template)).unwrap_or_default();
    let want = crate::cover::strip_comments(&text);
    let want = want.lines().next().unwrap_or_default();
    match got {
        Some(s) if !want.is_empty() && s.ends_with(want) => None,
        _ => Some(format!(
            "the cover letter's subject {got:?} is not the first line of {template} ({want:?})"
        )),
    }
}

fn mail_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = util::list_files(dir)
        .into_iter()
        .filter(|p| p.extension().map(|e| e == "eml").unwrap_or(false))
        .map(|p| dir.join(p))
        .collect();
    v.sort();
    v
}

fn subjects(files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .map(|f| {
            let t = std::fs::read_to_string(f).unwrap_or_default();
            // Unfold the header line.
            let mut s = String::new();
            let mut inside = false;
            for l in t.lines() {
                if inside {
                    if l.starts_with([' ', '\t']) {
                        s.push_str(l);
                        continue;
                    }
                    break;
                }
                if let Some(r) = l.strip_prefix("Subject: ") {
                    s.push_str(r);
                    inside = true;
                }
            }
            s
        })
        .collect()
}

pub fn run(ctx: &Ctx, t: &mut Tally, matrix_ran: bool) -> Result<()> {
    step("test: export, round trip and onto");
    let scratch = ctx.cache.join("selftest-mail");
    util::remove_dir_all_if_exists(&scratch)?;
    let versions = scratch.join("versions");
    util::mkdir(&versions)?;
    let n = crate::tree::read_series(ctx)?.len();

    // 1. No sender: a repository and a HOME without any git identity.
    let bare = scratch.join("repo-without-identity");
    let home = scratch.join("home");
    util::mkdir(&home)?;
    let mut copied = vec!["patches/series".to_string()];
    for p in series::parts(&util::read(&ctx.patches_dir().join("series"))?)? {
        copied.push(export::series_template(&p.name));
    }
    if copied.len() == 1 {
        copied.push(export::COVER_TEMPLATE.to_string());
    }
    for f in &copied {
        let data = std::fs::read(ctx.repo.join(f)).map_err(|e| Error::io(f, e))?;
        util::write(&bare.join(f), &data)?;
    }
    for (name, text) in crate::series::read_patches(&ctx.patches_dir())? {
        util::write(&bare.join("patches").join(name), text.as_bytes())?;
    }
    util::mkdir(&bare.join("scripts/pidfs-wb"))?;
    let _ = output(
        Command::new("git")
            .arg("-C")
            .arg(&bare)
            .args(["init", "-q"]),
    );
    let cache = ctx.cache.to_string_lossy().into_owned();
    let env_none: Vec<(String, String)> = vec![
        ("WB_REPO".into(), bare.to_string_lossy().into()),
        ("WB_CACHE".into(), cache.clone()),
        ("WB_VERSIONS".into(), versions.to_string_lossy().into()),
        ("HOME".into(), home.to_string_lossy().into()),
        ("XDG_CONFIG_HOME".into(), home.to_string_lossy().into()),
        ("GIT_CONFIG_NOSYSTEM".into(), "1".into()),
        ("GIT_CONFIG_GLOBAL".into(), "/dev/null".into()),
    ];
    let o = wb_env(ctx, &["export", "--no-assisted-by"], &env_none)?;
    expect(
        t,
        "export refuses without a sender identity (exit 12)",
        &o,
        12,
        &["git has no user.name and user.email configured"],
    );
    let mut env_neutral = ident_env(PROJECT_NAME, PROJECT_EMAIL);
    env_neutral.push(("WB_VERSIONS".into(), versions.to_string_lossy().into()));
    let o = wb_env(ctx, &["export", "--no-assisted-by"], &env_neutral)?;
    expect(
        t,
        "export refuses the neutral project identity as sender (exit 12)",
        &o,
        12,
        &["neutral identity"],
    );

    // 2. v1.
    let mut env = ident_env(TEST_NAME, TEST_EMAIL);
    env.push(("WB_VERSIONS".into(), versions.to_string_lossy().into()));
    let v1 = scratch.join("v1");
    let o = wb_env(ctx, &["export", "--out", &v1.to_string_lossy()], &env)?;
    expect(
        t,
        "export refuses without a stated attribution (exit 2)",
        &o,
        2,
        &["--assisted-by", "--no-assisted-by"],
    );
    let o = wb_env(
        ctx,
        &[
            "export",
            "--out",
            &v1.to_string_lossy(),
            "--assisted-by",
            ASSISTED_BY,
        ],
        &env,
    )?;
    expect(t, "export v1 through b4", &o, 0, &["mail for v1"]);
    let mails = mail_files(&v1.join("mail"));
    let subj = subjects(&mails);
    let change_id = std::fs::read_to_string(versions.join("change-id"))
        .unwrap_or_default()
        .trim()
        .to_string();
    let cover = mails
        .first()
        .and_then(|m| std::fs::read_to_string(m).ok())
        .unwrap_or_default();
    let mut problems = Vec::new();
    if mails.len() != n + 1 {
        problems.push(format!("{} mails for {n} patches", mails.len()));
    }
    for (k, s) in subj.iter().enumerate() {
        let want = export::subject_prefix(false, 1, k, n);
        if !s.starts_with(&want) {
            problems.push(format!("subject `{s}` does not start with {want}"));
        }
    }
    problems.extend(cover_subject_problem(ctx, None, subj.first()));
    for m in mails.iter().skip(1) {
        let text = std::fs::read_to_string(m).unwrap_or_default();
        let sob = format!("Signed-off-by: {TEST_NAME} <{TEST_EMAIL}>");
        if !text.contains(&sob) || text.contains(PROJECT_EMAIL) {
            problems.push(format!(
                "{}: no sender sign-off, or the neutral identity",
                m.display()
            ));
        }
        let trailers = format!("Assisted-by: {ASSISTED_BY}\n{sob}\n");
        if !text.contains(&trailers) || text.matches("Signed-off-by:").count() != 1 {
            problems.push(format!(
                "{}: not exactly the stated Assisted-by: before the one sender sign-off",
                m.display()
            ));
        }
    }
    for needle in [
        format!("base-commit: {}", ctx::BASE_COMMIT),
        format!("change-id: {change_id}"),
        "How it was tested".to_string(),
        "Changes in v1:".to_string(),
    ] {
        if change_id.is_empty() || !cover.contains(&needle) {
            problems.push(format!("the cover letter lacks `{needle}`"));
        }
    }
    if matrix_ran && !cover.contains("ran on exactly this series") {
        problems.push("the cover letter does not quote the CI report of this series".into());
    }
    if !versions.join("v1/series").is_file() {
        problems.push("v1 was not recorded".into());
    }
    t.record(
        "v1 mail: [PATCH k/n] subjects, Assisted-by + sender sign-off, base-commit, change-id, CI figures",
        problems.is_empty(),
        &problems.join("; "),
    );

    // 3. Round trip: the mail goes back in.
    let (rt, base_id) = export::scratch_clone(ctx, "roundtrip")?;
    let want = am_tree(
        &rt,
        &base_id,
        &crate::tree::read_series(ctx)?
            .iter()
            .map(|e| ctx.patches_dir().join(&e.name))
            .collect::<Vec<_>>(),
    );
    // The mail is the series as its sender sends it: the MAINTAINERS
    // entry names the sender where patches/ has the neutral identity
    // (checks::as_sent). Nothing else may differ.
    let sent_dir = scratch.join("patches-as-sent");
    let mut sent_files = Vec::new();
    for (name, text) in crate::series::read_patches(&ctx.patches_dir())? {
        let p = sent_dir.join(&name);
        let sender = format!("{TEST_NAME} <{TEST_EMAIL}>");
        util::write(&p, crate::checks::as_sent(&text, &sender).as_bytes())?;
        sent_files.push(p);
    }
    let want_sent = am_tree(&rt, &base_id, &sent_files);
    let sent_diff = match (&want, &want_sent) {
        (Ok(a), Ok(b)) => git_out(&rt, &["diff-tree", "-r", "--name-only", a, b]),
        _ => Err("a tree is missing".into()),
    };
    t.record(
        "patches/ as sent differs from patches/ only in the MAINTAINERS entry's M: line",
        matches!(&sent_diff, Ok(d) if d.lines().all(|l| l == "MAINTAINERS")),
        &format!("changed files: {sent_diff:?}"),
    );
    let got = am_tree(&rt, &base_id, &mails[1.min(mails.len())..]);
    t.record(
        "git am of the exported mail gives the tree of patches/ as sent (tree hash)",
        matches!((&want_sent, &got), (Ok(a), Ok(b)) if a == b),
        &format!("patches/ as sent: {want_sent:?}, mail: {got:?}"),
    );
    let b4_out = scratch.join("b4-am");
    let b4 = ctx.venv().join("bin/b4");
    let am = Command::new(&b4)
        .current_dir(&rt)
        .args(["--offline-mode", "-n", "am", "-m"])
        .arg(v1.join("series.mbox"))
        .arg("-o")
        .arg(&b4_out)
        .stdin(Stdio::null())
        .output();
    let mbx: Vec<PathBuf> = util::list_files(&b4_out)
        .into_iter()
        .filter(|p| p.extension().map(|e| e == "mbx").unwrap_or(false))
        .map(|p| b4_out.join(p))
        .collect();
    let got_b4 = match (&am, mbx.len()) {
        (Ok(o), 1) if o.status.success() => am_tree(&rt, &base_id, &mbx),
        (Ok(o), k) => Err(format!(
            "b4 am exited {:?} with {k} .mbx file(s): {}",
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        (Err(e), _) => Err(format!("cannot run b4: {e}")),
    };
    t.record(
        "b4 am -m of the exported mbox, then git am, gives the same tree",
        matches!((&want_sent, &got_b4), (Ok(a), Ok(b)) if a == b),
        &format!("patches/ as sent: {want_sent:?}, b4 am: {got_b4:?}"),
    );
    let quilt = (|| -> std::result::Result<String, String> {
        git_out(&rt, &["checkout", "-q", "-f", "--detach", &base_id])?;
        git_out(&rt, &["clean", "-q", "-f", "-d", "-x"])?;
        let q = Command::new("quilt")
            .current_dir(&rt)
            .env("QUILT_PATCHES", ctx.patches_dir())
            .args(["push", "-a", "-q"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run quilt: {e}"))?;
        if !q.status.success() {
            return Err(format!(
                "quilt push -a failed: {}{}",
                String::from_utf8_lossy(&q.stdout),
                String::from_utf8_lossy(&q.stderr)
            ));
        }
        let _ = std::fs::remove_dir_all(rt.join(".pc"));
        git_out(&rt, &["add", "-A", "-f"])?;
        let tree = git_out(&rt, &["write-tree"]);
        let _ = git_out(&rt, &["reset", "-q", "--hard", &base_id]);
        let _ = git_out(&rt, &["clean", "-q", "-f", "-d", "-x"]);
        tree
    })();
    t.record(
        "QUILT_PATCHES=patches quilt push -a on a fresh base gives the same tree",
        matches!((&want, &quilt), (Ok(a), Ok(b)) if a == b),
        &format!("git am: {want:?}, quilt: {quilt:?}"),
    );

    // 3b. One series of the stack on its own (`--series`): the second
    // one, whose prerequisites are the first.
    let parts = series::parts(&util::read(&ctx.patches_dir().join("series"))?)?;
    if parts.len() >= 2 {
        let (first, second) = (&parts[0], &parts[1]);
        let one = scratch.join("series-one");
        let one_s = one.to_string_lossy().into_owned();
        let o = wb_env(
            ctx,
            &[
                "export",
                "--series",
                &second.name,
                "--out",
                &one_s,
                "--no-assisted-by",
                "--no-b4-check",
            ],
            &env,
        )?;
        expect(
            t,
            &format!(
                "export --series {}: one series of the stack through b4",
                second.name
            ),
            &o,
            0,
            &["mail for v1"],
        );
        let m = mail_files(&one.join("mail"));
        let cover = m
            .first()
            .and_then(|x| std::fs::read_to_string(x).ok())
            .unwrap_or_default();
        let mut problems = Vec::new();
        let k = second.patches.len();
        if m.len() != k + 1 {
            problems.push(format!("{} mails for {k} patches", m.len()));
        }
        let subj = subjects(&m);
        for (i, s) in subj.iter().enumerate() {
            let want = export::subject_prefix(false, 1, i, k);
            if !s.starts_with(&want) {
                problems.push(format!("subject `{s}` does not start with {want}"));
            }
        }
        problems.extend(cover_subject_problem(ctx, Some(&second.name), subj.first()));
        let want_ids: Vec<String> = sent_files[..first.patches.len()]
            .iter()
            .filter_map(|f| {
                let text = std::fs::read(f).ok()?;
                util::output_with_stdin(git(&rt).args(["patch-id", "--stable"]), &text)
                    .ok()?
                    .split_whitespace()
                    .next()
                    .map(str::to_string)
            })
            .collect();
        let got_ids: Vec<String> = cover
            .lines()
            .filter_map(|l| l.strip_prefix("prerequisite-patch-id: "))
            .map(|s| s.trim().to_string())
            .collect();
        if want_ids.len() != first.patches.len() || got_ids != want_ids {
            problems.push(format!(
                "prerequisite-patch-id lines {got_ids:?} are not the patch ids of `{}` as sent {want_ids:?}",
                first.name
            ));
        }
        if !cover.contains(&format!("base-commit: {}", ctx::BASE_COMMIT)) {
            problems.push("the cover letter lacks the base tree's base-commit".into());
        }
        if !versions.join(&second.name).join("v1/series").is_file() {
            problems.push(format!("v1 of `{}` was not recorded", second.name));
        }
        t.record(
            &format!(
                "{} mail: its own [PATCH k/{k}] thread, base-commit of the base, one \
                 prerequisite-patch-id per patch of {}",
                second.name, first.name
            ),
            problems.is_empty(),
            &problems.join("; "),
        );
        let upto = first.patches.len() + k;
        let want_two = am_tree(&rt, &base_id, &sent_files[..upto]);
        let mut files: Vec<PathBuf> = sent_files[..first.patches.len()].to_vec();
        files.extend_from_slice(&m[1.min(m.len())..]);
        let got_two = am_tree(&rt, &base_id, &files);
        t.record(
            &format!(
                "git am of {} as sent, then of the {} mail, gives the tree of their patches",
                first.name, second.name
            ),
            matches!((&want_two, &got_two), (Ok(a), Ok(b)) if a == b),
            &format!("patches/: {want_two:?}, mail: {got_two:?}"),
        );
    }

    // 4. v2 needs a changelog entry; with one, it is an RFC v2 with a
    // range-diff against the recorded v1 and v1's change-id.
    let v2 = scratch.join("v2");
    let v2s = v2.to_string_lossy().into_owned();
    // v1 ran b4 prep --check; here it would only cost another minute.
    let v2_args = [
        "export",
        "--rfc",
        "--version",
        "2",
        "--out",
        &v2s,
        "--no-assisted-by",
        "--no-b4-check",
    ];
    let o = wb_env(ctx, &v2_args, &env)?;
    expect(
        t,
        "export v2 refuses without a changelog entry for v2 (exit 13)",
        &o,
        13,
        &["no `v2:` section"],
    );
    util::write(
        &versions.join("changelog.txt"),
        b"v2:\n- Nothing changed; a test of the export.\n",
    )?;
    let o = wb_env(ctx, &v2_args, &env)?;
    expect(t, "export v2 --rfc", &o, 0, &["range-diff against v1"]);
    let mails2 = mail_files(&v2.join("mail"));
    let subj2 = subjects(&mails2);
    let cover2 = mails2
        .first()
        .and_then(|m| std::fs::read_to_string(m).ok())
        .unwrap_or_default();
    let rd = std::fs::read_to_string(v2.join("range-diff-v1-v2.txt")).unwrap_or_default();
    let mut problems = Vec::new();
    for (k, s) in subj2.iter().enumerate() {
        let want = export::subject_prefix(true, 2, k, n);
        if !s.starts_with(&want) {
            problems.push(format!("subject `{s}` does not start with {want}"));
        }
    }
    let checks = (
        std::fs::read_to_string(v1.join("b4-check.txt")).unwrap_or_default(),
        std::fs::read_to_string(v2.join("b4-check.txt")).unwrap_or_default(),
    );
    if !checks.0.lines().any(|l| l.starts_with("Success:"))
        || !checks.1.contains("not run (--no-b4-check)")
    {
        problems.push(format!(
            "b4-check.txt: v1 has no b4 summary or v2 does not say it was left out: {checks:?}"
        ));
    }
    if rd.lines().count() != n || !rd.lines().all(|l| l.contains(" = ")) {
        problems.push(format!(
            "the range-diff of an unchanged series is not {n} `=` lines: {rd}"
        ));
    }
    for needle in [
        "Range-diff against v1:",
        "Changes in v2:",
        &format!("change-id: {change_id}"),
    ] {
        if !cover2.contains(needle) {
            problems.push(format!("the v2 cover letter lacks `{needle}`"));
        }
    }
    t.record(
        "v2 mail: [PATCH RFC v2 k/n], range-diff against the recorded v1, same change-id, b4 check left out as asked",
        problems.is_empty(),
        &problems.join("; "),
    );

    onto_paths(ctx, t, want.ok().as_deref())
}

/// A snapshot of what `wb onto` must not change, taken by the test itself.
fn state(dir: &Path) -> String {
    [
        vec!["for-each-ref"],
        vec!["rev-parse", "HEAD"],
        vec!["symbolic-ref", "-q", "HEAD"],
        vec!["status", "--porcelain"],
        vec!["worktree", "list"],
    ]
    .iter()
    .map(|a| git_out(dir, a).unwrap_or_default())
    .collect::<Vec<_>>()
    .join("\n")
}

fn onto_paths(ctx: &Ctx, t: &mut Tally, want: Option<&str>) -> Result<()> {
    let (user, base_id) = export::scratch_clone(ctx, "onto-user")?;
    let tree_s = user.to_string_lossy().into_owned();
    let tester = crate::ident::Ident {
        name: TEST_NAME.into(),
        email: TEST_EMAIL.into(),
    };
    let commit = |msg: &str| -> std::result::Result<String, String> {
        git_out(&user, &["add", "-A"])?;
        output(tester.git(&user).args(["commit", "-q", "-m", msg]))?;
        git_out(&user, &["rev-parse", "HEAD"])
    };
    git_out(&user, &["checkout", "-q", "-b", "user-work", &base_id]).map_err(|e| Error::Base {
        what: e,
        hint: "scratch clone".into(),
    })?;

    // Clean.
    let before = state(&user);
    let o = wb_env(ctx, &["onto", &tree_s, "--ref", &base_id], &[])?;
    let clean = o.text.matches("| applied cleanly |").count();
    expect(
        t,
        "onto: the series applies onto the base",
        &o,
        0,
        &["on branch pidfs-rs/onto"],
    );
    let got = git_out(&user, &["rev-parse", "pidfs-rs/onto^{tree}"]).ok();
    let _ = git_out(&user, &["branch", "-D", "pidfs-rs/onto"]);
    let after = state(&user);
    t.record(
        "onto: every patch applied cleanly, the result is the series' tree, nothing else changed",
        clean == crate::tree::read_series(ctx)?.len()
            && want.is_some()
            && got.as_deref() == want
            && after == before,
        &format!(
            "{clean} clean; tree {got:?}, want {want:?}; other changes: {}",
            after != before
        ),
    );

    // The first file patch 1 modifies (not adds), and its first added line.
    let first = crate::tree::read_series(ctx)?;
    let p1 = util::read(&ctx.patches_dir().join(&first[0].name))?;
    let target = modified_file_and_anchor(&p1);
    let Some((file, anchor, far)) = target else {
        t.record(
            "onto: offset and conflict paths",
            false,
            "patch 1 modifies no existing file, so no conflicting edit can be made",
        );
        return Ok(());
    };

    // Offsets: lines added at the top of the file move every hunk.
    let path = user.join(&file);
    let orig = util::read(&path)?;
    util::write(
        &path,
        format!("/* local 1 */\n/* local 2 */\n{orig}").as_bytes(),
    )?;
    let _ = commit("local: lines at the top");
    let o = wb_env(ctx, &["onto", &tree_s], &[])?;
    expect(
        t,
        "onto: a tree with moved lines applies with offsets, reported per patch",
        &o,
        0,
        &[&format!("applied with offsets: {file}")],
    );
    let _ = git_out(&user, &["branch", "-D", "pidfs-rs/onto"]);

    // 3-way: a context line two lines above the first added line is
    // edited; the patch no longer applies as is, git am -3 merges it.
    match &far {
        Some(far) => {
            let now = util::read(&path)?;
            let edited = now.replacen(far.as_str(), &format!("{far} /* local */"), 1);
            util::write(&path, edited.as_bytes())?;
            let _ = commit("local: an edit near the patch");
            let o = wb_env(ctx, &["onto", &tree_s], &[])?;
            expect(
                t,
                "onto: an edit near a hunk is reported as applied with a 3-way merge",
                &o,
                0,
                &[&format!("applied with a 3-way merge: {file}")],
            );
            let _ = git_out(&user, &["branch", "-D", "pidfs-rs/onto"]);
            // Undo it, so the next case is about the adjacent line only.
            let back = util::read(&path)?.replacen(&format!("{far} /* local */"), far, 1);
            util::write(&path, back.as_bytes())?;
            let _ = commit("local: undo");
        }
        None => t.record(
            "onto: an edit near a hunk is reported as applied with a 3-way merge",
            false,
            "patch 1's first hunk has too little context before its first added line",
        ),
    }

    // Conflict: the line before patch 1's first added line is edited.
    let now = util::read(&path)?;
    let edited = now.replacen(&anchor, &format!("{anchor} /* local edit */"), 1);
    util::write(&path, edited.as_bytes())?;
    let _ = commit("local: a conflicting edit");
    let before = state(&user);
    let o = wb_env(ctx, &["onto", &tree_s], &[])?;
    expect(
        t,
        "onto: a conflicting edit fails the patch, names the file (exit 5)",
        &o,
        5,
        &["FAILED", &file, "is as it was"],
    );
    let after = state(&user);
    t.record(
        "onto: after the failure the user's tree is exactly as it was",
        before == after && rev_parse(&user, "refs/heads/pidfs-rs/onto").is_none(),
        &format!("before:\n{before}\nafter:\n{after}"),
    );
    Ok(())
}

/// The first file a patch modifies and, in the first hunk that adds a line
/// there, the context line right before that line and the context line
/// two or more lines before it (if any).
pub fn modified_file_and_anchor(patch: &str) -> Option<(String, String, Option<String>)> {
    let mut file: Option<String> = None;
    let mut new_file = false;
    let mut prev: Option<String> = None;
    let mut before: Vec<String> = Vec::new();
    for l in patch.lines() {
        if let Some(r) = l.strip_prefix("diff --git a/") {
            file = r.split_once(" b/").map(|(a, _)| a.to_string());
            new_file = false;
            prev = None;
            continue;
        }
        if l.starts_with("new file mode") {
            new_file = true;
        }
        if new_file || l.starts_with("+++") || l.starts_with("---") {
            continue;
        }
        if let Some(ctx) = l.strip_prefix(' ') {
            prev = Some(ctx.to_string());
            before.push(ctx.to_string());
        } else if l.starts_with('+') {
            if let (Some(f), Some(p)) = (&file, &prev) {
                if !p.trim().is_empty() {
                    let far = (before.len() >= 3)
                        .then(|| before[before.len() - 3].clone())
                        .filter(|x| !x.trim().is_empty() && x != p);
                    return Some((f.clone(), p.clone(), far));
                }
            }
        } else if l.starts_with("@@") {
            prev = None;
            before.clear();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn anchor_of_the_first_modification() {
        let p = "diff --git a/rust/helpers/pid.c b/rust/helpers/pid.c\nnew file mode 100644\n--- /dev/null\n+++ b/rust/helpers/pid.c\n@@ -0,0 +1 @@\n+x\ndiff --git a/rust/helpers/helpers.c b/rust/helpers/helpers.c\n--- a/rust/helpers/helpers.c\n+++ b/rust/helpers/helpers.c\n@@ -30,6 +30,7 @@\n #include \"mutex.c\"\n #include \"mm.c\"\n #include \"page.c\"\n+#include \"pid.c\"\n";
        assert_eq!(
            super::modified_file_and_anchor(p),
            Some((
                "rust/helpers/helpers.c".into(),
                "#include \"page.c\"".into(),
                Some("#include \"mutex.c\"".into())
            ))
        );
    }
}
