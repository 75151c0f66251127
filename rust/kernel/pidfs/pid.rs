// SPDX-License-Identifier: GPL-2.0

//! Process identifiers: `struct pid`.
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
    types::Opaque, //
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
    /// use kernel::pidfs::{PidType, StructPid};
    ///
    /// let task = current!();
    /// let pid = StructPid::from_task(task, PidType::Pid).ok_or(ESRCH)?;
    /// assert_eq!(pid.vnr(), task.pid());
    /// # Ok::<(), Error>(())
    /// ```
    #[doc(alias = "get_task_pid")]
    pub fn from_task(task: &Task, ty: PidType) -> Option<ARef<Self>> {
        // SAFETY: `task` is a valid task; `get_task_pid()` returns NULL or a `struct pid` with
        // its reference count incremented.
        let ptr = unsafe { bindings::get_task_pid(task.as_ptr(), ty as bindings::pid_type) };
        // SAFETY: A non-NULL `ptr` carries a reference that we now own.
        // CAST: `Self` is a `repr(transparent)` wrapper around `bindings::pid`.
        ptr::NonNull::new(ptr).map(|p| unsafe { ARef::from_raw(p.cast()) })
    }

    /// Returns the pidfs inode number of this `struct pid` (`pid->ino`).
    ///
    /// It is unique for the lifetime of the system and assigned by `pidfs_add_pid()`; it is zero
    /// before that.
    #[inline]
    pub fn ino(&self) -> u64 {
        // SAFETY: The type invariants guarantee that `self` points to a valid `struct pid`. `ino`
        // is written once, by `pidfs_add_pid()`, before the pid is published.
        unsafe { (*self.as_ptr()).__bindgen_anon_1.ino }
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
    /// use kernel::pidfs::{PidType, StructPid};
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
    ///     pidfs::{PidType, StructPid},
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
