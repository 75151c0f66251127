// SPDX-License-Identifier: GPL-2.0

//! A task's namespaces (`struct nsproxy`), as pidfs opens them.
//!
//! C headers: [`include/linux/nsproxy.h`](srctree/include/linux/nsproxy.h),
//! [`include/linux/ns_common.h`](srctree/include/linux/ns_common.h)

use crate::{
    bindings,
    error::{code::*, to_result, Result},
    task::ExecUpdateReadGuard, //
};
use core::ptr::NonNull;

/// The kinds of namespace a pidfd can open (`PIDFD_GET_*_NAMESPACE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NsKind {
    /// The cgroup namespace.
    Cgroup,
    /// The IPC namespace.
    Ipc,
    /// The mount namespace.
    Mnt,
    /// The network namespace.
    Net,
    /// The pid namespace children are created in.
    PidForChildren,
    /// The time namespace.
    Time,
    /// The time namespace children are created in.
    TimeForChildren,
    /// The UTS namespace.
    Uts,
    /// The user namespace of the task's credentials.
    User,
    /// The task's active pid namespace.
    Pid,
}

/// A reference to a namespace (`struct ns_common`), to be opened as an nsfs file.
///
/// # Invariants
///
/// Holds one reference to a valid namespace.
pub struct NsRef(NonNull<bindings::ns_common>);

/// Takes a reference to `ns` if it exists and is alive (`ns_ref_get()`).
///
/// # Safety
///
/// `ns` must be NULL or valid.
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

/// Returns a reference to one of the task's namespaces, with the caller's exec-update lock
/// guard as evidence that the task cannot `execve()` meanwhile.
///
/// Fails with `ESRCH` if the task has no namespaces any more (it is exiting); returns `Ok(None)`
/// if the kind of namespace is not configured or the namespace is dying.
pub fn get_ns(guard: &ExecUpdateReadGuard<'_>, kind: NsKind) -> Result<Option<NsRef>> {
    let task = guard.task().as_ptr();
    // SAFETY: The task is valid; `task_lock()` protects `task->nsproxy`, and a reference keeps
    // the nsproxy alive after unlocking.
    let nsp = unsafe {
        bindings::task_lock(task);
        let nsp = (*task).nsproxy;
        if !nsp.is_null() {
            bindings::get_nsproxy(nsp);
        }
        bindings::task_unlock(task);
        nsp
    };
    if nsp.is_null() {
        return Err(ESRCH);
    }
    // SAFETY: `nsp` is referenced until `put_nsproxy()` below, and its namespaces with it.
    let ns = unsafe { nsproxy_ns(task, nsp, kind) };
    // SAFETY: We own the reference taken above.
    unsafe { bindings::put_nsproxy(nsp) };
    Ok(ns)
}

/// # Safety
///
/// `task` must be valid and `nsp` a referenced nsproxy.
#[allow(unused_variables)]
unsafe fn nsproxy_ns(
    task: *mut bindings::task_struct,
    nsp: *mut bindings::nsproxy,
    kind: NsKind,
) -> Option<NsRef> {
    // SAFETY: In every arm, `nsp` and the namespaces it points to are valid while it is
    // referenced, and the task (for its credentials and pid namespace) is valid under RCU.
    unsafe {
        match kind {
            #[cfg(CONFIG_CGROUPS)]
            NsKind::Cgroup => ns_ref_get(ns_of((*nsp).cgroup_ns)),
            #[cfg(CONFIG_IPC_NS)]
            NsKind::Ipc => ns_ref_get(ns_of((*nsp).ipc_ns)),
            // `struct mnt_namespace` is private to fs/; `from_mnt_ns()` is its accessor.
            NsKind::Mnt => match (*nsp).mnt_ns {
                mnt_ns if mnt_ns.is_null() => None,
                mnt_ns => ns_ref_get(bindings::from_mnt_ns(mnt_ns)),
            },
            #[cfg(CONFIG_NET_NS)]
            NsKind::Net => ns_ref_get(ns_of((*nsp).net_ns)),
            #[cfg(CONFIG_PID_NS)]
            NsKind::PidForChildren => ns_ref_get(ns_of((*nsp).pid_ns_for_children)),
            #[cfg(CONFIG_TIME_NS)]
            NsKind::Time => ns_ref_get(ns_of((*nsp).time_ns)),
            #[cfg(CONFIG_TIME_NS)]
            NsKind::TimeForChildren => ns_ref_get(ns_of((*nsp).time_ns_for_children)),
            #[cfg(CONFIG_UTS_NS)]
            NsKind::Uts => ns_ref_get(ns_of((*nsp).uts_ns)),
            #[cfg(CONFIG_USER_NS)]
            NsKind::User => {
                let _rcu = crate::sync::rcu::read_lock();
                let cred = core::ptr::read_volatile(core::ptr::addr_of!((*task).real_cred));
                ns_ref_get(ns_of((*cred).user_ns))
            }
            #[cfg(CONFIG_PID_NS)]
            NsKind::Pid => {
                let _rcu = crate::sync::rcu::read_lock();
                ns_ref_get(ns_of(bindings::task_active_pid_ns(task)))
            }
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }
}

/// A namespace type that embeds its `struct ns_common` as the member `ns`.
trait HasNsCommon {
    /// Returns the address of the embedded `ns_common`.
    ///
    /// # Safety
    ///
    /// `this` must be valid.
    unsafe fn ns(this: *mut Self) -> *mut bindings::ns_common;
}

macro_rules! has_ns_common {
    ($($t:ty),*) => {$(
        impl HasNsCommon for $t {
            unsafe fn ns(this: *mut Self) -> *mut bindings::ns_common {
                // SAFETY: `this` is valid (safety requirements); only an address is computed.
                unsafe { core::ptr::addr_of_mut!((*this).ns) }
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
/// `p` must be NULL or valid.
unsafe fn ns_of<T: HasNsCommon>(p: *mut T) -> *mut bindings::ns_common {
    if p.is_null() {
        core::ptr::null_mut()
    } else {
        // SAFETY: `p` is valid (safety requirements).
        unsafe { T::ns(p) }
    }
}

impl NsRef {
    /// Opens the namespace as a new nsfs file descriptor (`open_namespace()`), consuming the
    /// reference whatever the outcome.
    pub fn open(self) -> Result<i32> {
        let ns = core::mem::ManuallyDrop::new(self);
        // SAFETY: We own a reference to a valid namespace; `open_namespace()` consumes it.
        let fd = unsafe { bindings::open_namespace(ns.0.as_ptr()) };
        to_result(fd)?;
        Ok(fd)
    }
}

impl Drop for NsRef {
    fn drop(&mut self) {
        // SAFETY: We own a reference to a valid namespace; its `ops->put` drops it.
        unsafe {
            if let Some(put) = (*(*self.0.as_ptr()).ops).put {
                put(self.0.as_ptr());
            }
        }
    }
}
