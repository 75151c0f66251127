// SPDX-License-Identifier: GPL-2.0

//! pidfs: the pseudo filesystem behind pidfds, in Rust.
//!
//! A drop-in replacement for `fs/pidfs.c`, selected with `CONFIG_FS_PID`: the same C entry
//! points (`include/linux/pidfs.h`, `pidfd_pid()`, `pidfs_get_root()`), the same behaviour. The
//! functions below mirror those of `fs/pidfs.c` and keep their names. Like the C version, it does
//! not manage dentries itself: the one inode and dentry of a `struct pid` come from the C
//! `path_from_stashed()` that nsfs uses too.

#[path = "pidfs_rs/attr.rs"]
mod attr;
#[path = "pidfs_rs/ino.rs"]
mod ino;
#[path = "pidfs_rs/ns.rs"]
mod ns;
#[path = "pidfs_rs/pid.rs"]
mod pid;

#[cfg(CONFIG_COREDUMP)]
use attr::CoredumpInfo;
use attr::{AttrState, DyingPid, ExitInfo, PidAttr, PidfsAttr, WaitPidfdAttr};
use core::cell::UnsafeCell;
use ino::PidInoTable;
use kernel::{
    alloc::{flags::GFP_KERNEL, Flags},
    bindings,
    cookie::GenCookie,
    cred::Credential,
    error::code::*,
    ffi::{c_int, c_uint},
    fs::{
        file::flags::{
            O_CLOEXEC, O_EXCL, O_LARGEFILE, O_NONBLOCK, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY,
        },
        inode::{Inode, NewInode, S_ANON_INODE, S_IMMUTABLE, S_PRIVATE},
        path::Path,
        pseudo::{
            self as pfs, DentryOperations, DentryOps, ExportOperations, ExportOps, FileHandle,
            FileOperations, FileOps, FileSystemType, InodeOperations, InodeOps, LockedInode, Mount,
            PseudoFile, PseudoFs, ReleasingFile, StashedOperations, StashedOps, SuperOperations,
            SuperOps, Tables, XattrBuf, XattrHandler, XattrHandlers, XattrOps,
        },
        File,
    },
    ioctl::{_IO, _IOC_NR, _IOC_SIZE, _IOR, _IOWR},
    pidfs::{PidType, PidfdInfo, StructPid},
    prelude::*,
    sync::{aref::ARef, poll::PollTable, rcu},
    task::{dumpable::*, PtraceMode, Task},
    uaccess::{UserPtr, UserSlice},
    uapi,
};
#[cfg(CONFIG_PROC_FS)]
use kernel::{fs::pseudo::FdInfo, seq_print};
use ns::NsKind;
use pid::PidfsFields;

const __LOG_PREFIX: &[u8] = b"pidfs\0";

/// The owner that `#[vtable]` impls name (`OwnerModule`): pidfs is built in, so there is no module.
pub struct LocalModule;

impl kernel::ModuleMetadata for LocalModule {
    const NAME: &'static CStr = c"pidfs";
    const THIS_MODULE: kernel::ThisModule = {
        // SAFETY: A NULL module pointer stands for built-in code; `try_module_get()` and
        // `module_put()` accept it.
        unsafe { kernel::ThisModule::from_ptr(core::ptr::null_mut()) }
    };
}

/// `VFS_WARN_ON_ONCE()`: a warning only with `CONFIG_DEBUG_VFS`, where the condition is not even
/// evaluated otherwise.
macro_rules! vfs_warn_on {
    ($cond:expr) => {{
        #[cfg(CONFIG_DEBUG_VFS)]
        {
            kernel::warn_on_once!($cond);
        }
    }};
}

/// The pidfs filesystem; its inodes stand for `struct pid`s.
///
/// Public only because the exported `pidfs_dentry_operations` names it in its type.
pub struct PidFs;

/// A value that `pidfs_init()` sets at boot and that never changes afterwards: the Rust form of
/// C's `__ro_after_init` globals (`pidfs_mnt`, `pidfs_attr_cachep`).
///
/// Reading it is a plain load, without the state check of a `SetOnce`: every write happens in
/// `pidfs_init()`, before anything else can read it.
///
/// # Invariants
///
/// The value is written only by [`RoAfterInit::set`], and every call of it happens before any
/// call of [`RoAfterInit::get`] that does not run on the same thread (safety requirements of
/// `set()`).
pub(crate) struct RoAfterInit<T>(UnsafeCell<Option<T>>);

// SAFETY: The value is created on the boot CPU and then only shared: `&RoAfterInit<T>` gives out
// `&T` to other threads, which `T: Sync` allows, and the value is handed over from the thread that
// set it, which `T: Send` allows. Every write happens before any access from another thread (type
// invariants), so there is no data race on the cell.
unsafe impl<T: Send + Sync> Sync for RoAfterInit<T> {}

impl<T> RoAfterInit<T> {
    /// Creates an empty value, for a static.
    pub(crate) const fn new() -> Self {
        Self(UnsafeCell::new(None))
    }

    /// Sets the value.
    ///
    /// # Safety
    ///
    /// Only `pidfs_init()` may call it, at most once per value: `start_kernel()` calls it on the
    /// boot CPU before the other CPUs are brought up, before the first `alloc_pid()` and before
    /// userspace runs, so no reader runs concurrently and every later reader is ordered after
    /// this write (by the bring-up of the other CPUs and the creation of the first tasks).
    pub(crate) unsafe fn set(&self, value: T) {
        // SAFETY: No reference to the value exists and no other thread can access it (safety
        // requirements).
        unsafe { *self.0.get() = Some(value) };
    }

    /// Returns the value, or [`None`] before `pidfs_init()` set it.
    #[inline]
    pub(crate) fn get(&self) -> Option<&T> {
        // SAFETY: Every write happened before this read or on this thread (type invariants), and
        // none happens afterwards, so the shared reference cannot alias a mutable access.
        unsafe { (*self.0.get()).as_ref() }
    }
}

static PIDFS_INO_HT: PidInoTable = PidInoTable::new();
static PIDFS_MNT: RoAfterInit<&'static Mount<PidFs>> = RoAfterInit::new();

/// The inode number allocator (`pidfs_ino_cookie`): numbers are unique, start at 1 and are
/// never reused. Set by `pidfs_init()`, which `start_kernel()` calls before the first
/// `alloc_pid()`.
static PIDFS_INO_COOKIE: RoAfterInit<GenCookie> = RoAfterInit::new();

