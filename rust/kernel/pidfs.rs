// SPDX-License-Identifier: GPL-2.0

//! Abstractions for pidfs, the pseudo filesystem behind pidfds.
//!
//! These are the pieces the Rust pidfs (`fs/pidfs_rs.rs`) needs and nothing else: they mirror
//! the C objects it works with and keep their names.
//!
//! C header: [`include/linux/pidfs.h`](srctree/include/linux/pidfs.h)

pub mod attr;
pub mod fs;
pub mod ino;
pub mod pid;
pub mod task;

pub use self::pid::{PidType, StructPid};
