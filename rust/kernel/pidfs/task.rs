// SPDX-License-Identifier: GPL-2.0

//! The parts of `struct task_struct` that pidfs reads: exit state, credentials, the cgroup, the
//! dumpable state, the namespaces, and the `SIGKILL` of `PIDFD_AUTOKILL`.
//!
//! C headers: [`include/linux/sched.h`](srctree/include/linux/sched.h),
//! [`include/linux/nsproxy.h`](srctree/include/linux/nsproxy.h)

use crate::{
    bindings,
    error::{code::*, to_result, Result},
    sync::rcu,
    task::{Pid, Task},
    types::NotThreadSafe, //
};
use core::ptr::NonNull;

impl Task {
    /// Returns whether the task has exited (`task->exit_state != 0`).
    pub fn has_exit_state(&self) -> bool {
        // SAFETY: `self` is a valid task (type invariants of `Task`); `exit_state` is written
        // with the tasklist lock held and read here once, as `READ_ONCE()` would.
        unsafe { core::ptr::read_volatile(&raw const (*self.as_ptr()).exit_state) != 0 }
    }

    /// Returns the task's exit code in `wait(2)` status format (`task->exit_code`).
    ///
    /// It is final once the task is being reaped (`release_task()`), where pidfs reads it.
    pub fn exit_code(&self) -> i32 {
        // SAFETY: `self` is a valid task; `exit_code` is a plain integer read once, as
        // `READ_ONCE()` would, so a concurrent writer cannot make the read undefined.
        unsafe { core::ptr::read_volatile(&raw const (*self.as_ptr()).exit_code) }
    }

    /// Returns whether the task is a kernel thread or a user worker
    /// (`PF_KTHREAD | PF_USER_WORKER`).
    pub fn is_kthread_or_user_worker(&self) -> bool {
        // SAFETY: `self` is a valid task; `PF_KTHREAD` and `PF_USER_WORKER` are set at creation
        // and never change, and the word is read once.
        let flags = unsafe { core::ptr::read_volatile(&raw const (*self.as_ptr()).flags) };
        flags & (bindings::PF_KTHREAD | bindings::PF_USER_WORKER) != 0
    }

    /// Returns whether the task is a thread-group leader that exited before other threads
    /// (`delay_group_leader()`).
    pub fn delay_group_leader(&self) -> bool {
        // SAFETY: `self` is a valid task, which is all `delay_group_leader()` needs: it reads
        // the task's exit state and its signal struct, which a live task keeps.
        unsafe { bindings::delay_group_leader(self.as_ptr()) }
    }

    /// Returns the thread-group id in the caller's pid namespace (`task_tgid_vnr()`).
    pub fn tgid_vnr(&self) -> Pid {
        // SAFETY: `self` is a valid task; `task_tgid_vnr()` looks the pid up under RCU itself.
        unsafe { bindings::task_tgid_vnr(self.as_ptr()) }
    }

    /// Returns the parent's thread-group id in the caller's pid namespace (`task_ppid_vnr()`).
    pub fn ppid_vnr(&self) -> Pid {
        // SAFETY: `self` is a valid task; `task_ppid_vnr()` reads the parent under RCU itself.
        unsafe { bindings::task_ppid_vnr(self.as_ptr()) }
    }

    /// Returns the id of the task's cgroup in the default hierarchy
    /// (`cgroup_id(task_dfl_cgroup(task))`).
    #[cfg(CONFIG_CGROUPS)]
    pub fn dfl_cgroup_id(&self, _rcu: &rcu::Guard) -> u64 {
        // SAFETY: `self` is a valid task and the RCU read lock is held (the guard), as
        // `task_dfl_cgroup()` requires; the cgroup it returns is valid under that lock.
        unsafe { bindings::cgroup_id(bindings::task_dfl_cgroup(self.as_ptr())) }
    }

    /// Returns the task's dumpable state (`task_exec_state_get_dumpable()`), a `TASK_DUMPABLE_*`
    /// value.
    pub fn dumpable(&self) -> u32 {
        // SAFETY: `self` is a valid task; the function reads its exec state under RCU itself.
        unsafe { bindings::task_exec_state_get_dumpable(self.as_ptr()) as u32 }
    }

    /// Returns whether the caller may access the task in `mode` (`ptrace_may_access()`), e.g.
    /// `PTRACE_MODE_READ_FSCREDS`.
    pub fn ptrace_may_access(&self, mode: u32) -> bool {
        // SAFETY: `self` is a valid task; `ptrace_may_access()` takes the task lock itself.
        unsafe { bindings::ptrace_may_access(self.as_ptr(), mode) }
    }