static PIDFS_SOPS: SuperOperations<PidFs> = SuperOperations::new();
static PIDFS_EXPORT_OPERATIONS: ExportOperations<PidFs> = ExportOperations::new();
static PIDFS_INODE_OPERATIONS: InodeOperations<PidFs> = InodeOperations::new();
static PIDFS_FILE_OPERATIONS: FileOperations<PidFs> = FileOperations::new();
static PIDFS_STASHED_OPS: StashedOperations<PidFs> = StashedOperations::new();
static PIDFS_TRUSTED_XATTR_HANDLER: XattrHandler<PidFs> = XattrHandler::new(c"trusted.");
static PIDFS_XATTR_HANDLERS: XattrHandlers<PidFs> =
    XattrHandlers::new(&PIDFS_TRUSTED_XATTR_HANDLER);
static PIDFS_TYPE: FileSystemType<PidFs> = FileSystemType::new(c"pidfs");

/// The dentry operations of pidfs. C compares dentries' `d_op` with this symbol's address
/// (`may_copy_tree()` allows `open_tree()` clones of pidfds), so it is exported under its C name.
#[no_mangle]
pub static pidfs_dentry_operations: DentryOperations<PidFs> = DentryOperations::new();

static PIDFS_TABLES: Tables<PidFs> = Tables::new(
    &PIDFS_SOPS,
    &pidfs_dentry_operations,
    &PIDFS_EXPORT_OPERATIONS,
    &PIDFS_INODE_OPERATIONS,
    &PIDFS_FILE_OPERATIONS,
    &PIDFS_STASHED_OPS,
    Some(&PIDFS_XATTR_HANDLERS),
);

const PIDFS_IOCTL_MAGIC: u32 = 0xFF;
const PIDFD_GET_CGROUP_NAMESPACE: u32 = _IO(PIDFS_IOCTL_MAGIC, 1);
const PIDFD_GET_IPC_NAMESPACE: u32 = _IO(PIDFS_IOCTL_MAGIC, 2);
const PIDFD_GET_MNT_NAMESPACE: u32 = _IO(PIDFS_IOCTL_MAGIC, 3);
const PIDFD_GET_NET_NAMESPACE: u32 = _IO(PIDFS_IOCTL_MAGIC, 4);
const PIDFD_GET_PID_NAMESPACE: u32 = _IO(PIDFS_IOCTL_MAGIC, 5);
const PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE: u32 = _IO(PIDFS_IOCTL_MAGIC, 6);
const PIDFD_GET_TIME_NAMESPACE: u32 = _IO(PIDFS_IOCTL_MAGIC, 7);
const PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE: u32 = _IO(PIDFS_IOCTL_MAGIC, 8);
const PIDFD_GET_USER_NAMESPACE: u32 = _IO(PIDFS_IOCTL_MAGIC, 9);
const PIDFD_GET_UTS_NAMESPACE: u32 = _IO(PIDFS_IOCTL_MAGIC, 10);
const PIDFD_GET_INFO: u32 = _IOWR::<uapi::pidfd_info>(PIDFS_IOCTL_MAGIC, 11);
const FS_IOC_GETVERSION: u32 = _IOR::<kernel::ffi::c_long>(b'v' as u32, 1);
#[cfg(CONFIG_COMPAT)]
const FS_IOC32_GETVERSION: u32 = _IOR::<c_int>(b'v' as u32, 1);

const PIDFD_INFO_SIZE_VER0: usize = uapi::PIDFD_INFO_SIZE_VER0 as usize;
const PIDFD_INFO_PID: u64 = uapi::PIDFD_INFO_PID as u64;
const PIDFD_INFO_CREDS: u64 = uapi::PIDFD_INFO_CREDS as u64;
const PIDFD_INFO_CGROUPID: u64 = uapi::PIDFD_INFO_CGROUPID as u64;
const PIDFD_INFO_EXIT: u64 = uapi::PIDFD_INFO_EXIT as u64;
const PIDFD_INFO_COREDUMP: u64 = uapi::PIDFD_INFO_COREDUMP as u64;
const PIDFD_INFO_SUPPORTED_MASK: u64 = uapi::PIDFD_INFO_SUPPORTED_MASK as u64;
const PIDFD_INFO_COREDUMP_SIGNAL: u64 = uapi::PIDFD_INFO_COREDUMP_SIGNAL as u64;
const PIDFD_INFO_COREDUMP_CODE: u64 = uapi::PIDFD_INFO_COREDUMP_CODE as u64;

/// This must be updated whenever a new flag is added.
const PIDFD_INFO_SUPPORTED: u64 = PIDFD_INFO_PID
    | PIDFD_INFO_CREDS
    | PIDFD_INFO_CGROUPID
    | PIDFD_INFO_EXIT
    | PIDFD_INFO_COREDUMP
    | PIDFD_INFO_SUPPORTED_MASK
    | PIDFD_INFO_COREDUMP_SIGNAL
    | PIDFD_INFO_COREDUMP_CODE;

const PIDFD_THREAD: u32 = O_EXCL;
const PIDFD_STALE: u32 = uapi::PIDFD_STALE;
const PIDFD_AUTOKILL: u32 = O_TRUNC;

// Internal pidfd flags must not overlap with each other or with uapi pidfd flags.
const _: () = assert!((PIDFD_THREAD | O_NONBLOCK | PIDFD_STALE | PIDFD_AUTOKILL).count_ones() == 4);
const _: () = assert!(core::mem::size_of::<uapi::pidfd_info>() == 88);

/// Returns the root of the pidfs mount, with references, for `FD_PIDFS_ROOT` file handles.
///
/// # Safety
///
/// `path` must be valid for writes.
#[export]
pub unsafe extern "C" fn pidfs_get_root(path: *mut bindings::path) {
    let Some(mnt) = PIDFS_MNT.get() else {
        // Before `pidfs_init()`, C copies its still empty root path: do the same.
        // SAFETY: The caller passes a writable path (fs/fhandle.c, `get_path_anchor()`), and an
        // all-NULL path is what `path_put()` and the caller's checks expect of no path.
        unsafe {
            path.write(bindings::path {
                mnt: core::ptr::null_mut(),
                dentry: core::ptr::null_mut(),
            })
        };
        return;
    };
    // SAFETY: The caller passes a writable path (fs/fhandle.c, `get_path_anchor()`).
    unsafe { mnt.root().write_to(path) };
}

