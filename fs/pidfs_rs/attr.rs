// SPDX-License-Identifier: GPL-2.0

//! Per-pid pidfs state (`struct pidfs_attr`).
//!
//! pidfs keeps state that must outlive the pidfs inode of a `struct pid` in `pid->attr`: the exit
//! and coredump information that `PIDFD_GET_INFO` reports after the task is gone, and the pid's
//! extended attributes. The C side only forward-declares `struct pidfs_attr`, so its layout
//! belongs to pidfs; this module defines it and the lock-free publication protocol around it.
//! It is private to the Rust pidfs: with the C pidfs linked, `pid->attr` is a C object.

use super::{pid::PidfsFields, PidFs, RoAfterInit};
use core::{cell::UnsafeCell, pin::Pin, ptr};
use kernel::{
    alloc::{
        kmem_cache::{CacheAllocator, CacheBox, CacheFlags, KmemCache, StaticCache},
        Box, Flags,
    },
    bindings,
    container_of,
    error::{from_err_ptr, to_result, Result},
    ffi::c_void,
    fs::{
        inode::Inode,
        pseudo::{LockedInode, XattrBuf},
    },
    impl_has_work,
    new_work,
    pid::{StructPid, WaitPidfdGuard},
    prelude::*,
    str::CStr,
    sync::{
        atomic::{Acquire, Atomic, AtomicFlag, Relaxed, Release},
        barrier::{smp_mb, Full},
        Arc,
    },
    types::Opaque,
    workqueue::{self, Work, WorkItem}, //
};

/// The value of `pid->attr` that marks a pid reaped before anyone registered it
/// (`PIDFS_PID_DEAD`, i.e. `ERR_PTR(-ESRCH)`).
const PIDFS_PID_DEAD: *mut bindings::pidfs_attr =
    (-(bindings::ESRCH as isize)) as usize as *mut bindings::pidfs_attr;

/// Exit information recorded by `pidfs_exit()`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ExitInfo {
    /// The id of the task's cgroup in the default hierarchy when it was reaped.
    pub cgroupid: u64,
    /// The exit code in `wait(2)` status format.
    pub exit_code: i32,
}

/// Coredump information recorded by `pidfs_coredump()`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CoredumpInfo {
    /// `PIDFD_COREDUMPED` and how the dump was made (`PIDFD_COREDUMP_*`).
    pub mask: u32,
    /// The signal that caused the coredump.
    pub signal: u32,
    /// The `si_code` of that signal.
    pub code: u32,
}

/// The pidfs state of a `struct pid` (`struct pidfs_attr`).
///
/// It is allocated once, when the pid is first registered with pidfs, and freed with the pid.
/// The exit and coredump fields are written once and then published by setting their flag with
/// release ordering (the `smp_wmb()` + `set_bit()` of C); readers load the flag with acquire
/// ordering before reading them, so they see either nothing or the complete information.
///
/// # Invariants
///
/// - `xattrs` is an initialised list head of `struct simple_xattr` entries, modified only under
///   the inode lock of the pid's pidfs inode (`simple_xattr_set()`), read under RCU. It points
///   into the object itself, which is why the object is always pinned.
/// - `exit` is written only by [`PidfsAttr::set_exit`], once, before `exit_valid` is set, and
///   read only after `exit_valid` was seen set.
/// - `free_node` is linked into `PIDFS_FREE_LIST` only by [`PidfsAttr::free`], which gives up
///   the object to the list.
///
/// The object is as large as C's: one list node instead of a work item per object, for the one
/// work item that frees every state with attributes (`pidfs_free_work`).
#[pin_data(PinnedDrop)]
pub(crate) struct PidfsAttr {
    #[pin]
    xattrs: Opaque<bindings::list_head>,
    /// `PIDFS_ATTR_BIT_EXIT`: the exit information is valid.
    exit_valid: AtomicFlag,
    /// `PIDFS_ATTR_BIT_COREDUMP`: the coredump information is valid.
    coredump_valid: AtomicFlag,
    /// Plain, as in C: written once before `exit_valid` is set and read only after it.
    exit: UnsafeCell<ExitInfo>,
    coredump_mask: Atomic<u32>,
    coredump_signal: Atomic<u32>,
    coredump_code: Atomic<u32>,
    /// The link in `PIDFS_FREE_LIST` (`pidfs_llist`, which C unions with the exit and coredump
    /// fields).
    free_node: Opaque<bindings::llist_node>,
}

