// SPDX-License-Identifier: GPL-2.0
//! `wb export`: the series as mailing-list-ready mail, made by b4.
//!
//! In a scratch clone of the base repository (the cache's, never the work
//! tree), the series is applied *as sent* (the sender in `From:` and a
//! `Signed-off-by:` of the sender, see `checks::as_sent`), then:
//!
//! 1. `b4 prep -n pidfs-rs -f <base>` creates the prep branch with b4's
//!    cover-letter commit; its message becomes our cover letter
//!    (`ci/cover-NAME.txt` with the CI figures and the changelog filled
//!    in), and its tracking data gets the project's change-id
//!    (`ci/versions/change-id`) so every version of the series shares one;
//! 2. the patches are picked onto it, `b4 prep --force-revision N`,
//!    `--set-prefixes RFC` (with `--rfc`), `--auto-to-cc` (the base tree's
//!    scripts/get_maintainer.pl), `--check` (saved; b4 always exits 0, the
//!    gate is checkpatch in `wb ci`);
//! 3. `b4 send --no-sign -o DIR` writes one `.eml` per message; the tool
//!    adds `series.mbox` (all of them, mboxrd).
//!
//! `--series NAME` sends one series of the stack (see `series::parts`):
//! the earlier series are applied first, the prep branch forks from
//! them, and b4's tracking data gets one `patch-id:` prerequisite per
//! earlier patch and the base as `base-commit:`; the cover letter is
//! `ci/cover-NAME.txt` and the records live in `ci/versions/NAME/`.
//!
//! Versions: exporting vN records `patches/` as it is in
//! `ci/versions/vN/`; for N ≥ 2 the cover letter gets the range-diff
//! against `ci/versions/v(N-1)/` (applied onto the base in the scratch
//! clone, so it works from a fresh clone of this repository) and
//! `ci/versions/changelog.txt` must say what changed in vN.

use crate::base::{self, git};
use crate::checks;
use crate::cover::{
    bench_section, changelog, render_cover, size_section, strip_comments, tested_section, wrap,
};
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::ident::{self, Ident};
use crate::series;
use crate::tree;
use crate::util::{self, info, step};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The cover-letter template, relative to the repository.
pub const COVER_TEMPLATE: &str = "ci/cover-letter.txt";
/// The prep branch's name (b4 makes it `b4/pidfs-rs`).
const PREP_NAME: &str = "pidfs-rs";
const BASE_BRANCH: &str = "pidfs-rs-base";
/// b4's marker between the cover letter and its tracking data.
const MAGIC_MARKER: &str = "--- b4-submit-tracking ---";

/// How the sender attributes tool-assisted work (the base tree's
/// Documentation/process/coding-assistants.rst): the export refuses to guess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attribution {
    /// `--assisted-by TEXT`: an `Assisted-by: TEXT` trailer before the
    /// sender's `Signed-off-by:` in every patch.
    AssistedBy(String),
    /// `--no-assisted-by`: the sender states that no assistant contributed.
    None,
}

impl Attribution {
    /// From the command line: exactly one of `--assisted-by TEXT` and
    /// `--no-assisted-by`.
    pub fn from_args(text: Option<String>, none: bool) -> Result<Self> {
        match (text, none) {
            (Some(_), true) => Err(Error::Usage(
                "--assisted-by and --no-assisted-by exclude each other".into(),
            )),
            (None, false) => Err(Error::Usage(
                "state how the series was made: --assisted-by 'LLM [TOOL1] [TOOL2]' \
                 (an Assisted-by: trailer, Documentation/process/coding-assistants.rst) or \
                 --no-assisted-by; the export never adds one on its own"
                    .into(),
            )),
            (None, true) => Ok(Attribution::None),
            (Some(t), false) => {
                let t = t.trim();
                if t.is_empty() || t.contains('\n') || t.contains(':') {
                    return Err(Error::Usage(format!(
                        "--assisted-by takes one line of the form `LLM [TOOL1] [TOOL2]`, \
                         without a colon: got `{t}`"
                    )));
                }
                Ok(Attribution::AssistedBy(t.to_string()))
            }
        }
    }

    pub fn trailer(&self) -> Option<&str> {
        match self {
            Attribution::AssistedBy(t) => Some(t),
            Attribution::None => None,
        }
    }

    /// The cover letter's "Tools" section (Documentation/process/
    /// generated-content.rst: which tools, for what, and how the result
    /// was checked), from the sender's own statement and nothing else.
    pub fn disclosure(&self) -> String {
        let checked = "How the result is checked: the workbench builds, boots and tests \
                       every patch of the series on its own, with checkpatch.pl --strict, \
                       rustfmt, clippy, rustdoc and W=1 on the code it changes, and runs the \
                       same selftests against the C and the Rust pidfs; \"How it was tested\" \
                       gives the figures of this version, or says that there are none.";
        let body = match self {
            Attribution::AssistedBy(a) => format!(
                "Every patch carries \"Assisted-by: {a}\" \
                 (Documentation/process/coding-assistants.rst): the sender used that \
                 assistant to write code, selftests and commit messages of this series, in \
                 long sessions rather than from a few prompts, against the design above and \
                 fs/pidfs.c, which the Rust code follows function by function. The sender's \
                 Signed-off-by on each patch certifies it under the DCO \
                 (Documentation/process/submitting-patches.rst). {checked}"
            ),
            Attribution::None => format!(
                "The sender states that no coding assistant contributed to this series \
                 (Documentation/process/coding-assistants.rst), so no patch carries the \
                 Assisted-by trailer. {checked}"
            ),
        };
        format!("Tools\n-----\n\n{}", wrap(&body, 72))
    }
}

