// SPDX-License-Identifier: GPL-2.0

//! Per-pid pidfs state (`struct pidfs_attr`).
//!
//! pidfs keeps state that must outlive the pidfs inode of a `struct pid` in `pid->attr`: the exit
//! and coredump information that `PIDFD_GET_INFO` reports after the task is gone, and the pid's
//! extended attributes. The C side only forward-declares `struct pidfs_attr`, so its layout
//! belongs to pidfs; this module defines it and the lock-free publication protocol around it.
//!
//! C header: [`include/linux/pid.h`](srctree/include/linux/pid.h)

use super::{
    fs::{Inode, XattrBuf},
    pid::WaitPidfdGuard,
    StructPid,
};
use crate::ffi::c_void;
use crate::{
    alloc::{Flags, KBox},
    bindings,
    error::{from_err_ptr, to_result, Result},
    prelude::*,
    str::CStr,
    sync::barrier::{smp_mb, Full, Read, Write},
    types::Opaque,
};
use core::{
    ptr,
    sync::atomic::{AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering},
};

/// `PIDFS_ATTR_BIT_EXIT`: the exit information is valid.
const PIDFS_ATTR_BIT_EXIT: usize = 0;
/// `PIDFS_ATTR_BIT_COREDUMP`: the coredump information is valid.
const PIDFS_ATTR_BIT_COREDUMP: usize = 1;

/// The value of `pid->attr` that marks a pid reaped before anyone registered it
/// (`PIDFS_PID_DEAD`, i.e. `ERR_PTR(-ESRCH)`).
const PIDFS_PID_DEAD: *mut bindings::pidfs_attr =
    (-(bindings::ESRCH as isize)) as usize as *mut bindings::pidfs_attr;

/// Exit information recorded by `pidfs_exit()`.
#[derive(Clone, Copy, Debug)]
pub struct ExitInfo {
    /// The id of the task's cgroup in the default hierarchy when it was reaped.
    pub cgroupid: u64,
    /// The exit code in `wait(2)` status format.
    pub exit_code: i32,
}

/// Coredump information recorded by `pidfs_coredump()`.
#[derive(Clone, Copy, Debug)]
pub struct CoredumpInfo {
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
/// The exit and coredump fields are written once and then published by setting their bit in
/// `attr_mask` after a write barrier; readers test the bit and issue a read barrier before
/// reading them, so they see either nothing or the complete information.
///
/// # Invariants
///
/// `xattrs` is an initialised list head of `struct simple_xattr` entries, modified only under the
/// inode lock of the pid's pidfs inode (`simple_xattr_set()`), read under RCU.
///
/// # Examples
///
/// ```
/// use kernel::{bindings, pidfs::attr::{CoredumpInfo, ExitInfo, PidfsAttr}};
///
/// let attr = PidfsAttr::new(bindings::GFP_KERNEL)?;
/// assert!(attr.exit_info().is_none());
/// assert!(!attr.has_exited());
/// attr.set_exit(ExitInfo { cgroupid: 7, exit_code: 9 });
/// assert!(attr.has_exited());
/// let exit = attr.exit_info().ok_or(EINVAL)?;
/// assert_eq!((exit.cgroupid, exit.exit_code), (7, 9));
/// assert!(attr.coredump_info().is_none());
/// attr.set_coredump(CoredumpInfo { mask: 1, signal: 11, code: 128 });
/// let cd = attr.coredump_info().ok_or(EINVAL)?;
/// assert_eq!((cd.mask, cd.signal, cd.code), (1, 11, 128));
/// PidfsAttr::free(attr);
/// # Ok::<(), Error>(())
/// ```
#[repr(C)]
pub struct PidfsAttr {
    xattrs: Opaque<bindings::list_head>,
    attr_mask: AtomicUsize,
    cgroupid: AtomicU64,
    exit_code: AtomicI32,
    coredump_mask: AtomicU32,
    coredump_signal: AtomicU32,
    coredump_code: AtomicU32,
    free_node: Opaque<bindings::llist_node>,
}

/// What `pid->attr` holds.
pub enum AttrState<'a> {
    /// No pidfd was ever created and the pid was not registered with pidfs (NULL).
    Unregistered,
    /// The pid was reaped before it was registered (`PIDFS_PID_DEAD`): it never will be.
    Dead,
    /// The pid is registered.
    Registered(&'a PidfsAttr),
}

impl PidfsAttr {
    /// Allocates zeroed state with an empty xattr list, with the allocation flags `gfp` (a
    /// `gfp_t` from the C caller of `pidfs_register_pid_gfp()`), charged to the caller's memory
    /// cgroup as the C `pidfs_attr_cache` (`SLAB_ACCOUNT`) is.
    pub fn new(gfp: bindings::gfp_t) -> Result<KBox<Self>> {
        // `__GFP_ACCOUNT` is the bit that `GFP_KERNEL_ACCOUNT` adds to `GFP_KERNEL`.
        let account = bindings::GFP_KERNEL_ACCOUNT & !bindings::GFP_KERNEL;
        let flags = Flags::from_raw(gfp | account);
        let attr = KBox::new(
            PidfsAttr {
                xattrs: Opaque::zeroed(),
                attr_mask: AtomicUsize::new(0),
                cgroupid: AtomicU64::new(0),
                exit_code: AtomicI32::new(0),
                coredump_mask: AtomicU32::new(0),
                coredump_signal: AtomicU32::new(0),
                coredump_code: AtomicU32::new(0),
                free_node: Opaque::zeroed(),
            },
            flags,
        )?;
        let head = attr.xattrs.get();
        // SAFETY: `head` points into the new, not yet shared allocation; an empty list head points
        // at itself (`INIT_LIST_HEAD_RCU()`).
        unsafe {
            (*head).next = head;
            (*head).prev = head;
        }
        Ok(attr)
    }