/// On 64 bit the inode number is the 64-bit number of the pid.
fn pidfs_ino(ino: u64) -> u64 {
    ino
}

/// On 64 bit the generation number is 0.
fn pidfs_gen(_ino: u64) -> u32 {
    0
}

fn pidfs_alloc_ino() -> Result<u64> {
    Ok(PIDFS_INO_COOKIE.get().ok_or(ENOMEM)?.next())
}

/// Initialises the pidfs fields of a new `struct pid`.
///
/// # Safety
///
/// `pid` must be a new, valid `struct pid` (`alloc_pid()`).
#[export]
pub unsafe extern "C" fn pidfs_prepare_pid(pid: *mut bindings::pid) {
    // SAFETY: `alloc_pid()` passes a valid pid that it holds a reference to.
    let pid = unsafe { StructPid::from_ptr(pid) };
    // SAFETY: `alloc_pid()` calls this on a new pid that nothing else can see yet.
    unsafe { pid.pidfs_prepare() };
}

/// Gives a published `struct pid` its inode number and makes it findable by it.
///
/// # Safety
///
/// `pid` must be a valid `struct pid` (`alloc_pid()`).
#[export]
pub unsafe extern "C" fn pidfs_add_pid(pid: *mut bindings::pid) -> c_int {
    // SAFETY: `alloc_pid()` passes a valid pid that it holds a reference to.
    let pid = unsafe { StructPid::from_ptr(pid) };
    let ino = match pidfs_alloc_ino() {
        Ok(ino) => ino,
        Err(e) => return e.to_errno(),
    };
    // SAFETY: The pid is not in the table yet: `alloc_pid()` adds each pid once.
    unsafe { pid.set_ino(ino) };
    // SAFETY: `pidfs_init()` initialised the table before the first `alloc_pid()`. The number
    // just set does not change until `free_pid()` removes the pid with `pidfs_remove_pid()`,
    // after which it drops its reference with `call_rcu()`, so the pid is freed no earlier than
    // an RCU grace period after its removal.
    match unsafe { PIDFS_INO_HT.insert(pid) } {
        Ok(()) => 0,
        Err(e) => {
            // SAFETY: The insertion failed, so the pid is not in the table.
            unsafe { pid.set_ino(0) };
            e.to_errno()
        }
    }
}

/// Makes a `struct pid` that lost its last task unreachable by inode number.
///
/// # Safety
///
/// `pid` must be a valid `struct pid` (`free_pid()`).
#[export]
pub unsafe extern "C" fn pidfs_remove_pid(pid: *mut bindings::pid) {
    // SAFETY: `free_pid()` passes a valid pid that is still referenced.
    let pid = unsafe { StructPid::from_ptr(pid) };
    if pid.ino() != 0 {
        // SAFETY: The pid has an inode number, so it went through `pidfs_add_pid()`, which runs
        // only after `pidfs_init()` initialised the table.
        unsafe { PIDFS_INO_HT.remove(pid) };
    }
}

/// Frees the pidfs state of a `struct pid` whose last reference is gone. Any context.
///
/// # Safety
///
/// `pid` must be a valid `struct pid` whose reference count dropped to zero (`put_pid()`).
#[export]
pub unsafe extern "C" fn pidfs_free_pid(pid: *mut bindings::pid) {
    // SAFETY: `put_pid()` passes the pid whose reference count it dropped to zero, before it
    // frees the memory.
    let Some(mut pid) = (unsafe { DyingPid::from_raw(pid) }) else {
        return;
    };

    // Any dentry must've been wiped from the pid by now. Otherwise there's a reference count bug.
    vfs_warn_on!(pid.has_stashed_dentry());

    if let Some(attr) = pid.take_pidfs_attr() {
        PidfsAttr::free(attr);
    }
}

/// Prints `Pid:` and `NSpid:` for a pidfd in `/proc/<pid>/fdinfo/<fd>`.
#[cfg(CONFIG_PROC_FS)]
fn pidfd_show_fdinfo(pid: &StructPid, info: &FdInfo<'_>) {
    let ns = info.proc_pid_ns();
    let m = info.seq_file();
    let mut nr: i32 = -1;

    if pid.has_task(PidType::Pid) {
        nr = pid.nr_ns(ns);
    }

    seq_print!(m, "Pid:\t{}", nr);

    #[cfg(CONFIG_PID_NS)]
    {
        seq_print!(m, "\nNSpid:\t{}", nr);
        if nr > 0 {
            // If nr is non-zero, `ns` is in the pid namespace hierarchy of `pid`: print the
            // numbers below the level already printed.
            for level in ns.level() + 1..=pid.level() {
                if let Some(n) = pid.nr_at_level(level) {
                    seq_print!(m, "\t{}", n);
                }
            }
        }
    }
    seq_print!(m, "\n");
}

/// Poll support for process exit notification.
fn pidfd_poll(file: &PseudoFile<'_, PidFs>, pts: &PollTable<'_>) -> u32 {
    let pid = file.data();
    let mut poll_flags = 0;

    file.poll_wait(pts);
    // Don't wake waiters if the thread-group leader exited prematurely. They either get notified
    // when the last subthread exits or not at all if one of the remaining subthreads execs and
    // assumes the struct pid of the old thread-group leader.
    //
    // An autoreaping task is released right after it has exited, and `pidfs_exit()` records its
    // exit information only then. Report it once it is unhashed (`__unhash_process()` wakes us),
    // so that PIDFD_GET_INFO after POLLIN finds PIDFD_INFO_EXIT.
    let guard = rcu::read_lock();
    match pid.task(PidType::Pid, &guard) {
        None => poll_flags = uapi::POLLIN | uapi::POLLRDNORM | uapi::POLLHUP,
        Some(task) => {
            if task.has_exit_state() && !task.delay_group_leader() && !task.autoreaps() {
                poll_flags = uapi::POLLIN | uapi::POLLRDNORM;
            }
        }
    }
    poll_flags
}

#[inline]
fn pid_in_current_pidns(pid: &StructPid) -> bool {
    match kernel::current!().active_pid_ns() {
        Some(ns) => pid.is_in_ns(ns),
        None => false,
    }
}