/// Replaces `{{disclosure}}` in the cover-letter template with
/// [`Attribution::disclosure`]; the template must have the placeholder, so
/// that no cover letter goes out without the statement.
pub fn fill_disclosure(
    template: &str,
    attribution: &Attribution,
) -> std::result::Result<String, String> {
    // The comment lines go first: they may name the placeholder, and a
    // filled-in comment would leave its lines in the cover letter.
    let template = strip_comments(template);
    if !template.contains("{{disclosure}}") {
        return Err("the template has no {{disclosure}}".into());
    }
    Ok(template.replace("{{disclosure}}", &attribution.disclosure()))
}

#[derive(Debug, Clone)]
pub struct Options {
    pub rfc: bool,
    pub version: u32,
    pub attribution: Attribution,
    pub out: Option<PathBuf>,
    /// Run `b4 prep --check` (`--no-b4-check` leaves it out).
    pub b4_check: bool,
    /// Keep the version records in `ci/versions/` (the change-id of v1 and
    /// the series of vN); `--no-record` makes a preview that writes the
    /// mail only.
    pub record: bool,
    /// One series of the stack (`--series NAME`), sent on its own with the
    /// earlier series as its prerequisites; `None` is the whole stack as
    /// one thread.
    pub series: Option<String>,
}

/// What one export sends: the patches, the ones it depends on (the
/// earlier series of the stack, applied first and recorded as
/// prerequisites), its cover-letter template and its version records.
#[derive(Debug, Clone)]
pub struct Selection {
    pub name: Option<String>,
    pub prior: Vec<(String, String)>,
    pub patches: Vec<(String, String)>,
    /// Relative to the repository.
    pub template: String,
    pub versions: PathBuf,
}

/// The cover-letter template of a series of the stack.
pub fn series_template(name: &str) -> String {
    format!("ci/cover-{name}.txt")
}

/// Picks what `--series` names out of the stack (`parts` from
/// `series::parts`, `all` the patches in order). Without `--series` it is
/// the whole stack, with the cover letter of its last series (the one the
/// others lead to) or, without markers, [`COVER_TEMPLATE`].
pub fn select(
    parts: &[series::Part],
    all: Vec<(String, String)>,
    want: Option<&str>,
    versions: &Path,
) -> Result<Selection> {
    let Some(n) = want else {
        return Ok(Selection {
            name: None,
            prior: Vec::new(),
            patches: all,
            template: parts
                .last()
                .map(|p| series_template(&p.name))
                .unwrap_or_else(|| COVER_TEMPLATE.to_string()),
            versions: versions.to_path_buf(),
        });
    };
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    let Some(i) = names.iter().position(|x| *x == n) else {
        return Err(export_err(
            format!("patches/series has no series `{n}`"),
            if names.is_empty() {
                "mark the series of the stack with `# series: NAME` lines".to_string()
            } else {
                format!("the stack has: {}", names.join(", "))
            },
        ));
    };
    let earlier: Vec<&String> = parts[..i].iter().flat_map(|p| p.patches.iter()).collect();
    let (prior, rest): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|(name, _)| earlier.contains(&name));
    let patches = rest
        .into_iter()
        .filter(|(name, _)| parts[i].patches.contains(name))
        .collect();
    Ok(Selection {
        name: Some(n.to_string()),
        prior,
        patches,
        template: series_template(n),
        versions: versions.join(n),
    })
}

/// Adds b4 prerequisites to the tracking data of b4's cover commit: one
/// `patch-id:` per patch of the earlier series (`git patch-id --stable`,
/// what b4 and lore match), then `base-commit:`, so the cover letter says
/// where the whole stack applies and what must be applied first.
pub fn with_prerequisites(
    tracking: &str,
    change_id: &str,
    patch_ids: &[String],
    base: &str,
) -> std::result::Result<String, String> {
    let key = format!("\"change-id\": \"{change_id}\"");
    if !tracking.contains(&key) {
        return Err("the tracking data has no change-id".into());
    }
    if tracking.contains("\"prerequisites\"") {
        return Err("the tracking data has prerequisites already".into());
    }
    let mut list: Vec<String> = patch_ids
        .iter()
        .map(|p| format!("\"patch-id: {p}\""))
        .collect();
    list.push(format!("\"base-commit: {base}\""));
    Ok(tracking.replace(
        &key,
        &format!("{key}, \"prerequisites\": [{}]", list.join(", ")),
    ))
}

/// The `[PATCH …]` prefix b4 writes for version `v` (v1 carries no number).
pub fn subject_prefix(rfc: bool, v: u32, k: usize, n: usize) -> String {
    let mut s = String::from("[PATCH");
    if rfc {
        s.push_str(" RFC");
    }
    if v > 1 {
        let _ = write!(s, " v{v}");
    }
    // git format-patch and b4 pad the number to the width of the count:
    // [PATCH 01/10].
    let w = n.to_string().len();
    let _ = write!(s, " {k:0w$}/{n}]");
    s
}