    fn test_bit(&self, bit: usize) -> bool {
        self.attr_mask.load(Ordering::Relaxed) & (1 << bit) != 0
    }

    /// Records the exit information and publishes it (the tail of `pidfs_exit()`).
    ///
    /// Whoever later sees the task unhashed also sees the information: the bit is set with full
    /// ordering, as `set_bit()` followed by `smp_mb__after_atomic()` does.
    pub fn set_exit(&self, info: ExitInfo) {
        self.cgroupid.store(info.cgroupid, Ordering::Relaxed);
        self.exit_code.store(info.exit_code, Ordering::Relaxed);
        smp_mb(Write);
        self.attr_mask
            .fetch_or(1 << PIDFS_ATTR_BIT_EXIT, Ordering::Relaxed);
        smp_mb(Full);
    }

    /// Returns whether exit information has been recorded, without reading it.
    pub fn has_exited(&self) -> bool {
        self.test_bit(PIDFS_ATTR_BIT_EXIT)
    }

    /// Returns the exit information if it has been recorded.
    pub fn exit_info(&self) -> Option<ExitInfo> {
        if !self.test_bit(PIDFS_ATTR_BIT_EXIT) {
            return None;
        }
        smp_mb(Read);
        Some(ExitInfo {
            cgroupid: self.cgroupid.load(Ordering::Relaxed),
            exit_code: self.exit_code.load(Ordering::Relaxed),
        })
    }

    /// Records the coredump information and publishes it (`pidfs_coredump()`).
    pub fn set_coredump(&self, info: CoredumpInfo) {
        self.coredump_mask.store(info.mask, Ordering::Relaxed);
        self.coredump_signal.store(info.signal, Ordering::Relaxed);
        self.coredump_code.store(info.code, Ordering::Relaxed);
        smp_mb(Write);
        self.attr_mask
            .fetch_or(1 << PIDFS_ATTR_BIT_COREDUMP, Ordering::Relaxed);
    }

    /// Returns the coredump information if it has been recorded.
    pub fn coredump_info(&self) -> Option<CoredumpInfo> {
        if !self.test_bit(PIDFS_ATTR_BIT_COREDUMP) {
            return None;
        }
        smp_mb(Read);
        Some(CoredumpInfo {
            mask: self.coredump_mask.load(Ordering::Relaxed),
            signal: self.coredump_signal.load(Ordering::Relaxed),
            code: self.coredump_code.load(Ordering::Relaxed),
        })
    }

    fn xattrs_empty(&self) -> bool {
        let head = self.xattrs.get();
        // SAFETY: The list head is initialised (type invariant); reading `next` mirrors
        // `list_empty()`.
        let next: *mut bindings::list_head =
            unsafe { ptr::read_volatile(ptr::addr_of!((*head).next)) };
        ptr::eq(next, head)
    }

