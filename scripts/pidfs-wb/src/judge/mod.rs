// SPDX-License-Identifier: GPL-2.0
//! Judging what ran: KTAP, kernel splats, the verdict of a boot, the static
//! checks of a patch.

pub mod bench_figures;
pub mod checks;
pub mod ktap;
pub mod splat;
pub mod verdict;
