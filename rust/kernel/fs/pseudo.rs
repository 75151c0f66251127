// SPDX-License-Identifier: GPL-2.0

//! Pseudo filesystems whose inodes stand for kernel objects, built on the C stash.
//!
//! pidfs and nsfs have one inode and one dentry per object (a `struct pid`, a namespace), created
//! on demand by the C `path_from_stashed()` and shared by every file that refers to the object.
//! This module lets a Rust filesystem use that one C implementation: [`PseudoFs`] describes the
//! filesystem (its objects, their stash, its magic number), and one trait per C operation table
//! holds its callbacks ([`SuperOps`], [`StashedOps`], [`DentryOps`], [`InodeOps`] and so on, as C
//! keeps `super_operations`, `stashed_operations`, `dentry_operations` and `inode_operations`
//! apart). The `const` vtables below are built from those traits, and a callback the filesystem
//! does not implement stays NULL in them (`#[vtable]`), so the VFS default applies.
//!
//! The policy is the filesystem's: whether inodes have anonymous-inode attribute semantics, which
//! callbacks, extended attribute handlers and file handle operations it has, and which open flags
//! its files keep. The layer adds an internal mount (`init_pseudo()`, `kern_mount()`), one per
//! filesystem type.
//!
//! C headers: [`include/linux/pseudo_fs.h`](srctree/include/linux/pseudo_fs.h),
//! [`fs/pseudo_internal.h`](srctree/fs/pseudo_internal.h)

#[cfg(CONFIG_PROC_FS)]
use crate::pid_namespace::PidNamespace;
use crate::{
    bindings,
    build_error,
    error::{from_err_ptr, to_result, Result, VTABLE_DEFAULT_ERROR},
    ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void},
    fs::{
        inode::{Inode, NewInode},
        path::Path,
        File,
    },
    macros::vtable,
    seq_file::SeqFile,
    str::{as_char_ptr_in_const_context, CStr, CStrExt},
    sync::{
        aref::{ARef, AlwaysRefCounted},
        poll::PollTable,
        SetOnce,
    },
    transmute::{AsBytes, FromBytes},
    types::Opaque, //
};
use core::{
    marker::PhantomData,
    mem::MaybeUninit,
    ptr::{self, NonNull},
};

/// A pseudo filesystem, its inodes and the files opened on them.
///
/// Every inode's `i_private` holds one reference to a [`PseudoFs::Data`] object, dropped when
/// the inode is evicted.
///
/// # Safety
///
/// [`PseudoFs::stashed`] must return the address of a `struct dentry *` slot in the object that
/// starts out NULL, stays valid for as long as the object is referenced and belongs to this
/// filesystem alone: no other filesystem, Rust or C, and no other code uses it. The stash and the
/// inodes of an object are then those of this filesystem, which the operations below rely on (for
/// example, the lock of a [`LockedInode`] is the one that serialises the object's writers).
///
/// # Examples
///
/// A second, minimal pseudo filesystem next to pidfs, whose inodes stand for static objects. It
/// uses the same C stash as pidfs and nsfs: the first lookup makes the inode, which keeps the
/// object reference it was handed; the second finds the stashed dentry and drops its reference.
///
/// ```
/// use core::ptr::{self, NonNull};
/// use kernel::{
///     bindings,
///     fs::inode::NewInode,
///     fs::pseudo::{
///         dentry_open, path_from_stashed, DentryOperations, DentryOps, ExportOperations,
///         ExportOps, FileHandle, FileOperations, FileOps, FileSystemType, InodeOperations,
///         InodeOps, Mount, PseudoFs, StashedOperations, StashedOps, SuperOperations, SuperOps,
///         Tables,
///     },
///     sync::{
///         aref::{ARef, AlwaysRefCounted},
///         atomic::{Atomic, Relaxed},
///     },
///     types::Opaque,
/// };
///
/// /// An object that lives forever and only counts its references.
/// struct Obj {
///     id: u64,
///     refs: Atomic<i64>,
///     stashed: Opaque<*mut bindings::dentry>,
/// }
///
/// // SAFETY: `refs` is atomic and `stashed` is only used by the C stash functions.
/// unsafe impl Sync for Obj {}
/// // SAFETY: As for `Sync`; nothing in `Obj` is tied to a thread.
/// unsafe impl Send for Obj {}
///
/// // SAFETY: Every `Obj` is a `static`, so it never needs to be freed; the count only checks
/// // the hand-off below.
/// unsafe impl AlwaysRefCounted for Obj {
///     fn inc_ref(&self) {
///         self.refs.fetch_add(1i64, Relaxed);
///     }
///
///     unsafe fn dec_ref(obj: NonNull<Self>) {
///         // SAFETY: `obj` points to a `static`.
///         unsafe { obj.as_ref() }.refs.fetch_sub(1i64, Relaxed);
///     }
/// }
///
/// struct ObjFs;
///
/// // SAFETY: `Obj::stashed` starts NULL, lives forever and is used for nothing but the stash of
/// // `ObjFs`.
/// unsafe impl PseudoFs for ObjFs {
///     type Data = Obj;
///
///     const MAGIC: u32 = 0x0b1e_c7f5;
///
///     fn stashed(obj: &Obj) -> *mut *mut bindings::dentry {
///         obj.stashed.get()
///     }
///
///     fn tables() -> &'static Tables<Self> {
///         &TABLES
///     }
/// }
///
/// #[vtable]
/// impl SuperOps for ObjFs {}
///
/// #[vtable]
/// impl StashedOps for ObjFs {
///     fn init_inode(inode: &NewInode<'_>, obj: &Obj) {
///         inode.set_ino(obj.id, 0);
///     }
/// }
///
/// #[vtable]
/// impl DentryOps for ObjFs {
///     const DNAME: &'static CStr = c"anon_inode:[obj]";
/// }
///
/// #[vtable]
/// impl InodeOps for ObjFs {}
///
/// #[vtable]
/// impl ExportOps for ObjFs {
///     fn encode_fh(obj: &Obj, fh: &mut FileHandle<'_>) -> Result<u32> {
///         fh.write(&obj.id)?;
///         Ok(bindings::fid_type_FILEID_KERNFS)
///     }
/// }
///
/// #[vtable]
/// impl FileOps for ObjFs {}
///
/// static SOPS: SuperOperations<ObjFs> = SuperOperations::new();
/// static DOPS: DentryOperations<ObjFs> = DentryOperations::new();
/// static EOPS: ExportOperations<ObjFs> = ExportOperations::new();
/// static IOPS: InodeOperations<ObjFs> = InodeOperations::new();
/// static FOPS: FileOperations<ObjFs> = FileOperations::new();
/// static STASHED: StashedOperations<ObjFs> = StashedOperations::new();
/// static TABLES: Tables<ObjFs> =
///     Tables::new(&SOPS, &DOPS, &EOPS, &IOPS, &FOPS, &STASHED, None);
/// static TYPE: FileSystemType<ObjFs> = FileSystemType::new(c"rust_objfs");
/// static OBJ: Obj = Obj {
///     id: 42,
///     refs: Atomic::new(1),
///     stashed: Opaque::new(ptr::null_mut()),
/// };
///
/// let mnt = Mount::kern_mount(&TYPE)?;
/// // First lookup: a new inode, which keeps the reference.
/// let path = path_from_stashed(mnt, ARef::from(&OBJ))?;
/// assert_eq!(path.inode().ino(), 42);
/// assert_eq!(OBJ.refs.load(Relaxed), 2);
/// // Second lookup: the stashed dentry; the reference handed over is dropped.
/// let again = path_from_stashed(mnt, ARef::from(&OBJ))?;
/// assert!(ptr::eq(path.inode(), again.inode()));
/// assert_eq!(OBJ.refs.load(Relaxed), 2);
/// // A file on it is one of `ObjFs`'s files and leads back to the object.
/// let file = dentry_open(&again, bindings::O_RDONLY, 0)?;
/// let of = FOPS.file(&file).ok_or(EINVAL)?;
/// assert!(ptr::eq(of.data(), &OBJ));
/// assert_eq!(of.inode().ino(), 42);
/// # Ok::<(), Error>(())
/// ```
pub unsafe trait PseudoFs: Sized + 'static {
    /// The objects the inodes stand for. The object references that inodes hold are dropped on
    /// whichever thread evicts the inode, hence `Send`.
    type Data: AlwaysRefCounted + Send + Sync;

    /// Returns the address of the object's dentry stash, the slot `path_from_stashed()` keeps
    /// the object's dentry in (see the safety requirements of the trait).
    fn stashed(data: &Self::Data) -> *mut *mut bindings::dentry;

    /// The magic number reported by `statfs(2)`.
    const MAGIC: u32;

    /// The vtables, `static`s built with this type (some C code compares their addresses).
    fn tables() -> &'static Tables<Self>;
}