fn pidfs_coredump_mask(dumpable: u32) -> u32 {
    match dumpable {
        TASK_DUMPABLE_OWNER => uapi::PIDFD_COREDUMP_USER,
        TASK_DUMPABLE_ROOT => uapi::PIDFD_COREDUMP_ROOT,
        TASK_DUMPABLE_OFF => uapi::PIDFD_COREDUMP_SKIP,
        _ => {
            kernel::warn_on_once!(true);
            0
        }
    }
}

fn pidfs_task_owns_pid(task: &Task, pid: &StructPid) -> bool {
    let guard = rcu::read_lock();
    pid.task(PidType::Pid, &guard)
        .is_some_and(|t| core::ptr::eq(t.as_ptr(), task.as_ptr()))
}

#[inline]
fn pidfd_info(pid: &StructPid, cmd: u32, arg: usize) -> Result<isize> {
    let usize_ = _IOC_SIZE(cmd);

    if arg == 0 {
        return Err(EINVAL);
    }
    if usize_ < PIDFD_INFO_SIZE_VER0 {
        return Err(EINVAL); // First version, no smaller struct possible.
    }

    let mask: u64 = UserSlice::new(UserPtr::from_addr(arg), core::mem::size_of::<u64>())
        .reader()
        .read()?;

    // Restrict information retrieval to tasks within the caller's pid namespace hierarchy.
    if !pid_in_current_pidns(pid) {
        return Err(EREMOTE);
    }

    // Filled in place and copied out from here, as in C: a value built in each pass of the loop
    // and moved out of it would be assembled field by field a second time.
    let mut kinfo = PidfdInfo::default();
    loop {
        // Read in each pass, although it does not change once registered, as it is for a pid with
        // a pidfd: read once before the loop, the addresses of its fields were kept on the stack
        // for the whole loop.
        let attr = match pid.pidfs_attr() {
            AttrState::Registered(attr) => Some(attr),
            _ => None,
        };

        // Look for the task first. pidfs_exit() records the exit information before the task is
        // unhashed, so if the task is gone the information is there.
        let task = pid.get_task(PidType::Pid);
        if task.is_none() {
            // Pairs with the full barrier after publishing in pidfs_exit().
            kernel::sync::barrier::smp_mb(kernel::sync::barrier::Read);
        }

        if mask & PIDFD_INFO_EXIT != 0 {
            if let Some(exit) = attr.and_then(|a| a.exit_info()) {
                kinfo.0.mask |= PIDFD_INFO_EXIT;
                #[cfg(CONFIG_CGROUPS)]
                {
                    kinfo.0.cgroupid = exit.cgroupid;
                    kinfo.0.mask |= PIDFD_INFO_CGROUPID;
                }
                kinfo.0.exit_code = exit.exit_code;
            }
        }

        if mask & PIDFD_INFO_COREDUMP != 0 {
            if let Some(cd) = attr.and_then(|a| a.coredump_info()) {
                kinfo.0.mask |=
                    PIDFD_INFO_COREDUMP | PIDFD_INFO_COREDUMP_SIGNAL | PIDFD_INFO_COREDUMP_CODE;
                kinfo.0.__bindgen_anon_1.coredump_mask = cd.mask;
                kinfo.0.__bindgen_anon_1.coredump_signal = cd.signal;
                kinfo.0.__bindgen_anon_1.coredump_code = cd.code;
            }
        }

        let Some(task) = task else {
            // If the task has already been reaped, only exit information is available.
            if mask & PIDFD_INFO_EXIT == 0 {
                return Err(ESRCH);
            }
            break;
        };

        let Some(c) = task.get_cred() else {
            return Err(ESRCH);
        };

        if mask & PIDFD_INFO_COREDUMP != 0 && kinfo.0.__bindgen_anon_1.coredump_mask == 0 {
            kinfo.0.__bindgen_anon_1.coredump_mask = pidfs_coredump_mask(task.dumpable());
            kinfo.0.mask |= PIDFD_INFO_COREDUMP;
            // No coredump actually took place, so no coredump signal.
        }

        // Unconditionally return identifiers and credentials, the rest only on request.
        // The ids as the caller sees them: in the user namespace of its credentials
        // (`current_user_ns()`), read once for the eight ids.
        //
        // SAFETY: `current->cred` is only replaced by the current task itself (`commit_creds()`,
        // `override_creds()`), which this function does not do, so the credentials stay valid
        // and current until the end of this block, as `current_cred()` relies on in C.
        let cred = unsafe { Credential::from_ptr((*kernel::current!().as_ptr()).cred) };
        let user_ns = cred.user_ns();
        kinfo.0.ruid = c.uid().into_uid_munged(user_ns);
        kinfo.0.rgid = c.gid().into_gid_munged(user_ns);
        kinfo.0.euid = c.euid().into_uid_munged(user_ns);
        kinfo.0.egid = c.egid().into_gid_munged(user_ns);
        kinfo.0.suid = c.suid().into_uid_munged(user_ns);
        kinfo.0.sgid = c.sgid().into_gid_munged(user_ns);
        kinfo.0.fsuid = c.fsuid().into_uid_munged(user_ns);
        kinfo.0.fsgid = c.fsgid().into_gid_munged(user_ns);
        kinfo.0.mask |= PIDFD_INFO_CREDS;

        #[cfg(CONFIG_CGROUPS)]
        if kinfo.0.cgroupid == 0 {
            let guard = rcu::read_lock();
            kinfo.0.cgroupid = task.dfl_cgroup_id(&guard);
            kinfo.0.mask |= PIDFD_INFO_CGROUPID;
        }

        // Copy pid/tgid last, to reduce the chances the information might be stale.
        kinfo.0.ppid = task.ppid_vnr() as u32;
        kinfo.0.tgid = task.tgid_nr_ns(None) as u32;
        kinfo.0.pid = pid.vnr() as u32;
        kinfo.0.mask |= PIDFD_INFO_PID;

        // The task was reaped, or lost @pid to a sub-thread that called exec, while we were
        // looking at it. Start over: there is exit information now, or a new task.
        if !pidfs_task_owns_pid(&task, pid) || kinfo.0.tgid == 0 {
            kinfo = PidfdInfo::default();
            continue;
        }
        break;
    }

    if mask & PIDFD_INFO_SUPPORTED_MASK != 0 {
        kinfo.0.mask |= PIDFD_INFO_SUPPORTED_MASK;
        kinfo.0.supported_mask = PIDFD_INFO_SUPPORTED;
    }

    // Are there bits in the return mask not present in PIDFD_INFO_SUPPORTED?
    kernel::warn_on_once!(!PIDFD_INFO_SUPPORTED & kinfo.0.mask != 0);

    // If userspace and the kernel have the same struct size it can just be copied. An older,
    // smaller struct gets the bits it knows about; a newer, larger one gets its tail zeroed.
    kinfo.copy_to_user(UserPtr::from_addr(arg), usize_)?;
    Ok(0)
}

