// SPDX-License-Identifier: GPL-2.0

//! Paths: a mount and a dentry (`struct path`), referenced.
//!
//! C header: [`include/linux/path.h`](srctree/include/linux/path.h)

use crate::{bindings, fs::inode::Inode};

/// A `struct path` (a mount and a dentry) holding a reference to both.
///
/// # Invariants
///
/// Both pointers are valid and referenced for as long as the `Path` exists (or, for a `&Path`
/// from [`Path::from_raw`], for its lifetime). The dentry is positive: it has an inode, which it
/// keeps while it is referenced.
#[repr(transparent)]
pub struct Path(pub(crate) bindings::path);

impl Path {
    /// Borrows a path owned by C code.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a valid, referenced path whose dentry is positive, for the lifetime
    /// `'a`.
    #[inline]
    pub unsafe fn from_raw<'a>(ptr: *const bindings::path) -> &'a Self {
        // SAFETY: `Path` is a transparent wrapper; validity is guaranteed by the caller.
        unsafe { &*ptr.cast() }
    }

    /// Returns a pointer to the C path.
    #[inline]
    pub fn as_ptr(&self) -> *const bindings::path {
        &self.0
    }

    /// Returns the inode of the path's dentry.
    #[inline]
    pub fn inode(&self) -> &Inode {
        // SAFETY: The dentry is valid and positive (type invariants), and a positive dentry keeps
        // its inode while it is referenced.
        unsafe { Inode::from_raw((*self.0.dentry).d_inode) }
    }

    /// Gives up the mount reference and returns the dentry with its reference, as
    /// `fh_to_dentry` callers want.
    #[inline]
    pub(crate) fn into_dentry(self) -> *mut bindings::dentry {
        let me = core::mem::ManuallyDrop::new(self);
        // SAFETY: The mount reference is ours to drop.
        unsafe { bindings::mntput(me.0.mnt) };
        me.0.dentry
    }

    /// Hands the path with its references to C (`*out = path`, as in `pidfs_get_root()`).
    ///
    /// # Safety
    ///
    /// `out` must be valid for writes.
    #[inline]
    pub unsafe fn write_to(self, out: *mut bindings::path) {
        let me = core::mem::ManuallyDrop::new(self);
        // SAFETY: `out` is writable; the references move with the value.
        unsafe { out.write(me.0) };
    }
}

impl Drop for Path {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: We own references to both (type invariants).
        unsafe { bindings::path_put(&self.0) };
    }
}
