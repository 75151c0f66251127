// SPDX-License-Identifier: GPL-2.0

#include <linux/pid.h>

__rust_helper struct pid *rust_helper_get_pid(struct pid *pid)
{
	return get_pid(pid);
}

__rust_helper bool rust_helper_pid_has_task(struct pid *pid, enum pid_type type)
{
	return pid_has_task(pid, type);
}

__rust_helper struct pid *rust_helper_task_pid(struct task_struct *task)
{
	return task_pid(task);
}

__rust_helper pid_t rust_helper_task_ppid_vnr(const struct task_struct *tsk)
{
	return task_ppid_vnr(tsk);
}
