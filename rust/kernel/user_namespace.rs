// SPDX-License-Identifier: GPL-2.0

//! User namespaces.
//!
//! C header: [`include/linux/user_namespace.h`](srctree/include/linux/user_namespace.h)

use crate::{bindings, sync::aref::AlwaysRefCounted, types::Opaque};
use core::ptr;

/// Wraps the kernel's `struct user_namespace`: the namespace that kernel ids are mapped into
/// for userspace (e.g. [`Kuid`]).
///
/// A credential holds a reference to its user namespace ([`Credential::user_ns`]); an
/// [`ARef<UserNamespace>`] holds one of its own.
///
/// Without `CONFIG_USER_NS` the only user namespace is the static `init_user_ns`, and taking or
/// dropping a reference does nothing.
///
/// [`Kuid`]: crate::task::Kuid
/// [`Credential::user_ns`]: crate::cred::Credential::user_ns
/// [`ARef<UserNamespace>`]: crate::sync::aref::ARef
///
/// # Invariants
///
/// Instances of this type are always reference-counted: a reference taken with `get_user_ns()`
/// keeps the namespace valid until the matching `put_user_ns()`.
#[repr(transparent)]
pub struct UserNamespace(Opaque<bindings::user_namespace>);

impl UserNamespace {
    /// Creates a reference to a [`UserNamespace`] from a valid pointer.
    ///
    /// # Safety
    ///
    /// The caller must ensure that `ptr` is valid and remains valid for the lifetime of the
    /// returned [`UserNamespace`] reference.
    #[inline]
    pub unsafe fn from_ptr<'a>(ptr: *const bindings::user_namespace) -> &'a Self {
        // SAFETY: The safety requirements guarantee the validity of the dereference, while the
        // `UserNamespace` type being transparent makes the cast ok.
        unsafe { &*ptr.cast() }
    }

    /// Returns a raw pointer to the inner C struct.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::user_namespace {
        self.0.get()
    }
}

// SAFETY: The type invariants guarantee that `UserNamespace` is always reference-counted.
unsafe impl AlwaysRefCounted for UserNamespace {
    #[inline]
    fn inc_ref(&self) {
        // SAFETY: The existence of a shared reference means that the refcount is nonzero.
        unsafe { bindings::get_user_ns(self.as_ptr()) };
    }

    #[inline]
    unsafe fn dec_ref(obj: ptr::NonNull<Self>) {
        // SAFETY: The safety requirements guarantee that the refcount is nonzero; `put_user_ns()`
        // frees the namespace (from a work item) when it drops the last reference.
        unsafe { bindings::put_user_ns(obj.cast().as_ptr()) };
    }
}

// SAFETY:
// - `UserNamespace::dec_ref` can be called from any thread: `put_user_ns()` defers the freeing to
//   a work item.
// - It is okay to send ownership of `UserNamespace` across thread boundaries.
unsafe impl Send for UserNamespace {}

// SAFETY: It's OK to access `UserNamespace` through shared references from other threads: its
// id maps are written once, before the namespace is used, and read locklessly by C as well.
unsafe impl Sync for UserNamespace {}