    /// Looks up the extended attribute `name` (`simple_xattr_get()`).
    ///
    /// Copies the value into `buf` unless `buf` is empty, in which case only the size is
    /// returned.
    pub fn xattr_get(&self, name: &CStr, buf: XattrBuf<'_>) -> Result<usize> {
        // SAFETY: The cache and the list are valid; `buf` describes writable kernel memory of
        // `buf.size` bytes (or is NULL with size 0), as `XattrBuf` guarantees.
        let ret = unsafe {
            bindings::simple_xattr_get(
                PIDFS_XA_CACHE.0.get(),
                self.xattrs.get(),
                name.as_char_ptr(),
                buf.ptr,
                buf.size,
            )
        };
        to_result(ret)?;
        Ok(ret as usize)
    }

    /// Sets, replaces or (with `value` [`None`]) removes the extended attribute `name`
    /// (`simple_xattr_set()`); `flags` are `XATTR_CREATE`/`XATTR_REPLACE`.
    ///
    /// The caller holds the pidfs inode's lock, as the VFS does around `->set()`; `_inode` is the
    /// evidence that the call comes from there.
    pub fn xattr_set(
        &self,
        _inode: &Inode,
        name: &CStr,
        value: Option<&[u8]>,
        flags: i32,
    ) -> Result {
        let (vptr, vsize) = match value {
            Some(v) => (v.as_ptr().cast::<c_void>(), v.len()),
            None => (ptr::null(), 0),
        };
        // SAFETY: The cache and the list are valid; the value is readable for `vsize` bytes or
        // NULL (removal). The list is only modified under the inode lock, which the VFS holds.
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
        // SAFETY: `old` is NULL or the entry that was replaced or removed, which is ours to free
        // after an RCU grace period.
        unsafe { bindings::simple_xattr_free_rcu(old) };
        Ok(())
    }

    /// Lists the names of the extended attributes the caller may see (`simple_xattr_list()`).
    pub fn xattr_list(&self, inode: &Inode, buf: XattrBuf<'_>) -> Result<usize> {
        // SAFETY: The inode and the list are valid; `buf` is as `XattrBuf` guarantees.
        let ret = unsafe {
            bindings::simple_xattr_list(inode.as_ptr(), self.xattrs.get(), buf.ptr.cast(), buf.size)
        };
        if ret < 0 {
            return Err(Error::from_errno(ret as i32));
        }
        Ok(ret as usize)
    }

    /// Frees the state of a pid that is going away (the tail of `pidfs_free_pid()`).
    ///
    /// May be called in any context: if there are extended attributes, freeing them can sleep,
    /// so it is deferred to a work item.
    pub fn free(attr: KBox<Self>) {
        if attr.xattrs_empty() {
            drop(attr);
            return;
        }
        let attr = KBox::into_raw(attr);
        // SAFETY: `attr` is valid and now owned by the free list until the work item runs.
        let first =
            unsafe { bindings::llist_add((*attr).free_node.get(), PIDFS_FREE_LIST.0.get()) };
        if first {
            // SAFETY: The work item was initialised by `init()`, which pidfs calls at boot before
            // any pid can be freed.
            unsafe { bindings::schedule_work(PIDFS_FREE_WORK.0.get()) };
        }
    }

    /// Initialises the deferred-free machinery. Called once, from `pidfs_init()`.
    pub fn init() {
        // SAFETY: The work item is a static that nothing uses before this call, made at boot by
        // the single `pidfs_init()` caller.
        unsafe {
            bindings::init_work_with_key(
                PIDFS_FREE_WORK.0.get(),
                Some(pidfs_free_attr_work),
                false,
                c"pidfs_free_work".as_char_ptr(),
                crate::static_lock_class!().as_ptr(),
            )
        };
    }
}

/// A static C object that is only accessed through the C API that owns its synchronisation.
struct CStatic<T>(Opaque<T>);

// SAFETY: The wrapped objects (an llist head, a work item and the xattr cache) are designed for
// concurrent use through their C APIs, which do their own synchronisation.
unsafe impl<T> Sync for CStatic<T> {}

static PIDFS_FREE_LIST: CStatic<bindings::llist_head> = CStatic(Opaque::zeroed());
static PIDFS_FREE_WORK: CStatic<bindings::work_struct> = CStatic(Opaque::zeroed());
static PIDFS_XA_CACHE: CStatic<bindings::simple_xattr_cache> = CStatic(Opaque::zeroed());

/// Frees the states queued by [`PidfsAttr::free`] (`pidfs_free_attr_work()`).
///
/// # Safety
///
/// Called by the workqueue for `PIDFS_FREE_WORK`.
unsafe extern "C" fn pidfs_free_attr_work(_work: *mut bindings::work_struct) {
    // SAFETY: The list head is valid; this takes all queued entries.
    let mut node = unsafe { bindings::llist_del_all(PIDFS_FREE_LIST.0.get()) };
    while !node.is_null() {
        // SAFETY: Every node on the list is the `free_node` of a `PidfsAttr` leaked by
        // `PidfsAttr::free()`, whose ownership passed to the list.
        let attr = unsafe {
            node.byte_sub(core::mem::offset_of!(PidfsAttr, free_node))
                .cast::<PidfsAttr>()
        };
        // SAFETY: `node` is valid until `attr` is freed below.
        node = unsafe { (*node).next };
        // SAFETY: `attr` is valid and exclusively ours; its xattrs are freed with it.
        unsafe {
            bindings::simple_xattrs_free(
                PIDFS_XA_CACHE.0.get(),
                (*attr).xattrs.get(),
                ptr::null_mut(),
            )
        };
        // SAFETY: `attr` came from `KBox::into_raw()` in `PidfsAttr::free()`.
        drop(unsafe { KBox::from_raw(attr) });
    }
}

impl StructPid {
    /// Returns what `pid->attr` holds (`READ_ONCE(pid->attr)`).
    pub fn pidfs_attr(&self) -> AttrState<'_> {
        attr_state(self.attr_atomic().load(Ordering::Acquire))
    }

