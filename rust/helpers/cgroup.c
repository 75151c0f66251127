// SPDX-License-Identifier: GPL-2.0

#include <linux/cgroup.h>

#ifdef CONFIG_CGROUPS
__rust_helper struct cgroup *rust_helper_task_dfl_cgroup(struct task_struct *task)
{
	return task_dfl_cgroup(task);
}
#endif

__rust_helper u64 rust_helper_cgroup_id(const struct cgroup *cgrp)
{
	return cgroup_id(cgrp);
}
