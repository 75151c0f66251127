// SPDX-License-Identifier: GPL-2.0
//! Running external commands with logs and progress, and small file helpers.

use crate::error::{Error, Result};
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Prints a step header.
pub fn step(msg: &str) {
    eprintln!("==> {msg}");
}

pub fn info(msg: &str) {
    eprintln!("    {msg}");
}

pub fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs a command, capturing stdout as a string. Fails with a message that
/// includes stderr.
pub fn output(cmd: &mut Command) -> std::result::Result<String, String> {
    let desc = describe(cmd);
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `{desc}`: {e}"))?;
    stdout_of(&desc, out)
}

/// The stdout of a finished command, or an error with its stderr.
fn stdout_of(desc: &str, out: std::process::Output) -> std::result::Result<String, String> {
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "`{desc}` exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// [`output`], with `input` on the command's stdin.
pub fn output_with_stdin(cmd: &mut Command, input: &[u8]) -> std::result::Result<String, String> {
    let desc = describe(cmd);
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `{desc}`: {e}"))?;
    if let Some(mut i) = child.stdin.take() {
        i.write_all(input)
            .map_err(|e| format!("cannot write to `{desc}`: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("cannot run `{desc}`: {e}"))?;
    stdout_of(&desc, out)
}

/// Runs a command whose output goes to `log`; prints a progress line every
/// `every` with the elapsed time and the last line of output. Returns
/// Ok(true) on success, Ok(false) on a non-zero exit.
pub fn run_logged(cmd: &mut Command, log: &Path, label: &str) -> Result<bool> {
    if let Some(dir) = log.parent() {
        mkdir(dir)?;
    }
    let desc = describe(cmd);
    let mut f =
        fs::File::create(log).map_err(|e| Error::io(format!("create {}", log.display()), e))?;
    let _ = writeln!(f, "$ {desc}");
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io(format!("cannot run `{desc}`"), e))?;
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        let tx = tx.clone();
        readers.push(std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(|l| l.ok()) {
                if tx.send(l).is_err() {
                    break;
                }
            }
        }));
    }
    if let Some(err) = child.stderr.take() {
        let tx = tx.clone();
        readers.push(std::thread::spawn(move || {
            for l in BufReader::new(err).lines().map_while(|l| l.ok()) {
                if tx.send(l).is_err() {
                    break;
                }
            }
        }));
    }
    drop(tx);
    let every = Duration::from_secs(15);
    let mut last_report = Instant::now();
    let mut last_line = String::new();
    loop {
        match rx.recv_timeout(Duration::from_millis(500)) {
            Ok(l) => {
                let _ = writeln!(f, "{l}");
                if !l.trim().is_empty() {
                    last_line = l;
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if last_report.elapsed() >= every {
            let mut shown = last_line.trim().to_string();
            if shown.len() > 90 {
                shown.truncate(90);
            }
            info(&format!(
                "{label}: {} … {shown}",
                fmt_duration(start.elapsed())
            ));
            last_report = Instant::now();
        }
    }
    for r in readers {
        let _ = r.join();
    }
    let status = child
        .wait()
        .map_err(|e| Error::io(format!("wait for `{desc}`"), e))?;
    let _ = writeln!(f, "# exit: {status}, {}", fmt_duration(start.elapsed()));
    if !status.success() {
        let text = fs::read_to_string(log).unwrap_or_default();
        let errors = first_errors(&text, 30);
        let (what, lines) = if errors.is_empty() {
            ("last lines", tail(log, 25))
        } else {
            ("first errors", errors)
        };
        eprintln!(
            "    {label} failed after {}; {what} of {}:",
            fmt_duration(start.elapsed()),
            log.display()
        );
        for l in lines {
            eprintln!("    | {l}");
        }
    }
    Ok(status.success())
}

/// The first compiler/make errors of a build log with a few lines of context
/// each (parallel builds put the first error far from the end), at most `max`
/// lines.
pub fn first_errors(text: &str, max: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let is_error = |l: &str| {
        l.starts_with("error")
            || l.contains(": error:")
            || l.contains(": fatal error:")
            || l.starts_with("ERROR:")
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() && out.len() < max {
        if is_error(lines[i]) {
            let end = (i + 8).min(lines.len());
            for l in &lines[i..end] {
                out.push(l.to_string());
            }
            i = end;
        } else {
            i += 1;
        }
    }
    out.truncate(max);
    out
}

/// The last `n` lines of a file.
pub fn tail(path: &Path, n: usize) -> Vec<String> {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[lines.len().saturating_sub(n)..].to_vec()
}

pub fn mkdir(p: &Path) -> Result<()> {
    fs::create_dir_all(p).map_err(|e| Error::io(format!("create directory {}", p.display()), e))
}

pub fn read(p: &Path) -> Result<String> {
    fs::read_to_string(p).map_err(|e| Error::io(format!("read {}", p.display()), e))
}

pub fn write(p: &Path, data: &[u8]) -> Result<()> {
    if let Some(d) = p.parent() {
        mkdir(d)?;
    }
    fs::write(p, data).map_err(|e| Error::io(format!("write {}", p.display()), e))
}

pub fn remove_dir_all_if_exists(p: &Path) -> Result<()> {
    if p.exists() {
        fs::remove_dir_all(p).map_err(|e| Error::io(format!("remove {}", p.display()), e))?;
    }
    Ok(())
}

/// Finds an executable on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// sha256 of a file, through sha256sum(1) (coreutils is always there).
pub fn sha256(p: &Path) -> Result<String> {
    let out = output(Command::new("sha256sum").arg(p)).map_err(|e| Error::Base {
        what: e,
        hint: "install coreutils".into(),
    })?;
    Ok(out
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string())
}

/// sha256 of bytes, through sha256sum(1).
pub fn sha256_bytes(data: &[u8]) -> Result<String> {
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io("run sha256sum", e))?;
    if let Some(mut i) = child.stdin.take() {
        i.write_all(data)
            .map_err(|e| Error::io("write to sha256sum", e))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| Error::io("run sha256sum", e))?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string())
}

/// Lists regular files under `dir`, relative to it, sorted.
pub fn list_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else if let Ok(rel) = p.strip_prefix(base) {
                out.push(rel.to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The civil date and time (UTC) of `secs` seconds after the Unix epoch:
/// (year, month, day, hour, minute, second). Howard Hinnant's
/// days-to-civil algorithm, for the proleptic Gregorian calendar.
pub fn civil_utc(secs: u64) -> (i64, u32, u32, u32, u32, u32) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (rem / 3_600) as u32,
        (rem % 3_600 / 60) as u32,
        (rem % 60) as u32,
    )
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `YYYYmmdd-HHMMSS` (UTC) of `secs`: the name of a run directory.
pub fn stamp_of(secs: u64) -> String {
    let (y, mo, d, h, mi, s) = civil_utc(secs);
    format!("{y:04}{mo:02}{d:02}-{h:02}{mi:02}{s:02}")
}

/// [`stamp_of`] now.
pub fn now_stamp() -> String {
    stamp_of(now_secs())
}

/// `YYYYmmdd` (UTC) today.
pub fn today() -> String {
    let (y, mo, d, ..) = civil_utc(now_secs());
    format!("{y:04}{mo:02}{d:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn stamps_without_date() {
        // Values checked with `date -u -d @SECS +%Y%m%d-%H%M%S`.
        assert_eq!(super::stamp_of(0), "19700101-000000");
        assert_eq!(super::stamp_of(951_782_400), "20000229-000000");
        assert_eq!(super::stamp_of(1_798_761_599), "20261231-235959");
        assert_eq!(super::stamp_of(1_796_554_800), "20261206-110000");
        assert_eq!(super::civil_utc(4_107_542_400), (2100, 3, 1, 0, 0, 0));
    }

    #[test]
    fn first_errors_finds_rustc_and_gcc_errors() {
        let log = "  CC a.o\n  CC b.o\nerror[E0308]: mismatched types\n --> x.rs:1:1\n  CC c.o\nfs/x.c:3:1: error: expected ';'\nmake: *** Error 2\n";
        let e = super::first_errors(log, 30);
        assert_eq!(e[0], "error[E0308]: mismatched types");
        assert!(e.iter().any(|l| l.contains("fs/x.c:3:1: error")));
        assert!(super::first_errors("  CC a.o\nmake: *** [x] Error 2\n", 30).is_empty());
        assert_eq!(super::first_errors(log, 2).len(), 2);
    }
}
