// SPDX-License-Identifier: GPL-2.0
//! Reports in files: the JSON reader and writer, the cover letter, KCIDB, shards of the matrix
//! and their merge.

pub mod bench_report;
pub mod cover;
pub mod json;
pub mod kcidb;
pub mod matrix_report;
pub mod merge;
pub mod shard;
