// SPDX-License-Identifier: GPL-2.0

#include <linux/pid.h>
#include <linux/rhashtable.h>

/*
 * The fast rhashtable operations are inlines that C callers specialise by
 * passing their table's parameters as a compile-time constant: the key is
 * hashed with jhash2() of the key's constant length. Parameters passed at
 * run time, as a generic helper would take them from Rust, turn that into a
 * call through ht->p.hashfn. So the helpers are per table, each with its
 * parameters as a C constant.
 */

/*
 * Pids by pidfs inode number: key pid->ino, linkage pid->pidfs_hash. Only
 * the Rust pidfs uses this table, so kernels with the C pidfs do not carry its
 * helpers.
 */
#ifdef CONFIG_FS_PID
static const struct rhashtable_params pid_ino_ht_params = {
	.key_offset		= offsetof(struct pid, ino),
	.key_len		= sizeof(u64),
	.head_offset		= offsetof(struct pid, pidfs_hash),
	.automatic_shrinking	= true,
};

/* rhashtable_init() is a macro around alloc_hooks(); keep the allocation tagging. */
__rust_helper int rust_helper_pid_ino_ht_init(struct rhashtable *ht)
{
	return rhashtable_init(ht, &pid_ino_ht_params);
}

__rust_helper int rust_helper_pid_ino_ht_insert(struct rhashtable *ht, struct pid *pid)
{
	return rhashtable_insert_fast(ht, &pid->pidfs_hash, pid_ino_ht_params);
}

__rust_helper int rust_helper_pid_ino_ht_remove(struct rhashtable *ht, struct pid *pid)
{
	return rhashtable_remove_fast(ht, &pid->pidfs_hash, pid_ino_ht_params);
}

__rust_helper struct pid *rust_helper_pid_ino_ht_lookup(struct rhashtable *ht, u64 ino)
{
	return rhashtable_lookup(ht, &ino, pid_ino_ht_params);
}
#endif /* CONFIG_FS_PID */