// SAFETY: The xattr list is only changed through `simple_xattr_set()` under the pidfs inode lock
// and read under RCU, the exit information is written once before its flag is published (type
// invariants), the other fields are atomics or the free-list link, which is only used once the
// state is given up, and nothing in the state is tied to the thread that allocated it; it is
// freed from whatever context drops the last `pid` reference, or from the workqueue.
unsafe impl Send for PidfsAttr {}

// SAFETY: See `Send`: every method that takes `&self` is safe to call concurrently (the one that
// changes the list is `unsafe` and requires the inode lock, the one that writes the exit
// information is `unsafe` and may be called only once).
unsafe impl Sync for PidfsAttr {}

// No larger than C's `struct pidfs_attr` on 64-bit: a 16-byte list head and a union of the 40
// bytes of exit and coredump attributes with the list node.
#[cfg(CONFIG_64BIT)]
const _: () = assert!(core::mem::size_of::<PidfsAttr>() <= 56);

/// What `pid->attr` holds.
pub(crate) enum AttrState<'a> {
    /// No pidfd was ever created and the pid was not registered with pidfs (NULL).
    Unregistered,
    /// The pid was reaped before it was registered (`PIDFS_PID_DEAD`): it never will be.
    Dead,
    /// The pid is registered.
    Registered(&'a PidfsAttr),
}

impl PidfsAttr {
    /// Creates the slab cache of the states (`pidfs_attr_cache`), with the flags of C: objects
    /// aligned to cache lines, reclaimable, charged to the allocating task's memory cgroup.
    ///
    /// Also allocates the work item that frees states with extended attributes
    /// (`pidfs_free_work`), before any state can exist.
    ///
    /// # Safety
    ///
    /// Only `pidfs_init()` may call it, once (see [`RoAfterInit::set`]).
    pub(crate) unsafe fn create_cache() -> Result {
        let work = Arc::pin_init(
            pin_init!(FreeWork {
                work <- new_work!("pidfs_free_work"),
            }),
            GFP_KERNEL,
        )?;
        let cache = KmemCache::new(
            c"pidfs_attr_cache",
            CacheFlags::HWCACHE_ALIGN | CacheFlags::RECLAIM_ACCOUNT | CacheFlags::ACCOUNT,
        )?;
        // SAFETY: The caller is `pidfs_init()`, which calls this function once (safety
        // requirements).
        unsafe { PIDFS_FREE_WORK.set(work) };
        // SAFETY: As above.
        unsafe { PIDFS_ATTR_CACHE.set(cache) };
        Ok(())
    }

    /// Allocates zeroed state with an empty xattr list from the cache, with the allocation flags
    /// `gfp` (those of the C caller of `pidfs_register_pid_gfp()`).
    ///
    /// Fails with `ENOMEM` if [`PidfsAttr::create_cache`] has not created the cache.
    // The return type is `PidfsAttrBox`, spelt out so that it names `Self`.
    pub(crate) fn new(gfp: Flags) -> Result<Pin<Box<Self, CacheAllocator<PidfsAttrCache>>>> {
        CacheBox::<PidfsAttrCache>::pin_init(
            pin_init!(PidfsAttr {
                xattrs <- Opaque::ffi_init(|head: *mut bindings::list_head| {
                    // SAFETY: `head` points to the list head inside the new, pinned allocation,
                    // which no one else can see yet; an empty list head points at itself
                    // (`INIT_LIST_HEAD()`).
                    unsafe {
                        (*head).next = head;
                        (*head).prev = head;
                    }
                }),
                exit_valid: AtomicFlag::new(false),
                coredump_valid: AtomicFlag::new(false),
                exit: UnsafeCell::new(ExitInfo {
                    cgroupid: 0,
                    exit_code: 0,
                }),
                coredump_mask: Atomic::new(0),
                coredump_signal: Atomic::new(0),
                coredump_code: Atomic::new(0),
                free_node: Opaque::zeroed(),
            }),
            gfp,
        )
    }

