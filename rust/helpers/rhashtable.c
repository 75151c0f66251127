// SPDX-License-Identifier: GPL-2.0

#include <linux/rhashtable.h>

/* rhashtable_init() is a macro around alloc_hooks(); keep the allocation tagging. */
__rust_helper int rust_helper_rhashtable_init(struct rhashtable *ht,
					      const struct rhashtable_params *params)
{
	return rhashtable_init(ht, params);
}

__rust_helper int
rust_helper_rhashtable_insert_fast(struct rhashtable *ht, struct rhash_head *obj,
				   const struct rhashtable_params params)
{
	return rhashtable_insert_fast(ht, obj, params);
}

__rust_helper int
rust_helper_rhashtable_remove_fast(struct rhashtable *ht, struct rhash_head *obj,
				   const struct rhashtable_params params)
{
	return rhashtable_remove_fast(ht, obj, params);
}

__rust_helper void *rust_helper_rhashtable_lookup(struct rhashtable *ht, const void *key,
						  const struct rhashtable_params params)
{
	return rhashtable_lookup(ht, key, params);
}