/// The super block operations of a [`PseudoFs`] that are the filesystem's (`struct
/// super_operations`, the table [`SuperOperations`] is built from). The others are the layer's:
/// inodes are dropped as soon as they are unused, eviction drops the object reference, and
/// `statfs` is `simple_statfs()`.
#[vtable]
pub trait SuperOps: PseudoFs {
    /// Writes how `/proc/<pid>/mountinfo` names the root of a mount of `data`'s dentry, a bind
    /// mount of one of the filesystem's files (`super_operations.show_path`), the way nsfs shows
    /// `net:[4026531840]`. Without it the VFS writes the dentry's path.
    fn show_path(_data: &Self::Data, _inode: &Inode, _m: &SeqFile) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// How the stash makes an object's inode and takes its dentry (`struct stashed_operations`,
/// the table [`StashedOperations`] is built from).
#[vtable]
pub trait StashedOps: PseudoFs {
    /// Fills in a new inode for `data` (`stashed_operations.init_inode`).
    fn init_inode(inode: &NewInode<'_>, data: &Self::Data);

    /// Called before a new dentry for `data` is stashed (`stashed_operations.stash_dentry`); an
    /// error is returned by [`path_from_stashed`] and the new dentry and inode are dropped.
    /// Without it, the dentry is stashed as it is.
    fn stash_dentry(_data: &Self::Data) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The dentry operations of a [`PseudoFs`] (`struct dentry_operations`, the table
/// [`DentryOperations`] is built from). Pruning a dentry always clears the object's stash.
#[vtable]
pub trait DentryOps: PseudoFs {
    /// The name of every dentry (`d_dname`), e.g. `anon_inode:[pidfd]`, unless
    /// [`DentryOps::dname`] names each one.
    const DNAME: &'static CStr;

    /// Writes the name of the dentry of `data`'s inode (`d_dname`), the way nsfs names its
    /// dentries (`net:[4026531840]`). Without it every dentry is named [`DentryOps::DNAME`].
    fn dname(_data: &Self::Data, _inode: &Inode, _name: &mut DentryName) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The inode operations of a [`PseudoFs`] (`struct inode_operations`, the table
/// [`InodeOperations`] is built from).
#[vtable]
pub trait InodeOps: PseudoFs {
    /// Whether inodes have the attribute semantics of anonymous inodes: `getattr` and `setattr`
    /// are `anon_inode_getattr()` and `anon_inode_setattr()`, which refuses every change. If not,
    /// they are the VFS defaults.
    const ANON_INODE_ATTRIBUTES: bool = false;

    /// Lists the extended attribute names (`inode_operations.listxattr`). Without it the VFS
    /// lists only the security module's names.
    fn listxattr(_data: &Self::Data, _inode: &Inode, _buf: XattrBuf<'_>) -> Result<usize> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The extended attribute handler of a [`PseudoFs`] (`struct xattr_handler`, the table
/// [`XattrHandler`] is built from, one per prefix).
#[vtable]
pub trait XattrOps: PseudoFs {
    /// Reads the extended attribute `name` (full name, prefix included) for the handlers of
    /// [`Tables`] (`xattr_handler.get`).
    fn xattr_get(
        _data: &Self::Data,
        _inode: &Inode,
        _name: &CStr,
        _buf: XattrBuf<'_>,
    ) -> Result<usize> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Sets (or with `value` [`None`], removes) the extended attribute `name` of the locked
    /// `inode`'s object (`xattr_handler.set`).
    fn xattr_set(
        _inode: &LockedInode<'_, Self>,
        _name: &CStr,
        _value: Option<&[u8]>,
        _flags: i32,
    ) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The file handle operations of a [`PseudoFs`] (`struct export_operations`, the table
/// [`ExportOperations`] is built from).
#[vtable]
pub trait ExportOps: PseudoFs {
    /// Writes the file handle of `data` into `fh` and returns its `fid_type`
    /// (`export_operations.encode_fh`): pidfs writes the pid's 64-bit inode number as
    /// `FILEID_KERNFS`, nsfs a `struct nsfs_file_handle` as `FILEID_NSFS`. A handle that does not
    /// fit fails [`FileHandle::write`], and exportfs is told the size it needs. Without it
    /// exportfs encodes the inode number and generation.
    fn encode_fh(_data: &Self::Data, _fh: &mut FileHandle<'_>) -> Result<u32> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Finds the dentry for a file handle of type `fh_type` (`export_operations.fh_to_dentry`);
    /// `Ok(None)` makes the handle stale.
    fn fh_to_dentry(_fh: &FileHandle<'_>, _fh_type: u32) -> Result<Option<Path>> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Checks the `open_by_handle_at(2)` flags (`export_operations.permission`). Without it
    /// exportfs checks the caller's capabilities, as for any filesystem.
    fn export_permission(_oflags: u32) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Opens a file from a decoded handle (`export_operations.open`). Without it exportfs
    /// opens the path with `file_open_root()`.
    fn export_open(_path: &Path, _oflags: u32) -> Result<ARef<File>> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The file operations of a [`PseudoFs`] (`struct file_operations`, the table
/// [`FileOperations`] is built from).
#[vtable]
pub trait FileOps: PseudoFs {
    /// Called on the final `fput()` of a file (`file_operations.release`).
    ///
    /// The file's last reference is gone by then, so only a [`ReleasingFile`] is handed over,
    /// which cannot be turned back into a counted reference to the file.
    fn release(_file: &ReleasingFile<'_, Self>) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Polls a file (`file_operations.poll`); returns the `EPOLL*` mask. Without it the file is
    /// always ready (`DEFAULT_POLLMASK`).
    fn poll(_file: &PseudoFile<'_, Self>, _table: &PollTable<'_>) -> u32 {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Handles an ioctl (`file_operations.unlocked_ioctl`). Without it every ioctl the VFS does
    /// not handle itself fails with `ENOTTY`.
    fn ioctl(_file: &PseudoFile<'_, Self>, _cmd: u32, _arg: usize) -> Result<isize> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Handles an ioctl from a 32-bit task (`file_operations.compat_ioctl`); `arg` is still the
    /// 32-bit value (see [`compat_ptr`]).
    #[cfg(CONFIG_COMPAT)]
    fn compat_ioctl(_file: &PseudoFile<'_, Self>, _cmd: u32, _arg: usize) -> Result<isize> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Prints the filesystem's lines of `/proc/<pid>/fdinfo/<fd>`.
    #[cfg(CONFIG_PROC_FS)]
    fn show_fdinfo(_file: &PseudoFile<'_, Self>, _m: &FdInfo<'_>) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// The vtables of a [`PseudoFs`] `T`, each a `static` built with the `const fn new()` of its
/// type for the same `T`, so that the tables of different filesystems cannot be mixed.
pub struct Tables<T: PseudoFs> {
    sops: &'static SuperOperations<T>,
    dops: &'static DentryOperations<T>,
    eops: &'static ExportOperations<T>,
    iops: &'static InodeOperations<T>,
    fops: &'static FileOperations<T>,
    stashed_ops: &'static StashedOperations<T>,
    xattr: Option<&'static XattrHandlers<T>>,
}

impl<T: PseudoFs> Tables<T> {
    /// Gathers the vtables of `T`; `xattr` is the list of extended attribute handlers, if any
    /// (`sb->s_xattr`).
    pub const fn new(
        sops: &'static SuperOperations<T>,
        dops: &'static DentryOperations<T>,
        eops: &'static ExportOperations<T>,
        iops: &'static InodeOperations<T>,
        fops: &'static FileOperations<T>,
        stashed_ops: &'static StashedOperations<T>,
        xattr: Option<&'static XattrHandlers<T>>,
    ) -> Self {
        Self {
            sops,
            dops,
            eops,
            iops,
            fops,
            stashed_ops,
            xattr,
        }
    }
}

/// Declares a vtable type. Vtables have no `Default`: one is used as a `static`, whose address C
/// may compare (for example `pidfd_pid()` compares `f_op`), so a copy is never what is wanted.
macro_rules! vtable_type {
    ($(#[$m:meta])* $name:ident, $c:ty) => {
        $(#[$m])*
        #[repr(transparent)]
        pub struct $name<T: PseudoFs>($c, PhantomData<fn() -> T>);

        // SAFETY: The vtable is immutable and only holds function pointers, pointers to
        // immutable statics and (for a file system type, see below) nothing Rust reads.
        unsafe impl<T: PseudoFs> Sync for $name<T> {}

        impl<T: PseudoFs> $name<T> {
            /// Returns a pointer to the C vtable.
            #[inline]
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
pub struct XattrHandlers<T: PseudoFs>([*const bindings::xattr_handler; 2], PhantomData<fn() -> T>);

// SAFETY: The list is immutable and points to an immutable static handler.
unsafe impl<T: PseudoFs> Sync for XattrHandlers<T> {}

impl<T: PseudoFs> XattrHandlers<T> {
    /// Creates the list `{ handler, NULL }`.
    pub const fn new(handler: &'static XattrHandler<T>) -> Self {
        Self([handler.as_ptr(), ptr::null()], PhantomData)
    }
}

/// Returns the inode's object.
///
/// # Safety
///
/// `inode` must be a valid inode of `T`'s filesystem (its `i_private` holds a reference to a
/// `T::Data`), and the returned reference must not outlive the caller's use of the inode.
#[inline]
unsafe fn inode_data<'a, T: PseudoFs>(inode: *const bindings::inode) -> &'a T::Data {
    // SAFETY: Guaranteed by the safety requirements: `i_private` is a `T::Data` that the inode
    // holds a reference to.
    unsafe { &*(*inode).i_private.cast::<T::Data>() }
}

impl<T: SuperOps> SuperOperations<T> {
    /// Builds the super block operations: inodes are dropped as soon as they are unused, eviction
    /// drops the object reference, `statfs` is `simple_statfs()`, and `show_path` is
    /// [`SuperOps::show_path`] if implemented.
    #[expect(clippy::new_without_default)]
    pub const fn new() -> Self {
        let mut ops: bindings::super_operations = pin_init::zeroed();
        ops.drop_inode = Some(bindings::inode_just_drop);
        ops.evict_inode = Some(evict_inode::<T>);
        ops.statfs = Some(bindings::simple_statfs);
        if T::HAS_SHOW_PATH {
            ops.show_path = Some(show_path::<T>);
        }
        Self(ops, PhantomData)
    }
}

/// # Safety
///
/// Called by the VFS with a valid inode of `T`'s filesystem that is being evicted.
unsafe extern "C" fn evict_inode<T: PseudoFs>(inode: *mut bindings::inode) {
    // SAFETY: The VFS passes a valid inode that no one else uses any more.
    let data = unsafe { (*inode).i_private.cast::<T::Data>() };
    // SAFETY: `->evict_inode()` must call `clear_inode()` on the inode it is given, once, which
    // is this call.
    unsafe { bindings::clear_inode(inode) };
    if let Some(data) = NonNull::new(data) {
        // SAFETY: `init_inode::<T>` gave the inode one reference to the object, which nothing
        // uses after eviction; it is dropped here.
        drop(unsafe { ARef::from_raw(data) });
    }
}

/// # Safety
///
/// Called by the VFS (`show_mountinfo()`) with a seq_file that only this thread uses for the
/// duration of the call, and the positive root dentry of a mount of `T`'s filesystem.
unsafe extern "C" fn show_path<T: SuperOps>(
    m: *mut bindings::seq_file,
    dentry: *mut bindings::dentry,
) -> c_int {
    // SAFETY: The dentry is valid and positive for the call (the root of a mount).
    let inode = unsafe { (*dentry).d_inode };
    // SAFETY: The seq_file is valid and used by this thread alone for the call.
    let seq = unsafe { SeqFile::from_raw(m) };
    // SAFETY: A positive dentry's inode is valid while the dentry is referenced.
    if unsafe { (*inode).i_private }.is_null() {
        // The root of the filesystem's internal mount stands for no object; it is never in a
        // mount namespace, but if it were shown, it is shown as the VFS would show it.
        // SAFETY: `m` and `dentry` are valid for the call; the escape set is a C string.
        unsafe { bindings::seq_dentry(m, dentry, c" \t\n\\".as_char_ptr()) };
        return 0;
    }
    // SAFETY: The inode belongs to `T`'s filesystem and holds a `T::Data` reference
    // (`init_inode::<T>`); the mount pins the dentry, and so the inode, for the call.
    let data = unsafe { inode_data::<T>(inode) };
    // SAFETY: As above, the inode is valid for the call.
    match T::show_path(data, unsafe { Inode::from_raw(inode) }, seq) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

impl<T: DentryOps> DentryOperations<T> {
    /// Builds the dentry operations: the name is [`DentryOps::dname`]'s or
    /// [`DentryOps::DNAME`], and pruning a dentry clears the object's stash
    /// (`stashed_dentry_prune()`).
    #[expect(clippy::new_without_default)]
    pub const fn new() -> Self {
        let mut ops: bindings::dentry_operations = pin_init::zeroed();
        ops.d_dname = Some(d_dname::<T>);
        ops.d_prune = Some(bindings::stashed_dentry_prune);
        Self(ops, PhantomData)
    }
}

/// # Safety
///
/// Called by the VFS (`d_path()`) with a dentry of `T`'s filesystem and a buffer of `buflen`
/// bytes.
unsafe extern "C" fn d_dname<T: DentryOps>(
    dentry: *mut bindings::dentry,
    buffer: *mut c_char,
    buflen: c_int,
) -> *mut c_char {
    if T::HAS_DNAME {
        // SAFETY: The dentry is valid for the call; `d_path()` names an open file's dentry, which
        // is positive.
        let inode = unsafe { (*dentry).d_inode };
        // The root of the mount has no object; `d_path()` does not ask for its name, but if
        // anything did, it gets `DNAME`.
        // SAFETY: A positive dentry's inode is valid while the dentry is referenced.
        if !inode.is_null() && !unsafe { (*inode).i_private }.is_null() {
            // SAFETY: The inode belongs to `T`'s filesystem and holds a `T::Data` reference
            // (`init_inode::<T>`); the dentry pins it for the call.
            let data = unsafe { inode_data::<T>(inode) };
            let mut name = DentryName {
                buf: [0; DentryName::MAX + 1],
                len: 0,
            };
            // SAFETY: As above, the inode is valid for the call.
            if let Err(e) = T::dname(data, unsafe { Inode::from_raw(inode) }, &mut name) {
                return e.to_ptr();
            }
            // SAFETY: `buffer` has `buflen` bytes; the format is a fixed "%s" with one string
            // argument, `name.buf`, which has a NUL after the `len <= MAX` bytes written.
            return unsafe {
                bindings::dynamic_dname(
                    buffer,
                    buflen,
                    c"%s".as_char_ptr(),
                    name.buf.as_ptr().cast::<c_char>(),
                )
            };
        }
    }
    // SAFETY: `buffer` has `buflen` bytes; the format is a fixed "%s" with one string argument.
    unsafe { bindings::dynamic_dname(buffer, buflen, c"%s".as_char_ptr(), T::DNAME.as_char_ptr()) }
}

/// The name of a dentry being written by [`DentryOps::dname`], with [`core::fmt::Write`]: at most
/// [`DentryName::MAX`] bytes, which is what `dynamic_dname()` formats. A longer name fails, and
/// `d_path()` with it.
pub struct DentryName {
    buf: [u8; DentryName::MAX + 1],
    len: usize,
}

impl DentryName {
    /// The longest name, in bytes.
    pub const MAX: usize = 63;
}

impl core::fmt::Write for DentryName {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        if end > Self::MAX || s.as_bytes().contains(&0) {
            return Err(core::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl<T: InodeOps> InodeOperations<T> {
    /// Builds the inode operations: `getattr` and `setattr` as
    /// [`InodeOps::ANON_INODE_ATTRIBUTES`] says, and [`InodeOps::listxattr`] if implemented.
    #[expect(clippy::new_without_default)]
    pub const fn new() -> Self {
        let mut ops: bindings::inode_operations = pin_init::zeroed();
        if T::ANON_INODE_ATTRIBUTES {
            ops.getattr = Some(bindings::anon_inode_getattr);
            ops.setattr = Some(bindings::anon_inode_setattr);
        }
        if T::HAS_LISTXATTR {
            ops.listxattr = Some(listxattr::<T>);
        }
        Self(ops, PhantomData)
    }
}

/// # Safety
///
/// Called by the VFS with a positive dentry of `T`'s filesystem and a buffer of `size` bytes (or
/// NULL and 0).
unsafe extern "C" fn listxattr<T: InodeOps>(
    dentry: *mut bindings::dentry,
    buf: *mut c_char,
    size: usize,
) -> isize {
    // SAFETY: The dentry is valid and positive for the duration of the call.
    let inode = unsafe { (*dentry).d_inode };
    // SAFETY: The inode belongs to `T`'s filesystem and the dentry pins it for the call.
    let data = unsafe { inode_data::<T>(inode) };
    // SAFETY: The VFS passes a buffer of `size` bytes, or NULL with 0.
    let buf = unsafe { XattrBuf::from_raw(buf.cast(), size) };
    // SAFETY: `inode` is valid for the call.
    match T::listxattr(data, unsafe { Inode::from_raw(inode) }, buf) {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

impl<T: XattrOps> XattrHandler<T> {
    /// Builds the handler for the names starting with `prefix` (e.g. `trusted.`).
    pub const fn new(prefix: &'static CStr) -> Self {
        let mut h: bindings::xattr_handler = pin_init::zeroed();
        h.prefix = as_char_ptr_in_const_context(prefix);
        if T::HAS_XATTR_GET {
            h.get = Some(xattr_get::<T>);
        }
        if T::HAS_XATTR_SET {
            h.set = Some(xattr_set::<T>);
        }
        Self(h, PhantomData)
    }
}

/// # Safety
///
/// Called by the VFS with a valid handler and inode of `T`'s filesystem, the name suffix, and a
/// value buffer of `size` bytes (or NULL and 0).
unsafe extern "C" fn xattr_get<T: XattrOps>(
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
unsafe extern "C" fn xattr_set<T: XattrOps>(
    handler: *const bindings::xattr_handler,
    _idmap: *mut bindings::mnt_idmap,
    _dentry: *mut bindings::dentry,
    inode: *mut bindings::inode,
    suffix: *const c_char,
    value: *const c_void,
    size: usize,
    flags: c_int,
) -> c_int {
    // SAFETY: `suffix` points into the full name, right after the handler's prefix, and the full
    // name is a NUL-terminated string that lives for the duration of the call.
    let name = unsafe { CStr::from_char_ptr(bindings::xattr_full_name(handler, suffix)) };
    let value = if value.is_null() {
        None
    } else {
        // SAFETY: The VFS passes a non-NULL value of `size` readable bytes that it does not
        // change during the call.
        Some(unsafe { core::slice::from_raw_parts(value.cast::<u8>(), size) })
    };
    // SAFETY: The VFS calls `->set()` with the inode of `T`'s filesystem valid and locked
    // (`inode_lock()` in `vfs_setxattr()`/`vfs_removexattr()`) for the duration of the call.
    let inode = unsafe { LockedInode::<T>::from_raw(inode) };
    match T::xattr_set(&inode, name, value, flags) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// An inode of `T`'s filesystem whose lock (`i_rwsem`) is held, and the object it stands for.
///
/// Only the VFS callbacks of this module make one, for the duration of a call made with the lock
/// held (`xattr_handler->set()`).
///
/// # Invariants
///
/// The inode is a valid inode of `T`'s filesystem whose lock is held for `'a`, and `data` is
/// its object (`i_private`).
pub struct LockedInode<'a, T: PseudoFs> {
    inode: &'a Inode,
    data: &'a T::Data,
}

impl<'a, T: PseudoFs> LockedInode<'a, T> {
    /// # Safety
    ///
    /// `inode` must be a valid inode of `T`'s filesystem, locked for `'a`.
    unsafe fn from_raw(inode: *mut bindings::inode) -> Self {
        // SAFETY: The inode belongs to `T`'s filesystem and is in use for `'a` (safety
        // requirements), so its `i_private` holds a `T::Data` reference for at least as long.
        let data = unsafe { inode_data::<T>(inode) };
        // SAFETY: The inode is valid for `'a` (safety requirements).
        let inode = unsafe { Inode::from_raw(inode) };
        inode.assert_locked();
        // INVARIANT: The inode is locked (safety requirements) and `data` is its object.
        Self { inode, data }
    }

    /// Returns the inode.
    #[inline]
    pub fn inode(&self) -> &'a Inode {
        self.inode
    }

    /// Returns the object the inode stands for.
    #[inline]
    pub fn data(&self) -> &'a T::Data {
        self.data
    }
}

impl<T: ExportOps> ExportOperations<T> {
    /// Builds the export operations from the [`ExportOps`] callbacks that are implemented.
    #[expect(clippy::new_without_default)]
    pub const fn new() -> Self {
        let mut ops: bindings::export_operations = pin_init::zeroed();
        if T::HAS_ENCODE_FH {
            ops.encode_fh = Some(encode_fh::<T>);
        }
        if T::HAS_FH_TO_DENTRY {
            ops.fh_to_dentry = Some(fh_to_dentry::<T>);
        }
        if T::HAS_EXPORT_OPEN {
            ops.open = Some(export_open::<T>);
        }
        if T::HAS_EXPORT_PERMISSION {
            ops.permission = Some(export_permission::<T>);
        }
        Self(ops, PhantomData)
    }
}

/// The handle buffer of exportfs (`struct fid`, counted in 32-bit words) that
/// [`ExportOps::encode_fh`] writes and [`ExportOps::fh_to_dentry`] reads. It is only 4-byte
/// aligned, so values are copied in and out unaligned.
///
/// # Invariants
///
/// `words` is valid for reads and writes of `len` 32-bit words for `'a`.
pub struct FileHandle<'a> {
    words: *mut u32,
    len: usize,
    /// The words [`FileHandle::write`] used or, when it failed, needed.
    needed: usize,
    _p: PhantomData<&'a mut [u32]>,
}

impl FileHandle<'_> {
    /// # Safety
    ///
    /// `words` must be valid for reads and writes of `len` 32-bit words for the lifetime of the
    /// result.
    unsafe fn from_raw(words: *mut u32, len: c_int) -> Self {
        // INVARIANT: Guaranteed by the safety requirements (a negative length is none).
        Self {
            words,
            len: usize::try_from(len).unwrap_or(0),
            needed: 0,
            _p: PhantomData,
        }
    }

    /// The length of the handle in 32-bit words.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the handle has no words.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Writes `value` at the start of the handle; fails with `EOVERFLOW` if it does not fit.
    #[inline]
    pub fn write<H: AsBytes>(&mut self, value: &H) -> Result {
        let bytes = value.as_bytes();
        self.needed = bytes.len().div_ceil(4);
        if self.needed > self.len {
            return Err(crate::error::code::EOVERFLOW);
        }
        // SAFETY: The buffer has `len >= needed` words (type invariants and the check above),
        // so `bytes.len()` bytes fit; `value` is a separate object.
        unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), self.words.cast::<u8>(), bytes.len()) };
        Ok(())
    }

    /// Reads an `H` from the start of the handle, if the handle is long enough.
    #[inline]
    pub fn read<H: FromBytes>(&self) -> Option<H> {
        if self.len * 4 < core::mem::size_of::<H>() {
            return None;
        }
        // SAFETY: The buffer has at least `size_of::<H>()` readable bytes (type invariants and
        // the check above), any bytes are a valid `H` (`FromBytes`), and the read is unaligned.
        Some(unsafe { ptr::read_unaligned(self.words.cast::<H>()) })
    }
}

/// # Safety
///
/// Called by exportfs with a valid inode of `T`'s filesystem and a handle buffer of `*max_len`
/// words.
unsafe extern "C" fn encode_fh<T: ExportOps>(
    inode: *mut bindings::inode,
    fh: *mut u32,
    max_len: *mut c_int,
    _parent: *mut bindings::inode,
) -> c_int {
    // SAFETY: exportfs passes a valid `max_len` and a buffer of `*max_len` words.
    let mut handle = unsafe { FileHandle::from_raw(fh, *max_len) };
    // SAFETY: The inode is valid and in use for the duration of the call.
    let res = T::encode_fh(unsafe { inode_data::<T>(inode) }, &mut handle);
    // SAFETY: `max_len` is valid for writes; exportfs reads the size used, or needed, from it.
    unsafe { *max_len = c_int::try_from(handle.needed).unwrap_or(c_int::MAX) };
    match res {
        Ok(fh_type) => fh_type as c_int,
        Err(_) => bindings::fid_type_FILEID_INVALID as c_int,
    }
}

/// # Safety
///
/// Called by exportfs with a handle of `fh_len` words.
unsafe extern "C" fn fh_to_dentry<T: ExportOps>(
    sb: *mut bindings::super_block,
    fid: *mut bindings::fid,
    fh_len: c_int,
    fh_type: c_int,
) -> *mut bindings::dentry {
    // SAFETY: exportfs passes a handle of `fh_len` words.
    let handle = unsafe { FileHandle::from_raw(fid.cast::<u32>(), fh_len) };
    let Ok(fh_type) = u32::try_from(fh_type) else {
        return ptr::null_mut();
    };
    match T::fh_to_dentry(&handle, fh_type) {
        Ok(Some(path)) => {
            // SAFETY: The path's mount is valid (type invariants of `Path`).
            let mnt_sb = unsafe { (*path.0.mnt).mnt_sb };
            if ptr::eq(mnt_sb, sb) {
                path.into_dentry()
            } else {
                // A dentry of another super block than the one the handle is decoded against:
                // `T` has one mount, so this does not happen, but exportfs must not get it.
                ptr::null_mut()
            }
        }
        Ok(None) => ptr::null_mut(),
        Err(e) => e.to_ptr(),
    }
}

/// # Safety
///
/// Called by exportfs.
unsafe extern "C" fn export_permission<T: ExportOps>(
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
unsafe extern "C" fn export_open<T: ExportOps>(
    path: *const bindings::path,
    oflags: c_uint,
) -> *mut bindings::file {
    // SAFETY: The path is valid and referenced by the caller for the duration of the call, and
    // its dentry is the positive one that `fh_to_dentry` returned.
    let path = unsafe { Path::from_raw(path) };
    match T::export_open(path, oflags) {
        Ok(file) => ARef::into_raw(file).as_ptr().cast(),
        Err(e) => e.to_ptr(),
    }
}

impl<T: StashedOps> StashedOperations<T> {
    /// Builds the stash callbacks: `init_inode` gives the inode the object reference and calls
    /// [`StashedOps::init_inode`], `put_data` drops a reference that was not used, and
    /// `stash_dentry` calls [`StashedOps::stash_dentry`], if implemented, before the generic
    /// `stash_dentry()`.
    #[expect(clippy::new_without_default)]
    pub const fn new() -> Self {
        let mut ops: bindings::stashed_operations = pin_init::zeroed();
        ops.stash_dentry = if T::HAS_STASH_DENTRY {
            Some(stash_dentry::<T>)
        } else {
            Some(bindings::stash_dentry)
        };
        ops.put_data = Some(put_data::<T>);
        ops.init_inode = Some(init_inode::<T>);
        Self(ops, PhantomData)
    }
}

/// # Safety
///
/// Called by `prepare_anon_dentry()` with a new inode and the object reference passed to
/// [`path_from_stashed`].
unsafe extern "C" fn init_inode<T: StashedOps>(
    inode: *mut bindings::inode,
    data: *mut c_void,
) -> c_int {
    let tables = T::tables();
    // SAFETY: The inode is new and only ours. Storing `data` first hands the reference to the
    // inode: whatever happens next, eviction drops it, as `path_from_stashed()` expects. The
    // operations are `T`'s, as are the super block's (`init_fs_context::<T>`), so every callback
    // finds a `T::Data` in `i_private`.
    unsafe {
        (*inode).i_private = data;
        (*inode).i_op = tables.iops.as_ptr();
        (*inode).__bindgen_anon_3.i_fop = tables.fops.as_ptr();
    }
    // SAFETY: `data` is the `T::Data` reference that `path_from_stashed()` (below) handed over,
    // now owned by the inode, which outlives this call.
    let data = unsafe { &*data.cast::<T::Data>() };
    // SAFETY: The inode is valid for the call.
    let inode = unsafe { Inode::from_raw(inode) };
    // INVARIANT: The inode is new and not yet visible to anyone else.
    T::init_inode(&NewInode(inode), data);
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
unsafe extern "C" fn stash_dentry<T: StashedOps>(
    stashed: *mut *mut bindings::dentry,
    dentry: *mut bindings::dentry,
) -> *mut bindings::dentry {
    // SAFETY: The dentry is new and positive; its inode was set up by `init_inode::<T>`, so its
    // `i_private` holds a `T::Data` reference.
    let data = unsafe { inode_data::<T>((*dentry).d_inode) };
    if let Err(e) = T::stash_dentry(data) {
        return e.to_ptr();
    }
    // SAFETY: `stashed` and `dentry` are what `path_from_stashed()` passed, which is what the
    // generic `stash_dentry()` expects.
    unsafe { bindings::stash_dentry(stashed, dentry) }
}

/// A C `struct file_system_type` for `T`'s filesystem, in writable memory as the VFS links
/// super blocks into it.
pub struct FileSystemType<T: PseudoFs>(
    Opaque<bindings::file_system_type>,
    PhantomData<fn() -> T>,
    SetOnce<Mount<T>>,
);

// SAFETY: Rust never reads or writes the structure after building it; the VFS serialises its own
// changes (the super block list) with its locks. The mount is set once, through `SetOnce`, and a
// `Mount` may be used from any thread.
unsafe impl<T: PseudoFs> Sync for FileSystemType<T> {}

impl<T: PseudoFs> FileSystemType<T> {
    /// Builds a filesystem type named `name` whose super block is set up by `init_pseudo()` with
    /// `T`'s operations, and torn down by `kill_anon_super()`.
    pub const fn new(name: &'static CStr) -> Self {
        let mut t: bindings::file_system_type = pin_init::zeroed();
        t.name = as_char_ptr_in_const_context(name);
        t.init_fs_context = Some(init_fs_context::<T>);
        t.kill_sb = Some(bindings::kill_anon_super);
        Self(Opaque::new(t), PhantomData, SetOnce::new())
    }
}

/// # Safety
///
/// Called by the VFS with a new filesystem context.
unsafe extern "C" fn init_fs_context<T: PseudoFs>(fc: *mut bindings::fs_context) -> c_int {
    // SAFETY: The VFS passes a valid, new filesystem context.
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
        if let Some(xattr) = tables.xattr {
            (*ctx).xattr = xattr.0.as_ptr();
        }
        (*fc).s_fs_info = tables.stashed_ops.as_ptr().cast_mut().cast();
    }
    0
}

/// An internal mount of a [`PseudoFs`] (`kern_mount()`), kept for the lifetime of the kernel.
///
/// There is at most one per [`FileSystemType`], which owns it: an object's stash holds one dentry,
/// of one super block, so a second mount would be handed paths whose dentry is not in its super
/// block.
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
    /// Mounts the filesystem internally (`kern_mount()`), once: `fs_type` keeps the mount for the
    /// lifetime of the kernel, and later calls fail with `EBUSY`.
    pub fn kern_mount(fs_type: &'static FileSystemType<T>) -> Result<&'static Self> {
        if fs_type.2.as_ref().is_some() {
            return Err(crate::error::code::EBUSY);
        }
        // SAFETY: `fs_type` is a valid filesystem type that lives forever.
        let mnt = from_err_ptr(unsafe { bindings::kern_mount(fs_type.0.get()) })?;
        let mnt = NonNull::new(mnt).ok_or(crate::error::code::ENOMEM)?;
        // INVARIANT: The type is `T`'s, so `init_fs_context::<T>` set up the super block.
        let mount = Self {
            mnt,
            _t: PhantomData,
        };
        if !fs_type.2.populate(mount) {
            // A concurrent caller mounted first: its mount stays, this unused one goes.
            // SAFETY: `mnt` is the mount made above, which nothing else has seen.
            unsafe { bindings::kern_unmount(mnt.as_ptr()) };
            return Err(crate::error::code::EBUSY);
        }
        fs_type.2.as_ref().ok_or(crate::error::code::EBUSY)
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
        // INVARIANT: The root of a pseudo filesystem is positive: `init_pseudo()` gives it an
        // inode when the super block is set up.
        Path(path)
    }
}

/// Returns the path of `data`'s inode in `mnt`, creating the dentry and inode if there is none
/// (`path_from_stashed()`).
///
/// The reference `data` is consumed whatever the outcome: the new inode keeps it, or it is
/// dropped because a live dentry already had one, or because something failed. (`fs/libfs.c`
/// returns without dropping it only when the stash holds an error pointer, which nothing can
/// store there: the slot belongs to the stash of `T` alone, see [`PseudoFs`].)
#[inline]
pub fn path_from_stashed<T: PseudoFs>(mnt: &Mount<T>, data: ARef<T::Data>) -> Result<Path> {
    let stashed = T::stashed(&data);
    let data = ARef::into_raw(data);
    let mut path = MaybeUninit::<bindings::path>::uninit();
    // SAFETY: `stashed` is `data`'s stash (safety requirements of `PseudoFs`), the mount's super
    // block carries `T`'s stash operations (type invariants of `Mount`), which take over the
    // reference to `data`, and `path` is writable.
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
    // INVARIANT: Its dentry is the stashed one or a new one instantiated with the object's inode,
    // so it is positive.
    let path = Path(unsafe { path.assume_init() });
    // The stash holds one dentry, of the super block the object was first looked up in. `mnt` is
    // the one mount of its `FileSystemType`, but a second `FileSystemType<T>` would make another
    // super block: refuse a path whose dentry is not in its mount's super block.
    // SAFETY: The path's dentry is valid (type invariants of `Path`).
    let dentry_sb = unsafe { (*path.0.dentry).d_sb };
    // SAFETY: The path's mount is valid (type invariants of `Path`).
    let mnt_sb = unsafe { (*path.0.mnt).mnt_sb };
    if !ptr::eq(dentry_sb, mnt_sb) {
        return Err(crate::error::code::EXDEV);
    }
    Ok(path)
}

impl<T: FileOps> FileOperations<T> {
    /// Builds the file operations from [`PseudoFs`]'s `release`, `poll`, `ioctl`,
    /// `compat_ioctl` (with `CONFIG_COMPAT`) and `show_fdinfo` (with `CONFIG_PROC_FS`).
    #[expect(clippy::new_without_default)]
    pub const fn new() -> Self {
        let mut ops: bindings::file_operations = pin_init::zeroed();
        if T::HAS_RELEASE {
            ops.release = Some(release::<T>);
        }
        if T::HAS_POLL {
            ops.poll = Some(poll::<T>);
        }
        if T::HAS_IOCTL {
            ops.unlocked_ioctl = Some(unlocked_ioctl::<T>);
        }
        #[cfg(CONFIG_COMPAT)]
        {
            if T::HAS_COMPAT_IOCTL {
                ops.compat_ioctl = Some(compat_ioctl::<T>);
            }
        }
        #[cfg(CONFIG_PROC_FS)]
        {
            if T::HAS_SHOW_FDINFO {
                ops.show_fdinfo = Some(show_fdinfo::<T>);
            }
        }
        Self(ops, PhantomData)
    }

    /// Returns the file as a file of `T`'s filesystem if it is one (`file->f_op == &fops`).
    pub fn file<'a>(&'static self, file: &'a File) -> Option<PseudoFile<'a, T>> {
        // SAFETY: The file is valid; `f_op` does not change while it is open.
        if !ptr::eq(unsafe { (*file.as_ptr()).f_op }, self.as_ptr()) {
            return None;
        }
        // SAFETY: The file's operations are `T`'s (checked above), and `T`'s tables are only
        // installed on inodes of `T`'s filesystem (`init_inode`), so it is a file of `T`'s
        // filesystem, valid for `'a`.
        Some(unsafe { PseudoFile::from_file(file) })
    }
}

/// An open file of `T`'s filesystem and the object its inode stands for.
///
/// # Invariants
///
/// `file` is a file of `T`'s filesystem and `data` the object of its inode; the file holds its
/// inode, which holds a reference to the object, for `'a`.
pub struct PseudoFile<'a, T: PseudoFs> {
    file: &'a File,
    data: &'a T::Data,
}

impl<'a, T: PseudoFs> PseudoFile<'a, T> {
    /// # Safety
    ///
    /// `file` must be a file of `T`'s filesystem.
    #[inline]
    unsafe fn from_file(file: &'a File) -> Self {
        // SAFETY: The file is valid for `'a` and holds its inode, which belongs to `T`'s
        // filesystem (safety requirements), so `i_private` holds a `T::Data` reference.
        let data = unsafe { inode_data::<T>((*file.as_ptr()).f_inode) };
        // INVARIANT: Established above.
        Self { file, data }
    }

    /// Returns the file.
    #[inline]
    pub fn file(&self) -> &'a File {
        self.file
    }

    /// Returns the object the file's inode stands for.
    #[inline]
    pub fn data(&self) -> &'a T::Data {
        self.data
    }

    /// Returns the file's inode (`file_inode()`).
    #[inline]
    pub fn inode(&self) -> &'a Inode {
        // SAFETY: An open file pins its inode; `f_inode` never changes.
        unsafe { Inode::from_raw((*self.file.as_ptr()).f_inode) }
    }
}

/// A file of `T`'s filesystem in its `file_operations.release`.
///
/// `__fput()` calls `->release` after the last reference to the file is gone, so this is not a
/// [`File`]: it gives access to the open flags, the inode and the object, never to something that
/// could take a new reference to the file.
///
/// # Invariants
///
/// `inode` is an inode of `T`'s filesystem and `data` its object, both valid for `'a`.
pub struct ReleasingFile<'a, T: PseudoFs> {
    flags: u32,
    inode: &'a Inode,
    data: &'a T::Data,
}

impl<'a, T: PseudoFs> ReleasingFile<'a, T> {
    /// Returns the file's flags (`f_flags`), as they were when its last reference went away.
    #[inline]
    pub fn flags(&self) -> u32 {
        self.flags
    }

    /// Returns the file's inode.
    #[inline]
    pub fn inode(&self) -> &'a Inode {
        self.inode
    }

    /// Returns the object the file's inode stands for.
    #[inline]
    pub fn data(&self) -> &'a T::Data {
        self.data
    }
}

impl<T: PseudoFs> PseudoFile<'_, T>
where
    T::Data: HasWaitQueue,
{
    /// Registers `table` on the wait queue of the file's object (`poll_wait()`).
    #[inline]
    pub fn poll_wait(&self, table: &PollTable<'_>) {
        // SAFETY: The wait queue is initialised and lives as long as the object
        // (`HasWaitQueue`), which the file's inode keeps referenced until the file is released;
        // poll and epoll remove their entries before then.
        unsafe { table.register_wait_queue(self.file, self.data.wait_queue()) };
    }
}

/// An object with a wait queue that the pollers of its files sleep on.
///
/// # Safety
///
/// [`HasWaitQueue::wait_queue`] must return an initialised wait queue that stays valid for as
/// long as the object is referenced.
pub unsafe trait HasWaitQueue {
    /// Returns the wait queue.
    fn wait_queue(&self) -> *mut bindings::wait_queue_head;
}

/// # Safety
///
/// Called by the VFS on the final `fput()` of a file of `T`'s filesystem.
unsafe extern "C" fn release<T: FileOps>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: `__fput()` calls `->release` before `file_free()`, so the file's memory is valid for
    // the duration of the call, and with the last reference gone nothing changes `f_flags`
    // concurrently. The file is not borrowed as a `File`: its reference count is already zero.
    let flags = unsafe { (*file).f_flags };
    // SAFETY: `inode` is the file's inode, which the file still holds (`__fput()` drops the
    // dentry only after `->release`) and which belongs to `T`'s filesystem, because the file's
    // operations are `T`'s.
    let data = unsafe { inode_data::<T>(inode) };
    // SAFETY: As above, the inode is valid for the duration of the call.
    let inode = unsafe { Inode::from_raw(inode) };
    // INVARIANT: `data` is the object of `inode`, the inode of a file of `T`'s filesystem.
    T::release(&ReleasingFile { flags, inode, data });
    0
}

/// # Safety
///
/// Called by the VFS with a file of `T`'s filesystem and a poll table (possibly NULL).
unsafe extern "C" fn poll<T: FileOps>(
    file: *mut bindings::file,
    pts: *mut bindings::poll_table_struct,
) -> bindings::__poll_t {
    // SAFETY: The VFS passes a valid file of `T`'s filesystem for the duration of the call.
    let file = unsafe { PseudoFile::<T>::from_file(File::from_raw_file(file)) };
    // SAFETY: `pts` is NULL or a valid poll table for the duration of the call.
    let table = unsafe { PollTable::from_raw(pts) };
    T::poll(&file, &table)
}

/// # Safety
///
/// Called by the VFS with a file of `T`'s filesystem.
unsafe extern "C" fn unlocked_ioctl<T: FileOps>(
    file: *mut bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: The VFS passes a valid file of `T`'s filesystem for the duration of the call.
    let file = unsafe { PseudoFile::<T>::from_file(File::from_raw_file(file)) };
    match T::ioctl(&file, cmd, arg) {
        Ok(r) => r as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

/// # Safety
///
/// Called by the VFS with a file of `T`'s filesystem.
#[cfg(CONFIG_COMPAT)]
unsafe extern "C" fn compat_ioctl<T: FileOps>(
    file: *mut bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: The VFS passes a valid file of `T`'s filesystem for the duration of the call.
    let file = unsafe { PseudoFile::<T>::from_file(File::from_raw_file(file)) };
    match T::compat_ioctl(&file, cmd, arg) {
        Ok(r) => r as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

/// Converts a 32-bit user pointer argument to a native one (`compat_ptr()`).
#[cfg(CONFIG_COMPAT)]
#[inline]
pub fn compat_ptr(arg: usize) -> usize {
    // SAFETY: `compat_ptr()` only converts the value; it dereferences nothing.
    unsafe { bindings::compat_ptr(arg as u32) as usize }
}

/// # Safety
///
/// Called by procfs with its fdinfo seq_file and a file of `T`'s filesystem.
#[cfg(CONFIG_PROC_FS)]
unsafe extern "C" fn show_fdinfo<T: FileOps>(
    m: *mut bindings::seq_file,
    file: *mut bindings::file,
) {
    // SAFETY: The file is a valid file of `T`'s filesystem for the duration of the call.
    let file = unsafe { PseudoFile::<T>::from_file(File::from_raw_file(file)) };
    // SAFETY: procfs passes the seq_file of an fdinfo file it is showing, used only by this
    // thread (the seq_file's lock is held) for the duration of the call.
    let info = unsafe { FdInfo::from_raw(m) };
    T::show_fdinfo(&file, &info);
}

/// The `/proc/<pid>/fdinfo/<fd>` file being written by [`FileOps::show_fdinfo`].
///
/// # Invariants
///
/// The seq_file is that of an fdinfo file of procfs.
#[cfg(CONFIG_PROC_FS)]
pub struct FdInfo<'a> {
    raw: *mut bindings::seq_file,
    m: &'a SeqFile,
}

#[cfg(CONFIG_PROC_FS)]
impl<'a> FdInfo<'a> {
    /// # Safety
    ///
    /// `m` must be the seq_file of a procfs fdinfo file, valid and used only by this thread for
    /// `'a`.
    #[inline]
    unsafe fn from_raw(m: *mut bindings::seq_file) -> Self {
        // INVARIANT: The seq_file is that of an fdinfo file (safety requirements).
        Self {
            raw: m,
            // SAFETY: Valid and used only by this thread for `'a` (safety requirements).
            m: unsafe { SeqFile::from_raw(m) },
        }
    }

    /// Returns the seq_file to write to.
    #[inline]
    pub fn seq_file(&self) -> &'a SeqFile {
        self.m
    }

    /// Returns the pid namespace of the procfs instance being read (`proc_pid_ns()`).
    #[inline]
    pub fn proc_pid_ns(&self) -> &'a PidNamespace {
        // SAFETY: The seq_file belongs to an open procfs fdinfo file (type invariants), whose
        // `m->file` pins its inode; the inode's super block is a procfs super block, whose pid
        // namespace lives as long as the super block, which the open file pins.
        unsafe {
            let sb = (*(*(*self.raw).file).f_inode).i_sb;
            PidNamespace::from_ptr(bindings::proc_pid_ns(sb))
        }
    }
}

/// Opens a file on `path` with the current task's credentials (`dentry_open(path, flags,
/// current_cred())`), then puts back the bits of `keep_flags` that were in `flags`:
/// `do_dentry_open()` strips open-only flags such as `O_EXCL` and `O_TRUNC`, which pidfs reuses as
/// `PIDFD_THREAD` and `PIDFD_AUTOKILL`.
#[inline]
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

/// Checks an extensible ioctl command against the one it claims to be: same direction, type and
/// number, and at least `min_size` bytes (`extensible_ioctl_valid()`).
///
/// # Examples
///
/// ```
/// use kernel::{ioctl::{_IOR, _IOWR}, fs::pseudo::extensible_ioctl_valid};
///
/// let info = _IOWR::<[u8; 88]>(0xFF, 11);
/// // An older, smaller struct is fine as long as it is not below the first version.
/// assert!(extensible_ioctl_valid(_IOWR::<[u8; 64]>(0xFF, 11), info, 64));
/// assert!(!extensible_ioctl_valid(_IOWR::<[u8; 56]>(0xFF, 11), info, 64));
/// // Same number and size, but a different direction or type is another ioctl.
/// assert!(!extensible_ioctl_valid(_IOR::<[u8; 88]>(0xFF, 11), info, 64));
/// assert!(!extensible_ioctl_valid(_IOWR::<[u8; 88]>(b'v'.into(), 11), info, 64));
/// ```
///
/// This is the arithmetic of the C inline in Rust rather than a call through a C helper: it runs
/// on every ioctl of the filesystem, and a helper is an out-of-line call on kernels built with
/// gcc.
#[inline]
pub fn extensible_ioctl_valid(cmd: u32, expected: u32, min_size: usize) -> bool {
    use crate::ioctl::{_IOC_DIR, _IOC_NR, _IOC_SIZE, _IOC_TYPE};

    _IOC_DIR(cmd) == _IOC_DIR(expected)
        && _IOC_TYPE(cmd) == _IOC_TYPE(expected)
        && _IOC_NR(cmd) == _IOC_NR(expected)
        && _IOC_SIZE(cmd) >= min_size
}

/// A kernel buffer for extended attribute values or names, passed in by the VFS.
///
/// # Invariants
///
/// `ptr` is valid for writes of `size` bytes for `'a`, or NULL with `size` 0.
pub struct XattrBuf<'a> {
    ptr: *mut c_void,
    size: usize,
    _p: core::marker::PhantomData<&'a mut [u8]>,
}

impl XattrBuf<'_> {
    /// Creates a buffer description from what the VFS passed.
    ///
    /// # Safety
    ///
    /// `ptr` must be valid for writes of `size` bytes for the lifetime of the result, or be NULL
    /// with `size` 0.
    #[inline]
    pub(crate) unsafe fn from_raw(ptr: *mut c_void, size: usize) -> Self {
        // INVARIANT: Guaranteed by the safety requirements.
        Self {
            ptr,
            size,
            _p: core::marker::PhantomData,
        }
    }

    /// Returns the start of the buffer: NULL when the caller asks only for the size it needs.
    #[inline]
    pub fn as_mut_ptr(&self) -> *mut c_void {
        self.ptr
    }

    /// Returns the size of the buffer in bytes.
    #[inline]
    pub fn size(&self) -> usize {
        self.size
    }
}

#[macros::kunit_tests(rust_fs_pseudo)]
mod tests {
    //! A second pseudo filesystem of nsfs's shape: objects of several kinds through one stash,
    //! dentries and mount roots named per object, a file handle of three fields, no extended
    //! attributes and the VFS's default getattr. Every reference the test takes is given back, and
    //! the objects' counts show that the inodes were evicted.

    use super::*;
    use crate::{
        error::code::ENAMETOOLONG,
        str::CString,
        sync::atomic::{Atomic, Relaxed},
    };
    use core::fmt::Write;
    use macros::fmt;

    /// A namespace-like object: its kind, id and inode number, and a count of the references the
    /// filesystem holds. The objects are `static`s, so a count of zero frees nothing.
    struct Ns {
        kind: &'static str,
        ns_type: u32,
        id: u64,
        inum: u32,
        refs: Atomic<i64>,
        stashed: Opaque<*mut bindings::dentry>,
    }

    // SAFETY: `refs` is atomic, and `stashed` is only used by the C stash functions, which
    // synchronise on it themselves.
    unsafe impl Sync for Ns {}
    // SAFETY: As for `Sync`; nothing in `Ns` is tied to a thread.
    unsafe impl Send for Ns {}

    // SAFETY: Every `Ns` is a `static`, so it is never freed; the count only records the
    // references that the filesystem takes and gives back.
    unsafe impl AlwaysRefCounted for Ns {
        fn inc_ref(&self) {
            self.refs.fetch_add(1i64, Relaxed);
        }

        unsafe fn dec_ref(ns: NonNull<Self>) {
            // SAFETY: `ns` points to a `static`.
            unsafe { ns.as_ref() }.refs.fetch_sub(1i64, Relaxed);
        }
    }

    /// The layout of `struct nsfs_file_handle`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    struct NsHandle {
        ns_id: u64,
        ns_type: u32,
        ns_inum: u32,
    }

    // SAFETY: Three integers of 8, 4 and 4 bytes in a `repr(C)` struct of 16 bytes: no padding,
    // no interior mutability.
    unsafe impl AsBytes for NsHandle {}
    // SAFETY: Any bytes are valid integers.
    unsafe impl FromBytes for NsHandle {}

    const fn ns(kind: &'static str, ns_type: u32, id: u64, inum: u32) -> Ns {
        Ns {
            kind,
            ns_type,
            id,
            inum,
            refs: Atomic::new(1),
            stashed: Opaque::new(ptr::null_mut()),
        }
    }

    static NAMESPACES: [Ns; 3] = [
        ns("mnt", 0x0002_0000, 1, 4_026_531_841),
        ns("net", 0x4000_0000, 2, 4_026_531_840),
        ns("uts", 0x0400_0000, 3, 4_026_531_838),
    ];

    struct NsFs;

    // SAFETY: Each `Ns::stashed` starts NULL, lives forever and is used by the stash of `NsFs`
    // alone.
    unsafe impl PseudoFs for NsFs {
        type Data = Ns;

        const MAGIC: u32 = bindings::NSFS_MAGIC;

        fn stashed(ns: &Ns) -> *mut *mut bindings::dentry {
            ns.stashed.get()
        }

        fn tables() -> &'static Tables<Self> {
            &TABLES
        }
    }

    #[vtable]
    impl SuperOps for NsFs {
        fn show_path(ns: &Ns, inode: &Inode, m: &SeqFile) -> Result {
            crate::seq_print!(m, "{}:[{}]", ns.kind, inode.ino());
            Ok(())
        }
    }

    #[vtable]
    impl StashedOps for NsFs {
        fn init_inode(inode: &NewInode<'_>, ns: &Ns) {
            inode.set_ino(ns.inum.into(), 0);
            inode.add_mode(bindings::S_IRUGO as u16);
        }
    }

    #[vtable]
    impl DentryOps for NsFs {
        const DNAME: &'static CStr = c"ns";

        fn dname(ns: &Ns, inode: &Inode, name: &mut DentryName) -> Result {
            write!(name, "{}:[{}]", ns.kind, inode.ino()).map_err(|_| ENAMETOOLONG)
        }
    }

    #[vtable]
    impl InodeOps for NsFs {}

    #[vtable]
    impl ExportOps for NsFs {
        fn encode_fh(ns: &Ns, fh: &mut FileHandle<'_>) -> Result<u32> {
            fh.write(&NsHandle {
                ns_id: ns.id,
                ns_type: ns.ns_type,
                ns_inum: ns.inum,
            })?;
            Ok(bindings::fid_type_FILEID_NSFS)
        }

        fn fh_to_dentry(fh: &FileHandle<'_>, fh_type: u32) -> Result<Option<Path>> {
            if fh_type != bindings::fid_type_FILEID_NSFS {
                return Ok(None);
            }
            let Some(h) = fh.read::<NsHandle>() else {
                return Ok(None);
            };
            let Some(ns) = NAMESPACES
                .iter()
                .find(|ns| ns.id == h.ns_id && ns.ns_type == h.ns_type && ns.inum == h.ns_inum)
            else {
                return Ok(None);
            };
            path_from_stashed(mount()?, ARef::from(ns)).map(Some)
        }
    }

    #[vtable]
    impl FileOps for NsFs {}

    static SOPS: SuperOperations<NsFs> = SuperOperations::new();
    static DOPS: DentryOperations<NsFs> = DentryOperations::new();
    static EOPS: ExportOperations<NsFs> = ExportOperations::new();
    static IOPS: InodeOperations<NsFs> = InodeOperations::new();
    static FOPS: FileOperations<NsFs> = FileOperations::new();
    static STASHED: StashedOperations<NsFs> = StashedOperations::new();
    static TABLES: Tables<NsFs> = Tables::new(&SOPS, &DOPS, &EOPS, &IOPS, &FOPS, &STASHED, None);
    static TYPE: FileSystemType<NsFs> = FileSystemType::new(c"rust_nsfs_test");

    /// The filesystem's one mount, made by the first test that runs.
    fn mount() -> Result<&'static Mount<NsFs>> {
        match TYPE.2.as_ref() {
            Some(mnt) => Ok(mnt),
            None => Mount::kern_mount(&TYPE),
        }
    }

    /// Whether `d_path()` would name the path's dentry `want`.
    fn dname_is(path: &Path, want: &CStr) -> Result<bool> {
        let mut buf = [0u8; 128];
        let len = buf.len() as c_int;
        // SAFETY: The path's dentry is a valid dentry of `NsFs` and `buf` has `len` bytes.
        let name = unsafe { d_dname::<NsFs>(path.0.dentry, buf.as_mut_ptr().cast(), len) };
        let name = from_err_ptr(name)?;
        // SAFETY: `dynamic_dname()` returned a NUL-terminated string inside `buf`.
        Ok(unsafe { CStr::from_char_ptr(name) }.to_bytes() == want.to_bytes())
    }

    #[test]
    fn objects_of_several_kinds_share_the_stash() -> Result {
        let mnt = mount()?;
        for ns in &NAMESPACES {
            let before = ns.refs.load(Relaxed);
            let path = path_from_stashed(mnt, ARef::from(ns))?;
            assert_eq!(path.inode().ino(), u64::from(ns.inum));
            let again = path_from_stashed(mnt, ARef::from(ns))?;
            assert!(ptr::eq(path.inode(), again.inode()));
            // The inode holds one reference; the second lookup's was dropped.
            assert_eq!(ns.refs.load(Relaxed), before + 1);
            let want = CString::try_from_fmt(fmt!("{}:[{}]", ns.kind, ns.inum))?;
            assert!(dname_is(&path, &want)?);
            drop(again);
            drop(path);
            // Not cached (`DCACHE_DONTCACHE`): the last `dput()` evicts the inode, which drops
            // its reference.
            assert_eq!(ns.refs.load(Relaxed), before);
        }
        Ok(())
    }

    #[test]
    fn handles_of_three_fields_round_trip() -> Result {
        let mnt = mount()?;
        let ns = &NAMESPACES[1];
        let before = ns.refs.load(Relaxed);
        let path = path_from_stashed(mnt, ARef::from(ns))?;
        let inode = path.inode().as_ptr();
        let mut words = [0u32; 8];
        // Too small: no handle, and the size it needs.
        let mut max_len: c_int = 3;
        // SAFETY: A valid inode of `NsFs`; `words` has more than `max_len` words.
        let fh_type =
            unsafe { encode_fh::<NsFs>(inode, words.as_mut_ptr(), &mut max_len, ptr::null_mut()) };
        assert_eq!(fh_type, bindings::fid_type_FILEID_INVALID as c_int);
        assert_eq!(max_len, 4);
        let mut max_len: c_int = 8;
        // SAFETY: As above.
        let fh_type =
            unsafe { encode_fh::<NsFs>(inode, words.as_mut_ptr(), &mut max_len, ptr::null_mut()) };
        assert_eq!(fh_type, bindings::fid_type_FILEID_NSFS as c_int);
        assert_eq!(max_len, 4);
        // SAFETY: The mount's super block is valid while the mount is.
        let sb = unsafe { (*mnt.mnt.as_ptr()).mnt_sb };
        let fid = words.as_mut_ptr().cast::<bindings::fid>();
        // SAFETY: `fid` has 8 words.
        let dentry = unsafe { fh_to_dentry::<NsFs>(sb, fid, 4, fh_type) };
        assert!(ptr::eq(dentry, path.0.dentry));
        // SAFETY: `fh_to_dentry` returned the dentry with a reference, which is ours.
        unsafe { bindings::dput(dentry) };
        // Another type, a short handle, another object: stale (NULL), nothing taken.
        for (len, ty) in [(4, bindings::fid_type_FILEID_KERNFS as c_int), (3, fh_type)] {
            // SAFETY: `fid` has 8 words.
            assert!(unsafe { fh_to_dentry::<NsFs>(sb, fid, len, ty) }.is_null());
        }
        words[2] ^= 1;
        // SAFETY: `fid` has 8 words.
        assert!(unsafe { fh_to_dentry::<NsFs>(sb, fid, 4, fh_type) }.is_null());
        drop(path);
        assert_eq!(ns.refs.load(Relaxed), before);
        Ok(())
    }

    #[test]
    fn mount_roots_are_named_per_object() -> Result {
        let mnt = mount()?;
        // Implemented, so installed: mountinfo asks the filesystem.
        // SAFETY: `SOPS` is a static.
        assert!(unsafe { (*SOPS.as_ptr()).show_path }.is_some());
        let ns = &NAMESPACES[2];
        let before = ns.refs.load(Relaxed);
        let path = path_from_stashed(mnt, ARef::from(ns))?;
        let mut buf = [0u8; 64];
        // SAFETY: All zeroes is a valid `struct seq_file` that nothing has used yet.
        let mut seq: bindings::seq_file = unsafe { core::mem::zeroed() };
        seq.buf = buf.as_mut_ptr().cast();
        seq.size = buf.len();
        // SAFETY: `seq` writes into `buf`, of `seq.size` bytes, and only this thread uses it; the
        // path's dentry is a positive dentry of `NsFs`, pinned by `path`.
        let ret = unsafe { show_path::<NsFs>(&mut seq, path.0.dentry) };
        assert_eq!(ret, 0);
        let want = CString::try_from_fmt(fmt!("{}:[{}]", ns.kind, ns.inum))?;
        assert_eq!(&buf[..seq.count], want.to_bytes());
        drop(path);
        assert_eq!(ns.refs.load(Relaxed), before);
        Ok(())
    }

    #[test]
    fn unimplemented_callbacks_stay_null() -> Result {
        let mnt = mount()?;
        // No extended attributes: no handler list, so the VFS refuses them before any callback.
        // SAFETY: The mount's super block is valid while the mount is.
        assert!(unsafe { (*(*mnt.mnt.as_ptr()).mnt_sb).s_xattr }.is_null());
        // The VFS's default getattr and setattr, and no listxattr.
        let iops = IOPS.as_ptr();
        // SAFETY: `iops` points to a static.
        let (getattr, setattr, listxattr) =
            unsafe { ((*iops).getattr, (*iops).setattr, (*iops).listxattr) };
        assert!(getattr.is_none() && setattr.is_none() && listxattr.is_none());
        // No file callbacks: the file is always ready for poll (`DEFAULT_POLLMASK`) and has no
        // ioctls of its own.
        let fops = FOPS.as_ptr();
        // SAFETY: `fops` points to a static.
        let (poll, ioctl, release) =
            unsafe { ((*fops).poll, (*fops).unlocked_ioctl, (*fops).release) };
        assert!(poll.is_none() && ioctl.is_none() && release.is_none());
        // nsfs has no permission or open hooks for handles either.
        let eops = EOPS.as_ptr();
        // SAFETY: `eops` points to a static.
        let (permission, open) = unsafe { ((*eops).permission, (*eops).open) };
        assert!(permission.is_none() && open.is_none());
        Ok(())
    }
}