#[inline]
fn pidfs_ioctl_valid(cmd: u32) -> bool {
    matches!(
        cmd,
        FS_IOC_GETVERSION
            | PIDFD_GET_CGROUP_NAMESPACE
            | PIDFD_GET_IPC_NAMESPACE
            | PIDFD_GET_MNT_NAMESPACE
            | PIDFD_GET_NET_NAMESPACE
            | PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE
            | PIDFD_GET_TIME_NAMESPACE
            | PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE
            | PIDFD_GET_UTS_NAMESPACE
            | PIDFD_GET_USER_NAMESPACE
            | PIDFD_GET_PID_NAMESPACE
    ) || (
        // Extensible ioctls require some more careful checks: try to prevent performing a pidfd
        // ioctl when someone erroneously mistook the file descriptor for a pidfd.
        _IOC_NR(cmd) == _IOC_NR(PIDFD_GET_INFO)
            && pfs::extensible_ioctl_valid(cmd, PIDFD_GET_INFO, PIDFD_INFO_SIZE_VER0)
    )
}

#[inline]
fn pidfd_ioctl(file: &PseudoFile<'_, PidFs>, cmd: u32, arg: usize) -> Result<isize> {
    let pid = file.data();
    if !pidfs_ioctl_valid(cmd) {
        return Err(ENOIOCTLCMD);
    }

    if cmd == FS_IOC_GETVERSION {
        if arg == 0 {
            return Err(EINVAL);
        }
        let generation: u32 = file.inode().generation();
        UserSlice::new(UserPtr::from_addr(arg), core::mem::size_of::<u32>())
            .writer()
            .write(&generation)?;
        return Ok(0);
    }

    // Extensible IOCTL that does not open namespace FDs, take a shortcut.
    if _IOC_NR(cmd) == _IOC_NR(PIDFD_GET_INFO) {
        return pidfd_info(pid, cmd, arg);
    }

    let task = pid.get_task(PidType::Pid).ok_or(ESRCH)?;

    if arg != 0 {
        return Err(EINVAL);
    }

    // We're trying to open a file descriptor to the namespace so perform a filesystem cred
    // ptrace check. Hold the task's exec_update_lock for the duration of the ptrace check and
    // the namespace lookup so that the credentials used for the access decision match those of
    // the task at the time its namespace is read. We mirror nsfs behavior.
    let guard = ns::ExecUpdateReadGuard::lock_killable(&task)?;

    if !task.ptrace_may_access(PtraceMode::ReadFsCreds) {
        return Err(EACCES);
    }

    let kind = match cmd {
        // Namespaces that hang off nsproxy.
        PIDFD_GET_CGROUP_NAMESPACE => NsKind::Cgroup,
        PIDFD_GET_IPC_NAMESPACE => NsKind::Ipc,
        PIDFD_GET_MNT_NAMESPACE => NsKind::Mnt,
        PIDFD_GET_NET_NAMESPACE => NsKind::Net,
        PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE => NsKind::PidForChildren,
        PIDFD_GET_TIME_NAMESPACE => NsKind::Time,
        PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE => NsKind::TimeForChildren,
        PIDFD_GET_UTS_NAMESPACE => NsKind::Uts,
        // Namespaces that don't hang off nsproxy.
        PIDFD_GET_USER_NAMESPACE => NsKind::User,
        PIDFD_GET_PID_NAMESPACE => NsKind::Pid,
        _ => return Err(ENOIOCTLCMD),
    };

    // A missing nsproxy is ESRCH: just pretend it didn't exist.
    let ns = ns::get_ns(&guard, kind)?.ok_or(EOPNOTSUPP)?;
    drop(guard);

    // open_namespace() unconditionally consumes the reference.
    Ok(ns.open()? as isize)
}

#[cfg(CONFIG_COMPAT)]
fn pidfd_compat_ioctl(file: &PseudoFile<'_, PidFs>, cmd: u32, arg: usize) -> Result<isize> {
    let cmd = if cmd == FS_IOC32_GETVERSION {
        FS_IOC_GETVERSION
    } else {
        cmd
    };
    pidfd_ioctl(file, cmd, pfs::compat_ptr(arg))
}

/// The release of a pidfd. Only the last close of one opened with `PIDFD_AUTOKILL` has work to
/// do, so the test is inlined into the `release` trampoline, and the rest is not.
#[inline]
fn pidfs_file_release(file: &ReleasingFile<'_, PidFs>) {
    if file.flags() & PIDFD_AUTOKILL == 0 {
        return;
    }
    pidfs_autokill(file.data());
}

/// Kills the thread group of `pid`'s task on the last close of a `PIDFD_AUTOKILL` pidfd.
fn pidfs_autokill(pid: &StructPid) {
    let guard = rcu::read_lock();
    let Some(task) = pid.task(PidType::Tgid, &guard) else {
        return;
    };

    // Not available for kthreads or user workers for now.
    if kernel::warn_on_once!(task.is_kthread_or_user_worker()) {
        return;
    }
    pidfs_kill_thread_group(task);
}

/// `SEND_SIG_PRIV`: the siginfo argument of a signal that the kernel sends. It is a marker value,
/// which the signal code compares against and never dereferences.
const SEND_SIG_PRIV: *mut bindings::kernel_siginfo = core::ptr::without_provenance_mut(1);