    /// Records the exit information and publishes it (the tail of `pidfs_exit()`).
    ///
    /// Whoever later sees the task unhashed also sees the information: the flag is set with
    /// release ordering and followed by a full barrier, as `set_bit()` followed by
    /// `smp_mb__after_atomic()` does.
    ///
    /// # Safety
    ///
    /// It must be called at most once for this state.
    #[inline]
    pub(crate) unsafe fn set_exit(&self, info: ExitInfo) {
        let exit = self.exit.get();
        // SAFETY: This is the one call (safety requirements), so `exit_valid` is not set yet and
        // no reader looks at `exit` (type invariants): nothing else accesses it.
        unsafe {
            (*exit).cgroupid = info.cgroupid;
            (*exit).exit_code = info.exit_code;
        }
        self.exit_valid.store(true, Release);
        smp_mb(Full);
    }

    /// Returns whether exit information has been recorded, without reading it.
    #[inline]
    pub(crate) fn has_exited(&self) -> bool {
        self.exit_valid.load(Relaxed)
    }

    /// Returns the exit information if it has been recorded.
    #[inline]
    pub(crate) fn exit_info(&self) -> Option<ExitInfo> {
        if !self.exit_valid.load(Acquire) {
            return None;
        }
        // SAFETY: `exit_valid` is set, and the acquire load above orders this read after the one
        // write of `exit`, which came before the flag was set with release ordering; no write
        // follows it (type invariants).
        Some(unsafe { *self.exit.get() })
    }

    /// Records the coredump information and publishes it (`pidfs_coredump()`).
    #[cfg(CONFIG_COREDUMP)]
    #[inline]
    pub(crate) fn set_coredump(&self, info: CoredumpInfo) {
        self.coredump_mask.store(info.mask, Relaxed);
        self.coredump_signal.store(info.signal, Relaxed);
        self.coredump_code.store(info.code, Relaxed);
        self.coredump_valid.store(true, Release);
    }

    /// Returns the coredump information if it has been recorded.
    #[inline]
    pub(crate) fn coredump_info(&self) -> Option<CoredumpInfo> {
        if !self.coredump_valid.load(Acquire) {
            return None;
        }
        Some(CoredumpInfo {
            mask: self.coredump_mask.load(Relaxed),
            signal: self.coredump_signal.load(Relaxed),
            code: self.coredump_code.load(Relaxed),
        })
    }

    #[inline]
    fn xattrs_empty(&self) -> bool {
        let head = self.xattrs.get();
        // SAFETY: The list head is initialised (type invariants) and `next` is aligned; the C
        // list code updates it with `WRITE_ONCE()`, so an atomic load mirrors `list_empty()`.
        let next = unsafe { Atomic::<*mut bindings::list_head>::from_ptr(&raw mut (*head).next) };
        ptr::eq(next.load(Relaxed), head)
    }

    /// Looks up the extended attribute `name` (`simple_xattr_get()`).
    ///
    /// Copies the value into `buf` unless `buf` is empty, in which case only the size is
    /// returned.
    pub(crate) fn xattr_get(&self, name: &CStr, buf: XattrBuf<'_>) -> Result<usize> {
        // SAFETY: The cache is valid; the list is initialised (type invariants) and
        // `simple_xattr_get()` walks it under RCU, so it may run concurrently with a setter.
        // `buf` describes writable kernel memory of `buf.size()` bytes (or is NULL with size 0), as
        // `XattrBuf` guarantees.
        let ret = unsafe {
            bindings::simple_xattr_get(
                PIDFS_XA_CACHE.0.get(),
                self.xattrs.get(),
                name.as_char_ptr(),
                buf.as_mut_ptr(),
                buf.size(),
            )
        };
        to_result(ret)?;
        Ok(ret as usize)
    }

