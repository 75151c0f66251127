// SPDX-License-Identifier: GPL-2.0
//! `wb series check`: the whole stack applies onto the base, the in-tree
//! files equal what it adds, and ci/maintainers.md is current and routes
//! every patch as it must. It sits above `tree` (applying, in-tree drift)
//! and `maintainers` (the recipients table), which know nothing of each
//! other.

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::tree::{self, Applied};
use crate::util::info;

/// Applies the whole series and reports every drift item at once.
pub fn check(ctx: &Ctx, discard: bool) -> Result<Applied> {
    let applied = tree::apply(ctx, None, discard)?;
    let mut items = tree::drift(ctx, &applied)?;
    let entries = tree::read_series(ctx)?;
    items.extend(crate::maintainers::drift(ctx, &applied.tree, &entries)?);
    if !items.is_empty() {
        return Err(Error::Drift { items });
    }
    info(&format!(
        "series applies ({} patch(es)); in-tree files match; {} is current",
        applied.commits.len(),
        crate::maintainers::TABLE
    ));
    Ok(applied)
}
