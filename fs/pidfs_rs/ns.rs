// SPDX-License-Identifier: GPL-2.0

//! The namespaces a pidfd opens (`PIDFD_GET_*_NAMESPACE`).
//!
//! `pidfd_ioctl()` in `fs/pidfs.c` holds the task's `exec_update_lock` for reading across the
//! ptrace check and the lookup, takes the namespace from `task->nsproxy` (referenced under
//! `task_lock()`), or from the task's credentials and active pid namespace under RCU for the user
//! and pid namespaces, and hands a reference to `open_namespace()`. Which namespaces a pidfd
//! opens, and under which lock, is pidfs policy, so this is private to the Rust pidfs; nsfs does
//! the same for its own ioctls in C.

use core::{mem::ManuallyDrop, ptr::NonNull};
#[cfg(any(CONFIG_PID_NS, CONFIG_USER_NS))]
use kernel::sync::rcu;
use kernel::{
    bindings,
    error::{code::*, to_result, Result},
    task::Task,
    types::NotThreadSafe, //
};
#[cfg(CONFIG_USER_NS)]
use kernel::{
    cred::Credential,
    sync::atomic::{Atomic, Relaxed}, //
};

/// A task's `exec_update_lock`, held for reading: a concurrent `execve()` cannot swap the task's
/// credentials and namespaces while it is held.
///
/// # Invariants
///
/// `task->signal->exec_update_lock` is held for reading by this thread while this exists.
pub(crate) struct ExecUpdateReadGuard<'a> {
    task: &'a Task,
    _not_send: NotThreadSafe,
}

impl<'a> ExecUpdateReadGuard<'a> {
    /// Takes `task`'s `exec_update_lock` for reading (`down_read_killable()`); fails with
    /// `EINTR` on a fatal signal.
    #[inline]
    pub(crate) fn lock_killable(task: &'a Task) -> Result<Self> {
        // SAFETY: `task` is valid and so is its signal struct, which lives as long as the task;
        // the lock is reached through a raw pointer, as C shares it.
        to_result(unsafe {
            bindings::down_read_killable(&raw mut (*(*task.as_ptr()).signal).exec_update_lock)
        })?;
        // INVARIANT: The lock was taken above, by this thread, and the guard is `!Send`.
        Ok(Self {
            task,
            _not_send: NotThreadSafe,
        })
    }
}

impl Drop for ExecUpdateReadGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: This thread holds the lock for reading (type invariants), and the task,
        // borrowed for the guard's lifetime, keeps its signal struct.
        unsafe { bindings::up_read(&raw mut (*(*self.task.as_ptr()).signal).exec_update_lock) };
    }
}

/// The kinds of namespace a pidfd can open, one per `PIDFD_GET_*_NAMESPACE` ioctl.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NsKind {
    Cgroup,
    Ipc,
    Mnt,
    Net,
    PidForChildren,
    Time,
    TimeForChildren,
    Uts,
    User,
    Pid,
}

/// A reference to a namespace (`struct ns_common`), to be opened as an nsfs file.
///
/// # Invariants
///
/// Holds one reference to a valid namespace.
pub(crate) struct NsRef(NonNull<bindings::ns_common>);

impl NsRef {
    /// Opens the namespace as a new nsfs file descriptor (`open_namespace()`), consuming the
    /// reference whatever the outcome.
    pub(crate) fn open(self) -> Result<i32> {
        let ns = ManuallyDrop::new(self);
        // SAFETY: We own a reference to a valid namespace (type invariants), which
        // `open_namespace()` consumes; `ManuallyDrop` keeps `drop()` from putting it again.
        let fd = unsafe { bindings::open_namespace(ns.0.as_ptr()) };
        to_result(fd)?;
        Ok(fd)
    }
}

impl Drop for NsRef {
    fn drop(&mut self) {
        let ns = self.0.as_ptr();
        // SAFETY: We own a reference to a valid namespace (type invariants), whose `ops` are
        // set when it is created and never change.
        if let Some(put) = unsafe { (*(*ns).ops).put } {
            // SAFETY: `put` drops the reference that we own.
            unsafe { put(ns) };
        }
    }
}