    /// Sets, replaces or (with `value` [`None`]) removes the extended attribute `name`
    /// (`simple_xattr_set()`); `flags` are `XATTR_CREATE`/`XATTR_REPLACE`.
    ///
    /// # Safety
    ///
    /// The caller must hold the inode lock of the pidfs inode of the pid that owns this state,
    /// as the VFS does around `xattr_handler->set()`: it is what serialises the writers of the
    /// list.
    pub(crate) unsafe fn xattr_set(&self, name: &CStr, value: Option<&[u8]>, flags: i32) -> Result {
        let (vptr, vsize) = match value {
            Some(v) => (v.as_ptr().cast::<c_void>(), v.len()),
            None => (ptr::null(), 0),
        };
        // SAFETY: The cache is valid and the list initialised (type invariants); the value is
        // readable for `vsize` bytes or NULL (removal). Writers of the list are serialised by the
        // inode lock, which the caller holds (safety requirements).
        let old = unsafe {
            bindings::simple_xattr_set(
                PIDFS_XA_CACHE.0.get(),
                self.xattrs.get(),
                name.as_char_ptr(),
                vptr,
                vsize,
                flags,
            )
        };
        let old = from_err_ptr(old)?;
        // SAFETY: `simple_xattr_set()` unlinked `old` (NULL if nothing was replaced or
        // removed); it is ours, and readers under RCU may still see it, hence the RCU free.
        unsafe { bindings::simple_xattr_free_rcu(old) };
        Ok(())
    }

    /// Lists the names of the extended attributes the caller may see (`simple_xattr_list()`).
    pub(crate) fn xattr_list(&self, inode: &Inode, buf: XattrBuf<'_>) -> Result<usize> {
        // SAFETY: The inode is valid (type invariants of `Inode`); the list is initialised and
        // `simple_xattr_list()` walks it under RCU. `buf` is as `XattrBuf` guarantees.
        let ret = unsafe {
            bindings::simple_xattr_list(
                inode.as_ptr(),
                self.xattrs.get(),
                buf.as_mut_ptr().cast(),
                buf.size(),
            )
        };
        if ret < 0 {
            return Err(Error::from_errno(ret as i32));
        }
        Ok(ret as usize)
    }

    /// Frees the state of a pid that is going away (the tail of `pidfs_free_pid()`).
    ///
    /// May be called in any context: if there are extended attributes, freeing them must not
    /// happen in the caller's context, so the state goes on `PIDFS_FREE_LIST` and the one work
    /// item that empties the list is queued on the system workqueue, as C does.
    pub(crate) fn free(attr: PidfsAttrBox) {
        if attr.xattrs_empty() {
            drop(attr);
            return;
        }
        let Some(work) = PIDFS_FREE_WORK.get() else {
            // `create_cache()` allocates the work item before the cache, so a state cannot
            // exist without it. Leak the state rather than free attributes in this context.
            kernel::warn_on_once!(true);
            core::mem::forget(attr);
            return;
        };
        // SAFETY: The object stays pinned: `run()` turns it back into a `PidfsAttrBox` and never
        // moves out of it.
        let raw = CacheBox::<PidfsAttrCache>::into_raw(unsafe { Pin::into_inner_unchecked(attr) });
        // SAFETY: `raw` is a valid state that nothing else refers to any more (the pid is being
        // freed), so its list node is unused, and the list head is a static that `llist_add()`
        // and `llist_del_all()` update atomically.
        let first = unsafe { bindings::llist_add((*raw).free_node.get(), PIDFS_FREE_LIST.0.get()) };
        if first {
            // Queued unless already pending, like `schedule_work()`; a pending run empties the
            // whole list, this state included.
            let _ = workqueue::system().enqueue(work.clone());
        }
    }
}

