// SPDX-License-Identifier: GPL-2.0

//! Process identifiers: `struct pid`.
//!
//! Only what is true of `struct pid` whichever pidfs is linked is here: the numbers per namespace
//! level, the attached tasks, reference counting and the `wait_pidfd` queue with its lock. The
//! fields that belong to pidfs (the inode number, the dentry stash, the inode-number table
//! linkage, the per-pid state) are left to the pidfs that owns them.
//!
//! C header: [`include/linux/pid.h`](srctree/include/linux/pid.h)

use crate::{
    bindings,
    pid_namespace::PidNamespace,
    sync::{
        aref::{ARef, AlwaysRefCounted},
        rcu,
    },
    task::{Pid, Task},
    types::{NotThreadSafe, Opaque}, //
};
use core::ptr;

/// The ways a task can be attached to a [`StructPid`] (`enum pid_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum PidType {
    /// The task's own (thread) id, `PIDTYPE_PID`.
    Pid = bindings::pid_type_PIDTYPE_PID,
    /// The thread group id, `PIDTYPE_TGID`.
    Tgid = bindings::pid_type_PIDTYPE_TGID,
    /// The process group id, `PIDTYPE_PGID`.
    Pgid = bindings::pid_type_PIDTYPE_PGID,
    /// The session id, `PIDTYPE_SID`.
    Sid = bindings::pid_type_PIDTYPE_SID,
}

/// A process identifier, the kernel object that a pidfd refers to (`struct pid`).
///
/// This is not [`crate::task::Pid`], which is the number (`pid_t`) that a `struct pid` has in a
/// given pid namespace. A `struct pid` outlives the tasks attached to it for as long as someone
/// holds a reference, which is what lets a pidfd refer to a process that has been reaped.
///
/// Owned references are [`ARef<StructPid>`] (`get_pid()`/`put_pid()`); borrowed ones are
/// `&StructPid`.
///
/// # Invariants
///
/// The pointer wrapped by a `StructPid` points to a valid `struct pid` whose reference count is
/// non-zero for as long as the `StructPid` (or a reference to it) exists.
#[doc(alias = "pid")]
#[repr(transparent)]
pub struct StructPid(Opaque<bindings::pid>);

// SAFETY: `struct pid` is reference counted with atomic operations and its fields are either
// immutable after allocation or protected by locks on the C side, so it may be used and freed from
// any thread.
unsafe impl Send for StructPid {}

// SAFETY: All methods that take `&self` are safe to call concurrently (see `Send` above).
unsafe impl Sync for StructPid {}

impl StructPid {
    /// Creates a reference to a [`StructPid`] from a valid pointer.
    ///
    /// # Safety
    ///
    /// The caller must ensure that `ptr` points to a valid `struct pid` whose reference count is
    /// non-zero for the lifetime `'a`.
    #[inline]
    pub unsafe fn from_ptr<'a>(ptr: *const bindings::pid) -> &'a Self {
        // SAFETY: The safety requirements guarantee the validity of the dereference, while the
        // `StructPid` type being transparent makes the cast ok.
        unsafe { &*ptr.cast() }
    }