/// Takes a reference to `ns` if it exists and is alive (`ns_ref_get()`).
///
/// # Safety
///
/// `ns` must be NULL or point to a valid namespace.
unsafe fn ns_ref_get(ns: *mut bindings::ns_common) -> Option<NsRef> {
    let ns = NonNull::new(ns)?;
    // SAFETY: `ns` is valid (safety requirements).
    if unsafe { bindings::__ns_ref_get(ns.as_ptr()) } {
        // INVARIANT: The reference was taken above.
        Some(NsRef(ns))
    } else {
        None
    }
}

/// A namespace type that embeds its `struct ns_common` as the member `ns`.
trait HasNsCommon {
    /// Returns the address of the embedded `ns_common` (`to_ns_common()`).
    ///
    /// # Safety
    ///
    /// `this` must point to a valid namespace.
    unsafe fn ns(this: *mut Self) -> *mut bindings::ns_common;
}

macro_rules! has_ns_common {
    ($($t:ty),*) => {$(
        impl HasNsCommon for $t {
            unsafe fn ns(this: *mut Self) -> *mut bindings::ns_common {
                // SAFETY: `this` is valid (safety requirements); only an address is computed.
                unsafe { &raw mut (*this).ns }
            }
        }
    )*};
}

has_ns_common!(
    bindings::cgroup_namespace,
    bindings::ipc_namespace,
    bindings::net,
    bindings::pid_namespace,
    bindings::time_namespace,
    bindings::uts_namespace,
    bindings::user_namespace
);

/// `to_ns_common()` that keeps NULL.
///
/// # Safety
///
/// `p` must be NULL or point to a valid namespace.
unsafe fn ns_of<T: HasNsCommon>(p: *mut T) -> *mut bindings::ns_common {
    if p.is_null() {
        core::ptr::null_mut()
    } else {
        // SAFETY: `p` is valid (safety requirements).
        unsafe { T::ns(p) }
    }
}

/// A reference to a task's `struct nsproxy`.
///
/// # Invariants
///
/// Holds one reference to a valid nsproxy, which keeps the namespaces it points to referenced.
struct NsproxyRef(NonNull<bindings::nsproxy>);

impl NsproxyRef {
    /// Takes a reference to `task->nsproxy` under `task_lock()`; [`None`] if the task has none
    /// any more (it is exiting).
    fn get(task: &Task) -> Option<Self> {
        let task = task.as_ptr();
        // SAFETY: `task` is valid; `task_lock()` protects `task->nsproxy`, and the reference
        // taken under it keeps the nsproxy alive after unlocking.
        let nsp = unsafe {
            bindings::task_lock(task);
            let nsp = (*task).nsproxy;
            if !nsp.is_null() {
                bindings::get_nsproxy(nsp);
            }
            bindings::task_unlock(task);
            nsp
        };
        // INVARIANT: A non-NULL `nsp` was referenced above.
        NonNull::new(nsp).map(Self)
    }

    fn as_ptr(&self) -> *mut bindings::nsproxy {
        self.0.as_ptr()
    }
}

impl Drop for NsproxyRef {
    fn drop(&mut self) {
        // SAFETY: We own a reference to the nsproxy (type invariants).
        unsafe { bindings::put_nsproxy(self.0.as_ptr()) };
    }
}