/// Sends `SIGKILL` to the thread group of `task` as the kernel, for `PIDFD_AUTOKILL`
/// (`do_send_sig_info(SIGKILL, SEND_SIG_PRIV, task, PIDTYPE_TGID)`).
///
/// This is pidfs's, not a method of `Task`: which tasks a pidfd may kill is pidfs policy (its
/// caller checks for kernel threads and user workers, as `pidfs_file_release()` does in C).
fn pidfs_kill_thread_group(task: &Task) {
    // SAFETY: `task` is a valid task for the borrow. `do_send_sig_info()` takes the task's
    // sighand lock itself (`lock_task_sighand()`) and sends nothing if the task has already
    // released it. `SEND_SIG_PRIV` is the marker C passes for a signal from the kernel. The
    // result only says whether the signal was queued, which C ignores here as well.
    unsafe {
        bindings::do_send_sig_info(
            bindings::SIGKILL as c_int,
            SEND_SIG_PRIV,
            task.as_ptr(),
            bindings::pid_type_PIDTYPE_TGID,
        )
    };
}

/// Returns the `struct pid` of a pidfd, or `ERR_PTR(-EBADF)` for any other file.
///
/// # Safety
///
/// `file` must be a valid file that the caller holds a reference to.
#[export]
pub unsafe extern "C" fn pidfd_pid(file: *const bindings::file) -> *mut bindings::pid {
    // SAFETY: The caller holds a reference to the file for the duration of the call.
    let file = unsafe { File::from_raw_file(file) };
    match PIDFS_FILE_OPERATIONS.file(file) {
        Some(file) => file.data().as_ptr(),
        None => EBADF.to_ptr(),
    }
}

/// Records the exit information of a task being reaped, or marks its pid dead if no pidfd was
/// ever created for it.
///
/// We're called from release_task(). We know there's at least one reference to struct pid being
/// held that won't be released until the task has been reaped which cannot happen until we're
/// out of release_task().
///
/// # Safety
///
/// `tsk` must be a valid task being reaped (`release_task()`).
#[export]
pub unsafe extern "C" fn pidfs_exit(tsk: *mut bindings::task_struct) {
    // SAFETY: `release_task()` passes a valid task that it holds a reference to.
    // CAST: `Task` is a `repr(transparent)` wrapper around `bindings::task_struct`.
    let tsk = unsafe { &*tsk.cast::<Task>() };
    // SAFETY: `release_task()` calls this before `__exit_signal()` detaches the task from its
    // pid. The task is being reaped, so it cannot `execve()` itself, and `exchange_tids()` only
    // swaps the pid of an old thread-group leader in `de_thread()` before `de_thread()` itself
    // releases that leader; so `thread_pid` stays put for the rest of this call.
    let pid = unsafe { StructPid::of_task(tsk) };

    kernel::task::might_sleep();

    // Synchronize with pidfs_register_pid().
    let attr = {
        // SAFETY: Interrupts are enabled: `release_task()` runs in a context that may sleep,
        // as `might_sleep()` just asserted.
        let guard = unsafe { pid.lock_wait_pidfd() };
        match guard.pidfs_attr() {
            AttrState::Registered(attr) => attr,
            _ => {
                // No one ever held a pidfd for this struct pid. Mark it as dead so no one can add
                // a pidfs entry anymore. We're about to be reaped and so no exit information
                // would be available.
                guard.pidfs_mark_dead();
                return;
            }
        }
    };

    // If pid->attr is set someone might still legitimately hold a pidfd to pid or someone might
    // concurrently still be getting a reference to an already stashed dentry from pid->stashed.
    // So defer cleaning pid->attr until the last reference to pid is put.
    #[cfg(CONFIG_CGROUPS)]
    let cgroupid = {
        let guard = rcu::read_lock();
        tsk.dfl_cgroup_id(&guard)
    };
    #[cfg(not(CONFIG_CGROUPS))]
    let cgroupid = 0;

    // Ensure that PIDFD_GET_INFO sees either all or nothing, and that whoever sees that the task
    // is unhashed sees the information.
    //
    // SAFETY: `release_task()` runs once per task, and `pid` is the task's own pid, which no
    // other task has as its pid while this one holds it: `exchange_tids()` swaps the pids of two
    // tasks of one thread group. So each pid is passed here at most once, by the one release of
    // the task it ends up with, and this is the one call of `set_exit()` for its state.
    unsafe {
        attr.set_exit(ExitInfo {
            cgroupid,
            exit_code: tsk.exit_code(),
        })
    };
}

/// Records how a task dumped core.
///
/// # Safety
///
/// `cprm` must be valid, with a registered pid and a valid siginfo (`fs/coredump.c`).
#[cfg(CONFIG_COREDUMP)]
#[export]
pub unsafe extern "C" fn pidfs_coredump(cprm: *const bindings::coredump_params) {
    // SAFETY: The coredump code passes valid parameters whose pid it holds a reference to and
    // whose siginfo is the signal being handled.
    let (pid, dumpable, signo, code) = unsafe {
        let si = &(*(*cprm).siginfo).__bindgen_anon_1;
        (
            StructPid::from_ptr((*cprm).pid),
            (*cprm).dumpable,
            si.si_signo as u32,
            si.si_code as u32,
        )
    };

    let AttrState::Registered(attr) = pid.pidfs_attr() else {
        vfs_warn_on!(true);
        return;
    };

    // Note how we were coredumped and that we coredumped.
    let mask = pidfs_coredump_mask(dumpable) | uapi::PIDFD_COREDUMPED;
    // If coredumping is set to skip we should never end up here.
    vfs_warn_on!(mask & uapi::PIDFD_COREDUMP_SKIP != 0);
    // Expose the signal number and code that caused the coredump.
    attr.set_coredump(CoredumpInfo {
        mask,
        signal: signo,
        code,
    });
}

fn pidfs_listxattr(pid: &StructPid, inode: &Inode, buf: XattrBuf<'_>) -> Result<usize> {
    match pid.pidfs_attr() {
        AttrState::Registered(attr) => attr.xattr_list(inode, buf),
        _ => Err(ENODATA),
    }
}

/// Find a struct pid based on the inode number.
fn pidfs_ino_get_pid(ino: u64) -> Option<ARef<StructPid>> {
    let guard = rcu::read_lock();
    // SAFETY: `pidfs_init()` initialised the table at boot, before pidfs was mounted and so
    // before any file handle could be decoded.
    let pid = unsafe { PIDFS_INO_HT.lookup(ino, &guard) }?;
    let AttrState::Registered(attr) = pid.pidfs_attr() else {
        return None;
    };
    if attr.has_exited() {
        return None;
    }
    // Within our pid namespace hierarchy?
    if pid.vnr() == 0 {
        return None;
    }
    Some(pid.into())
}

