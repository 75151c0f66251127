// SPDX-License-Identifier: GPL-2.0

//! Finding a `struct pid` by its pidfs inode number.
//!
//! File handles of pidfds carry the 64-bit inode number of the pid; decoding one looks the pid up
//! in a hash table keyed by `pid->ino` and linked through `pid->pidfs_hash`, as `fs/pidfs.c`
//! does with its `pidfs_ino_ht`. The linkage belongs to the linked pidfs, so the table is private
//! to the Rust pidfs.

use kernel::{
    bindings,
    error::{to_result, Result},
    pid::StructPid,
    sync::rcu,
    types::Opaque, //
};

/// A table of the live pids by inode number (`pidfs_ino_ht`).
///
/// Like C's table it is initialised once at boot, by `pidfs_init()` before the first
/// `alloc_pid()`, and its operations do not check for that: the methods that use the table are
/// `unsafe` and require it.
///
/// # Invariants
///
/// - Once [`PidInoTable::init`] has returned `Ok`, the wrapped `struct rhashtable` is initialised
///   with the parameters of the `pid_ino_ht` helpers (key `pid->ino`, linkage `pid->pidfs_hash`),
///   which they pass to the rhashtable inlines as a C constant, as `fs/pidfs.c` does.
/// - Every entry in it is a valid `struct pid` whose inode number does not change while it is in
///   the table, and which is freed no earlier than one RCU grace period after its removal (see
///   the safety requirements of [`PidInoTable::insert`]).
pub(crate) struct PidInoTable {
    ht: Opaque<bindings::rhashtable>,
}

// SAFETY: The table is only used through the rhashtable API, whose insertions and removals take
// the table's own bucket locks and whose lookups are RCU-protected, so it may be used from any
// thread at once after it is initialised, which happens before any other use (safety requirements
// of the methods).
unsafe impl Sync for PidInoTable {}

// SAFETY: The table holds no state tied to the thread that created it.
unsafe impl Send for PidInoTable {}

impl PidInoTable {
    /// Creates an uninitialised table, for a `static`.
    #[inline]
    pub(crate) const fn new() -> Self {
        Self {
            ht: Opaque::zeroed(),
        }
    }

    /// Initialises the table (`rhashtable_init()`).
    ///
    /// # Safety
    ///
    /// Must be called once, before any other method of the table and not concurrently with any
    /// (`pidfs_init()` at boot).
    pub(crate) unsafe fn init(&self) -> Result {
        // SAFETY: The table is valid for writes, and nothing else uses it yet (safety
        // requirements).
        to_result(unsafe { bindings::pid_ino_ht_init(self.ht.get()) })
    }

    /// Makes `pid` findable by its inode number (`rhashtable_insert_fast()`).
    ///
    /// # Safety
    ///
    /// - The table must have been initialised ([`PidInoTable::init`]).
    /// - Until `pid` is removed with [`PidInoTable::remove`], its inode number must not change
    ///   (`PidfsFields::set_ino()`), and after the removal it must not be freed before an RCU
    ///   grace period has passed: lookups under RCU may still find it. pidfs inserts a pid in
    ///   `pidfs_add_pid()` and removes it in `pidfs_remove_pid()`, which `free_pid()` calls before
    ///   it drops its reference with `call_rcu()`.
    #[inline]
    pub(crate) unsafe fn insert(&self, pid: &StructPid) -> Result {
        // SAFETY: The table is initialised (safety requirements); `pid` is valid, its linkage is
        // only used by this table, and it stays valid while in the table (safety requirements).
        to_result(unsafe { bindings::pid_ino_ht_insert(self.ht.get(), pid.as_ptr()) })
    }

    /// Removes `pid` from the table (`rhashtable_remove_fast()`); does nothing if it is not in
    /// it.
    ///
    /// # Safety
    ///
    /// The table must have been initialised ([`PidInoTable::init`]).
    #[inline]
    pub(crate) unsafe fn remove(&self, pid: &StructPid) {
        // SAFETY: The table is initialised (safety requirements); removing an entry that is not
        // in the table returns -ENOENT and changes nothing.
        unsafe { bindings::pid_ino_ht_remove(self.ht.get(), pid.as_ptr()) };
    }

    /// Finds the pid with inode number `ino` (`rhashtable_lookup()`).
    ///
    /// The pid is only borrowed for as long as the RCU read lock is held.
    ///
    /// # Safety
    ///
    /// The table must have been initialised ([`PidInoTable::init`]).
    #[inline]
    pub(crate) unsafe fn lookup<'a>(
        &self,
        ino: u64,
        _rcu: &'a rcu::Guard,
    ) -> Option<&'a StructPid> {
        // SAFETY: The table is initialised (safety requirements) and the caller holds the RCU
        // read lock.
        let p = unsafe { bindings::pid_ino_ht_lookup(self.ht.get(), ino) };
        if p.is_null() {
            return None;
        }
        // SAFETY: Entries are attached pids that stay referenced until at least one RCU grace
        // period after removal (type invariants), and the guard keeps the read lock held for `'a`.
        Some(unsafe { StructPid::from_ptr(p) })
    }
}
