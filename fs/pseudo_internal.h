/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations that the pseudo filesystems in fs/ (nsfs, pidfs) share with
 * fs/libfs.c, fs/anon_inodes.c and fs/fhandle.c.
 *
 * Private to fs/: fs/internal.h includes this header, and so does
 * rust/bindings/bindings_helper.h, so that the Rust pidfs, which is part of
 * fs/ as well, calls the same functions without any of them becoming
 * visible to the rest of the kernel.
 */
#ifndef _FS_PSEUDO_INTERNAL_H
#define _FS_PSEUDO_INTERNAL_H

#include <linux/types.h>

struct dentry;
struct iattr;
struct inode;
struct kstat;
struct mnt_idmap;
struct ns_common;
struct path;
struct vfsmount;

/*
 * fs/libfs.c: a pseudo filesystem keeps at most one dentry per object, in a
 * slot of the object.
 */
struct stashed_operations {
	struct dentry *(*stash_dentry)(struct dentry **stashed,
				       struct dentry *dentry);
	void (*put_data)(void *data);
	int (*init_inode)(struct inode *inode, void *data);
};

int path_from_stashed(struct dentry **stashed, struct vfsmount *mnt, void *data,
		      struct path *path);
void stashed_dentry_prune(struct dentry *dentry);
struct dentry *stash_dentry(struct dentry **stashed, struct dentry *dentry);
struct dentry *stashed_dentry_get(struct dentry **stashed);

/*
 * fs/nsfs.c
 */
int open_namespace(struct ns_common *ns);

/*
 * fs/anon_inodes.c
 */
int anon_inode_getattr(struct mnt_idmap *idmap, const struct path *path,
		       struct kstat *stat, u32 request_mask,
		       unsigned int query_flags);
int anon_inode_setattr(struct mnt_idmap *idmap, struct dentry *dentry,
		       struct iattr *attr);

/*
 * fs/pidfs.c, or fs/pidfs_rs.rs
 */
void pidfs_get_root(struct path *path);

#endif /* _FS_PSEUDO_INTERNAL_H */