#[inline]
fn pidfs_fh_to_dentry(pid_ino: u64) -> Result<Option<Path>> {
    let Some(pid) = pidfs_ino_get_pid(pid_ino) else {
        return Ok(None);
    };
    let mnt = PIDFS_MNT.get().ok_or(ENODEV)?;
    let path = pfs::path_from_stashed(mnt, pid)?;
    Ok(Some(path))
}

#[inline]
fn pidfs_dentry_open(path: &Path, flags: u32) -> Result<ARef<File>> {
    // pidfds are always O_RDWR; do_dentry_open() strips O_EXCL and O_TRUNC.
    pfs::dentry_open(path, flags | O_RDWR, PIDFD_THREAD | PIDFD_AUTOKILL)
}

/// Make sure that we reject any nonsensical flags that users pass via open_by_handle_at(). Note
/// that PIDFD_THREAD is defined as O_EXCL, and PIDFD_NONBLOCK as O_NONBLOCK.
const VALID_FILE_HANDLE_OPEN_FLAGS: u32 =
    O_RDONLY | O_WRONLY | O_RDWR | O_NONBLOCK | O_CLOEXEC | O_EXCL;

fn pidfs_export_permission(oflags: u32) -> Result {
    if oflags & !(VALID_FILE_HANDLE_OPEN_FLAGS | O_LARGEFILE) != 0 {
        return Err(EINVAL);
    }
    // pidfs_ino_get_pid() will verify that the struct pid is part of the caller's pid namespace
    // hierarchy. No further permission checks are needed.
    Ok(())
}

#[inline]
fn pidfs_export_open(path: &Path, oflags: u32) -> Result<ARef<File>> {
    // Opening via file handle may never raise PIDFD_AUTOKILL. That can only be done at task
    // creation!
    if kernel::warn_on_once!(oflags & PIDFD_AUTOKILL != 0) {
        return Err(EINVAL);
    }
    // Clear O_LARGEFILE as open_by_handle_at() forces it.
    pidfs_dentry_open(path, oflags & !O_LARGEFILE)
}

fn pidfs_init_inode(inode: &NewInode<'_>, pid: &StructPid) {
    inode.change_flags(
        S_PRIVATE | S_ANON_INODE,
        // We allow to set xattrs.
        S_IMMUTABLE,
    );
    inode.add_mode(uapi::S_IRWXU as u16);
    inode.set_ino(pidfs_ino(pid.ino()), pidfs_gen(pid.ino()));
}

fn pidfs_register_pid(pid: &StructPid) -> Result {
    // SAFETY: The one caller is the stash callback of `path_from_stashed()`, which runs in
    // process context: `path_from_stashed()` allocates the dentry and inode with `GFP_KERNEL`.
    unsafe { register_pid_gfp(pid, GFP_KERNEL) }
}

/// Allocates the pidfs state of `pid` once; see `pidfs_register_pid_gfp()`.
///
/// # Safety
///
/// The caller must be in a context that may sleep, as `might_sleep()` asserts: interrupts are
/// enabled there, which taking the `wait_pidfd` lock requires.
unsafe fn register_pid_gfp(pid: &StructPid, gfp: Flags) -> Result {
    kernel::task::might_sleep();

    match pid.pidfs_attr() {
        AttrState::Dead => return Err(ESRCH),
        AttrState::Registered(_) => return Ok(()),
        AttrState::Unregistered => {}
    }

    let new_attr = PidfsAttr::new(gfp)?;

    // Synchronize with pidfs_exit().
    // SAFETY: Interrupts are enabled: this is a context that may sleep (safety requirements).
    let guard = unsafe { pid.lock_wait_pidfd() };
    match guard.pidfs_attr() {
        AttrState::Dead => Err(ESRCH),
        AttrState::Registered(_) => Ok(()),
        // Cannot fail: the state is unregistered and the lock is held. A lost race frees
        // `new_attr` after the lock is dropped.
        AttrState::Unregistered => guard.pidfs_set_attr(new_attr).map_err(|_| EBUSY),
    }
}

