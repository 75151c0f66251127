// SPDX-License-Identifier: GPL-2.0

//! Generators of unique 64-bit numbers.
//!
//! C header: [`include/linux/cookie.h`](srctree/include/linux/cookie.h)

use crate::{bindings, error::code::ENOMEM, error::Result, types::Opaque};
use core::mem::{align_of, size_of};

/// A generator of unique 64-bit numbers (`struct gen_cookie`).
///
/// Every CPU hands out numbers from a batch of its own (`COOKIE_LOCAL_BATCH` numbers), so
/// taking a number does not write a cache line that all CPUs share; only starting a new batch
/// does. The numbers are unique and never reused, but not increasing across CPUs. The first
/// number is 1.
///
/// C defines a generator statically with `DEFINE_COOKIE()`, per-CPU batches included; here the
/// batches are allocated by [`GenCookie::new`].
///
/// # Invariants
///
/// `inner.local` points to per-CPU memory of a `struct pcpu_gen_cookie` that this object
/// allocated and owns; `inner` was zeroed before it was set, as `DEFINE_COOKIE()` initialises a
/// generator.
///
/// # Examples
///
/// ```
/// use kernel::cookie::GenCookie;
///
/// let cookie = GenCookie::new()?;
/// let first = cookie.next();
/// let second = cookie.next();
/// assert!(first >= 1);
/// assert_ne!(first, second);
/// # Ok::<(), Error>(())
/// ```
pub struct GenCookie {
    inner: Opaque<bindings::gen_cookie>,
}

// SAFETY: The generator is not tied to the thread that created it: its per-CPU memory is used
// by whichever CPU runs `next()`, and it may be freed from any thread.
unsafe impl Send for GenCookie {}

// SAFETY: `next()` is the only method that uses the generator through a shared reference;
// `gen_cookie_next()` may run on every CPU at once (each uses its own batch, and the shared
// counters are atomics) and nests with itself in interrupts on the same CPU.
unsafe impl Sync for GenCookie {}

impl GenCookie {
    /// Creates a generator; allocates its per-CPU batches.
    pub fn new() -> Result<Self> {
        // SAFETY: FFI call without requirements; the memory it returns is zeroed, as a
        // `DEFINE_PER_CPU()` variable is.
        let local = unsafe {
            bindings::__alloc_percpu(
                size_of::<bindings::pcpu_gen_cookie>(),
                align_of::<bindings::pcpu_gen_cookie>(),
            )
        };
        if local.is_null() {
            return Err(ENOMEM);
        }
        // The shared counters start at zero (`ATOMIC64_INIT(0)`).
        let cookie = Self {
            inner: Opaque::zeroed(),
        };
        // INVARIANT: `local` is per-CPU memory of the right size and alignment, which the new
        // object owns; the rest of `inner` is zeroed.
        // SAFETY: `inner` is valid for writes and not shared with anyone yet.
        unsafe { (*cookie.inner.get()).local = local.cast() };
        Ok(cookie)
    }

    /// Returns a new number (`gen_cookie_next()` with preemption disabled).
    ///
    /// May be called in any context.
    #[inline]
    pub fn next(&self) -> u64 {
        // SAFETY: FFI call without requirements; preemption is enabled again below.
        unsafe { bindings::preempt_disable() };
        // SAFETY: `inner` is a valid generator (type invariants). With preemption disabled the
        // task stays on this CPU for the whole call, so the batch that `this_cpu_ptr()` picks is
        // this CPU's throughout, as `gen_cookie_next()` requires.
        let n = unsafe { bindings::gen_cookie_next(self.inner.get()) };
        // SAFETY: FFI call without requirements; it balances the `preempt_disable()` above.
        unsafe { bindings::preempt_enable() };
        n
    }
}

impl Drop for GenCookie {
    fn drop(&mut self) {
        // SAFETY: `inner.local` is per-CPU memory this object allocated and owns (type
        // invariants); with `&mut self` nothing uses it any more.
        unsafe { bindings::free_percpu((*self.inner.get()).local.cast()) };
    }
}
