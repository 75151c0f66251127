// SPDX-License-Identifier: GPL-2.0
//! Detection of kernel splats in a serial console log.
//!
//! A run whose tests all pass still fails when the kernel reported an Oops,
//! BUG, WARNING, panic, a sanitizer or lockdep report, a hung task or an RCU
//! stall. The patterns follow the headers the kernel prints for each
//! (`lib/bug.c`, `kernel/panic.c`, `mm/kasan/report.c`, `kernel/locking/lockdep.c`).

use crate::ktap::strip_printk_prefix;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splat {
    pub kind: &'static str,
    /// 1-based line number in the log.
    pub line: usize,
    pub text: String,
}

/// (kind, pattern, match at start of the message only)
const PATTERNS: &[(&str, &str, bool)] = &[
    ("panic", "Kernel panic - not syncing", false),
    ("oops", "Oops:", false),
    ("oops", "general protection fault", false),
    ("bug", "kernel BUG at", false),
    ("kasan", "BUG: KASAN:", true),
    ("kcsan", "BUG: KCSAN:", true),
    ("kfence", "BUG: KFENCE:", true),
    ("bug", "BUG: ", true),
    ("warning", "WARNING: ", true),
    ("ubsan", "UBSAN: ", true),
    (
        "lockdep",
        "possible circular locking dependency detected",
        false,
    ),
    ("lockdep", "possible recursive locking detected", false),
    ("lockdep", "inconsistent lock state", false),
    ("lockdep", "suspicious RCU usage", false),
    ("hung-task", "blocked for more than", false),
    ("rcu-stall", "rcu_sched self-detected stall", false),
    ("rcu-stall", "rcu: INFO: rcu_", true),
    ("rcu-stall", "rcu_preempt detected stalls", false),
    ("soft-lockup", "watchdog: BUG: soft lockup", false),
    ("kmemleak", "unreferenced object 0x", false),
    ("rust-panic", "rust_kernel: panicked", false),
    ("rust-panic", "panicked at ", false),
];

/// Returns every splat header found in the log, in order.
pub fn scan(log: &str) -> Vec<Splat> {
    let mut out = Vec::new();
    for (i, raw) in log.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let msg = strip_printk_prefix(line).trim_start();
        for (kind, pat, at_start) in PATTERNS {
            let hit = if *at_start {
                msg.starts_with(pat)
            } else {
                msg.contains(pat)
            };
            if hit {
                out.push(Splat {
                    kind,
                    line: i + 1,
                    text: msg.to_string(),
                });
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const WARN: &str = include_str!("../tests/data/console_warn.txt");
    const PANIC: &str = include_str!("../tests/data/console_panic.txt");
    const CLEAN: &str = include_str!("../tests/data/console_clean.txt");

    #[test]
    fn clean_boot_has_none() {
        assert_eq!(scan(CLEAN), Vec::new());
    }

    #[test]
    fn warn_is_found_with_line() {
        let s = scan(WARN);
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(s[0].kind, "warning");
        assert_eq!(s[0].line, 4);
        assert!(s[0].text.contains("fs/pidfs.c"));
    }

    #[test]
    fn panic_and_oops() {
        let kinds: Vec<_> = scan(PANIC).into_iter().map(|s| s.kind).collect();
        assert_eq!(kinds, ["bug", "oops", "panic"]);
    }

    #[test]
    fn sanitizers_lockdep_and_rust() {
        let log = "[ 1.0] BUG: KASAN: slab-use-after-free in pidfs_free_pid+0x1/0x2\n\
                   [ 2.0] WARNING: possible circular locking dependency detected\n\
                   [ 3.0] INFO: task init:1 blocked for more than 120 seconds.\n\
                   [ 4.0] rust_kernel: panicked at fs/pidfs_rs.rs:10:5:\n\
                   [ 5.0] UBSAN: shift-out-of-bounds in fs/pidfs.c:1:1\n";
        let kinds: Vec<_> = scan(log).into_iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            ["kasan", "warning", "hung-task", "rust-panic", "ubsan"]
        );
    }

    #[test]
    fn ordinary_words_do_not_match() {
        let log = "[ 1.0] BUGS are fixed\n[ 1.1] a WARNING: inside text\nok 1 oops_test\n";
        assert!(scan(log).is_empty());
    }
}