/// The states whose extended attributes wait to be freed (`pidfs_free_list`).
struct FreeList(Opaque<bindings::llist_head>);

// SAFETY: The list head is only used through `llist_add()` and `llist_del_all()`, which update it
// with atomic operations and may run concurrently from any thread.
unsafe impl Sync for FreeList {}

static PIDFS_FREE_LIST: FreeList = FreeList(Opaque::zeroed());

/// The work item that frees the states on `PIDFS_FREE_LIST` (`pidfs_free_work`).
#[pin_data]
struct FreeWork {
    #[pin]
    work: Work<FreeWork>,
}

impl_has_work! {
    impl HasWork<Self> for FreeWork { self.work }
}

/// The one work item, allocated by [`PidfsAttr::create_cache`].
static PIDFS_FREE_WORK: RoAfterInit<Arc<FreeWork>> = RoAfterInit::new();

impl WorkItem for FreeWork {
    type Pointer = Arc<FreeWork>;

    /// Frees every state on the list, with its extended attributes (`pidfs_free_attr_work()`).
    fn run(_this: Arc<FreeWork>) {
        // SAFETY: The list head is a static, updated atomically by `llist_add()` and this call.
        let mut node = unsafe { bindings::llist_del_all(PIDFS_FREE_LIST.0.get()) };
        while !node.is_null() {
            // SAFETY: Every node on the list is the `free_node` of a state that `free()` gave up
            // to the list, still allocated; the list no longer holds it after `llist_del_all()`.
            let next = unsafe { (*node).next };
            // SAFETY: As above, `node` is the `free_node` field of a `PidfsAttr`.
            let attr = unsafe {
                container_of!(
                    node.cast::<Opaque<bindings::llist_node>>(),
                    PidfsAttr,
                    free_node
                )
            };
            // SAFETY: The state came from `into_raw()` of a pinned `PidfsAttrBox` in `free()`, was
            // never moved, and is ours again; dropping it frees the attributes, in the process
            // context of a work item, where that may sleep.
            drop(unsafe { Pin::new_unchecked(CacheBox::<PidfsAttrCache>::from_raw(attr)) });
            node = next;
        }
    }
}

#[pinned_drop]
impl PinnedDrop for PidfsAttr {
    fn drop(self: Pin<&mut Self>) {
        // The common case, no extended attribute: nothing to free, and no call to make on the
        // exit of every process that had a pidfd (`pidfs_free_pid()` checks the same).
        if self.xattrs_empty() {
            return;
        }
        // SAFETY: The cache is valid and the list initialised (type invariants); no one else can
        // reach the object while it is being dropped. [`PidfsAttr::free`] defers this case to the
        // free work item, so it runs where it may sleep.
        unsafe {
            bindings::simple_xattrs_free(PIDFS_XA_CACHE.0.get(), self.xattrs.get(), ptr::null_mut())
        };
    }
}

/// The cache that `simple_xattr_*()` keeps pidfs' extended attributes in (`pidfs_xa_cache`).
struct XattrCache(Opaque<bindings::simple_xattr_cache>);

// SAFETY: The cache is only passed to the `simple_xattr_*()` functions, which allocate its hash
// table on first use with `cmpxchg()` and otherwise only use the rhashtable API, which does its
// own locking; Rust code never reads or writes it.
unsafe impl Sync for XattrCache {}

static PIDFS_XA_CACHE: XattrCache = XattrCache(Opaque::zeroed());

/// The slab cache of the states (`pidfs_attr_cachep`), set by [`PidfsAttr::create_cache`].
static PIDFS_ATTR_CACHE: RoAfterInit<KmemCache<PidfsAttr>> = RoAfterInit::new();

/// Names the slab cache of the states, `pidfs_attr_cache`, to the allocator of [`PidfsAttrBox`].
pub(crate) struct PidfsAttrCache;

// SAFETY: `PIDFS_ATTR_CACHE` is a static, so it is never dropped, and once `pidfs_init()` has set
// it, it never changes (type invariants of `RoAfterInit`).
unsafe impl StaticCache for PidfsAttrCache {
    type Object = PidfsAttr;

