// SPDX-License-Identifier: GPL-2.0
//! The commands beyond one boot: the per-patch matrix, export, onto, bench,
//! trace, size, maintainers, the series check and the test command with its harness.

pub mod bench;
pub mod export;
pub mod harness;
pub mod mailtest;
pub mod maintainers;
pub mod matrix;
pub mod onto;
pub mod pair;
pub mod seriescheck;
pub mod size;
pub mod testcmd;
pub mod trace;