    /// Returns a raw pointer to the inner C struct.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::pid {
        self.0.get()
    }

    /// Returns the `struct pid` that `task` uses for `ty`, with a reference taken.
    ///
    /// Returns [`None`] if the task is no longer attached to one (it is exiting).
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::pid::{PidType, StructPid};
    ///
    /// let task = current!();
    /// let pid = StructPid::from_task(task, PidType::Pid).ok_or(ESRCH)?;
    /// assert_eq!(pid.vnr(), task.pid());
    /// # Ok::<(), Error>(())
    /// ```
    #[doc(alias = "get_task_pid")]
    #[inline]
    pub fn from_task(task: &Task, ty: PidType) -> Option<ARef<Self>> {
        // SAFETY: `task` is a valid task; `get_task_pid()` returns NULL or a `struct pid` with
        // its reference count incremented.
        let ptr = unsafe { bindings::get_task_pid(task.as_ptr(), ty as bindings::pid_type) };
        // SAFETY: A non-NULL `ptr` carries a reference that we now own.
        // CAST: `Self` is a `repr(transparent)` wrapper around `bindings::pid`.
        ptr::NonNull::new(ptr).map(|p| unsafe { ARef::from_raw(p.cast()) })
    }

    /// Returns the number of this pid at pid namespace nesting level `level`
    /// (`pid->numbers[level].nr`), or [`None`] if the pid was allocated above that level.
    #[inline]
    pub fn nr_at_level(&self, level: u32) -> Option<Pid> {
        if level > self.level() {
            return None;
        }
        // SAFETY: `numbers` has `level() + 1` entries that never change after allocation, and
        // `level` is within bounds as checked above.
        Some(unsafe { (*self.upid(level)).nr })
    }

    /// Returns whether this pid has a number in `ns`, i.e. `ns` is the namespace the pid was
    /// allocated in or one of its ancestors.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::pid::{PidType, StructPid};
    ///
    /// let task = current!();
    /// let pid = StructPid::from_task(task, PidType::Pid).ok_or(ESRCH)?;
    /// let ns = task.active_pid_ns().ok_or(ESRCH)?;
    /// assert!(pid.is_in_ns(ns));
    /// # Ok::<(), Error>(())
    /// ```
    #[inline]
    pub fn is_in_ns(&self, ns: &PidNamespace) -> bool {
        let level = ns.level();
        if level > self.level() {
            return false;
        }
        // SAFETY: `level` is within `numbers` as checked above; the entries never change.
        ptr::eq(unsafe { (*self.upid(level)).ns }, ns.as_ptr())
    }

    #[inline]
    fn upid(&self, level: u32) -> *const bindings::upid {
        // SAFETY: The pointer is valid by the type invariants; only an address is computed, the
        // callers check `level` before dereferencing it.
        unsafe {
            ptr::addr_of!((*self.as_ptr()).numbers)
                .cast::<bindings::upid>()
                .add(level as usize)
        }
    }

    /// Takes the lock of the `wait_pidfd` wait queue with interrupts disabled, as
    /// `spin_lock_irq(&pid->wait_pidfd.lock)` does.
    ///
    /// The C side uses this lock to keep a task from detaching from the pid while a pidfd is
    /// prepared (`pidfd_prepare()`); pidfs uses it to order per-pid registration against exit.
    /// Both take it only with `spin_lock_irq()`, in process context, and so does this: releasing
    /// the lock enables interrupts again unconditionally (`spin_unlock_irq()`). A
    /// [`SpinLockIrq`](crate::sync::SpinLockIrq) guard would work in any context, at the cost of
    /// counting nested interrupt disables on every lock and unlock.
    ///
    /// # Safety
    ///
    /// Interrupts must be enabled on the calling CPU, as in any context that may sleep, and the
    /// caller must not leave them disabled for the guard to find when it is dropped.
    #[inline]
    pub unsafe fn lock_wait_pidfd(&self) -> WaitPidfdGuard<'_> {
        let lock = self.wait_pidfd_lock();
        // SAFETY: `pid->wait_pidfd.lock` is a spinlock that `alloc_pid()` initialised
        // (`init_waitqueue_head()`) and that lives as long as the pid. Interrupts are enabled
        // (safety requirements), so disabling them here and enabling them when the guard is
        // dropped restores what was there.
        unsafe { bindings::spin_lock_irq(lock) };
        // INVARIANT: The lock was just taken with `spin_lock_irq()`.
        WaitPidfdGuard {
            pid: self,
            _not_send: NotThreadSafe,
        }
    }

    #[inline]
    fn wait_pidfd_lock(&self) -> *mut bindings::spinlock_t {
        // SAFETY: The pid is valid (type invariants); only an address is computed.
        unsafe { ptr::addr_of_mut!((*self.wait_pidfd()).lock) }
    }
}