    #[inline]
    fn cache() -> Option<&'static KmemCache<PidfsAttr>> {
        PIDFS_ATTR_CACHE.get()
    }
}

/// A pidfs state, allocated from its slab cache.
pub(crate) type PidfsAttrBox = Pin<CacheBox<PidfsAttrCache>>;

/// pidfs' view of `pid->attr`.
pub(crate) trait PidAttr {
    /// Returns what `pid->attr` holds (`READ_ONCE(pid->attr)`).
    fn pidfs_attr(&self) -> AttrState<'_>;

    /// Prepares the pidfs fields of a new `struct pid` (`pidfs_prepare_pid()`): no state, no
    /// stashed dentry, no inode number.
    ///
    /// # Safety
    ///
    /// The pid must be new (`alloc_pid()`) and not yet visible to anyone else: whatever the
    /// fields held is forgotten.
    unsafe fn pidfs_prepare(&self);
}

impl PidAttr for StructPid {
    #[inline]
    fn pidfs_attr(&self) -> AttrState<'_> {
        // SAFETY: This pidfs is the linked one, so `pid->attr` is NULL, `PIDFS_PID_DEAD` or a
        // state that `pidfs_set_attr()` stored, which stays allocated until the pid is freed;
        // that cannot happen while `&self` exists (type invariants of `StructPid`).
        unsafe { attr_state(self.attr_atomic().load(Acquire)) }
    }

    #[inline]
    unsafe fn pidfs_prepare(&self) {
        let pid = self.as_ptr();
        // SAFETY: `pid` is a valid `struct pid` (type invariants of `StructPid`) that no one else
        // can see yet (safety requirements), so plain stores cannot race with any other access,
        // as in C; `alloc_pid()` publishes the pid under `pidmap_lock` after this. A new pid is
        // in no table, so its inode number may change.
        unsafe {
            (*pid).__bindgen_anon_1.attr = ptr::null_mut();
            (*pid).__bindgen_anon_1.stashed = ptr::null_mut();
            (*pid).__bindgen_anon_1.ino = 0;
        }
    }
}

/// Sets, replaces or (with `value` [`None`]) removes the extended attribute `name` of the pid of
/// a locked pidfs inode (`simple_xattr_set()` on `pid->attr->xattrs`).
///
/// Fails with `ENODATA` if the pid is not registered.
#[inline]
pub(crate) fn pidfs_xattr_set(
    inode: &LockedInode<'_, PidFs>,
    name: &CStr,
    value: Option<&[u8]>,
    flags: i32,
) -> Result {
    match inode.data().pidfs_attr() {
        // SAFETY: The lock of `inode` is held and the pid is its object (type invariants of
        // `LockedInode`). A pid has one pidfs inode at a time, the one in its stash, which
        // belongs to pidfs alone, so this is the lock that serialises the pid's xattr writers.
        AttrState::Registered(attr) => unsafe { attr.xattr_set(name, value, flags) },
        _ => Err(ENODATA),
    }
}

/// pidfs' changes of `pid->attr`, made under `pid->wait_pidfd.lock`.
pub(crate) trait WaitPidfdAttr<'a> {
    /// Returns what `pid->attr` holds; it cannot change while the lock is held.
    fn pidfs_attr(&self) -> AttrState<'a>;

    /// Marks an unregistered pid as reaped (`pid->attr = PIDFS_PID_DEAD`), so that it can never
    /// be registered. Does nothing if the pid is registered or already dead.
    fn pidfs_mark_dead(&self);

    /// Registers an unregistered pid with its new state. Returns the state back if the pid is
    /// already registered or dead.
    fn pidfs_set_attr(&self, attr: PidfsAttrBox) -> core::result::Result<(), PidfsAttrBox>;
}

