// SPDX-License-Identifier: GPL-2.0

//! Slab caches of objects of one type (`struct kmem_cache`).
//!
//! A subsystem that allocates many objects of one type gives them a cache of their own:
//! the objects are packed by the cache's rules (alignment, accounting, reclaim), and the cache
//! has its own line in `/proc/slabinfo`. Objects of a cache that lives as long as the kernel
//! are allocated as [`Box`]es of the [`CacheAllocator`] of that cache.
//!
//! C header: [`include/linux/slab.h`](srctree/include/linux/slab.h)

use super::{AllocError, Allocator, Box, Flags, NumaNode};
use crate::{
    bindings,
    error::{code::*, Result},
    str::{CStr, CStrExt},
};
use core::{
    alloc::Layout,
    marker::PhantomData,
    mem::{align_of, size_of},
    ops::BitOr,
    ptr::NonNull,
};

/// Flags of a slab cache (`slab_flags_t`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CacheFlags(bindings::slab_flags_t);

impl CacheFlags {
    /// No flag.
    pub const NONE: Self = Self(0);
    /// Align the objects to a hardware cache line (`SLAB_HWCACHE_ALIGN`).
    pub const HWCACHE_ALIGN: Self = Self(bindings::SLAB_HWCACHE_ALIGN);
    /// Count the cache's pages as reclaimable (`SLAB_RECLAIM_ACCOUNT`).
    pub const RECLAIM_ACCOUNT: Self = Self(bindings::SLAB_RECLAIM_ACCOUNT);
    /// Charge every object to the memory cgroup of the allocating task (`SLAB_ACCOUNT`).
    pub const ACCOUNT: Self = Self(bindings::SLAB_ACCOUNT);
}

impl BitOr for CacheFlags {
    type Output = Self;

    #[inline]
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// A slab cache of objects of type `T` (`struct kmem_cache`).
///
/// Objects are allocated from a cache only through a [`StaticCache`], that is, only from a
/// cache that is never dropped: the kernel's [`Allocator`]s are stateless, so a [`Box`] cannot
/// keep a reference to a cache that could go away before it. A cache that holds no object can be
/// dropped, which destroys it (`kmem_cache_destroy()`).
///
/// The cache is created with the size and alignment of `T` and the given [`CacheFlags`]; there
/// is no constructor, no `SLAB_TYPESAFE_BY_RCU` (its objects may be reused while RCU readers
/// still see them, which a Rust type would have to be written for) and no `SLAB_PANIC`: a caller
/// that cannot go on without the cache panics itself on the error [`KmemCache::new`] returns.
///
/// # Examples
///
/// ```
/// use kernel::alloc::kmem_cache::{CacheFlags, KmemCache};
///
/// struct Item {
///     a: u64,
///     b: u32,
/// }
///
/// let cache = KmemCache::<Item>::new(c"rust_doctest_items", CacheFlags::HWCACHE_ALIGN)?;
/// assert!(!cache.as_ptr().is_null());
/// // Destroys the cache, which holds no object.
/// drop(cache);
///
/// // A zero-sized type has no slab cache.
/// assert!(KmemCache::<()>::new(c"rust_doctest_zst", CacheFlags::NONE).is_err());
/// # Ok::<(), Error>(())
/// ```
///
/// # Invariants
///
/// `cache` is a cache that `kmem_cache_create()` made for objects of the size of `T`, aligned
/// at least as `T` requires; this object owns it.
pub struct KmemCache<T> {
    cache: NonNull<bindings::kmem_cache>,
    _object: PhantomData<fn() -> T>,
}

// SAFETY: The cache is not tied to the thread that created it; the slab allocator may destroy it
// from any thread. It does not own any `T`.
unsafe impl<T> Send for KmemCache<T> {}

// SAFETY: Allocating from and freeing to a cache is safe from every CPU at once: the slab
// allocator does its own locking. Rust code never accesses the cache's fields.
unsafe impl<T> Sync for KmemCache<T> {}

impl<T> KmemCache<T> {
    /// Creates a cache for objects of type `T` (`kmem_cache_create()`); `name` is its name in
    /// `/proc/slabinfo`.
    ///
    /// Fails with `EINVAL` if `T` is zero-sized or too large for a slab cache.
    pub fn new(name: &'static CStr, flags: CacheFlags) -> Result<Self> {
        let size = u32::try_from(size_of::<T>()).map_err(|_| EINVAL)?;
        if size == 0 {
            return Err(EINVAL);
        }
        let args = bindings::kmem_cache_args {
            align: u32::try_from(align_of::<T>()).map_err(|_| EINVAL)?,
            // SAFETY: Every other field of the C struct is an integer, a bool or a nullable
            // function pointer, and all zeroes is their "not used" value.
            ..unsafe { core::mem::zeroed() }
        };
        // SAFETY: `name` is a NUL-terminated string that lives for as long as the kernel, as a
        // cache's name must; `args` is valid for the duration of the call, which copies it.
        let cache = unsafe {
            bindings::__kmem_cache_create_args(
                name.as_char_ptr(),
                size,
                (&raw const args).cast_mut(),
                flags.0,
            )
        };
        // INVARIANT: A cache made for the size and alignment of `T`, owned by nobody else.
        Ok(Self {
            cache: NonNull::new(cache).ok_or(ENOMEM)?,
            _object: PhantomData,
        })
    }

    /// Returns the raw pointer to the cache.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::kmem_cache {
        self.cache.as_ptr()
    }
}