/// Registers a struct pid in pidfs with custom GFP flags.
///
/// Return: On success zero, on error a negative error code is returned.
///
/// # Safety
///
/// `pid` must be NULL or a valid `struct pid` that the caller holds a reference to.
#[export]
pub unsafe extern "C" fn pidfs_register_pid_gfp(
    pid: *mut bindings::pid,
    gfp: bindings::gfp_t,
) -> c_int {
    if pid.is_null() {
        return 0;
    }
    // SAFETY: The caller passes a valid, referenced pid.
    let pid = unsafe { StructPid::from_ptr(pid) };
    // SAFETY: `gfp` is the `gfp_t` of the C caller (fanotify, or `pidfs_register_pid()` with
    // `GFP_KERNEL`), meant for an allocation made on its behalf in its context, which is what
    // this one is.
    let gfp = unsafe { Flags::from_raw(gfp) };
    // SAFETY: `pidfs_register_pid_gfp()` may sleep, as its C version does (`might_sleep()`):
    // its callers (`pidfd_prepare()`, the coredump code, fanotify's event allocation) call it
    // from process context.
    match unsafe { register_pid_gfp(pid, gfp) } {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

fn pidfs_stash_dentry(pid: &StructPid) -> Result {
    pidfs_register_pid(pid)
}

fn pidfs_xattr_get(pid: &StructPid, name: &CStr, buf: XattrBuf<'_>) -> Result<usize> {
    match pid.pidfs_attr() {
        AttrState::Registered(attr) => attr.xattr_get(name, buf),
        _ => Err(ENODATA),
    }
}

fn pidfs_xattr_set(
    inode: &LockedInode<'_, PidFs>,
    name: &CStr,
    value: Option<&[u8]>,
    flags: i32,
) -> Result {
    attr::pidfs_xattr_set(inode, name, value, flags)
}

// The methods of the impls below that are on hot paths are `#[inline]`, like the helpers only they
// call: each has one caller, its entry point in `kernel::fs::pseudo`, and without the hint that
// call stays out of line, an extra call and return on every pidfd operation that C does not have.
//
// SAFETY: `pid->stashed` starts NULL (`pidfs_prepare_pid()`), lives as long as the pid and belongs
// to the linked pidfs alone: `fs/Makefile` links this file only with `CONFIG_FS_PID=y`, where
// `fs/pidfs.c` is not built. nsfs keeps its stashes in the namespaces.
unsafe impl PseudoFs for PidFs {
    type Data = StructPid;

    const MAGIC: u32 = uapi::PID_FS_MAGIC;

    fn tables() -> &'static Tables<Self> {
        &PIDFS_TABLES
    }

    #[inline]
    fn stashed(pid: &StructPid) -> *mut *mut bindings::dentry {
        pid.stashed()
    }
}

#[vtable]
impl SuperOps for PidFs {}

#[vtable]
impl StashedOps for PidFs {
    #[inline]
    fn init_inode(inode: &NewInode<'_>, pid: &StructPid) {
        pidfs_init_inode(inode, pid)
    }

    #[inline]
    fn stash_dentry(pid: &StructPid) -> Result {
        pidfs_stash_dentry(pid)
    }
}

#[vtable]
impl DentryOps for PidFs {
    // 'lsof' has knowledge of our historical anon_inode use, and expects the pidfs dentry name
    // to start with 'anon_inode'.
    const DNAME: &'static CStr = c"anon_inode:[pidfd]";
}

#[vtable]
impl InodeOps for PidFs {
    const ANON_INODE_ATTRIBUTES: bool = true;

    fn listxattr(pid: &StructPid, inode: &Inode, buf: XattrBuf<'_>) -> Result<usize> {
        pidfs_listxattr(pid, inode, buf)
    }
}

#[vtable]
impl XattrOps for PidFs {
    fn xattr_get(pid: &StructPid, _inode: &Inode, name: &CStr, buf: XattrBuf<'_>) -> Result<usize> {
        pidfs_xattr_get(pid, name, buf)
    }

    fn xattr_set(
        inode: &LockedInode<'_, Self>,
        name: &CStr,
        value: Option<&[u8]>,
        flags: i32,
    ) -> Result {
        pidfs_xattr_set(inode, name, value, flags)
    }
}

#[vtable]
impl ExportOps for PidFs {
    #[inline]
    fn encode_fh(pid: &StructPid, fh: &mut FileHandle<'_>) -> Result<u32> {
        fh.write(&pid.ino())?;
        Ok(bindings::fid_type_FILEID_KERNFS)
    }

    #[inline]
    fn fh_to_dentry(fh: &FileHandle<'_>, fh_type: u32) -> Result<Option<Path>> {
        // As `pidfs_fh_to_dentry()`: a handle shorter than a `u64`, or of another type, is stale.
        if fh_type != bindings::fid_type_FILEID_KERNFS {
            return Ok(None);
        }
        match fh.read::<u64>() {
            Some(pid_ino) => pidfs_fh_to_dentry(pid_ino),
            None => Ok(None),
        }
    }

    #[inline]
    fn export_permission(oflags: u32) -> Result {
        pidfs_export_permission(oflags)
    }

    #[inline]
    fn export_open(path: &Path, oflags: u32) -> Result<ARef<File>> {
        pidfs_export_open(path, oflags)
    }
}

#[vtable]
impl FileOps for PidFs {
    #[inline]
    fn release(file: &ReleasingFile<'_, Self>) {
        pidfs_file_release(file)
    }

    #[inline]
    fn poll(file: &PseudoFile<'_, Self>, table: &PollTable<'_>) -> u32 {
        pidfd_poll(file, table)
    }

    #[inline]
    fn ioctl(file: &PseudoFile<'_, Self>, cmd: u32, arg: usize) -> Result<isize> {
        pidfd_ioctl(file, cmd, arg)
    }

    #[cfg(CONFIG_COMPAT)]
    fn compat_ioctl(file: &PseudoFile<'_, Self>, cmd: u32, arg: usize) -> Result<isize> {
        pidfd_compat_ioctl(file, cmd, arg)
    }

    #[cfg(CONFIG_PROC_FS)]
    fn show_fdinfo(file: &PseudoFile<'_, Self>, m: &FdInfo<'_>) {
        pidfd_show_fdinfo(file.data(), m)
    }
}

fn alloc_file(pid: &StructPid, flags: u32) -> Result<ARef<File>> {
    let mnt = PIDFS_MNT.get().ok_or(ENODEV)?;
    let path = pfs::path_from_stashed(mnt, pid.into())?;

    vfs_warn_on!(matches!(pid.pidfs_attr(), AttrState::Unregistered));

    pidfs_dentry_open(&path, flags & !PIDFD_STALE)
}

/// Creates a pidfd file for `pid`.
///
/// # Safety
///
/// `pid` must be a valid `struct pid` that the caller holds a reference to.
#[export]
pub unsafe extern "C" fn pidfs_alloc_file(
    pid: *mut bindings::pid,
    flags: c_uint,
) -> *mut bindings::file {
    // SAFETY: The caller passes a valid pid that it holds a reference to.
    let pid = unsafe { StructPid::from_ptr(pid) };
    match alloc_file(pid, flags) {
        Ok(file) => ARef::into_raw(file).as_ptr().cast(),
        Err(e) => e.to_ptr(),
    }
}

/// Sets up pidfs at boot, before the first real `alloc_pid()`. Panics on failure, as the C
/// version does.
///
/// # Safety
///
/// Called once, from `start_kernel()`.
#[export]
pub unsafe extern "C" fn pidfs_init() {
    // SAFETY: This is the first use of the table: `start_kernel()` calls this function once,
    // before the first `alloc_pid()` and before userspace can decode a file handle.
    if unsafe { PIDFS_INO_HT.init() }.is_err() {
        panic!("Failed to initialize pidfs hashtable");
    }
    let Ok(cookie) = GenCookie::new() else {
        panic!("Failed to initialize pidfs inode numbers");
    };
    // SAFETY: This is `pidfs_init()`, called once from `start_kernel()`.
    unsafe { PIDFS_INO_COOKIE.set(cookie) };
    // SAFETY: This is `pidfs_init()`, called once from `start_kernel()`.
    if unsafe { PidfsAttr::create_cache() }.is_err() {
        panic!("Failed to create the pidfs_attr_cache slab cache");
    }
    let Ok(mnt) = Mount::<PidFs>::kern_mount(&PIDFS_TYPE) else {
        panic!("Failed to mount pidfs pseudo filesystem");
    };
    // SAFETY: This is `pidfs_init()`, called once from `start_kernel()`.
    unsafe { PIDFS_MNT.set(mnt) };
}
