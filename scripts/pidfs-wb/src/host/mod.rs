// SPDX-License-Identifier: GPL-2.0
//! The host side: where things live, the cache lock, identities, errors,
//! running commands, installing the toolchain and fetching the base.

pub mod base;
pub mod ctx;
pub mod error;
pub mod ident;
pub mod lock;
pub mod setup;
pub mod util;