/// Returns a reference to one of the task's namespaces. The caller's exec-update lock guard is
/// evidence that the task cannot `execve()` between the caller's permission check and the
/// lookup.
///
/// Fails with `ESRCH` if the task has no namespaces any more (it is exiting); returns `Ok(None)`
/// if the kind of namespace is not configured or the namespace is dying.
pub(crate) fn get_ns(guard: &ExecUpdateReadGuard<'_>, kind: NsKind) -> Result<Option<NsRef>> {
    let nsproxy = NsproxyRef::get(guard.task).ok_or(ESRCH)?;
    let nsp = nsproxy.as_ptr();
    let ns = match kind {
        // Namespaces that hang off nsproxy. Each is valid while `nsproxy` holds its reference,
        // until the end of this function.
        #[cfg(CONFIG_CGROUPS)]
        // SAFETY: `nsp` is referenced, and its namespace pointer is NULL or valid.
        NsKind::Cgroup => unsafe { ns_ref_get(ns_of((*nsp).cgroup_ns)) },
        #[cfg(not(CONFIG_CGROUPS))]
        NsKind::Cgroup => None,
        #[cfg(CONFIG_IPC_NS)]
        // SAFETY: As for the cgroup namespace.
        NsKind::Ipc => unsafe { ns_ref_get(ns_of((*nsp).ipc_ns)) },
        #[cfg(not(CONFIG_IPC_NS))]
        NsKind::Ipc => None,
        NsKind::Mnt => {
            // SAFETY: `nsp` is referenced; `struct mnt_namespace` is private to fs/, so its
            // `ns_common` is reached through its accessor `from_mnt_ns()`, which only computes
            // an address.
            unsafe {
                let mnt_ns = (*nsp).mnt_ns;
                if mnt_ns.is_null() {
                    None
                } else {
                    ns_ref_get(bindings::from_mnt_ns(mnt_ns))
                }
            }
        }
        #[cfg(CONFIG_NET_NS)]
        // SAFETY: As for the cgroup namespace.
        NsKind::Net => unsafe { ns_ref_get(ns_of((*nsp).net_ns)) },
        #[cfg(not(CONFIG_NET_NS))]
        NsKind::Net => None,
        #[cfg(CONFIG_PID_NS)]
        // SAFETY: As for the cgroup namespace.
        NsKind::PidForChildren => unsafe { ns_ref_get(ns_of((*nsp).pid_ns_for_children)) },
        #[cfg(not(CONFIG_PID_NS))]
        NsKind::PidForChildren => None,
        #[cfg(CONFIG_TIME_NS)]
        // SAFETY: As for the cgroup namespace.
        NsKind::Time => unsafe { ns_ref_get(ns_of((*nsp).time_ns)) },
        #[cfg(CONFIG_TIME_NS)]
        // SAFETY: As for the cgroup namespace.
        NsKind::TimeForChildren => unsafe { ns_ref_get(ns_of((*nsp).time_ns_for_children)) },
        #[cfg(not(CONFIG_TIME_NS))]
        NsKind::Time | NsKind::TimeForChildren => None,
        #[cfg(CONFIG_UTS_NS)]
        // SAFETY: As for the cgroup namespace.
        NsKind::Uts => unsafe { ns_ref_get(ns_of((*nsp).uts_ns)) },
        #[cfg(not(CONFIG_UTS_NS))]
        NsKind::Uts => None,
        // Namespaces that don't hang off nsproxy.
        #[cfg(CONFIG_USER_NS)]
        NsKind::User => {
            let _rcu = rcu::read_lock();
            // SAFETY: The task is valid, so its `real_cred` pointer is aligned and valid for
            // reads; it is replaced only by `commit_creds()`, with an RCU publication, so reading
            // it once here is `rcu_dereference()` (`READ_ONCE()`).
            let cred = unsafe { Atomic::from_ptr(&raw mut (*guard.task.as_ptr()).real_cred) }
                .load(Relaxed);
            // SAFETY: A task always has credentials, and the ones just read stay valid until the
            // RCU read lock is released, at the end of this block (they are freed with
            // `call_rcu()`).
            let user_ns = unsafe { Credential::from_ptr(cred) }.user_ns();
            // SAFETY: The credential holds a reference to its user namespace, which is valid.
            unsafe { ns_ref_get(ns_of(user_ns.as_ptr())) }
        }
        #[cfg(not(CONFIG_USER_NS))]
        NsKind::User => None,
        #[cfg(CONFIG_PID_NS)]
        NsKind::Pid => {
            let _rcu = rcu::read_lock();
            // SAFETY: The task is valid, and the RCU read lock is held, under which
            // `task_active_pid_ns()` reads the task's pid and returns NULL or a pid namespace
            // that stays valid until the lock is released.
            unsafe { ns_ref_get(ns_of(bindings::task_active_pid_ns(guard.task.as_ptr()))) }
        }
        #[cfg(not(CONFIG_PID_NS))]
        NsKind::Pid => None,
    };
    Ok(ns)
}
