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

/// (kind, pattern, match at start of the message only). The first pattern that matches a
/// line names its kind, so the specific headers of the debug options (`kconfig/debug.config`)
/// come before the generic `BUG: ` and `WARNING: `.
const PATTERNS: &[(&str, &str, bool)] = &[
    ("panic", "Kernel panic - not syncing", false),
    ("oops", "Oops:", false),
    ("oops", "general protection fault", false),
    ("bug", "kernel BUG at", false),
    ("kasan", "BUG: KASAN:", true),
    ("kcsan", "BUG: KCSAN:", true),
    ("kfence", "BUG: KFENCE:", true),
    // CONFIG_DEBUG_ATOMIC_SLEEP (kernel/sched/core.c).
    (
        "might-sleep",
        "BUG: sleeping function called from invalid context",
        true,
    ),
    ("might-sleep", "BUG: scheduling while atomic", true),
    // CONFIG_DEBUG_SPINLOCK (kernel/locking/spinlock_debug.c).
    ("spinlock", "BUG: spinlock ", true),
    ("spinlock", "BUG: rwlock ", true),
    // Lockdep running out of table space switches itself off: a lost bug finder.
    ("lockdep", "BUG: MAX_", true),
    ("bug", "BUG: ", true),
    // CONFIG_PROVE_LOCKING / CONFIG_PROVE_RCU (kernel/locking/lockdep.c).
    (
        "lockdep",
        "possible circular locking dependency detected",
        false,
    ),
    ("lockdep", "possible recursive locking detected", false),
    ("lockdep", "inconsistent lock state", false),
    (
        "lockdep",
        "possible irq lock inversion dependency detected",
        false,
    ),
    ("lockdep", "-unsafe lock order detected", false),
    ("lockdep", "bad unlock balance detected", false),
    ("lockdep", "held lock freed!", false),
    ("lockdep", "still has locks held!", false),
    ("lockdep", "lock held when returning to user space", false),
    ("lockdep", "Nested lock was not taken", false),
    ("lockdep", "suspicious RCU usage", false),
    ("lockdep", "DEBUG_LOCKS_WARN_ON(", false),
    // CONFIG_DEBUG_OBJECTS (lib/debugobjects.c, pr_fmt "ODEBUG: ").
    ("debugobjects", "ODEBUG: ", true),
    // CONFIG_DEBUG_LIST (lib/list_debug.c).
    ("list-corruption", "list_add corruption", false),
    ("list-corruption", "list_del corruption", false),
    ("list-corruption", "list_add double add", false),
    ("warning", "WARNING: ", true),
    ("ubsan", "UBSAN: ", true),
    ("hung-task", "blocked for more than", false),
    ("rcu-stall", "rcu_sched self-detected stall", false),
    ("rcu-stall", "rcu: INFO: rcu_", true),
    ("rcu-stall", "rcu_preempt detected stalls", false),
    ("soft-lockup", "watchdog: BUG: soft lockup", false),
    // CONFIG_DEBUG_KMEMLEAK: each object of the report the guest prints after its final
    // scan; and kmemleak switching itself off, which would hide every leak.
    ("kmemleak", "unreferenced object 0x", false),
    (
        "kmemleak-disabled",
        "kmemleak: Kernel memory leak detector disabled",
        false,
    ),
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

    const WARN: &str = include_str!("../../tests/data/console_warn.txt");
    const PANIC: &str = include_str!("../../tests/data/console_panic.txt");
    const CLEAN: &str = include_str!("../../tests/data/console_clean.txt");

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
            ["kasan", "lockdep", "hung-task", "rust-panic", "ubsan"]
        );
    }

    const DEBUG: &str = include_str!("../../tests/data/console_debug.txt");

    /// One canned report per bug finder of `kconfig/debug.config`, each with the follow-up
    /// lines the kernel prints, in the order of the file.
    #[test]
    fn debug_option_reports() {
        let s = scan(DEBUG);
        let kinds: Vec<_> = s.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                "kasan",
                "lockdep",
                "lockdep",
                "might-sleep",
                "debugobjects",
                "warning",
                "list-corruption",
                "warning",
                "spinlock",
                "kmemleak",
                "kmemleak",
            ],
            "{s:#?}"
        );
        assert!(s[0].text.contains("pidfs_free_pid"));
        assert!(s[9]
            .text
            .starts_with("unreferenced object 0xffff888003a1c000"));
        // The kmemleak lines of a clean boot are not reports.
        assert!(!s.iter().any(|s| s.text.contains("initialized")));
    }

    #[test]
    fn kmemleak_disabled_is_a_splat() {
        let log = "[ 9.1] kmemleak: Cannot allocate a kmemleak_object structure\n\
                   [ 9.2] kmemleak: Kernel memory leak detector disabled\n";
        let kinds: Vec<_> = scan(log).into_iter().map(|s| s.kind).collect();
        assert_eq!(kinds, ["kmemleak-disabled"]);
    }

    #[test]
    fn fault_injection_messages_are_not_splats() {
        // What an injected failure prints (lib/fault-inject.c, mm/page_alloc.c warn_alloc).
        let log = "[ 5.0] FAULT_INJECTION: forcing a failure.\n\
                   [ 5.0] name failslab, interval 1, probability 0, space 0, times -1\n\
                   [ 5.0] CPU: 1 UID: 0 PID: 77 Comm: pidfd_fault_tes Not tainted 7.3.4 #1\n\
                   [ 5.0] Call Trace:\n\
                   [ 5.1] pidfd_fault_tes: page allocation failure: order:0, mode:0xcc0(GFP_KERNEL)\n";
        assert!(scan(log).is_empty(), "{:?}", scan(log));
    }

    #[test]
    fn ordinary_words_do_not_match() {
        let log = "[ 1.0] BUGS are fixed\n[ 1.1] a WARNING: inside text\nok 1 oops_test\n";
        assert!(scan(log).is_empty());
    }
}
