// SPDX-License-Identifier: GPL-2.0
//! The build and boot pipeline: the series applied in a work tree,
//! configurations, builds, the guest, QEMU and one judged boot.

pub mod build;
pub mod guest;
pub mod kconfig;
pub mod qemu;
pub mod run;
pub mod series;
pub mod slots;
pub mod stamps;
pub mod tree;