impl<T> Drop for KmemCache<T> {
    fn drop(&mut self) {
        // SAFETY: The cache is ours (type invariants). It holds no object: objects are only
        // allocated from caches that a `StaticCache` returns, which are never dropped.
        unsafe { bindings::kmem_cache_destroy(self.cache.as_ptr()) };
    }
}

/// A slab cache that is never dropped, known by a type, so that an [`Allocator`] can find it.
///
/// # Examples
///
/// The cache of this example would live as long as the kernel, so the example is compiled but
/// not run (running it in the doctest KUnit suite would leave the cache behind).
///
/// ```no_run
/// use kernel::alloc::kmem_cache::{CacheBox, CacheFlags, KmemCache, StaticCache};
/// use kernel::sync::SetOnce;
///
/// struct Item {
///     a: u64,
///     b: u32,
/// }
///
/// static ITEM_CACHE: SetOnce<KmemCache<Item>> = SetOnce::new();
///
/// struct ItemCache;
///
/// // SAFETY: `ITEM_CACHE` is never dropped, and once set it stays the same.
/// unsafe impl StaticCache for ItemCache {
///     type Object = Item;
///
///     fn cache() -> Option<&'static KmemCache<Item>> {
///         ITEM_CACHE.as_ref()
///     }
/// }
///
/// // No cache yet: allocations fail.
/// assert!(CacheBox::<ItemCache>::new(Item { a: 1, b: 2 }, GFP_KERNEL).is_err());
/// ITEM_CACHE.populate(KmemCache::new(c"rust_doctest_items", CacheFlags::NONE)?);
/// let item = CacheBox::<ItemCache>::new(Item { a: 1, b: 2 }, GFP_KERNEL)?;
/// assert_eq!((item.a, item.b), (1, 2));
/// let ptr = CacheBox::<ItemCache>::into_raw(item);
/// assert_eq!(ptr.align_offset(core::mem::align_of::<Item>()), 0);
/// // SAFETY: `ptr` came from `into_raw()` of a box of the same type, just above.
/// drop(unsafe { CacheBox::<ItemCache>::from_raw(ptr) });
/// # Ok::<(), Error>(())
/// ```
///
/// # Safety
///
/// Once [`StaticCache::cache`] has returned a cache, it returns the same cache on every later
/// call; that cache is never dropped.
pub unsafe trait StaticCache: 'static {
    /// The type of the cache's objects.
    type Object;

    /// Returns the cache, or [`None`] if it does not exist yet.
    fn cache() -> Option<&'static KmemCache<Self::Object>>;
}

/// The allocator of objects of the static cache `C`.
///
/// It allocates only layouts that fit one object of the cache, and never moves an object.
pub struct CacheAllocator<C>(PhantomData<C>);

/// A [`Box`] of an object of the static cache `C`.
pub type CacheBox<C> = Box<<C as StaticCache>::Object, CacheAllocator<C>>;

// SAFETY:
// - Memory from `kmem_cache_alloc_node()` stays valid until it is passed to `kmem_cache_free()`,
//   which only `realloc()` with a zero size does.
// - Every allocation of this type comes from the one cache of `C` (safety requirements of
//   `StaticCache`), so it may be passed to any function of this type.
// - `realloc()` keeps the guarantees: see its comments.
unsafe impl<C: StaticCache> Allocator for CacheAllocator<C> {
    const MIN_ALIGN: usize = bindings::ARCH_SLAB_MINALIGN;

    #[inline]
    unsafe fn realloc(
        ptr: Option<NonNull<u8>>,
        layout: Layout,
        old_layout: Layout,
        flags: Flags,
        nid: NumaNode,
    ) -> Result<NonNull<[u8]>, AllocError> {
        let size = size_of::<C::Object>();
        // An allocation with a zero-sized old layout is not from this allocator.
        let ptr = ptr.filter(|_| old_layout.size() != 0);
        if layout.size() == 0 {
            if let Some(p) = ptr {
                match C::cache() {
                    // SAFETY: `p` is an object of this cache, not used any more (safety
                    // requirements of `realloc()`: a zero size frees it).
                    Some(cache) => unsafe {
                        bindings::kmem_cache_free(cache.as_ptr(), p.as_ptr().cast())
                    },
                    // `p` came from the cache (safety requirements), which once returned stays
                    // (safety requirements of `StaticCache`): an implementation that breaks
                    // that contract would leak the object here, so say so.
                    None => {
                        crate::warn_on_once!(true);
                    }
                }
            }
            return Ok(NonNull::slice_from_raw_parts(NonNull::dangling(), 0));
        }
        // The objects are aligned as the object type requires, and at least to the minimum
        // alignment of the slab allocator (`calculate_alignment()`).
        if layout.size() > size || layout.align() > align_of::<C::Object>().max(Self::MIN_ALIGN) {
            return Err(AllocError);
        }
        if let Some(p) = ptr {
            // Every object has the full size: a layout that fits needs no new memory, and the
            // contents stay where they are.
            return Ok(NonNull::slice_from_raw_parts(p, size));
        }
        let cache = C::cache().ok_or(AllocError)?;
        // SAFETY: The cache is valid (type invariants of `KmemCache`); `flags` are valid GFP
        // flags and `nid` a node or `NUMA_NO_NODE`.
        let p = unsafe { bindings::kmem_cache_alloc_node(cache.as_ptr(), flags.as_raw(), nid.0) };
        let p = NonNull::new(p.cast::<u8>()).ok_or(AllocError)?;
        // The object has the size of `C::Object`, at least `layout.size()`, and the cache's
        // alignment, at least `layout.align()` (both checked above).
        Ok(NonNull::slice_from_raw_parts(p, size))
    }
}