/// The lock of one pid's `wait_pidfd` wait queue, held; see [`StructPid::lock_wait_pidfd`].
///
/// Dropping it releases the lock and enables interrupts. It is `!Send`, since the lock must be
/// released on the CPU that took it, and the operations that need the lock are its methods, so
/// they can only act on the pid whose lock is held.
///
/// # Invariants
///
/// The lock of `pid->wait_pidfd` is held, taken with `spin_lock_irq()` by this thread while
/// interrupts were enabled, for as long as this exists.
pub struct WaitPidfdGuard<'a> {
    pid: &'a StructPid,
    _not_send: NotThreadSafe,
}

impl WaitPidfdGuard<'_> {
    /// Returns the pid whose lock is held.
    #[inline]
    pub fn pid(&self) -> &StructPid {
        self.pid
    }
}

impl Drop for WaitPidfdGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: This thread holds the lock, taken with `spin_lock_irq()` while interrupts were
        // enabled (type invariants), so `spin_unlock_irq()` releases it and enables them again.
        unsafe { bindings::spin_unlock_irq(self.pid.wait_pidfd_lock()) };
    }
}

impl StructPid {
    /// Returns the `struct pid` of `task` (`task_pid()`), borrowed from the task.
    ///
    /// # Safety
    ///
    /// `task->thread_pid` must stay set to the same pid for the lifetime `'a`: it is set to NULL
    /// when the task is detached from it (`__change_pid()` in `release_task()`), and swapped by
    /// `exchange_tids()` when a non-leader thread calls `execve()`. `release_task()` calls
    /// `pidfs_exit()` with the task's pid still attached, and nothing else can change it then.
    #[inline]
    pub unsafe fn of_task<'a>(task: &'a Task) -> &'a StructPid {
        // SAFETY: `task` is valid and, by the safety requirements, its `thread_pid` is a valid pid
        // that the task holds a reference to for `'a`.
        unsafe { StructPid::from_ptr(bindings::task_pid(task.as_ptr())) }
    }

    /// Returns the nesting level of the pid namespace this pid was allocated in.
    #[inline]
    pub fn level(&self) -> u32 {
        // SAFETY: The type invariants guarantee that `self` points to a valid `struct pid`;
        // `level` never changes after allocation.
        unsafe { (*self.as_ptr()).level }
    }

    /// Returns the number of this pid in `ns`, or 0 if it is not visible there.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::pid::{PidType, StructPid};
    ///
    /// let task = current!();
    /// let pid = StructPid::from_task(task, PidType::Pid).ok_or(ESRCH)?;
    /// let ns = task.active_pid_ns().ok_or(ESRCH)?;
    /// assert_eq!(pid.nr_ns(ns), task.pid());
    /// # Ok::<(), Error>(())
    /// ```
    #[doc(alias = "pid_nr_ns")]
    #[inline]
    pub fn nr_ns(&self, ns: &PidNamespace) -> Pid {
        // SAFETY: Both pointers are valid by the type invariants.
        unsafe { bindings::pid_nr_ns(self.as_ptr(), ns.as_ptr()) }
    }

    /// Returns the number of this pid in the caller's active pid namespace, or 0.
    #[doc(alias = "pid_vnr")]
    #[inline]
    pub fn vnr(&self) -> Pid {
        // SAFETY: The pointer is valid by the type invariants.
        unsafe { bindings::pid_vnr(self.as_ptr()) }
    }

    /// Returns whether a task is attached to this pid as `ty`.
    #[inline]
    pub fn has_task(&self, ty: PidType) -> bool {
        // SAFETY: The pointer is valid by the type invariants.
        unsafe { bindings::pid_has_task(self.as_ptr(), ty as bindings::pid_type) }
    }

    /// Returns the first task attached to this pid as `ty`, if any.
    ///
    /// The task is only guaranteed to stay valid under RCU, which the guard proves.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::{
    ///     pid::{PidType, StructPid},
    ///     sync::rcu,
    /// };
    ///
    /// let current = current!();
    /// let pid = StructPid::from_task(current, PidType::Pid).ok_or(ESRCH)?;
    /// let guard = rcu::read_lock();
    /// let task = pid.task(PidType::Pid, &guard).ok_or(ESRCH)?;
    /// assert_eq!(task.pid(), current.pid());
    /// # Ok::<(), Error>(())
    /// ```
    #[doc(alias = "pid_task")]
    #[inline]
    pub fn task<'a>(&'a self, ty: PidType, _rcu: &'a rcu::Guard) -> Option<&'a Task> {
        // SAFETY: The pointer is valid and the caller holds the RCU read lock, as `pid_task()`
        // requires.
        let ptr = unsafe { bindings::pid_task(self.as_ptr(), ty as bindings::pid_type) };
        if ptr.is_null() {
            return None;
        }
        // SAFETY: A task found under RCU stays valid until the read lock is dropped, which the
        // lifetime of `_rcu` bounds.
        // CAST: `Task` is a `repr(transparent)` wrapper around `bindings::task_struct`.
        Some(unsafe { &*ptr.cast::<Task>() })
    }

    /// Returns a task attached to this pid as `ty`, with a reference taken.
    #[doc(alias = "get_pid_task")]
    #[inline]
    pub fn get_task(&self, ty: PidType) -> Option<ARef<Task>> {
        // SAFETY: The pointer is valid; `get_pid_task()` returns NULL or a referenced task.
        let ptr = unsafe { bindings::get_pid_task(self.as_ptr(), ty as bindings::pid_type) };
        // SAFETY: A non-NULL `ptr` carries a reference that we now own.
        // CAST: `Task` is a `repr(transparent)` wrapper around `bindings::task_struct`.
        ptr::NonNull::new(ptr).map(|p| unsafe { ARef::from_raw(p.cast()) })
    }

    /// Returns the wait queue that pidfd pollers sleep on (`pid->wait_pidfd`).
    ///
    /// It is owned by the C side: `do_notify_pidfd()` wakes it when a task exits, and its lock
    /// also serialises pidfs' registration of per-pid state.
    #[inline]
    pub fn wait_pidfd(&self) -> *mut bindings::wait_queue_head {
        // SAFETY: The pointer is valid by the type invariants; only an address is computed.
        unsafe { ptr::addr_of_mut!((*self.as_ptr()).wait_pidfd) }
    }
}

// SAFETY: The type invariants guarantee that `StructPid` is always reference counted.
unsafe impl AlwaysRefCounted for StructPid {
    #[inline]
    fn inc_ref(&self) {
        // SAFETY: The existence of a shared reference means that the refcount is non-zero.
        unsafe { bindings::get_pid(self.as_ptr()) };
    }

    #[inline]
    unsafe fn dec_ref(obj: ptr::NonNull<Self>) {
        // SAFETY: The safety requirements guarantee that the refcount is non-zero.
        unsafe { bindings::put_pid(obj.cast().as_ptr()) }
    }
}

impl PartialEq for StructPid {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        ptr::eq(self.as_ptr(), other.as_ptr())
    }
}

impl Eq for StructPid {}

#[cfg(CONFIG_RUST_PSEUDO_FS_ABSTRACTIONS)]
// SAFETY: `pid->wait_pidfd` is initialised by `alloc_pid()` and is part of the pid, so it lives as
// long as the pid is referenced.
unsafe impl crate::fs::pseudo::HasWaitQueue for StructPid {
    #[inline]
    fn wait_queue(&self) -> *mut bindings::wait_queue_head {
        self.wait_pidfd()
    }
}
