// SPDX-License-Identifier: GPL-2.0

//! A pseudo filesystem whose inodes stand for kernel objects, built on the C stash.
//!
//! pidfs, like nsfs, has one inode and one dentry per object (a `struct pid`), created on demand
//! by the C `path_from_stashed()` and shared by every file that refers to the object. This module
//! lets a Rust filesystem use that one C implementation: [`PseudoFs`] describes the filesystem
//! and its operations, the `const` vtables below are built from it, and [`path_from_stashed`]
//! hands the C side one reference to the object, which it consumes on every path.
//!
//! Only what pidfs needs is here: an internal mount made with `init_pseudo()` and
//! `kern_mount()`, anonymous-inode attribute semantics, one xattr prefix, and file handles that
//! carry a single 64-bit object id.
//!
//! C headers: [`include/linux/pseudo_fs.h`](srctree/include/linux/pseudo_fs.h),
//! [`fs/internal.h`](srctree/fs/internal.h)

use crate::{
    bindings,
    error::{from_err_ptr, to_result, Result},
    ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void},
    fs::File,
    seq_file::SeqFile,
    str::{as_char_ptr_in_const_context, CStr, CStrExt},
    sync::aref::{ARef, AlwaysRefCounted},
};
use core::{
    marker::PhantomData,
    mem::MaybeUninit,
    ptr::{self, NonNull},
};

/// An object that can stand behind a pseudo filesystem inode.
///
/// # Safety
///
/// [`Stashable::stashed`] must return the address of a `struct dentry *` slot that belongs to
/// the object, starts out NULL, is used for no other purpose than the stash and stays valid for
/// as long as the object is referenced.
pub unsafe trait Stashable: AlwaysRefCounted + Sync {
    /// Returns the address of the object's dentry stash.
    fn stashed(&self) -> *mut *mut bindings::dentry;
}

// SAFETY: `pid->stashed` belongs to pidfs, is cleared by `pidfs_prepare_pid()` and lives as long
// as the pid.
unsafe impl Stashable for super::StructPid {
    fn stashed(&self) -> *mut *mut bindings::dentry {
        super::StructPid::stashed(self)
    }
}