impl<'a> WaitPidfdAttr<'a> for WaitPidfdGuard<'a> {
    #[inline]
    fn pidfs_attr(&self) -> AttrState<'a> {
        // SAFETY: As in `PidAttr::pidfs_attr()`: a state stays allocated until the pid, which
        // `self` borrows, is freed.
        unsafe { attr_state(self.pid().attr_atomic().load(Relaxed)) }
    }

    #[inline]
    fn pidfs_mark_dead(&self) {
        let a = self.pid().attr_atomic();
        if a.load(Relaxed).is_null() {
            a.store(PIDFS_PID_DEAD, Relaxed);
        }
    }

    #[inline]
    fn pidfs_set_attr(&self, attr: PidfsAttrBox) -> core::result::Result<(), PidfsAttrBox> {
        let a = self.pid().attr_atomic();
        if !a.load(Relaxed).is_null() {
            return Err(attr);
        }
        // SAFETY: The object stays pinned: it is only ever turned back into a `PidfsAttrBox` (by
        // `DyingPid::take_pidfs_attr()`), never moved out of.
        let raw = CacheBox::<PidfsAttrCache>::into_raw(unsafe { Pin::into_inner_unchecked(attr) });
        a.store(raw.cast(), Release);
        Ok(())
    }
}

/// A `struct pid` whose last reference has just been dropped, being freed (`pidfs_free_pid()`).
///
/// It is not a [`StructPid`], whose reference count is never zero.
///
/// # Invariants
///
/// The pointer is to a `struct pid` whose reference count is zero and whose memory stays valid
/// while this exists; no one else accesses its pidfs fields any more.
pub(crate) struct DyingPid(ptr::NonNull<bindings::pid>);

impl DyingPid {
    /// Wraps the pid that `put_pid()` is about to free.
    ///
    /// # Safety
    ///
    /// `ptr` must be a `struct pid` whose reference count dropped to zero, whose memory stays
    /// valid for as long as the result exists.
    #[inline]
    pub(crate) unsafe fn from_raw(ptr: *mut bindings::pid) -> Option<Self> {
        // INVARIANT: Guaranteed by the safety requirements.
        ptr::NonNull::new(ptr).map(Self)
    }

    /// Returns whether a dentry is still stashed in the pid (a reference counting bug).
    #[cfg(CONFIG_DEBUG_VFS)]
    #[inline]
    pub(crate) fn has_stashed_dentry(&self) -> bool {
        // SAFETY: The pid's memory is valid (type invariants) and no one else uses it.
        !unsafe { (*self.0.as_ptr()).__bindgen_anon_1.stashed }.is_null()
    }

    /// Takes the pidfs state out of the pid, if it was registered.
    #[inline]
    pub(crate) fn take_pidfs_attr(&mut self) -> Option<PidfsAttrBox> {
        // SAFETY: The pid's memory is valid and no one else uses it (type invariants).
        let slot = unsafe { &mut (*self.0.as_ptr()).__bindgen_anon_1.attr };
        let p = core::mem::replace(slot, ptr::null_mut());
        if p.is_null() || p == PIDFS_PID_DEAD {
            return None;
        }
        // SAFETY: A registered pid's `attr` came from `into_raw()` of a pinned `PidfsAttrBox` in
        // `WaitPidfdGuard::pidfs_set_attr()`; it was never moved, and it is ours now that the
        // field is cleared.
        Some(unsafe { Pin::new_unchecked(CacheBox::<PidfsAttrCache>::from_raw(p.cast())) })
    }
}

/// # Safety
///
/// `p` must be NULL, `PIDFS_PID_DEAD` or a state from `WaitPidfdGuard::pidfs_set_attr()` that
/// stays allocated for `'a`.
#[inline]
unsafe fn attr_state<'a>(p: *mut bindings::pidfs_attr) -> AttrState<'a> {
    if p.is_null() {
        AttrState::Unregistered
    } else if p == PIDFS_PID_DEAD {
        AttrState::Dead
    } else {
        // SAFETY: By the safety requirements, `p` is a live, pinned `PidfsAttr` for `'a`.
        AttrState::Registered(unsafe { &*p.cast::<PidfsAttr>() })
    }
}
