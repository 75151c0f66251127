// SPDX-License-Identifier: GPL-2.0

//! Inodes (`struct inode`): borrowed ones, and new ones that their filesystem sets up.
//!
//! C header: [`include/linux/fs.h`](srctree/include/linux/fs.h)

use crate::{bindings, types::Opaque};

/// An inode, borrowed.
///
/// # Invariants
///
/// The wrapped inode is valid for the lifetime of the borrow.
#[repr(transparent)]
pub struct Inode(Opaque<bindings::inode>);

impl Inode {
    /// Borrows an inode.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid inode for the lifetime `'a`.
    #[inline]
    pub unsafe fn from_raw<'a>(ptr: *const bindings::inode) -> &'a Self {
        // SAFETY: Transparent wrapper; validity is guaranteed by the caller.
        unsafe { &*ptr.cast() }
    }

    /// Returns a pointer to the C inode.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::inode {
        self.0.get()
    }

    /// Returns the inode number (`i_ino`).
    #[inline]
    pub fn ino(&self) -> u64 {
        // SAFETY: The inode is valid (type invariants). `i_ino` is set before the inode becomes
        // reachable, and is read without a lock, as the VFS reads it.
        unsafe { (*self.as_ptr()).i_ino }
    }

    /// Returns the inode generation (`i_generation`).
    #[inline]
    pub fn generation(&self) -> u32 {
        // SAFETY: The inode is valid; `i_generation` is set once at creation.
        unsafe { (*self.as_ptr()).i_generation }
    }

    /// Warns once if the inode is not locked (`WARN_ON_ONCE(!inode_is_locked(inode))`).
    #[inline]
    pub fn assert_locked(&self) {
        // SAFETY: The inode is valid (type invariants); the lock state is only read.
        let locked = unsafe { bindings::inode_is_locked(self.as_ptr()) } != 0;
        crate::warn_on_once!(!locked);
    }
}

/// A new inode being set up by its filesystem, before anyone else can see it.
///
/// # Invariants
///
/// The inode is new and not yet visible to anyone but the holder, so its fields may be written.
pub struct NewInode<'a>(pub(crate) &'a Inode);

impl NewInode<'_> {
    /// Sets the inode number and generation (`i_ino`, `i_generation`).
    #[inline]
    pub fn set_ino(&self, ino: u64, generation: u32) {
        let i = self.0.as_ptr();
        // SAFETY: The inode is new and not visible to anyone else (type invariants), and a
        // `NewInode` cannot be shared with another thread, so nothing accesses it concurrently.
        unsafe {
            (*i).i_ino = ino;
            (*i).i_generation = generation;
        }
    }

    /// Adds and removes `S_*` inode flags (`i_flags`).
    #[inline]
    pub fn change_flags(&self, set: InodeFlags, clear: InodeFlags) {
        let i = self.0.as_ptr();
        // SAFETY: The inode is new and not visible to anyone else (type invariants), and a
        // `NewInode` cannot be shared with another thread, so nothing accesses it concurrently.
        unsafe { (*i).i_flags = ((*i).i_flags | set.0) & !clear.0 };
    }

    /// Adds permission bits to the mode (`i_mode`). Other bits of `mode` are ignored
    /// (`S_IALLUGO` masks it), so the file type cannot change.
    #[inline]
    pub fn add_mode(&self, mode: u16) {
        // `S_IALLUGO`: the set-id, sticky and permission bits.
        const S_IALLUGO: u16 = 0o7777;
        let i = self.0.as_ptr();
        // SAFETY: The inode is new and not visible to anyone else (type invariants), and a
        // `NewInode` cannot be shared with another thread, so nothing accesses it concurrently.
        unsafe { (*i).i_mode |= mode & S_IALLUGO };
    }
}

/// Flags of an inode (`S_*` of `i_flags`) that a filesystem may set on or clear from its new
/// inodes with [`NewInode::change_flags`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InodeFlags(u32);

impl core::ops::BitOr for InodeFlags {
    type Output = Self;

    #[inline]
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// The inode is internal to the kernel: no security checks, no fsnotify events (`S_PRIVATE`).
pub const S_PRIVATE: InodeFlags = InodeFlags(bindings::S_PRIVATE);
/// The inode belongs to an anonymous or pseudo filesystem (`S_ANON_INODE`).
pub const S_ANON_INODE: InodeFlags = InodeFlags(bindings::S_ANON_INODE);
/// The inode cannot be changed (`S_IMMUTABLE`); setting extended attributes needs it clear.
pub const S_IMMUTABLE: InodeFlags = InodeFlags(bindings::S_IMMUTABLE);
