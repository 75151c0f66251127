// SPDX-License-Identifier: GPL-2.0

//! Abstractions for pidfs, the pseudo filesystem behind pidfds.
//!
//! What holds for a pidfd whichever implementation of pidfs is linked (`fs/pidfs.c` or
//! `fs/pidfs_rs.rs`): the uapi structures, as the kernel fills them in.
//!
//! C header: [`include/linux/pidfs.h`](srctree/include/linux/pidfs.h)

pub use crate::pid::{PidType, StructPid};

use crate::{
    error::to_result,
    prelude::*,
    transmute::AsBytes,
    uaccess::{UserPtr, UserSlice},
    uapi,
};
use core::ptr;

/// The argument of `PIDFD_GET_INFO` (`struct pidfd_info`), as filled in by the kernel.
#[repr(transparent)]
pub struct PidfdInfo(pub uapi::pidfd_info);

// As the `BUILD_BUG_ON()` in `fs/pidfs.c`: `struct pidfd_info` is `PIDFD_INFO_SIZE_VER3` bytes.
const _: () = assert!(core::mem::size_of::<PidfdInfo>() == uapi::PIDFD_INFO_SIZE_VER3 as usize);

// SAFETY: `struct pidfd_info` consists of integers only and has no padding: `mask` and
// `cgroupid` (64-bit), sixteen 32-bit fields of which the last, `coredump_pad`, keeps the next
// one aligned, and `supported_mask` (64-bit) make 16 + 64 + 8 = 88 bytes, its whole size (checked
// above). So every byte belongs to a field and is initialised. It has no interior mutability.
unsafe impl AsBytes for PidfdInfo {}

impl Default for PidfdInfo {
    #[inline]
    fn default() -> Self {
        // SAFETY: All-zero is a valid `pidfd_info` (plain integers).
        Self(unsafe { core::mem::zeroed() })
    }
}

impl PidfdInfo {
    /// Copies the structure to a user buffer of `usize` bytes (`copy_struct_to_user()`): a
    /// smaller buffer gets the leading part, a larger one gets its tail zeroed.
    #[inline]
    pub fn copy_to_user(&self, dst: UserPtr, usize: usize) -> Result {
        if usize == core::mem::size_of::<Self>() {
            // The common case, userspace built against the same header: a plain copy, done here
            // rather than through the C helper so that it is inlined on kernels built with gcc.
            return UserSlice::new(dst, usize).writer().write(self);
        }
        // SAFETY: The source is a valid kernel object of the given size; the destination is a
        // user pointer, checked by the copy itself.
        to_result(unsafe {
            crate::bindings::copy_struct_to_user(
                dst.as_mut_ptr(),
                usize,
                ptr::from_ref(&self.0).cast(),
                core::mem::size_of::<uapi::pidfd_info>(),
                ptr::null_mut(),
            )
        })
    }
}
