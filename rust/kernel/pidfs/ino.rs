// SPDX-License-Identifier: GPL-2.0

//! Finding a `struct pid` by its pidfs inode number.
//!
//! File handles of pidfds carry the 64-bit inode number of the pid; decoding one looks the pid up
//! in a hash table keyed by `pid->ino` and linked through `pid->pidfs_hash`, as `fs/pidfs.c`
//! does with its `pidfs_ino_ht`.
//!
//! C header: [`include/linux/rhashtable.h`](srctree/include/linux/rhashtable.h)

use super::StructPid;
use crate::ffi::c_void;
use crate::{
    bindings,
    error::{to_result, Result},
    sync::rcu,
    types::Opaque,
};
use core::{mem::offset_of, ptr};

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
/// After [`PidInoTable::init`] succeeded, the wrapped `struct rhashtable` is initialised with
/// `PIDFS_INO_HT_PARAMS` and every entry in it is a `struct pid` that is still attached
/// (between `pidfs_add_pid()` and `pidfs_remove_pid()`); such a pid is freed no earlier than one
/// RCU grace period after its removal (`free_pid()` drops its reference with `call_rcu()`).
///
/// # Examples
///
/// ```
/// use kernel::{pidfs::ino::PidInoTable, sync::rcu};
///
/// static TABLE: PidInoTable = PidInoTable::new();
///
/// // Before `init()`, nothing is found and nothing can be inserted.
/// assert!(TABLE.lookup(1, &rcu::read_lock()).is_none());
/// TABLE.init()?;
/// assert!(TABLE.init().is_err());
/// assert!(TABLE.lookup(1, &rcu::read_lock()).is_none());
/// # Ok::<(), Error>(())
/// ```
pub struct PidInoTable {
    ht: Opaque<bindings::rhashtable>,
    ready: core::sync::atomic::AtomicBool,
}

// SAFETY: The rhashtable API does its own locking and RCU-protected lookups.
unsafe impl Sync for PidInoTable {}

// SAFETY: See `Sync`; the table holds no thread-bound state.
unsafe impl Send for PidInoTable {}

impl PidInoTable {
    /// Creates an uninitialised table, for a `static`.
    pub const fn new() -> Self {
        Self {
            ht: Opaque::zeroed(),
            ready: core::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Initialises the table (`rhashtable_init()`). Called once, from `pidfs_init()`.
    pub fn init(&'static self) -> Result {
        if self.ready.load(core::sync::atomic::Ordering::Acquire) {
            return Err(crate::error::code::EBUSY);
        }
        // SAFETY: The table is a static that nothing uses before it is marked ready below.
        to_result(unsafe {
            bindings::__rhashtable_init_noprof(
                self.ht.get(),
                &PIDFS_INO_HT_PARAMS,
                crate::static_lock_class!().as_ptr(),
            )
        })?;
        self.ready
            .store(true, core::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// Makes `pid` findable by its inode number (`rhashtable_insert_fast()`).
    pub fn insert(&self, pid: &StructPid) -> Result {
        if !self.ready.load(core::sync::atomic::Ordering::Acquire) {
            return Err(crate::error::code::ENODEV);
        }
        // SAFETY: The table is initialised (checked above); `pid` is valid and attached, and its
        // linkage is only used by this table.
        to_result(unsafe {
            bindings::rhashtable_insert_fast(self.ht.get(), pid.pidfs_hash(), PIDFS_INO_HT_PARAMS)
        })
    }

    /// Removes `pid` from the table (`rhashtable_remove_fast()`).
    ///
    /// The pid must have been inserted with [`PidInoTable::insert`].
    pub fn remove(&self, pid: &StructPid) {
        if !self.ready.load(core::sync::atomic::Ordering::Acquire) {
            return;
        }
        // SAFETY: The table is initialised; removing an entry that is not in the table returns
        // -ENOENT and changes nothing.
        unsafe {
            bindings::rhashtable_remove_fast(self.ht.get(), pid.pidfs_hash(), PIDFS_INO_HT_PARAMS)
        };
    }

    /// Finds the pid with inode number `ino` (`rhashtable_lookup()`).
    ///
    /// The pid is only borrowed for as long as the RCU read lock is held.
    pub fn lookup<'a>(&self, ino: u64, _rcu: &'a rcu::Guard) -> Option<&'a StructPid> {
        if !self.ready.load(core::sync::atomic::Ordering::Acquire) {
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

impl Default for PidInoTable {
    fn default() -> Self {
        Self::new()
    }
}