    /// Returns what `pid->attr` holds, with the `wait_pidfd` lock held so that it cannot change.
    pub fn pidfs_attr_locked<'a>(&'a self, _guard: &WaitPidfdGuard<'a>) -> AttrState<'a> {
        attr_state(self.attr_atomic().load(Ordering::Relaxed))
    }

    /// Marks an unregistered pid as reaped (`pid->attr = PIDFS_PID_DEAD`), so that it can never
    /// be registered. Does nothing if the pid is registered or already dead.
    pub fn pidfs_mark_dead(&self, _guard: &WaitPidfdGuard<'_>) {
        let a = self.attr_atomic();
        if a.load(Ordering::Relaxed).is_null() {
            a.store(PIDFS_PID_DEAD, Ordering::Relaxed);
        }
    }

    /// Registers an unregistered pid with its new state. Returns the state back if the pid is
    /// already registered or dead, which the caller can check under the same guard.
    pub fn pidfs_set_attr(
        &self,
        _guard: &WaitPidfdGuard<'_>,
        attr: KBox<PidfsAttr>,
    ) -> core::result::Result<(), KBox<PidfsAttr>> {
        let a = self.attr_atomic();
        if !a.load(Ordering::Relaxed).is_null() {
            return Err(attr);
        }
        a.store(KBox::into_raw(attr).cast(), Ordering::Release);
        Ok(())
    }

    /// Clears `pid->attr` (`pidfs_prepare_pid()`), forgetting any state.
    ///
    /// Only for a pid that pidfs has never seen: it is being allocated and nothing else refers
    /// to it yet, so nothing can be leaked.
    pub fn pidfs_reset(&self) {
        self.attr_atomic().store(ptr::null_mut(), Ordering::Relaxed);
        // SAFETY: The slot is valid; the pid is not yet visible, so no one else accesses it.
        unsafe { ptr::write_volatile(self.stashed(), ptr::null_mut()) };
        self.set_ino(0);
    }

    /// Takes the pidfs state out of a pid that is being freed (`pidfs_free_pid()`).
    ///
    /// # Safety
    ///
    /// The pid's reference count must have dropped to zero: nothing else can access it.
    pub unsafe fn pidfs_take_attr(&self) -> Option<KBox<PidfsAttr>> {
        let p = self.attr_atomic().swap(ptr::null_mut(), Ordering::Relaxed);
        if p.is_null() || p == PIDFS_PID_DEAD {
            return None;
        }
        // SAFETY: A registered pid's `attr` came from `KBox::into_raw()` in `pidfs_set_attr()`,
        // and no one else can use it any more (safety requirements).
        Some(unsafe { KBox::from_raw(p.cast()) })
    }
}

fn attr_state<'a>(p: *mut bindings::pidfs_attr) -> AttrState<'a> {
    if p.is_null() {
        AttrState::Unregistered
    } else if p == PIDFS_PID_DEAD {
        AttrState::Dead
    } else {
        // SAFETY: A registered state stays allocated until the pid is freed, which cannot happen
        // while the caller holds a `&StructPid` (its reference count is non-zero).
        AttrState::Registered(unsafe { &*p.cast::<PidfsAttr>() })
    }
}
