// SPDX-License-Identifier: GPL-2.0
//! Spreading the per-patch matrix over machines: which patches a shard
//! owns (`wb ci --shard K/N`). `merge.rs` joins the shards' reports.
//!
//! A shard runs the cells of every N-th patch, starting at patch K, so each
//! shard sees the whole series (earlier patches come and go with `git am`)
//! and keeps its build directories incremental. The last patch, with its
//! full runs, variants, debug boot and comparison, belongs to whichever
//! shard owns it. A merge checks that the reports are of one series on one
//! base, one shard each of the same N, and puts their cells back in patch
//! order; the comparison of the last patch comes from the shard that ran it.

use crate::error::{Error, Result};

/// Shard `k` of `n` (both 1-based, `1 <= k <= n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub k: usize,
    pub n: usize,
}

impl Shard {
    /// Parses `K/N`.
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = || {
            Error::Usage(format!(
                "--shard {text}: expected K/N with 1 <= K <= N (e.g. 1/2)"
            ))
        };
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        if n == 0 || k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    /// Whether this shard runs the cells of patch `patch` (1-based; 0, the
    /// bare base of an empty series, belongs to shard 1).
    pub fn owns(self, patch: usize) -> bool {
        if patch == 0 {
            return self.k == 1;
        }
        (patch - 1) % self.n == self.k - 1
    }

    pub fn label(self) -> String {
        format!("{}/{}", self.k, self.n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_ownership() {
        assert_eq!(Shard::parse("1/2").unwrap(), Shard { k: 1, n: 2 });
        for bad in ["0/2", "3/2", "1/0", "2", "a/b", "1/2/3", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        let one = Shard::parse("1/2").unwrap();
        let two = Shard::parse("2/2").unwrap();
        let mine: Vec<usize> = (1..=7).filter(|&k| one.owns(k)).collect();
        let theirs: Vec<usize> = (1..=7).filter(|&k| two.owns(k)).collect();
        assert_eq!(mine, [1, 3, 5, 7]);
        assert_eq!(theirs, [2, 4, 6]);
        assert!(one.owns(0) && !two.owns(0));
        // Every patch is in exactly one of three shards.
        let s: Vec<Shard> = (1..=3).map(|k| Shard { k, n: 3 }).collect();
        for p in 1..=10 {
            assert_eq!(s.iter().filter(|x| x.owns(p)).count(), 1);
        }
    }
}