/// A pseudo filesystem, its inodes and the files opened on them.
///
/// Every inode's `i_private` holds one reference to a [`PseudoFs::Data`] object, dropped when
/// the inode is evicted.
pub trait PseudoFs: Sized + 'static {
    /// The objects the inodes stand for.
    type Data: Stashable;

    /// The magic number reported by `statfs(2)`.
    const MAGIC: u32;

    /// The name of every dentry (`d_dname`), e.g. `anon_inode:[pidfd]`.
    const DNAME: &'static CStr;

    /// The vtables, which must be `static`s built with this type (some C code compares their
    /// addresses).
    fn tables() -> &'static Tables;

    /// Fills in a new inode for `data` (`stashed_operations.init_inode`).
    fn init_inode(inode: &NewInode<'_>, data: &Self::Data);

    /// Called before a new dentry for `data` is stashed (`stashed_operations.stash_dentry`); an
    /// error is returned by [`path_from_stashed`] and the new dentry and inode are dropped.
    fn stash_dentry(_data: &Self::Data) -> Result {
        Ok(())
    }

    /// Lists the extended attribute names (`inode_operations.listxattr`).
    fn listxattr(data: &Self::Data, inode: &Inode, buf: XattrBuf<'_>) -> Result<usize>;

    /// Reads the extended attribute `name` (full name, prefix included).
    fn xattr_get(data: &Self::Data, inode: &Inode, name: &CStr, buf: XattrBuf<'_>)
        -> Result<usize>;

    /// Sets (or with `value` [`None`], removes) the extended attribute `name`.
    fn xattr_set(
        data: &Self::Data,
        inode: &Inode,
        name: &CStr,
        value: Option<&[u8]>,
        flags: i32,
    ) -> Result;

    /// Returns the 64-bit id that a file handle for `data` carries.
    fn encode_fh(data: &Self::Data) -> u64;

    /// Finds the dentry for a file handle id; `Ok(None)` makes the handle stale.
    fn fh_to_dentry(id: u64) -> Result<Option<Path>>;

    /// Checks the `open_by_handle_at(2)` flags (`export_operations.permission`).
    fn export_permission(oflags: u32) -> Result;

    /// Opens a file from a decoded handle (`export_operations.open`).
    fn export_open(path: &Path, oflags: u32) -> Result<ARef<File>>;

    /// Called on the final `fput()` of a file (`file_operations.release`).
    fn release(data: &Self::Data, file: &File);

    /// Polls a file (`file_operations.poll`); returns the `EPOLL*` mask.
    fn poll(data: &Self::Data, file: &File, table: &PollTable<'_>) -> u32;

    /// Handles an ioctl (`file_operations.unlocked_ioctl`).
    fn ioctl(data: &Self::Data, file: &File, cmd: u32, arg: usize) -> Result<isize>;

    /// Handles an ioctl from a 32-bit task (`file_operations.compat_ioctl`).
    fn compat_ioctl(data: &Self::Data, file: &File, cmd: u32, arg: usize) -> Result<isize>;

    /// Prints the filesystem's lines of `/proc/<pid>/fdinfo/<fd>`.
    fn show_fdinfo(data: &Self::Data, file: &File, m: &FdInfo<'_>);
}

/// The vtables of a [`PseudoFs`], each a `static` built with the `const fn new()` of its type.
pub struct Tables {
    /// `super_operations`.
    pub sops: &'static SuperOperations,
    /// `dentry_operations`.
    pub dops: &'static DentryOperations,
    /// `export_operations`.
    pub eops: &'static ExportOperations,
    /// `inode_operations`.
    pub iops: &'static InodeOperations,
    /// `file_operations`.
    pub fops: &'static FileOperations,
    /// `stashed_operations`.
    pub stashed_ops: &'static StashedOperations,
    /// The NULL-terminated xattr handler list.
    pub xattr: &'static XattrHandlers,
}

macro_rules! vtable_type {
    ($(#[$m:meta])* $name:ident, $c:ty) => {
        $(#[$m])*
        #[repr(transparent)]
        pub struct $name($c);

        // SAFETY: The vtable is immutable and only holds function pointers and pointers to other
        // immutable statics.
        unsafe impl Sync for $name {}

        impl $name {
            /// Returns a pointer to the C vtable.
            pub const fn as_ptr(&self) -> *const $c {
                &self.0
            }
        }
    };
}

vtable_type!(
    /// `struct super_operations` of a [`PseudoFs`].
    SuperOperations,
    bindings::super_operations
);
vtable_type!(
    /// `struct dentry_operations` of a [`PseudoFs`]. It can be exported to C under the name C
    /// code compares against.
    DentryOperations,
    bindings::dentry_operations
);
vtable_type!(
    /// `struct export_operations` of a [`PseudoFs`].
    ExportOperations,
    bindings::export_operations
);
vtable_type!(
    /// `struct inode_operations` of a [`PseudoFs`].
    InodeOperations,
    bindings::inode_operations
);
vtable_type!(
    /// `struct file_operations` of a [`PseudoFs`]; `pidfd_pid()` and friends identify the
    /// filesystem's files by its address.
    FileOperations,
    bindings::file_operations
);
vtable_type!(
    /// `struct stashed_operations` of a [`PseudoFs`].
    StashedOperations,
    bindings::stashed_operations
);
vtable_type!(
    /// `struct xattr_handler` of a [`PseudoFs`], for one prefix.
    XattrHandler,
    bindings::xattr_handler
);

/// A NULL-terminated list of one xattr handler, as `sb->s_xattr` wants.
#[repr(transparent)]
pub struct XattrHandlers([*const bindings::xattr_handler; 2]);

// SAFETY: The list is immutable and points to an immutable static handler.
unsafe impl Sync for XattrHandlers {}

impl XattrHandlers {
    /// Creates the list `{ handler, NULL }`.
    pub const fn new(handler: &'static XattrHandler) -> Self {
        Self([handler.as_ptr(), ptr::null()])
    }
}

/// Returns the inode's object.
///
/// # Safety
///
/// `inode` must be a valid inode of `T`'s filesystem (its `i_private` holds a reference to a
/// `T::Data`), and the returned reference must not outlive the caller's use of the inode.
unsafe fn inode_data<'a, T: PseudoFs>(inode: *const bindings::inode) -> &'a T::Data {
    // SAFETY: Guaranteed by the safety requirements: `i_private` is a `T::Data` that the inode
    // holds a reference to.
    unsafe { &*(*inode).i_private.cast::<T::Data>() }
}

impl SuperOperations {
    /// Builds the super block operations: inodes are dropped as soon as they are unused, eviction
    /// drops the object reference, `statfs` is `simple_statfs()`.
    pub const fn new<T: PseudoFs>() -> Self {
        // SAFETY: All-zero is a valid `super_operations` (no methods).
        let mut ops: bindings::super_operations = unsafe { core::mem::zeroed() };
        ops.drop_inode = Some(bindings::inode_just_drop);
        ops.evict_inode = Some(evict_inode::<T>);
        ops.statfs = Some(bindings::simple_statfs);
        Self(ops)
    }
}

/// # Safety
///
/// Called by the VFS with a valid inode of `T`'s filesystem that is being evicted.
unsafe extern "C" fn evict_inode<T: PseudoFs>(inode: *mut bindings::inode) {
    // SAFETY: The VFS passes a valid inode that no one else uses any more.
    let data = unsafe { (*inode).i_private.cast::<T::Data>() };
    // SAFETY: As above.
    unsafe { bindings::clear_inode(inode) };
    if let Some(data) = NonNull::new(data) {
        // SAFETY: `init_inode` gave the inode one reference to the object; it is dropped here.
        drop(unsafe { ARef::from_raw(data) });
    }
}

impl DentryOperations {
    /// Builds the dentry operations: the name is [`PseudoFs::DNAME`] and pruning a dentry clears
    /// the object's stash (`stashed_dentry_prune()`).
    pub const fn new<T: PseudoFs>() -> Self {
        // SAFETY: All-zero is a valid `dentry_operations` (no methods).
        let mut ops: bindings::dentry_operations = unsafe { core::mem::zeroed() };
        ops.d_dname = Some(d_dname::<T>);
        ops.d_prune = Some(bindings::stashed_dentry_prune);
        Self(ops)
    }
}

/// # Safety
///
/// Called by the VFS with a buffer of `buflen` bytes.
unsafe extern "C" fn d_dname<T: PseudoFs>(
    _dentry: *mut bindings::dentry,
    buffer: *mut c_char,
    buflen: c_int,
) -> *mut c_char {
    // SAFETY: `buffer` has `buflen` bytes; the format is a fixed "%s" with one string argument.
    unsafe { bindings::dynamic_dname(buffer, buflen, c"%s".as_char_ptr(), T::DNAME.as_char_ptr()) }
}

impl InodeOperations {
    /// Builds the inode operations: `getattr` and `setattr` behave as for anonymous inodes
    /// (`anon_inode_getattr()`, and `anon_inode_setattr()` which refuses every change), and
    /// `listxattr` is [`PseudoFs::listxattr`].
    pub const fn new<T: PseudoFs>() -> Self {
        // SAFETY: All-zero is a valid `inode_operations` (no methods).
        let mut ops: bindings::inode_operations = unsafe { core::mem::zeroed() };
        ops.getattr = Some(bindings::anon_inode_getattr);
        ops.setattr = Some(bindings::anon_inode_setattr);
        ops.listxattr = Some(listxattr::<T>);
        Self(ops)
    }
}

/// # Safety
///
/// Called by the VFS with a positive dentry of `T`'s filesystem and a buffer of `size` bytes (or
/// NULL and 0).
unsafe extern "C" fn listxattr<T: PseudoFs>(
    dentry: *mut bindings::dentry,
    buf: *mut c_char,
    size: usize,
) -> isize {
    // SAFETY: The dentry is positive and belongs to `T`'s filesystem.
    let inode = unsafe { (*dentry).d_inode };
    // SAFETY: As above; the inode is in use for the duration of the call.
    let data = unsafe { inode_data::<T>(inode) };
    // SAFETY: The VFS passes a buffer of `size` bytes, or NULL with 0.
    let buf = unsafe { XattrBuf::from_raw(buf.cast(), size) };
    // SAFETY: `inode` is valid for the call.
    match T::listxattr(data, unsafe { Inode::from_raw(inode) }, buf) {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

impl XattrHandler {
    /// Builds the handler for the names starting with `prefix` (e.g. `trusted.`).
    pub const fn new<T: PseudoFs>(prefix: &'static CStr) -> Self {
        // SAFETY: All-zero is a valid `xattr_handler` (no methods, no name).
        let mut h: bindings::xattr_handler = unsafe { core::mem::zeroed() };
        h.prefix = as_char_ptr_in_const_context(prefix);
        h.get = Some(xattr_get::<T>);
        h.set = Some(xattr_set::<T>);
        Self(h)
    }
}

/// # Safety
///
/// Called by the VFS with a valid handler and inode of `T`'s filesystem, the name suffix, and a
/// value buffer of `size` bytes (or NULL and 0).
unsafe extern "C" fn xattr_get<T: PseudoFs>(
    handler: *const bindings::xattr_handler,
    _dentry: *mut bindings::dentry,
    inode: *mut bindings::inode,
    suffix: *const c_char,
    value: *mut c_void,
    size: usize,
) -> c_int {
    // SAFETY: `suffix` points into the full name, right after the handler's prefix.
    let name = unsafe { CStr::from_char_ptr(bindings::xattr_full_name(handler, suffix)) };
    // SAFETY: The inode is valid and in use for the duration of the call.
    let data = unsafe { inode_data::<T>(inode) };
    // SAFETY: The VFS passes a buffer of `size` bytes, or NULL with 0.
    let buf = unsafe { XattrBuf::from_raw(value, size) };
    // SAFETY: `inode` is valid for the call.
    match T::xattr_get(data, unsafe { Inode::from_raw(inode) }, name, buf) {
        Ok(n) => n as c_int,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// Called by the VFS with the inode locked, a valid handler and inode of `T`'s filesystem, the
/// name suffix, and a value of `size` bytes (or NULL to remove).
#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn xattr_set<T: PseudoFs>(
    handler: *const bindings::xattr_handler,
    _idmap: *mut bindings::mnt_idmap,
    _dentry: *mut bindings::dentry,
    inode: *mut bindings::inode,
    suffix: *const c_char,
    value: *const c_void,
    size: usize,
    flags: c_int,
) -> c_int {
    // SAFETY: `suffix` points into the full name, right after the handler's prefix.
    let name = unsafe { CStr::from_char_ptr(bindings::xattr_full_name(handler, suffix)) };
    // SAFETY: The inode is valid and in use for the duration of the call.
    let data = unsafe { inode_data::<T>(inode) };
    let value = if value.is_null() {
        None
    } else {
        // SAFETY: A non-NULL value has `size` readable bytes.
        Some(unsafe { core::slice::from_raw_parts(value.cast::<u8>(), size) })
    };
    // SAFETY: The inode is valid and locked; the lock is what `Inode::assert_locked` checks.
    let inode = unsafe { Inode::from_raw(inode) };
    inode.assert_locked();
    match T::xattr_set(data, inode, name, value, flags) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

impl ExportOperations {
    /// Builds the export operations for file handles made of one 64-bit id with type
    /// `FILEID_KERNFS`.
    pub const fn new<T: PseudoFs>() -> Self {
        // SAFETY: All-zero is a valid `export_operations` (no methods).
        let mut ops: bindings::export_operations = unsafe { core::mem::zeroed() };
        ops.encode_fh = Some(encode_fh::<T>);
        ops.fh_to_dentry = Some(fh_to_dentry::<T>);
        ops.open = Some(export_open::<T>);
        ops.permission = Some(export_permission::<T>);
        Self(ops)
    }
}

/// Size of a handle, in the 32-bit words that `max_len` and `fh_len` count.
const FH_WORDS: c_int = 2;

/// # Safety
///
/// Called by exportfs with a valid inode of `T`'s filesystem and a handle buffer of `*max_len`
/// words.
unsafe extern "C" fn encode_fh<T: PseudoFs>(
    inode: *mut bindings::inode,
    fh: *mut u32,
    max_len: *mut c_int,
    _parent: *mut bindings::inode,
) -> c_int {
    // SAFETY: `max_len` is valid.
    if unsafe { *max_len } < FH_WORDS {
        // SAFETY: As above.
        unsafe { *max_len = FH_WORDS };
        return bindings::fid_type_FILEID_INVALID as c_int;
    }
    // SAFETY: The inode is valid and in use for the duration of the call.
    let id = T::encode_fh(unsafe { inode_data::<T>(inode) });
    // SAFETY: `max_len` is valid and `fh` has at least two words (checked above); the buffer is
    // only 4-byte aligned.
    unsafe {
        *max_len = FH_WORDS;
        ptr::write_unaligned(fh.cast::<u64>(), id);
    }
    bindings::fid_type_FILEID_KERNFS as c_int
}

/// # Safety
///
/// Called by exportfs with a handle of `fh_len` words.
unsafe extern "C" fn fh_to_dentry<T: PseudoFs>(
    _sb: *mut bindings::super_block,
    fid: *mut bindings::fid,
    fh_len: c_int,
    fh_type: c_int,
) -> *mut bindings::dentry {
    if fh_len < FH_WORDS || fh_type != bindings::fid_type_FILEID_KERNFS as c_int {
        return ptr::null_mut();
    }
    // SAFETY: The handle has at least two 32-bit words (checked above).
    let id = unsafe { ptr::read_unaligned(fid.cast::<u64>()) };
    match T::fh_to_dentry(id) {
        Ok(Some(path)) => path.into_dentry(),
        Ok(None) => ptr::null_mut(),
        Err(e) => e.to_ptr(),
    }
}

/// # Safety
///
/// Called by exportfs.
unsafe extern "C" fn export_permission<T: PseudoFs>(
    _ctx: *mut bindings::handle_to_path_ctx,
    oflags: c_uint,
) -> c_int {
    match T::export_permission(oflags) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// Called by exportfs with a valid path of `T`'s filesystem.
unsafe extern "C" fn export_open<T: PseudoFs>(
    path: *const bindings::path,
    oflags: c_uint,
) -> *mut bindings::file {
    // SAFETY: The path is valid and referenced by the caller for the duration of the call.
    let path = unsafe { Path::from_raw(path) };
    match T::export_open(path, oflags) {
        Ok(file) => ARef::into_raw(file).as_ptr().cast(),
        Err(e) => e.to_ptr(),
    }
}

impl StashedOperations {
    /// Builds the stash callbacks: `init_inode` gives the inode the object reference and calls
    /// [`PseudoFs::init_inode`], `put_data` drops a reference that was not used, and
    /// `stash_dentry` calls [`PseudoFs::stash_dentry`] before the generic `stash_dentry()`.
    pub const fn new<T: PseudoFs>() -> Self {
        // SAFETY: All-zero is a valid `stashed_operations` (no methods).
        let mut ops: bindings::stashed_operations = unsafe { core::mem::zeroed() };
        ops.stash_dentry = Some(stash_dentry::<T>);
        ops.put_data = Some(put_data::<T>);
        ops.init_inode = Some(init_inode::<T>);
        Self(ops)
    }
}

/// # Safety
///
/// Called by `prepare_anon_dentry()` with a new inode and the object reference passed to
/// [`path_from_stashed`].
unsafe extern "C" fn init_inode<T: PseudoFs>(
    inode: *mut bindings::inode,
    data: *mut c_void,
) -> c_int {
    let tables = T::tables();
    // SAFETY: The inode is new and only ours. Storing `data` first hands the reference to the
    // inode: whatever happens next, eviction drops it, as `path_from_stashed()` expects.
    unsafe {
        (*inode).i_private = data;
        (*inode).i_op = tables.iops.as_ptr();
        (*inode).__bindgen_anon_3.i_fop = tables.fops.as_ptr();
    }
    // SAFETY: `data` is a `T::Data` reference now owned by the inode, which lives on.
    let data = unsafe { &*data.cast::<T::Data>() };
    // SAFETY: The inode is new and not yet visible to anyone else.
    T::init_inode(&NewInode(unsafe { Inode::from_raw(inode) }), data);
    0
}

/// # Safety
///
/// Called by `path_from_stashed()` with the object reference it was given.
unsafe extern "C" fn put_data<T: PseudoFs>(data: *mut c_void) {
    if let Some(data) = NonNull::new(data.cast::<T::Data>()) {
        // SAFETY: `path_from_stashed()` gives back the reference that `path_from_stashed` below
        // leaked with `ARef::into_raw()`.
        drop(unsafe { ARef::from_raw(data) });
    }
}

/// # Safety
///
/// Called by `path_from_stashed()` with the object's stash and a new, positive dentry.
unsafe extern "C" fn stash_dentry<T: PseudoFs>(
    stashed: *mut *mut bindings::dentry,
    dentry: *mut bindings::dentry,
) -> *mut bindings::dentry {
    // SAFETY: The dentry is positive; its inode was set up by `init_inode` above.
    let data = unsafe { inode_data::<T>((*dentry).d_inode) };
    if let Err(e) = T::stash_dentry(data) {
        return e.to_ptr();
    }
    // SAFETY: The arguments are passed through unchanged.
    unsafe { bindings::stash_dentry(stashed, dentry) }
}

/// A C `struct file_system_type`, in writable memory as the VFS links super blocks into it.
#[repr(transparent)]
pub struct FileSystemType(crate::types::Opaque<bindings::file_system_type>);

// SAFETY: The VFS serialises its changes to the structure with its own locks.
unsafe impl Sync for FileSystemType {}

impl FileSystemType {
    /// Builds a filesystem type named `name` whose super block is set up by `init_pseudo()` with
    /// `T`'s operations, and torn down by `kill_anon_super()`.
    pub const fn new<T: PseudoFs>(name: &'static CStr) -> Self {
        // SAFETY: All-zero is a valid `file_system_type`.
        let mut t: bindings::file_system_type = unsafe { core::mem::zeroed() };
        t.name = as_char_ptr_in_const_context(name);
        t.init_fs_context = Some(init_fs_context::<T>);
        t.kill_sb = Some(bindings::kill_anon_super);
        Self(crate::types::Opaque::new(t))
    }
}

/// # Safety
///
/// Called by the VFS with a new filesystem context.
unsafe extern "C" fn init_fs_context<T: PseudoFs>(fc: *mut bindings::fs_context) -> c_int {
    // SAFETY: `fc` is valid.
    let ctx = unsafe { bindings::init_pseudo(fc, T::MAGIC as c_ulong) };
    if ctx.is_null() {
        return crate::error::code::ENOMEM.to_errno();
    }
    let tables = T::tables();
    // SAFETY: `init_pseudo()` returned a valid context; `fc` is valid. The stash operations are
    // found through `s_fs_info`, as `path_from_stashed()` expects.
    unsafe {
        (*ctx).s_d_flags |= bindings::dentry_flags_DCACHE_DONTCACHE as c_uint;
        (*ctx).ops = tables.sops.as_ptr();
        (*ctx).eops = tables.eops.as_ptr();
        (*ctx).dops = tables.dops.as_ptr();
        (*ctx).xattr = tables.xattr.0.as_ptr();
        (*fc).s_fs_info = tables.stashed_ops.as_ptr().cast_mut().cast();
    }
    0
}

/// An internal mount of a [`PseudoFs`] (`kern_mount()`), kept for the lifetime of the kernel.
///
/// # Invariants
///
/// `mnt` is a valid mount of `T`'s filesystem type, whose super block's `s_fs_info` points to
/// `T`'s stash operations; it is never unmounted.
pub struct Mount<T: PseudoFs> {
    mnt: NonNull<bindings::vfsmount>,
    _t: PhantomData<T>,
}

// SAFETY: A mount is reference counted and may be used from any thread.
unsafe impl<T: PseudoFs> Send for Mount<T> {}
// SAFETY: See `Send`.
unsafe impl<T: PseudoFs> Sync for Mount<T> {}

impl<T: PseudoFs> Mount<T> {
    /// Mounts the filesystem internally (`kern_mount()`).
    pub fn kern_mount(fs_type: &'static FileSystemType) -> Result<Self> {
        // SAFETY: `fs_type` is a valid, static filesystem type.
        let mnt = from_err_ptr(unsafe { bindings::kern_mount(fs_type.0.get()) })?;
        let mnt = NonNull::new(mnt).ok_or(crate::error::code::ENOMEM)?;
        // INVARIANT: `init_fs_context::<T>` set up the super block.
        Ok(Self {
            mnt,
            _t: PhantomData,
        })
    }

    /// Returns the root of the mount, with references taken (`path_get()`).
    pub fn root(&self) -> Path {
        let path = bindings::path {
            mnt: self.mnt.as_ptr(),
            // SAFETY: The mount is valid and its root never changes.
            dentry: unsafe { (*self.mnt.as_ptr()).mnt_root },
        };
        // SAFETY: Both pointers are valid.
        unsafe { bindings::path_get(&path) };
        Path(path)
    }
}

/// Returns the path of `data`'s inode in `mnt`, creating the dentry and inode if there is none
/// (`path_from_stashed()`).
///
/// The reference `data` is consumed whatever the outcome: the new inode keeps it, or it is
/// dropped because a live dentry already had one, or because something failed.
pub fn path_from_stashed<T: PseudoFs>(mnt: &Mount<T>, data: ARef<T::Data>) -> Result<Path> {
    let stashed = data.stashed();
    let data = ARef::into_raw(data);
    let mut path = MaybeUninit::<bindings::path>::uninit();
    // SAFETY: `stashed` is `data`'s stash (`Stashable`), the mount's super block carries `T`'s
    // stash operations (type invariants of `Mount`), which take over the reference to `data`,
    // and `path` is writable.
    let ret = unsafe {
        bindings::path_from_stashed(
            stashed,
            mnt.mnt.as_ptr(),
            data.as_ptr().cast(),
            path.as_mut_ptr(),
        )
    };
    to_result(ret)?;
    // SAFETY: On success `path_from_stashed()` filled in a path with references taken.
    Ok(Path(unsafe { path.assume_init() }))
}

/// A `struct path` (a mount and a dentry) holding a reference to both.
///
/// # Invariants
///
/// Both pointers are valid and referenced for as long as the `Path` exists (or, for a `&Path`
/// from [`Path::from_raw`], for its lifetime).
#[repr(transparent)]
pub struct Path(bindings::path);

impl Path {
    /// Borrows a path owned by C code.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a valid, referenced path for the lifetime `'a`.
    pub unsafe fn from_raw<'a>(ptr: *const bindings::path) -> &'a Self {
        // SAFETY: `Path` is a transparent wrapper; validity is guaranteed by the caller.
        unsafe { &*ptr.cast() }
    }

    /// Returns a pointer to the C path.
    pub fn as_ptr(&self) -> *const bindings::path {
        &self.0
    }

    /// Returns the inode of the path's dentry.
    pub fn inode(&self) -> &Inode {
        // SAFETY: The dentry is valid and positive: pseudo filesystem paths always are.
        unsafe { Inode::from_raw((*self.0.dentry).d_inode) }
    }

    /// Gives up the mount reference and returns the dentry with its reference, as
    /// `fh_to_dentry` callers want.
    fn into_dentry(self) -> *mut bindings::dentry {
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
    pub unsafe fn write_to(self, out: *mut bindings::path) {
        let me = core::mem::ManuallyDrop::new(self);
        // SAFETY: `out` is writable; the references move with the value.
        unsafe { out.write(me.0) };
    }
}

impl Drop for Path {
    fn drop(&mut self) {
        // SAFETY: We own references to both (type invariants).
        unsafe { bindings::path_put(&self.0) };
    }
}

/// An inode of a pseudo filesystem, borrowed.
///
/// # Invariants
///
/// The wrapped inode is valid for the lifetime of the borrow.
#[repr(transparent)]
pub struct Inode(crate::types::Opaque<bindings::inode>);

impl Inode {
    /// Borrows an inode.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid inode for the lifetime `'a`.
    pub unsafe fn from_raw<'a>(ptr: *const bindings::inode) -> &'a Self {
        // SAFETY: Transparent wrapper; validity is guaranteed by the caller.
        unsafe { &*ptr.cast() }
    }

    /// Returns a pointer to the C inode.
    pub fn as_ptr(&self) -> *mut bindings::inode {
        self.0.get()
    }

    /// Returns the inode generation (`i_generation`).
    pub fn generation(&self) -> u32 {
        // SAFETY: The inode is valid; `i_generation` is set once at creation.
        unsafe { (*self.as_ptr()).i_generation }
    }

    /// Warns once if the inode is not locked (`WARN_ON_ONCE(!inode_is_locked(inode))`).
    pub fn assert_locked(&self) {
        // SAFETY: The inode is valid.
        if unsafe { bindings::inode_is_locked(self.as_ptr()) } == 0 {
            crate::warn_on!(true);
        }
    }
}

/// A new inode being set up by [`PseudoFs::init_inode`], before anyone else can see it.
pub struct NewInode<'a>(&'a Inode);

impl NewInode<'_> {
    /// Sets the inode number and generation (`i_ino`, `i_generation`).
    pub fn set_ino(&self, ino: u64, generation: u32) {
        let i = self.0.as_ptr();
        // SAFETY: The inode is new and only ours.
        unsafe {
            (*i).i_ino = ino;
            (*i).i_generation = generation;
        }
    }

    /// Adds and removes `S_*` inode flags (`i_flags`).
    pub fn change_flags(&self, set: u32, clear: u32) {
        let i = self.0.as_ptr();
        // SAFETY: The inode is new and only ours.
        unsafe { (*i).i_flags = ((*i).i_flags | set) & !clear };
    }

    /// Adds permission bits to the mode (`i_mode`).
    pub fn add_mode(&self, mode: u16) {
        let i = self.0.as_ptr();
        // SAFETY: The inode is new and only ours.
        unsafe { (*i).i_mode |= mode };
    }
}

impl FileOperations {
    /// Builds the file operations from [`PseudoFs`]'s `release`, `poll`, `ioctl`,
    /// `compat_ioctl` (with `CONFIG_COMPAT`) and `show_fdinfo` (with `CONFIG_PROC_FS`).
    pub const fn new<T: PseudoFs>() -> Self {
        // SAFETY: All-zero is a valid `file_operations` (no methods, no owner).
        let mut ops: bindings::file_operations = unsafe { core::mem::zeroed() };
        ops.release = Some(release::<T>);
        ops.poll = Some(poll::<T>);
        ops.unlocked_ioctl = Some(unlocked_ioctl::<T>);
        #[cfg(CONFIG_COMPAT)]
        {
            ops.compat_ioctl = Some(compat_ioctl::<T>);
        }
        #[cfg(CONFIG_PROC_FS)]
        {
            ops.show_fdinfo = Some(show_fdinfo::<T>);
        }
        Self(ops)
    }

    /// Returns whether `file` is one of this filesystem's files (`file->f_op == &fops`).
    pub fn owns(&'static self, file: &File) -> bool {
        // SAFETY: The file is valid; `f_op` does not change while it is open.
        ptr::eq(unsafe { (*file.as_ptr()).f_op }, self.as_ptr())
    }
}

/// Returns the object of a file that [`FileOperations::owns`].
///
/// # Safety
///
/// `file` must be a file of `T`'s filesystem.
pub unsafe fn file_data<T: PseudoFs>(file: &File) -> &T::Data {
    // SAFETY: The file is valid and holds its inode; the caller guarantees the filesystem.
    unsafe { inode_data::<T>((*file.as_ptr()).f_inode) }
}

/// # Safety
///
/// Called by the VFS on the final `fput()` of a file of `T`'s filesystem.
unsafe extern "C" fn release<T: PseudoFs>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: The inode and file are valid for the call.
    let (data, file) = unsafe { (inode_data::<T>(inode), File::from_raw_file(file)) };
    T::release(data, file);
    0
}

/// # Safety
///
/// Called by the VFS with a file of `T`'s filesystem and a poll table (possibly NULL).
unsafe extern "C" fn poll<T: PseudoFs>(
    file: *mut bindings::file,
    pts: *mut bindings::poll_table_struct,
) -> bindings::__poll_t {
    // SAFETY: The file is valid for the call.
    let file = unsafe { File::from_raw_file(file) };
    // SAFETY: The file belongs to `T`'s filesystem.
    let data = unsafe { file_data::<T>(file) };
    let table = PollTable {
        pts,
        _p: PhantomData,
    };
    T::poll(data, file, &table)
}

/// Runs one of `T`'s ioctl handlers for a file of `T`'s filesystem.
///
/// # Safety
///
/// `file` must be a valid file of `T`'s filesystem for the duration of the call.
unsafe fn ioctl_with<T: PseudoFs>(
    file: *mut bindings::file,
    cmd: c_uint,
    arg: c_ulong,
    handler: fn(&T::Data, &File, u32, usize) -> Result<isize>,
) -> c_long {
    // SAFETY: The file is valid for the call (safety requirements).
    let file = unsafe { File::from_raw_file(file) };
    // SAFETY: The file belongs to `T`'s filesystem (safety requirements).
    let data = unsafe { file_data::<T>(file) };
    match handler(data, file, cmd, arg) {
        Ok(r) => r as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

/// # Safety
///
/// Called by the VFS with a file of `T`'s filesystem.
unsafe extern "C" fn unlocked_ioctl<T: PseudoFs>(
    file: *mut bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: The VFS passes a valid file of `T`'s filesystem.
    unsafe { ioctl_with::<T>(file, cmd, arg, T::ioctl) }
}

/// # Safety
///
/// Called by the VFS with a file of `T`'s filesystem.
#[cfg(CONFIG_COMPAT)]
unsafe extern "C" fn compat_ioctl<T: PseudoFs>(
    file: *mut bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: The VFS passes a valid file of `T`'s filesystem.
    unsafe { ioctl_with::<T>(file, cmd, arg, T::compat_ioctl) }
}

/// # Safety
///
/// Called by procfs with its fdinfo seq_file and a file of `T`'s filesystem.
#[cfg(CONFIG_PROC_FS)]
unsafe extern "C" fn show_fdinfo<T: PseudoFs>(
    m: *mut bindings::seq_file,
    file: *mut bindings::file,
) {
    // SAFETY: The file is valid for the call.
    let file = unsafe { File::from_raw_file(file) };
    // SAFETY: The file belongs to `T`'s filesystem.
    let data = unsafe { file_data::<T>(file) };
    let info = FdInfo { m, _p: PhantomData };
    T::show_fdinfo(data, file, &info);
}

/// The poll table passed to [`PseudoFs::poll`].
pub struct PollTable<'a> {
    pts: *mut bindings::poll_table_struct,
    _p: PhantomData<&'a ()>,
}

impl PollTable<'_> {
    /// Registers `file` to be woken through the wait queue of `pid`, `pid->wait_pidfd`
    /// (`poll_wait()`).
    pub fn wait_pidfd(&self, file: &File, pid: &super::StructPid) {
        // SAFETY: The file and the wait queue are valid; the wait queue lives as long as the
        // pid, which the file's inode keeps referenced, so it outlives the poll registration.
        unsafe { bindings::poll_wait(file.as_ptr(), pid.wait_pidfd(), self.pts) };
    }
}

/// The `/proc/<pid>/fdinfo/<fd>` file being written by [`PseudoFs::show_fdinfo`].
pub struct FdInfo<'a> {
    m: *mut bindings::seq_file,
    _p: PhantomData<&'a SeqFile>,
}

impl FdInfo<'_> {
    /// Writes `delimiter` and then `num` in decimal (`seq_put_decimal_ll()`).
    pub fn put_decimal_ll(&self, delimiter: &CStr, num: i64) {
        // SAFETY: The seq_file is valid for the call.
        unsafe { bindings::seq_put_decimal_ll(self.m, delimiter.as_char_ptr(), num) };
    }

    /// Writes one character (`seq_putc()`).
    pub fn putc(&self, c: u8) {
        // SAFETY: The seq_file is valid for the call.
        unsafe { bindings::seq_putc(self.m, c as c_char) };
    }

    /// Returns the pid namespace of the procfs instance being read (`proc_pid_ns()`).
    pub fn proc_pid_ns(&self) -> &crate::pid_namespace::PidNamespace {
        // SAFETY: An fdinfo seq_file is a procfs file; its inode's super block is a procfs super
        // block whose pid namespace lives as long as the super block, which the open file pins.
        unsafe {
            let sb = (*(*(*self.m).file).f_inode).i_sb;
            crate::pid_namespace::PidNamespace::from_ptr(bindings::proc_pid_ns(sb))
        }
    }
}

/// Opens a file on `path` with the current task's credentials (`dentry_open(path, flags,
/// current_cred())`), then puts back the bits of `keep_flags` that were in `flags`:
/// `do_dentry_open()` strips open-only flags such as `O_EXCL` and `O_TRUNC`, which pidfs reuses as
/// `PIDFD_THREAD` and `PIDFD_AUTOKILL`.
pub fn dentry_open(path: &Path, flags: u32, keep_flags: u32) -> Result<ARef<File>> {
    // SAFETY: The path is valid; the current task's credentials are valid while it runs.
    let file = from_err_ptr(unsafe {
        bindings::dentry_open(path.as_ptr(), flags as c_int, bindings::current_cred())
    })?;
    // SAFETY: The new file is ours and not yet visible to anyone; the flags are only read by
    // others once it is installed.
    unsafe { (*file).f_flags |= flags & keep_flags };
    // SAFETY: `dentry_open()` returned a new, non-NULL file with one reference, now owned by the
    // `ARef`. `File` is a transparent wrapper around `struct file`.
    Ok(unsafe { ARef::from_raw(NonNull::new_unchecked(file.cast())) })
}

/// Returns the inode of a file (`file_inode()`).
pub fn file_inode(file: &File) -> &Inode {
    // SAFETY: An open file pins its inode; `f_inode` never changes.
    unsafe { Inode::from_raw((*file.as_ptr()).f_inode) }
}

/// Checks an extensible ioctl command against the one it claims to be: same direction, type and
/// number, and at least `min_size` bytes (`extensible_ioctl_valid()`).
///
/// # Examples
///
/// ```
/// use kernel::{ioctl::{_IOR, _IOWR}, pidfs::fs::extensible_ioctl_valid};
///
/// let info = _IOWR::<[u8; 88]>(0xFF, 11);
/// // An older, smaller struct is fine as long as it is not below the first version.
/// assert!(extensible_ioctl_valid(_IOWR::<[u8; 64]>(0xFF, 11), info, 64));
/// assert!(!extensible_ioctl_valid(_IOWR::<[u8; 56]>(0xFF, 11), info, 64));
/// // Same number and size, but a different direction or type is another ioctl.
/// assert!(!extensible_ioctl_valid(_IOR::<[u8; 88]>(0xFF, 11), info, 64));
/// assert!(!extensible_ioctl_valid(_IOWR::<[u8; 88]>(b'v'.into(), 11), info, 64));
/// ```
pub fn extensible_ioctl_valid(cmd: u32, expected: u32, min_size: usize) -> bool {
    // SAFETY: A pure function of its arguments.
    unsafe { bindings::extensible_ioctl_valid(cmd, expected, min_size) }
}

/// The argument of `PIDFD_GET_INFO` (`struct pidfd_info`), as filled in by the kernel.
#[repr(transparent)]
pub struct PidfdInfo(pub bindings::pidfd_info);

impl Default for PidfdInfo {
    fn default() -> Self {
        // SAFETY: All-zero is a valid `pidfd_info` (plain integers).
        Self(unsafe { core::mem::zeroed() })
    }
}

impl PidfdInfo {
    /// Copies the structure to a user buffer of `usize` bytes (`copy_struct_to_user()`): a
    /// smaller buffer gets the leading part, a larger one gets its tail zeroed.
    pub fn copy_to_user(&self, dst: crate::uaccess::UserPtr, usize: usize) -> Result {
        // SAFETY: The source is a valid kernel object of the given size; the destination is a
        // user pointer, checked by the copy itself.
        to_result(unsafe {
            bindings::copy_struct_to_user(
                dst.as_mut_ptr(),
                usize,
                ptr::from_ref(&self.0).cast(),
                core::mem::size_of::<bindings::pidfd_info>(),
                ptr::null_mut(),
            )
        })
    }
}

/// A kernel buffer for extended attribute values or names, passed in by the VFS.
///
/// # Invariants
///
/// `ptr` is valid for writes of `size` bytes for `'a`, or NULL with `size` 0.
pub struct XattrBuf<'a> {
    pub(crate) ptr: *mut c_void,
    pub(crate) size: usize,
    _p: core::marker::PhantomData<&'a mut [u8]>,
}

impl XattrBuf<'_> {
    /// Creates a buffer description from what the VFS passed.
    ///
    /// # Safety
    ///
    /// `ptr` must be valid for writes of `size` bytes for the lifetime of the result, or be NULL
    /// with `size` 0.
    pub(crate) unsafe fn from_raw(ptr: *mut c_void, size: usize) -> Self {
        // INVARIANT: Guaranteed by the safety requirements.
        Self {
            ptr,
            size,
            _p: core::marker::PhantomData,
        }
    }
}