    /// Sends `SIGKILL` to the task's thread group as the kernel
    /// (`do_send_sig_info(SIGKILL, SEND_SIG_PRIV, task, PIDTYPE_TGID)`).
    pub fn kill_thread_group(&self, _rcu: &rcu::Guard) {
        // `SEND_SIG_PRIV`: a signal sent by the kernel.
        let send_sig_priv = 1usize as *mut bindings::kernel_siginfo;
        // SAFETY: `self` is a valid task and the RCU read lock is held, which
        // `do_send_sig_info()` needs to reach the thread group; `SEND_SIG_PRIV` is a valid
        // siginfo. The return value only says whether the signal was queued, which pidfs ignores
        // as the C implementation does.
        unsafe {
            bindings::do_send_sig_info(
                bindings::SIGKILL as i32,
                send_sig_priv,
                self.as_ptr(),
                bindings::pid_type_PIDTYPE_TGID,
            )
        };
    }
}

/// The ids of a task's credentials, mapped into the caller's user namespace.
#[derive(Clone, Copy, Debug, Default)]
pub struct CredIds {
    /// Real user id.
    pub ruid: u32,
    /// Real group id.
    pub rgid: u32,
    /// Effective user id.
    pub euid: u32,
    /// Effective group id.
    pub egid: u32,
    /// Saved user id.
    pub suid: u32,
    /// Saved group id.
    pub sgid: u32,
    /// Filesystem user id.
    pub fsuid: u32,
    /// Filesystem group id.
    pub fsgid: u32,
}

/// Returns the ids of the task's objective credentials (`get_task_cred()`), mapped with
/// `from_kuid_munged()`/`from_kgid_munged()` into the caller's user namespace; [`None`] if the
/// task has none.
///
/// # Examples
///
/// ```
/// use kernel::pidfs::task::cred_ids;
///
/// // Doctests run in a kernel thread, with the kernel's root credentials.
/// let task = current!();
/// assert!(task.is_kthread_or_user_worker());
/// assert_eq!(task.tgid_vnr(), task.tgid());
/// let ids = cred_ids(task).ok_or(ESRCH)?;
/// assert_eq!((ids.ruid, ids.euid, ids.fsgid), (0, 0, 0));
/// # Ok::<(), Error>(())
/// ```
pub fn cred_ids(task: &Task) -> Option<CredIds> {
    // SAFETY: `task` is valid; `get_task_cred()` returns NULL or a referenced credential.
    let c = unsafe { bindings::get_task_cred(task.as_ptr()) };
    if c.is_null() {
        return None;
    }
    // SAFETY: The current task's user namespace is valid while it runs.
    let ns = unsafe { bindings::current_user_ns() };
    // SAFETY: `c` is valid until `put_cred()` below; the mapping functions accept any id.
    let ids = unsafe {
        CredIds {
            ruid: bindings::from_kuid_munged(ns, (*c).uid),
            rgid: bindings::from_kgid_munged(ns, (*c).gid),
            euid: bindings::from_kuid_munged(ns, (*c).euid),
            egid: bindings::from_kgid_munged(ns, (*c).egid),
            suid: bindings::from_kuid_munged(ns, (*c).suid),
            sgid: bindings::from_kgid_munged(ns, (*c).sgid),
            fsuid: bindings::from_kuid_munged(ns, (*c).fsuid),
            fsgid: bindings::from_kgid_munged(ns, (*c).fsgid),
        }
    };
    // SAFETY: We own the reference that `get_task_cred()` returned.
    unsafe { bindings::put_cred(c) };
    Some(ids)
}

/// The task's `exec_update_lock`, held for reading; it keeps the task's credentials and
/// namespaces from being swapped by a concurrent `execve()`.
///
/// # Invariants
///
/// `task->signal->exec_update_lock` is held for reading while this exists.
pub struct ExecUpdateReadGuard<'a> {
    task: &'a Task,
    _not_send: NotThreadSafe,
}

/// Takes the task's `exec_update_lock` for reading (`down_read_killable()`); fails with `EINTR`
/// on a fatal signal.
pub fn lock_exec_update_killable(task: &Task) -> Result<ExecUpdateReadGuard<'_>> {
    // SAFETY: `task` is valid and so is its signal struct, which lives as long as the task;
    // the lock is only reached through a raw pointer, as C shares it.
    to_result(unsafe {
        bindings::down_read_killable(&raw mut (*(*task.as_ptr()).signal).exec_update_lock)
    })?;
    // INVARIANT: The lock was taken above.
    Ok(ExecUpdateReadGuard {
        task,
        _not_send: NotThreadSafe,
    })
}

impl Drop for ExecUpdateReadGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: The lock is held by this thread (type invariants), and the task, borrowed for
        // the guard's lifetime, keeps its signal struct.
        unsafe { bindings::up_read(&raw mut (*(*self.task.as_ptr()).signal).exec_update_lock) };
    }
}

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
    let task = guard.task.as_ptr();
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
            NsKind::Mnt => ns_ref_get(ns_of((*nsp).mnt_ns)),
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
                let _rcu = rcu::read_lock();
                let cred = core::ptr::read_volatile(core::ptr::addr_of!((*task).real_cred));
                ns_ref_get(ns_of((*cred).user_ns))
            }
            #[cfg(CONFIG_PID_NS)]
            NsKind::Pid => {
                let _rcu = rcu::read_lock();
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
    bindings::mnt_namespace,
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