/// The newest report.json under out/ci/ (directory names are timestamps).
fn latest_report(ctx: &Ctx) -> Option<(String, String)> {
    let dir = ctx.out_dir().join("ci");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .filter(|e| e.path().join("report.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let name = names.pop()?;
    let text = std::fs::read_to_string(dir.join(&name).join("report.json")).ok()?;
    Some((format!("out/ci/{name}"), text))
}

/// Every report.json of a `wb` command under out/KIND/ (`bench`, `size`),
/// oldest first (directory names are timestamps), as (`out/KIND/<name>`, text).
fn reports_of(ctx: &Ctx, kind: &str) -> Vec<(String, String)> {
    let dir = ctx.out_dir().join(kind);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .filter(|e| e.path().join("report.json").is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
        .into_iter()
        .filter_map(|n| {
            let text = std::fs::read_to_string(dir.join(&n).join("report.json")).ok()?;
            Some((format!("out/{kind}/{n}"), text))
        })
        .collect()
}

/// Every `wb bench` report under out/bench/, oldest first.
fn bench_reports(ctx: &Ctx) -> Vec<(String, String)> {
    reports_of(ctx, "bench")
}

/// Every `wb size` report under out/size/, oldest first.
fn size_reports(ctx: &Ctx) -> Vec<(String, String)> {
    reports_of(ctx, "size")
}

/// Drops terminal colour sequences (b4 colours its check output).
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\u{1b}' {
            if it.peek() == Some(&'[') {
                it.next();
                for d in it.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            } else if matches!(it.next(), Some('(') | Some(')')) {
                it.next();
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// Turns b4's `.eml` files into one mboxrd file.
pub fn to_mbox(mails: &[String]) -> String {
    let mut out = String::new();
    for m in mails {
        out.push_str("From mboxrd@z Thu Jan  1 00:00:00 1970\n");
        for l in m.lines() {
            if l.trim_start_matches('>').starts_with("From ") {
                out.push('>');
            }
            out.push_str(l);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

fn export_err(what: impl Into<String>, hint: impl Into<String>) -> Error {
    Error::Export {
        what: what.into(),
        hint: hint.into(),
    }
}

fn run_git(dir: &Path, args: &[&str]) -> Result<String> {
    util::output(git(dir).args(args)).map_err(|e| export_err(e, "see the message"))
}

/// A fresh scratch clone of the base repository, kept in the cache and
/// reset for every use (the first checkout takes a while).
pub fn scratch_clone(ctx: &Ctx, name: &str) -> Result<(PathBuf, String)> {
    let (repo, base_id) = base::ensure(ctx)?;
    let dir = ctx.cache.join("scratch").join(name);
    let valid = base::rev_parse(&dir, &base_id).is_some()
        && base::rev_parse(&repo, &base_id).is_some()
        && dir.join(".git").is_dir();
    if valid {
        let _ = util::output(git(&dir).args(["am", "--abort"]));
        let _ = util::output(git(&dir).args(["rebase", "--abort"]));
        run_git(&dir, &["checkout", "-q", "-f", "--detach", &base_id])?;
        run_git(&dir, &["clean", "-q", "-f", "-d", "-x"])?;
        let heads = run_git(
            &dir,
            &[
                "for-each-ref",
                "--format=%(refname)",
                "refs/heads",
                "refs/tags/sent",
            ],
        )?;
        for h in heads.lines() {
            let _ = util::output(git(&dir).args(["update-ref", "-d", h]));
        }
        // b4's per-branch settings.
        let cfg =
            util::output(git(&dir).args(["config", "--name-only", "--get-regexp", "^branch\\."]))
                .unwrap_or_default();
        let mut sections: Vec<String> = cfg
            .lines()
            .filter_map(|k| k.rsplit_once('.').map(|(s, _)| s.to_string()))
            .collect();
        sections.dedup();
        for s in sections {
            let _ = util::output(git(&dir).args(["config", "--remove-section", &s]));
        }
    } else {
        step(&format!("scratch clone of the base: {}", dir.display()));
        util::remove_dir_all_if_exists(&dir)?;
        util::mkdir(dir.parent().unwrap_or(Path::new("/")))?;
        let log = ctx.cache.join("logs").join(format!("scratch-{name}.log"));
        let ok = util::run_logged(
            Command::new("git")
                .args(["clone", "-q", "--shared", "-n"])
                .arg(&repo)
                .arg(&dir),
            &log,
            "git clone",
        )? && util::run_logged(
            git(&dir).args(["checkout", "-q", "--detach", &base_id]),
            &log,
            "git checkout",
        )?;
        if !ok {
            return Err(export_err(
                "cannot make a scratch clone of the base",
                format!("see {}", log.display()),
            ));
        }
    }
    Ok((dir, base_id))
}

/// Applies patch texts as sent by `who` onto HEAD of `dir` with git am.
pub fn am_as_sent(
    dir: &Path,
    patches: &[(String, String)],
    who: &Ident,
    attribution: &Attribution,
    tmp: &Path,
) -> Result<()> {
    util::mkdir(tmp)?;
    for (i, (name, text)) in patches.iter().enumerate() {
        let p = tmp.join(name);
        let sent = checks::as_sent_with(text, &who.to_string(), attribution.trailer());
        util::write(&p, sent.as_bytes())?;
        let out = who
            .git(dir)
            .args(["am", "-q", "--no-3way"])
            .arg(&p)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Error::io("run git am", e))?;
        if !out.status.success() {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let log = tmp.join(format!("{name}.am.log"));
            util::write(&log, text.as_bytes())?;
            let _ = util::output(git(dir).args(["am", "--abort"]));
            return Err(Error::PatchDoesNotApply {
                patch: format!("{name} ({} of {})", i + 1, patches.len()),
                files: tree::conflict_files(&text),
                log,
            });
        }
    }
    Ok(())
}

fn b4(ctx: &Ctx, dir: &Path, args: &[&str], log: &Path) -> Result<String> {
    let b4 = ctx.venv().join("bin/b4");
    if !b4.exists() {
        return Err(Error::Setup {
            what: format!("b4 is not installed ({} is missing)", b4.display()),
            hint: "run `scripts/wb setup`".into(),
        });
    }
    let mut path = ctx.venv().join("bin").into_os_string();
    if let Some(p) = std::env::var_os("PATH") {
        path.push(":");
        path.push(p);
    }
    let out = Command::new(&b4)
        .current_dir(dir)
        .env("PATH", path)
        .args(["--offline-mode", "-n"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::io("run b4", e))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut f = util::read(log).unwrap_or_default();
    let _ = write!(f, "$ b4 --offline-mode -n {}\n{text}\n", args.join(" "));
    util::write(log, f.as_bytes())?;
    if !out.status.success() {
        return Err(export_err(
            format!(
                "`b4 {}` failed: {}",
                args.join(" "),
                text.lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or_default()
            ),
            format!("see {}", log.display()),
        ));
    }
    Ok(text)
}

/// A new change-id in b4's format: date, slug, 12 hex digits of entropy.
/// The addresses of the `To:` and `Cc:` headers of a mail (folded lines
/// joined), lower-cased: what is inside `<…>`, or a bare address.
pub(crate) fn recipients(mail: &str) -> std::collections::BTreeSet<String> {
    let head = mail.split("\n\n").next().unwrap_or("");
    let mut fields: Vec<String> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = fields.last_mut() {
                last.push_str(line);
            }
        } else {
            fields.push(line.to_string());
        }
    }
    let mut out = std::collections::BTreeSet::new();
    for f in fields {
        let Some(value) = f.strip_prefix("To:").or_else(|| f.strip_prefix("Cc:")) else {
            continue;
        };
        for part in value.split(',') {
            let part = part.trim();
            let addr = match (part.rfind('<'), part.rfind('>')) {
                (Some(a), Some(b)) if a < b => &part[a + 1..b],
                _ => part,
            };
            if addr.contains('@') {
                out.insert(addr.trim().to_lowercase());
            }
        }
    }
    out
}

/// Every address b4 put on the series must be the sender's, a `Cc:`/`To:`
/// trailer of one of the series' own patches, or come from
/// `get_maintainer.pl` run on one of them. b4 feeds get_maintainer.pl whole
/// mails, headers included, so a keyword (`K:`) of a MAINTAINERS entry can
/// match a Message-Id or change-id rather than the patch, and send a
/// series to people it has nothing for.
fn check_recipients(
    dir: &Path,
    patches: &[(String, String)],
    sender: &str,
    cover: &str,
) -> Result<()> {
    let mut want = std::collections::BTreeSet::new();
    want.insert(sender.to_lowercase());
    for (name, text) in patches {
        let log = text.split("\n---\n").next().unwrap_or("");
        let trailers: String = log
            .lines()
            .filter(|l| l.starts_with("Cc: ") || l.starts_with("To: "))
            .map(|l| format!("{}\n", l.replacen("Cc: ", "To: ", 1)))
            .collect();
        want.extend(recipients(&format!("{trailers}\n")));
        let mut child = Command::new("perl")
            .current_dir(dir)
            .args([
                "scripts/get_maintainer.pl",
                "--nogit",
                "--nogit-fallback",
                "--nogit-chief-penguins",
                "--norolestats",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error::io("run scripts/get_maintainer.pl", e))?;
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write as _;
            stdin
                .write_all(text.as_bytes())
                .map_err(|e| Error::io("write to get_maintainer.pl", e))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| Error::io("run scripts/get_maintainer.pl", e))?;
        if !out.status.success() {
            return Err(export_err(
                format!(
                    "get_maintainer.pl failed on {name}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
                "run it by hand in the export tree to see why",
            ));
        }
        let lines = String::from_utf8_lossy(&out.stdout).replace('\n', ", ");
        want.extend(recipients(&format!("To: {lines}\n\n")));
    }
    let extra: Vec<String> = recipients(cover).difference(&want).cloned().collect();
    if !extra.is_empty() {
        return Err(export_err(
            format!(
                "b4 addressed the series to {} that get_maintainer.pl gives for none of \
                 its patches: {}",
                if extra.len() == 1 {
                    "an address"
                } else {
                    "addresses"
                },
                extra.join(", ")
            ),
            "a MAINTAINERS keyword (K:) matched the mail headers, not a patch: see \
             export.log, and keep such words out of the change-id and cover letter",
        ));
    }
    Ok(())
}

fn new_change_id() -> Result<String> {
    let date = util::today();
    let mut buf = [0u8; 6];
    use std::io::Read as _;
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| Error::io("read /dev/urandom", e))?;
    let hex: String = buf.iter().map(|b| format!("{b:02x}")).collect();
    // No word a MAINTAINERS keyword matches (`K: \b(?i:rust)\b` would
    // send every series to the Rust list): b4 passes the change-id to
    // get_maintainer.pl in each mail's headers.
    Ok(format!("{}-pidfs-{hex}", date.trim()))
}

/// Where an export's change-id comes from.
#[derive(Debug, PartialEq)]
enum ChangeIdSource {
    /// `ci/versions/…/change-id`, as every version after v1 must have it.
    Recorded(String),
    /// A new one, for v1; `keep` writes it to the record.
    New { keep: bool },
    /// vN ≥ 2 without v1's change-id: an error.
    Missing,
}

/// Decides the change-id of version `v` from the recorded file's text, if
/// any; `record` is false for a `--no-record` preview.
fn change_id_source(recorded: Option<&str>, v: u32, record: bool) -> ChangeIdSource {
    match recorded.map(str::trim) {
        Some(c) if !c.is_empty() => ChangeIdSource::Recorded(c.to_string()),
        _ if v == 1 => ChangeIdSource::New { keep: record },
        _ => ChangeIdSource::Missing,
    }
}

/// Whether a version record holds exactly these patches.
fn same_series(record: &Path, patches: &[(String, String)]) -> bool {
    matches!(series::read_patches(record), Ok(r) if r == patches)
}

/// Records a version: the patches and a series file naming them.
fn copy_series(patches: &[(String, String)], to: &Path) -> Result<()> {
    util::remove_dir_all_if_exists(to)?;
    for (name, text) in patches {
        util::write(&to.join(name), text.as_bytes())?;
    }
    let names: Vec<String> = patches.iter().map(|(n, _)| n.clone()).collect();
    util::write(
        &to.join("series"),
        series::render_stack(&names, &[]).as_bytes(),
    )?;
    Ok(())
}

/// `wb export`.
pub fn run(ctx: &Ctx, opts: &Options) -> Result<PathBuf> {
    let sender = ident::sender(&ctx.repo)?;
    if opts.version == 0 {
        return Err(Error::Usage("--version starts at 1".into()));
    }
    let v = opts.version;
    let patches_dir = ctx.patches_dir();
    let parts = series::parts(&util::read(&patches_dir.join("series"))?)?;
    let sel = select(
        &parts,
        series::read_patches(&patches_dir)?,
        opts.series.as_deref(),
        &ctx.versions_dir(),
    )?;
    let patches = sel.patches.clone();
    if patches.is_empty() {
        return Err(export_err(
            "patches/series is empty",
            "there is nothing to send",
        ));
    }
    let versions = sel.versions.clone();
    let cover_template = sel.template.clone();
    let template = util::read(&ctx.repo.join(&cover_template)).map_err(|_| {
        export_err(
            format!("{cover_template} is missing"),
            "every series of the stack has its cover letter in ci/cover-NAME.txt; \
             restore it from git or write it",
        )
    })?;
    let changes_text = std::fs::read_to_string(versions.join("changelog.txt")).unwrap_or_default();
    let changes = changelog(&changes_text, v).map_err(|e| {
        export_err(
            format!("{}/changelog.txt: {e}", versions.display()),
            format!(
                "say what changed since v{} under a `v{v}:` line",
                v.saturating_sub(1)
            ),
        )
    })?;
    // The version record: vN must be this series, v(N-1) must exist.
    let this = versions.join(format!("v{v}"));
    if this.join("series").is_file() && !same_series(&this, &patches) {
        return Err(export_err(
            format!(
                "{} records a different series than patches/",
                this.display()
            ),
            format!(
                "if v{v} was sent, export this series as v{} (--version {}); if it was not, \
                 remove {} and export again",
                v + 1,
                v + 1,
                this.display()
            ),
        ));
    }
    let prev = versions.join(format!("v{}", v - 1));
    if v > 1 && !prev.join("series").is_file() {
        return Err(export_err(
            format!("there is no record of v{} in {}", v - 1, prev.display()),
            format!(
                "v{v} needs v{} to compare with; export it first (--version {})",
                v - 1,
                v - 1
            ),
        ));
    }
    let cid_file = versions.join("change-id");
    let recorded = std::fs::read_to_string(&cid_file).ok();
    let change_id = match change_id_source(recorded.as_deref(), v, opts.record) {
        ChangeIdSource::Recorded(c) => c,
        ChangeIdSource::New { keep } => {
            let c = new_change_id()?;
            if keep {
                util::write(&cid_file, format!("{c}\n").as_bytes())?;
                info(&format!("new change-id {c} in {}", cid_file.display()));
            } else {
                info(&format!(
                    "preview: change-id {c}, not written to {} (--no-record)",
                    cid_file.display()
                ));
            }
            c
        }
        ChangeIdSource::Missing => {
            return Err(export_err(
                format!("{} is missing", cid_file.display()),
                "every version of a series keeps v1's change-id; restore the file from git",
            ))
        }
    };

    let fingerprint = tree::fingerprint(&patches_dir)?;
    let report = latest_report(ctx);
    let tested = format!(
        "{}\n\n{}",
        tested_section(
            report.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
            &fingerprint,
        ),
        bench_section(&bench_reports(ctx), &fingerprint)
    );
    let tested = format!(
        "{tested}\n\n{}",
        size_section(&size_reports(ctx), &fingerprint)
    );

    let out = opts.out.clone().unwrap_or_else(|| {
        let d = ctx
            .out_dir()
            .join("mail")
            .join(format!("v{v}{}", if opts.rfc { "-rfc" } else { "" }));
        match &sel.name {
            Some(n) => d.join(n),
            None => d,
        }
    });
    util::remove_dir_all_if_exists(&out)?;
    util::mkdir(&out)?;
    let log = out.join("export.log");
    step(&format!(
        "export: {}v{v}{} as {sender}",
        sel.name
            .as_ref()
            .map(|n| format!(
                "series {n}, after {} patch(es) it depends on, ",
                sel.prior.len()
            ))
            .unwrap_or_default(),
        if opts.rfc { " RFC" } else { "" }
    ));
    let (dir, base_id) = scratch_clone(ctx, "export")?;
    run_git(&dir, &["config", "user.name", &sender.name])?;
    run_git(&dir, &["config", "user.email", &sender.email])?;
    // b4 send -o never sends; this makes sure nothing could.
    run_git(&dir, &["config", "sendemail.sendmailcmd", "/bin/false"])?;
    // The earlier series of the stack, as sent: this one applies on top
    // of them, and its cover letter names them as prerequisites.
    run_git(&dir, &["checkout", "-q", "-b", "pidfs-rs-prior", &base_id])?;
    am_as_sent(
        &dir,
        &sel.prior,
        &sender,
        &opts.attribution,
        &out.join("prerequisites"),
    )?;
    let fork = run_git(&dir, &["rev-parse", "HEAD"])?.trim().to_string();
    let mut prior_ids = Vec::new();
    for c in run_git(
        &dir,
        &["rev-list", "--reverse", &format!("{base_id}..{fork}")],
    )?
    .lines()
    {
        let diff = run_git(&dir, &["show", "--format=", c])?;
        let id = util::output_with_stdin(git(&dir).args(["patch-id", "--stable"]), diff.as_bytes())
            .map_err(|e| export_err(format!("git patch-id: {e}"), "check the scratch clone"))?;
        let id = id.split_whitespace().next().unwrap_or_default().to_string();
        if id.len() != 40 {
            return Err(export_err(
                format!("git patch-id gave no id for {c}"),
                "check the scratch clone",
            ));
        }
        prior_ids.push(id);
    }
    run_git(&dir, &["branch", "-f", BASE_BRANCH, &fork])?;

    // The series as sent, on its own branch.
    run_git(&dir, &["checkout", "-q", "-b", "pidfs-rs-new", &fork])?;
    am_as_sent(
        &dir,
        &patches,
        &sender,
        &opts.attribution,
        &out.join("as-sent"),
    )?;
    let mut range_diff = None;
    let mut rd_text = String::new();
    if v > 1 {
        let old = series::read_patches(&prev)?;
        run_git(&dir, &["checkout", "-q", "-b", "pidfs-rs-prev", &fork])?;
        am_as_sent(
            &dir,
            &old,
            &sender,
            &opts.attribution,
            &out.join("previous"),
        )?;
        rd_text = run_git(
            &dir,
            &[
                "range-diff",
                "--no-color",
                &format!("{fork}..pidfs-rs-prev"),
                &format!("{fork}..pidfs-rs-new"),
            ],
        )?;
        let p = out.join(format!("range-diff-v{}-v{v}.txt", v - 1));
        util::write(&p, rd_text.as_bytes())?;
        range_diff = Some(p);
    }
    let template = fill_disclosure(&template, &opts.attribution)
        .map_err(|e| export_err(format!("{cover_template}: {e}"), "restore the placeholder"))?;
    let cover = render_cover(
        &template,
        &tested,
        &changes,
        if v > 1 {
            Some((v - 1, rd_text.as_str()))
        } else {
            None
        },
    )
    .map_err(|e| export_err(format!("{cover_template}: {e}"), "restore the placeholders"))?;
    if let Some(l) = cover.lines().find(|l| l.starts_with('#')) {
        // b4 would drop it as a comment.
        return Err(export_err(
            format!("a line of the cover letter starts with #: `{l}`"),
            "reword it in the template, changelog or CI report",
        ));
    }

    // b4's prep branch, its cover commit carrying our cover and change-id.
    run_git(&dir, &["checkout", "-q", BASE_BRANCH])?;
    b4(
        ctx,
        &dir,
        &["prep", "-n", PREP_NAME, "-f", BASE_BRANCH],
        &log,
    )?;
    let msg = run_git(&dir, &["log", "-1", "--format=%B"])?;
    let (_, tracking) = msg.split_once(MAGIC_MARKER).ok_or_else(|| {
        export_err(
            "b4's cover commit has no tracking data",
            "check the b4 version (0.16.0)",
        )
    })?;
    let old_id = tracking
        .split("\"change-id\": \"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .ok_or_else(|| {
            export_err(
                "b4's tracking data has no change-id",
                "check the b4 version (0.16.0)",
            )
        })?;
    let tracking = tracking.replace(
        &format!("\"change-id\": \"{old_id}\""),
        &format!("\"change-id\": \"{change_id}\""),
    );
    let tracking = if sel.prior.is_empty() {
        tracking
    } else {
        with_prerequisites(&tracking, &change_id, &prior_ids, &base_id).map_err(|e| {
            export_err(
                format!("b4's cover commit: {e}"),
                "check the b4 version (0.16.0)",
            )
        })?
    };
    let new_msg = format!("{}\n\n{MAGIC_MARKER}{tracking}", cover.trim_end());
    let msg_file = out.join("cover-commit.txt");
    util::write(&msg_file, new_msg.as_bytes())?;
    run_git(
        &dir,
        &[
            "commit",
            "-q",
            "--amend",
            "--allow-empty",
            "--cleanup=verbatim",
            "-F",
            &msg_file.to_string_lossy(),
        ],
    )?;
    util::output(git(&dir).args([
        "cherry-pick",
        "--allow-empty",
        &format!("{fork}..pidfs-rs-new"),
    ]))
    .map_err(|e| {
        export_err(
            e,
            "the series applied on its own branch, so this should not happen",
        )
    })?;
    if v > 1 {
        b4(
            ctx,
            &dir,
            &["prep", "--force-revision", &v.to_string()],
            &log,
        )?;
    }
    if opts.rfc {
        b4(ctx, &dir, &["prep", "--set-prefixes", "RFC"], &log)?;
    }
    b4(ctx, &dir, &["prep", "--auto-to-cc"], &log)?;
    let summary = if opts.b4_check {
        let check = b4(ctx, &dir, &["prep", "--check", "-C"], &log)?;
        let check = strip_ansi(&check);
        util::write(&out.join("b4-check.txt"), check.as_bytes())?;
        check
            .lines()
            .find(|l| l.starts_with("Success:"))
            .unwrap_or("no summary line")
            .to_string()
    } else {
        let s = "not run (--no-b4-check)".to_string();
        util::write(&out.join("b4-check.txt"), format!("{s}\n").as_bytes())?;
        s
    };
    info(&format!(
        "b4 prep --check: {summary} (details: b4-check.txt)"
    ));
    let mail_dir = out.join("mail");
    b4(
        ctx,
        &dir,
        &["send", "--no-sign", "-o", &mail_dir.to_string_lossy()],
        &log,
    )?;
    let mut mails: Vec<PathBuf> = util::list_files(&mail_dir)
        .into_iter()
        .filter(|p| p.extension().map(|e| e == "eml").unwrap_or(false))
        .map(|p| mail_dir.join(p))
        .collect();
    mails.sort();
    if mails.len() != patches.len() + 1 {
        return Err(export_err(
            format!(
                "b4 wrote {} message(s), expected {}",
                mails.len(),
                patches.len() + 1
            ),
            format!("see {}", log.display()),
        ));
    }
    let texts: Vec<String> = mails.iter().map(|m| util::read(m)).collect::<Result<_>>()?;
    check_recipients(&dir, &patches, &sender.email, &texts[0])?;
    let mbox = out.join("series.mbox");
    util::write(&mbox, to_mbox(&texts).as_bytes())?;
    // Record this version's series, unless this is a preview.
    if !this.join("series").is_file() {
        if opts.record {
            copy_series(&patches, &this)?;
            info(&format!(
                "recorded v{v} in {} (commit it with the change-id)",
                this.display()
            ));
        } else {
            info(&format!(
                "preview: v{v} not recorded in {} (--no-record)",
                this.display()
            ));
        }
    }
    let _ = run_git(&dir, &["checkout", "-q", "--detach", &base_id]);
    println!("mail for v{v}: {}", mail_dir.display());
    for m in &mails {
        println!("  {}", m.file_name().unwrap_or_default().to_string_lossy());
    }
    println!("mbox: {}", mbox.display());
    if let Some(r) = &range_diff {
        println!("range-diff against v{}: {}", v - 1, r.display());
    }
    println!("b4 prep --check: {summary}");
    Ok(out)
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn change_id_of_a_preview_is_not_kept() {
        let id = "20261207-pidfs-rs-0123456789ab";
        assert_eq!(
            change_id_source(Some(&format!("{id}\n")), 3, false),
            ChangeIdSource::Recorded(id.into())
        );
        assert_eq!(
            change_id_source(None, 1, true),
            ChangeIdSource::New { keep: true }
        );
        assert_eq!(
            change_id_source(Some("  \n"), 1, false),
            ChangeIdSource::New { keep: false }
        );
        assert_eq!(change_id_source(None, 2, false), ChangeIdSource::Missing);
        assert_eq!(change_id_source(Some(""), 2, true), ChangeIdSource::Missing);
    }

    #[test]
    fn recipients_of_folded_headers() {
        let mail = "From: A <a@x.org>\nTo: Alexander Viro <viro@zeniv.linux.org.uk>, \n \
                    =?utf-8?q?Bj=C3=B6rn?= <Bjorn@Example.com>\nSubject: To: no@x.org\n\
                    Cc: linux-kernel@vger.kernel.org,\n\tB <b@y.org>\n\nTo: body@x.org\n";
        let r: Vec<String> = recipients(mail).into_iter().collect();
        assert_eq!(
            r,
            [
                "b@y.org",
                "bjorn@example.com",
                "linux-kernel@vger.kernel.org",
                "viro@zeniv.linux.org.uk"
            ]
        );
    }

    fn stack() -> (Vec<series::Part>, Vec<(String, String)>) {
        let parts = series::parts(
            "# series: tests\n0001-a.patch\n# series: prereqs\n0002-b.patch\n0003-c.patch\n\
             # series: rfc\n0004-d.patch\n",
        )
        .unwrap();
        let all = [
            "0001-a.patch",
            "0002-b.patch",
            "0003-c.patch",
            "0004-d.patch",
        ]
        .iter()
        .map(|n| (n.to_string(), format!("text of {n}")))
        .collect();
        (parts, all)
    }

    #[test]
    fn selects_one_series_of_the_stack() {
        let (parts, all) = stack();
        let v = Path::new("/v");
        let s = select(&parts, all.clone(), Some("prereqs"), v).unwrap();
        let names = |x: &[(String, String)]| x.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(names(&s.prior), ["0001-a.patch"]);
        assert_eq!(names(&s.patches), ["0002-b.patch", "0003-c.patch"]);
        assert_eq!(s.template, "ci/cover-prereqs.txt");
        assert_eq!(s.versions, Path::new("/v/prereqs"));
        let r = select(&parts, all.clone(), Some("rfc"), v).unwrap();
        assert_eq!(names(&r.prior).len(), 3);
        assert_eq!(names(&r.patches), ["0004-d.patch"]);
        // The whole stack goes out with the cover letter of its last series.
        let w = select(&parts, all.clone(), None, v).unwrap();
        assert_eq!((w.prior.len(), w.patches.len()), (0, 4));
        assert_eq!(w.template, "ci/cover-rfc.txt");
        assert_eq!(w.versions, v);
        // Without markers: the one template of an unmarked series.
        assert_eq!(
            select(&[], all.clone(), None, v).unwrap().template,
            COVER_TEMPLATE
        );
        let e = select(&parts, all, Some("nope"), v)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no series `nope`") && e.contains("tests, prereqs, rfc"),
            "{e}"
        );
    }

    #[test]
    fn prerequisites_in_the_tracking_data() {
        let t = "\n{\n  \"series\": {\n    \"revision\": 1,\n    \"change-id\": \"c-1\",\n    \"prefixes\": []\n  }\n}\n";
        let ids = ["a".repeat(40), "b".repeat(40)];
        let out = with_prerequisites(t, "c-1", &ids, "base1").unwrap();
        let v = json::parse(&out).unwrap();
        let pre: Vec<&str> = v
            .get("series")
            .and_then(|s| s.get("prerequisites"))
            .map(json::Value::arr)
            .unwrap_or(&[])
            .iter()
            .filter_map(json::Value::str)
            .collect();
        assert_eq!(
            pre,
            [
                format!("patch-id: {}", ids[0]).as_str(),
                format!("patch-id: {}", ids[1]).as_str(),
                "base-commit: base1"
            ]
        );
        assert!(with_prerequisites(t, "other", &ids, "b").is_err());
        assert!(with_prerequisites(&out, "c-1", &ids, "b").is_err());
    }

    #[test]
    fn prefixes() {
        assert_eq!(subject_prefix(false, 1, 1, 3), "[PATCH 1/3]");
        assert_eq!(subject_prefix(false, 2, 0, 3), "[PATCH v2 0/3]");
        assert_eq!(subject_prefix(true, 3, 2, 3), "[PATCH RFC v3 2/3]");
        assert_eq!(subject_prefix(false, 1, 0, 10), "[PATCH 00/10]");
        assert_eq!(subject_prefix(true, 2, 7, 12), "[PATCH RFC v2 07/12]");
        assert_eq!(subject_prefix(false, 1, 10, 10), "[PATCH 10/10]");
    }

    #[test]
    fn disclosure_follows_the_senders_statement() {
        let a = Attribution::AssistedBy("Claude claude-opus".into());
        let d = a.disclosure();
        assert!(d.starts_with("Tools\n-----\n\n"), "{d}");
        assert!(d.contains("\"Assisted-by: Claude claude-opus\""), "{d}");
        assert!(d.lines().all(|l| l.len() <= 72), "{d}");
        let n = Attribution::None.disclosure();
        assert!(n.contains("no coding assistant"), "{n}");
        assert!(!n.contains("Assisted-by:"), "{n}");
        // No line of either may pass for a trailer.
        assert!(
            !d.lines()
                .chain(n.lines())
                .any(|l| l.starts_with("Assisted-by:") || l.starts_with("Signed-off-by:")),
            "{d}"
        );
        let t = "s\n\n{{disclosure}}\n";
        let f = fill_disclosure(t, &Attribution::None).unwrap();
        assert!(f.starts_with("s\n\nTools\n"), "{f}");
        assert!(fill_disclosure("s\n", &Attribution::None).is_err());
        // A comment that names the placeholder is dropped, not filled in:
        // the subject stays the first line.
        let c = "# {{disclosure}} becomes the Tools section\nsubject\n\n{{disclosure}}\n";
        let f = fill_disclosure(c, &Attribution::None).unwrap();
        assert!(f.starts_with("subject\n\nTools\n"), "{f}");
        assert_eq!(f.matches("Tools\n-----").count(), 1, "{f}");
        // Only in a comment is not enough.
        assert!(fill_disclosure("# {{disclosure}}\ns\n", &Attribution::None).is_err());
    }

    #[test]
    fn ansi() {
        assert_eq!(strip_ansi("\u{1b}[31;5m●\u{1b}[0m x\u{1b}(B"), "● x");
    }

    #[test]
    fn mboxrd() {
        let m = to_mbox(&[
            "From: A <a@example.org>\nSubject: x\n\nFrom the start\n>From quoted\n".into(),
        ]);
        assert_eq!(
            m,
            "From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: A <a@example.org>\nSubject: x\n\n>From the start\n>>From quoted\n\n"
        );
    }

    #[test]
    fn attribution_is_stated() {
        assert!(matches!(
            Attribution::from_args(None, false),
            Err(Error::Usage(m)) if m.contains("--assisted-by")
        ));
        assert!(Attribution::from_args(Some("LLM".into()), true).is_err());
        assert_eq!(
            Attribution::from_args(None, true).unwrap(),
            Attribution::None
        );
        assert_eq!(
            Attribution::from_args(Some(" LLM sparse ".into()), false).unwrap(),
            Attribution::AssistedBy("LLM sparse".into())
        );
        assert!(Attribution::from_args(Some("".into()), false).is_err());
        assert!(Attribution::from_args(Some("Signed-off-by: X".into()), false).is_err());
    }
}
