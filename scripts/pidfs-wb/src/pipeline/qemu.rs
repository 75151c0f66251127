// SPDX-License-Identifier: GPL-2.0
//! `wb boot`: QEMU (TCG; KVM only as a detected opt-in) with an overall
//! deadline, the serial logs saved, progress from the guest protocol.

use crate::error::{Error, Result};
use crate::guest::Guest;
use crate::util::{self, fmt_duration, info, step};
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct BootOptions {
    pub kvm: bool,
    pub deadline: Duration,
    pub extra_cmdline: String,
    /// `-icount shift=N,align=off,sleep=off`: the guest clock follows
    /// executed instructions (deterministic timing, `wb bench --icount`).
    pub icount_shift: Option<u32>,
}

/// What a boot left behind; the logs are `console.log`, `guest.log` and
/// `qemu.log` in the run directory.
pub struct Boot {
    /// QEMU's exit status; None if it was killed at the deadline.
    pub exit: Option<i32>,
    pub deadline_hit: bool,
}

fn kvm_usable() -> std::result::Result<(), String> {
    let f = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .map_err(|e| format!("/dev/kvm: {e}"))?;
    drop(f);
    Ok(())
}

/// QEMU as every boot of the workbench runs it: the accelerator arguments
/// (`TCG` unless KVM was asked for), 1 GiB, 2 vCPUs, the kernel and
/// initramfs, the common command line followed by `extra_cmdline`, the
/// console on the first serial port and the guest protocol on the second.
pub fn command(
    accel: &[&str],
    bzimage: &Path,
    initramfs: &Path,
    extra_cmdline: &str,
    console: &Path,
    ktap: &Path,
) -> Command {
    let cmdline = format!("console=ttyS0 panic=-1 rdinit=/init printk.time=1 {extra_cmdline}");
    let mut cmd = Command::new("qemu-system-x86_64");
    cmd.args(accel)
        .args(["-m", "1024", "-smp", "2", "-nodefaults"])
        .args(["-display", "none", "-no-reboot"])
        .arg("-kernel")
        .arg(bzimage)
        .arg("-initrd")
        .arg(initramfs)
        .arg("-append")
        .arg(cmdline.trim())
        .arg("-serial")
        .arg(format!("file:{}", console.display()))
        .arg("-serial")
        .arg(format!("file:{}", ktap.display()))
        .stdin(Stdio::null());
    cmd
}

/// The accelerator arguments of a TCG boot.
pub const TCG: &[&str] = &["-accel", "tcg", "-cpu", "max"];

pub fn boot(bzimage: &Path, guest: &Guest, run_dir: &Path, opts: &BootOptions) -> Result<Boot> {
    util::mkdir(run_dir)?;
    let console = run_dir.join("console.log");
    let ktap = run_dir.join("guest.log");
    let qemu_log = run_dir.join("qemu.log");
    for p in [&console, &ktap] {
        let _ = fs::remove_file(p);
    }
    let qemu = "qemu-system-x86_64";
    if util::which(qemu).is_none() {
        return Err(Error::Boot {
            what: format!("{qemu} is not installed"),
            hint: "run `scripts/wb setup` (installs qemu-system-x86)".into(),
        });
    }
    let accel: &[&str] = if opts.kvm {
        kvm_usable().map_err(|e| Error::Boot {
            what: format!("--kvm was asked for but KVM is not usable: {e}"),
            hint: "drop --kvm; TCG is the default and works everywhere".into(),
        })?;
        &["-accel", "kvm", "-cpu", "host"]
    } else {
        TCG
    };
    let mut cmd = command(
        accel,
        bzimage,
        &guest.initramfs,
        &opts.extra_cmdline,
        &console,
        &ktap,
    );
    if let Some(shift) = opts.icount_shift {
        cmd.arg("-icount")
            .arg(format!("shift={shift},align=off,sleep=off"));
    }
    let qlog = fs::File::create(&qemu_log)
        .map_err(|e| Error::io(format!("create {}", qemu_log.display()), e))?;
    let qlog2 = qlog.try_clone().map_err(|e| Error::io("dup", e))?;
    cmd.stdout(qlog).stderr(qlog2);
    step(&format!(
        "boot: QEMU {}{} ({} binaries, deadline {})",
        if opts.kvm { "KVM" } else { "TCG" },
        match opts.icount_shift {
            Some(s) => format!(" -icount shift={s}"),
            None => String::new(),
        },
        guest.plan.len(),
        fmt_duration(opts.deadline)
    ));
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| Error::Boot {
        what: format!("cannot start {qemu}: {e}"),
        hint: "run `scripts/wb setup`".into(),
    })?;
    let mut seen = 0usize;
    let mut started_at = Instant::now();
    let (exit, deadline_hit) = loop {
        if let Some(st) = child
            .try_wait()
            .map_err(|e| Error::io("wait for qemu", e))?
        {
            break (st.code(), false);
        }
        if start.elapsed() > opts.deadline {
            let _ = child.kill();
            let _ = child.wait();
            break (None, true);
        }
        std::thread::sleep(Duration::from_millis(300));
        let text = fs::read_to_string(&ktap).unwrap_or_default();
        let events: Vec<&str> = text.lines().filter(|l| l.starts_with("# wb: ")).collect();
        for ev in events.iter().skip(seen) {
            let ev = ev.trim_end_matches('\r');
            if let Some(id) = ev.strip_prefix("# wb: begin ") {
                started_at = Instant::now();
                info(&format!("[{}] {} …", fmt_duration(start.elapsed()), id));
            } else if let Some(rest) = ev.strip_prefix("# wb: end ") {
                info(&format!(
                    "        {rest} ({})",
                    fmt_duration(started_at.elapsed())
                ));
            }
        }
        seen = seen.max(events.len());
    };
    let elapsed = start.elapsed();
    if deadline_hit {
        info(&format!(
            "deadline of {} reached: QEMU killed",
            fmt_duration(opts.deadline)
        ));
    } else {
        info(&format!(
            "QEMU exited ({}) after {}",
            exit.map(|c| c.to_string()).unwrap_or("signal".into()),
            fmt_duration(elapsed)
        ));
    }
    if exit.is_some_and(|c| c != 0) {
        for l in util::tail(&qemu_log, 5) {
            info(&format!("qemu: {l}"));
        }
    }
    Ok(Boot { exit, deadline_hit })
}
