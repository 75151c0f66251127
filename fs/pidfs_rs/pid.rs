// SPDX-License-Identifier: GPL-2.0

//! The fields of `struct pid` that belong to pidfs.
//!
//! `struct pid` has fields that only pidfs uses: the inode number, the dentry stash, the linkage
//! of the inode-number table and the per-pid state pointer. Only the linked pidfs may interpret
//! them (with `CONFIG_FS_PID=n` the C pidfs owns them), so their accessors live here, private to
//! the Rust pidfs, and not in `kernel::pid`.
//!
//! C header: [`include/linux/pid.h`](srctree/include/linux/pid.h)

use kernel::{
    bindings,
    pid::StructPid,
    sync::atomic::{Atomic, Relaxed},
};

/// Accessors of pidfs' fields of `struct pid`.
pub(crate) trait PidfsFields {
    /// Returns the pidfs inode number (`pid->ino`): unique for the lifetime of the system,
    /// assigned by `pidfs_add_pid()`, zero before that.
    fn ino(&self) -> u64;

    /// Sets the pidfs inode number (`pid->ino`).
    ///
    /// # Safety
    ///
    /// The pid must not be in the inode-number table (`PIDFS_INO_HT`), which finds pids by this
    /// number: changing it there would make the pid impossible to remove. pidfs sets it in
    /// `pidfs_prepare_pid()` and `pidfs_add_pid()`, before the pid is inserted or after the
    /// insertion failed.
    unsafe fn set_ino(&self, ino: u64);

    /// Returns the address of the dentry stash (`&pid->stashed`), which `path_from_stashed()` and
    /// `stashed_dentry_prune()` manage.
    fn stashed(&self) -> *mut *mut bindings::dentry;

    /// Returns the per-pid state pointer (`pid->attr`) as an atomic.
    fn attr_atomic(&self) -> &Atomic<*mut bindings::pidfs_attr>;
}

impl PidfsFields for StructPid {
    #[inline]
    fn ino(&self) -> u64 {
        ino_atomic(self).load(Relaxed)
    }

    #[inline]
    unsafe fn set_ino(&self, ino: u64) {
        ino_atomic(self).store(ino, Relaxed)
    }

    #[inline]
    fn stashed(&self) -> *mut *mut bindings::dentry {
        // SAFETY: `self` points to a valid `struct pid` (type invariants of `StructPid`); only an
        // address is computed.
        unsafe { &raw mut (*self.as_ptr()).__bindgen_anon_1.stashed }
    }

    #[inline]
    fn attr_atomic(&self) -> &Atomic<*mut bindings::pidfs_attr> {
        // SAFETY: `self` points to a valid `struct pid` (type invariants of `StructPid`), so
        // `pid->attr` is valid and aligned for the lifetime of `&self`. This pidfs is the linked
        // one (this crate is only linked with `CONFIG_FS_PID=y`), so nothing but its code uses
        // the field, and that code accesses it atomically, through this function, except where
        // it has the pid to itself (`pidfs_prepare()` before `alloc_pid()` publishes the pid,
        // `DyingPid` after its last reference is gone), where plain accesses cannot race.
        unsafe { Atomic::from_ptr(&raw mut (*self.as_ptr()).__bindgen_anon_1.attr) }
    }
}

#[inline]
fn ino_atomic(pid: &StructPid) -> &Atomic<u64> {
    // SAFETY: `pid` points to a valid `struct pid` (type invariants of `StructPid`), so `pid->ino`
    // is valid and 8-byte aligned for the lifetime of `&pid`. This pidfs is the linked one, so only
    // its code writes the field: atomically, through this function, or plainly in
    // `pidfs_prepare()` before the pid is published, which cannot race. The table's hash and
    // compare functions read it plainly, which does not race either: it is written only while the
    // pid is not in the table (see `set_ino()`).
    unsafe { Atomic::from_ptr(&raw mut (*pid.as_ptr()).__bindgen_anon_1.ino) }
}
