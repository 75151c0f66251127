// SPDX-License-Identifier: GPL-2.0

//! Finding a `struct pid` by its pidfs inode number.
//!
//! File handles of pidfds carry the 64-bit inode number of the pid; decoding one looks the pid up
//! in a hash table keyed by `pid->ino` and linked through `pid->pidfs_hash`, as `fs/pidfs.c`
//! does with its `pidfs_ino_ht`. The linkage belongs to the linked pidfs, so the table is private
//! to the Rust pidfs.

use super::pid::PidfsFields;
use core::{mem::offset_of, ptr};
use kernel::{
    bindings,
    error::{code::*, to_result, Result},
    ffi::c_void,
    pid::StructPid,
    sync::{
        atomic::{Acquire, AtomicFlag, Release},
        rcu,
    },
    types::Opaque, //
};

/// The hash table parameters: key `pid->ino` (a `u64`), linkage `pid->pidfs_hash`.
const fn ino_ht_params() -> bindings::rhashtable_params {
    // SAFETY: `rhashtable_params` is plain data for which all zeroes is valid: no size hints and
    // no custom hash or compare functions (the default hash of `key_len` bytes is used).
    let mut p: bindings::rhashtable_params = unsafe { core::mem::zeroed() };
    let anon = offset_of!(bindings::pid, __bindgen_anon_1);
    p.key_offset = (anon + offset_of!(bindings::pid__bindgen_ty_1, ino)) as u16;
    p.key_len = core::mem::size_of::<u64>() as u16;
    p.head_offset = (anon + offset_of!(bindings::pid__bindgen_ty_1, pidfs_hash)) as u16;
    p.automatic_shrinking = true;
    p
}

const PIDFS_INO_HT_PARAMS: bindings::rhashtable_params = ino_ht_params();

/// A table of the live pids by inode number (`pidfs_ino_ht`).
///
/// # Invariants
///
/// - After [`PidInoTable::init`] succeeded (`ready` is set), the wrapped `struct rhashtable` is
///   initialised with `PIDFS_INO_HT_PARAMS`.
/// - Every entry in it is a valid `struct pid` whose inode number does not change while it is in
///   the table, and which is freed no earlier than one RCU grace period after its removal (see
///   the safety requirements of [`PidInoTable::insert`]).
pub(crate) struct PidInoTable {
    ht: Opaque<bindings::rhashtable>,
    /// Set by the first call of [`PidInoTable::init`].
    claimed: AtomicFlag,
    ready: AtomicFlag,
}

// SAFETY: The table is only used through the rhashtable API, whose insertions and removals take
// the table's own bucket locks and whose lookups are RCU-protected, so it may be used from any
// thread at once; `init()` publishes the initialised table with release ordering.
unsafe impl Sync for PidInoTable {}

// SAFETY: The table holds no state tied to the thread that created it.
unsafe impl Send for PidInoTable {}

impl PidInoTable {
    /// Creates an uninitialised table, for a `static`.
    #[inline]
    pub(crate) const fn new() -> Self {
        Self {
            ht: Opaque::zeroed(),
            claimed: AtomicFlag::new(false),
            ready: AtomicFlag::new(false),
        }
    }

    /// Initialises the table (`rhashtable_init()`). Called once, from `pidfs_init()`.
    ///
    /// Only the first call initialises the table; later ones fail with `EBUSY`.
    pub(crate) fn init(&'static self) -> Result {
        if self.claimed.xchg(true, Acquire) {
            return Err(EBUSY);
        }
        // SAFETY: The table is valid for writes; nothing else uses it before `ready` is set
        // below, and only this first call gets here. The parameters are a `static`-like constant
        // whose offsets are those of `struct pid`.
        to_result(unsafe { bindings::rhashtable_init(self.ht.get(), &PIDFS_INO_HT_PARAMS) })?;
        self.ready.store(true, Release);
        Ok(())
    }

    /// Makes `pid` findable by its inode number (`rhashtable_insert_fast()`).
    ///
    /// # Safety
    ///
    /// Until `pid` is removed with [`PidInoTable::remove`], its inode number must not change
    /// (`PidfsFields::set_ino()`), and after the removal it must not be freed before an RCU grace
    /// period has passed: lookups under RCU may still find it. pidfs inserts a pid in
    /// `pidfs_add_pid()` and removes it in `pidfs_remove_pid()`, which `free_pid()` calls before
    /// it drops its reference with `call_rcu()`.
    #[inline]
    pub(crate) unsafe fn insert(&self, pid: &StructPid) -> Result {
        if !self.ready.load(Acquire) {
            return Err(ENODEV);
        }
        // SAFETY: The table is initialised (checked above); `pid` is valid, its linkage is only
        // used by this table, and it stays valid while in the table (safety requirements).
        to_result(unsafe {
            bindings::rhashtable_insert_fast(self.ht.get(), pid.pidfs_hash(), PIDFS_INO_HT_PARAMS)
        })
    }

    /// Removes `pid` from the table (`rhashtable_remove_fast()`); does nothing if it is not in
    /// it.
    #[inline]
    pub(crate) fn remove(&self, pid: &StructPid) {
        if !self.ready.load(Acquire) {
            return;
        }
        // SAFETY: The table is initialised (checked above); removing an entry that is not in the
        // table returns -ENOENT and changes nothing.
        unsafe {
            bindings::rhashtable_remove_fast(self.ht.get(), pid.pidfs_hash(), PIDFS_INO_HT_PARAMS)
        };
    }

    /// Finds the pid with inode number `ino` (`rhashtable_lookup()`).
    ///
    /// The pid is only borrowed for as long as the RCU read lock is held.
    #[inline]
    pub(crate) fn lookup<'a>(&self, ino: u64, _rcu: &'a rcu::Guard) -> Option<&'a StructPid> {
        if !self.ready.load(Acquire) {
            return None;
        }
        // SAFETY: The table is initialised, the key is a `u64` as the parameters say, and the
        // caller holds the RCU read lock.
        let p = unsafe {
            bindings::rhashtable_lookup(
                self.ht.get(),
                ptr::from_ref(&ino).cast::<c_void>(),
                PIDFS_INO_HT_PARAMS,
            )
        };
        if p.is_null() {
            return None;
        }
        // SAFETY: Entries are attached pids that stay referenced until at least one RCU grace
        // period after removal (type invariants), and the guard keeps the read lock held for `'a`.
        Some(unsafe { StructPid::from_ptr(p.cast()) })
    }
}
