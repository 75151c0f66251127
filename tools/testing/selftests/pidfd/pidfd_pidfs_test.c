// SPDX-License-Identifier: GPL-2.0
/*
 * pidfs behaviour that the other pidfd selftests leave untested. Every
 * expected value is derived from fs/pidfs.c and the VFS paths it uses; the
 * function that decides it is named next to each check.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/types.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syscall.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "pidfd.h"
#include "kselftest_harness.h"

#ifndef PIDFD_SIGNAL_THREAD
#define PIDFD_SIGNAL_THREAD		0x1U
#endif

#ifndef PIDFD_SIGNAL_THREAD_GROUP
#define PIDFD_SIGNAL_THREAD_GROUP	0x2U
#endif

#ifndef PIDFD_SIGNAL_PROCESS_GROUP
#define PIDFD_SIGNAL_PROCESS_GROUP	0x4U
#endif

#ifndef PID_FS_MAGIC
#define PID_FS_MAGIC 0x50494446
#endif

#ifndef FS_IOC_GETVERSION
#define FS_IOC_GETVERSION _IOR('v', 1, long)
#endif

#ifndef NS_GET_USERNS
#define NS_GET_USERNS _IO(0xb7, 0x1)
#endif

#ifndef CLONE_AUTOREAP
#define CLONE_AUTOREAP 0x400000000ULL
#endif

#ifndef CLONE_NNP
#define CLONE_NNP 0x800000000ULL
#endif

#ifndef CLONE_PIDFD_AUTOKILL
#define CLONE_PIDFD_AUTOKILL 0x1000000000ULL
#endif

/* include/linux/exportfs.h */
#define PIDFS_FILEID_KERNFS	0xfe
#define PIDFS_FILEID_INVALID	0xff

/* Offsets and sizes of the uapi struct pidfd_info (include/uapi/linux/pidfd.h). */
#define INFO_OFF_MASK			0
#define INFO_OFF_PID			16
#define INFO_OFF_EXIT_CODE		60
#define INFO_OFF_COREDUMP_MASK		64
#define INFO_OFF_COREDUMP_SIGNAL	68
#define INFO_OFF_COREDUMP_CODE		72
#define INFO_OFF_COREDUMP_PAD		76
#define INFO_OFF_SUPPORTED_MASK		80
#define INFO_SIZE_VER0			64
#define INFO_SIZE_VER1			72
#define INFO_SIZE_VER2			80
#define INFO_SIZE_VER3			88

/* PIDFD_GET_INFO for a struct pidfd_info of @size bytes. */
#define PIDFD_GET_INFO_SIZE(size) \
	_IOC(_IOC_READ | _IOC_WRITE, PIDFS_IOCTL_MAGIC, 11, (size))

/* PIDFD_INFO_SUPPORTED in fs/pidfs.c */
#define INFO_SUPPORTED (PIDFD_INFO_PID | PIDFD_INFO_CREDS | \
			PIDFD_INFO_CGROUPID | PIDFD_INFO_EXIT | \
			PIDFD_INFO_COREDUMP | PIDFD_INFO_SUPPORTED_MASK | \
			PIDFD_INFO_COREDUMP_SIGNAL | PIDFD_INFO_COREDUMP_CODE)

#define NR_INO_CHILDREN 200

static const unsigned int ns_ioctls[] = {
	PIDFD_GET_CGROUP_NAMESPACE,
	PIDFD_GET_IPC_NAMESPACE,
	PIDFD_GET_MNT_NAMESPACE,
	PIDFD_GET_NET_NAMESPACE,
	PIDFD_GET_PID_NAMESPACE,
	PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE,
	PIDFD_GET_TIME_NAMESPACE,
	PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE,
	PIDFD_GET_USER_NAMESPACE,
	PIDFD_GET_UTS_NAMESPACE,
};

enum child_prep {
	CHILD_PLAIN,
	CHILD_BLOCK_SIGNALS,
	CHILD_NOT_DUMPABLE,
};

/*
 * Create a child that applies @prep, says it is ready and then sleeps until
 * it is killed. It dies with its parent, so a failing test leaks nothing.
 */
static pid_t spawn_child(int *pidfd, enum child_prep prep)
{
	int sync[2];
	sigset_t set;
	pid_t pid;
	char c = 0;

	if (pipe2(sync, O_CLOEXEC))
		return -1;

	pid = create_child(pidfd, 0);
	if (pid < 0) {
		close(sync[0]);
		close(sync[1]);
		return -1;
	}

	if (pid == 0) {
		close(sync[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL))
			_exit(EXIT_FAILURE);

		switch (prep) {
		case CHILD_PLAIN:
			break;
		case CHILD_BLOCK_SIGNALS:
			sigfillset(&set);
			if (sigprocmask(SIG_BLOCK, &set, NULL))
				_exit(EXIT_FAILURE);
			break;
		case CHILD_NOT_DUMPABLE:
			if (prctl(PR_SET_DUMPABLE, 0))
				_exit(EXIT_FAILURE);
			break;
		}

		if (write_nointr(sync[1], &c, 1) != 1)
			_exit(EXIT_FAILURE);
		for (;;)
			pause();
	}

	close(sync[1]);
	if (read_nointr(sync[0], &c, 1) != 1) {
		close(sync[0]);
		waitpid(pid, NULL, 0);
		close(*pidfd);
		return -1;
	}
	close(sync[0]);
	return pid;
}

/* Create a child that exits at once with status 0. */
static pid_t spawn_exiting_child(int *pidfd)
{
	pid_t pid;

	pid = create_child(pidfd, 0);
	if (pid == 0)
		_exit(EXIT_SUCCESS);
	return pid;
}

static void kill_child(pid_t pid, int pidfd)
{
	sys_pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
	waitpid(pid, NULL, 0);
	close(pidfd);
}

/* Wait until @pidfd's task has exited without reaping it. */
static int wait_zombie(int pidfd)
{
	siginfo_t info;

	return sys_waitid(P_PIDFD, pidfd, &info, WEXITED | WNOWAIT);
}

static int drop_to_nobody(void)
{
	if (setgroups(0, NULL))
		return -1;
	if (setresgid(65534, 65534, 65534))
		return -1;
	/* Leaving uid 0 clears all capability sets. */
	return setresuid(65534, 65534, 65534);
}

static __u64 sigbit(int sig)
{
	return 1ULL << (sig - 1);
}

/* Thread-private (SigPnd) and shared (ShdPnd) pending sets of @pid. */
static int read_pending(pid_t pid, __u64 *private, __u64 *shared)
{
	bool got_private = false, got_shared = false;
	char path[64], line[256];
	unsigned long long v;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;

	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "SigPnd: %llx", &v) == 1) {
			*private = v;
			got_private = true;
		} else if (sscanf(line, "ShdPnd: %llx", &v) == 1) {
			*shared = v;
			got_shared = true;
		}
	}
	fclose(f);

	return (got_private && got_shared) ? 0 : -1;
}

static __u32 get_u32(const unsigned char *buf, size_t off)
{
	__u32 v;

	memcpy(&v, buf + off, sizeof(v));
	return v;
}

static __u64 get_u64(const unsigned char *buf, size_t off)
{
	__u64 v;

	memcpy(&v, buf + off, sizeof(v));
	return v;
}

static int cmp_ino(const void *a, const void *b)
{
	ino_t x = *(const ino_t *)a, y = *(const ino_t *)b;

	return (x > y) - (x < y);
}

FIXTURE(pidfs)
{
	pid_t pid;
	int pidfd;
};

FIXTURE_SETUP(pidfs)
{
	self->pid = spawn_child(&self->pidfd, CHILD_PLAIN);
	ASSERT_GT(self->pid, 0);
}

FIXTURE_TEARDOWN(pidfs)
{
	if (self->pid > 0)
		kill_child(self->pid, self->pidfd);
}

/* sys_pidfd_open() rejects pid <= 0 before any lookup. */
TEST(pidfd_open_pid_zero)
{
	ASSERT_EQ(sys_pidfd_open(0, 0), -1);
	ASSERT_EQ(errno, EINVAL);
}

/*
 * pid_max is capped by PID_MAX_LIMIT (at most 4M), so INT_MAX never names
 * a task and find_get_pid() fails.
 */
TEST(pidfd_open_nonexistent_pid)
{
	ASSERT_EQ(sys_pidfd_open(INT_MAX, 0), -1);
	ASSERT_EQ(errno, ESRCH);
}

TEST(pidfd_open_reaped_pid)
{
	int pidfd, fd;
	pid_t pid;

	pid = spawn_exiting_child(&pidfd);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(wait_zombie(pidfd), 0);

	/* A zombie still has its PIDTYPE_PID link: pidfd_prepare() accepts it. */
	fd = sys_pidfd_open(pid, 0);
	ASSERT_GE(fd, 0);
	close(fd);

	/* Reaping frees the number, so find_get_pid() finds nothing. */
	ASSERT_EQ(waitpid(pid, NULL, 0), pid);
	ASSERT_EQ(sys_pidfd_open(pid, 0), -1);
	ASSERT_EQ(errno, ESRCH);
	close(pidfd);
}

/*
 * sys_pidfd_send_signal() accepts only the three PIDFD_SIGNAL_* bits and at
 * most one of them.
 */
TEST(send_signal_invalid_flags)
{
	static const unsigned int bad[] = {
		PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP,
		PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_PROCESS_GROUP,
		PIDFD_SIGNAL_THREAD_GROUP | PIDFD_SIGNAL_PROCESS_GROUP,
		PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP |
			PIDFD_SIGNAL_PROCESS_GROUP,
		1U << 3,
		PIDFD_SIGNAL_THREAD | (1U << 3),
		~0U,
	};
	int pidfd;
	size_t i;

	/* Lead our own process group so the _PROCESS_GROUP probe finds us. */
	ASSERT_EQ(setpgid(0, 0), 0);
	pidfd = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(pidfd, 0);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(sys_pidfd_send_signal(pidfd, 0, NULL, bad[i]), -1)
			TH_LOG("flags %#x accepted", bad[i]);
		EXPECT_EQ(errno, EINVAL);
	}

	EXPECT_EQ(sys_pidfd_send_signal(pidfd, 0, NULL, 0), 0);
	EXPECT_EQ(sys_pidfd_send_signal(pidfd, 0, NULL, PIDFD_SIGNAL_THREAD), 0);
	EXPECT_EQ(sys_pidfd_send_signal(pidfd, 0, NULL,
					PIDFD_SIGNAL_THREAD_GROUP), 0);
	EXPECT_EQ(sys_pidfd_send_signal(pidfd, 0, NULL,
					PIDFD_SIGNAL_PROCESS_GROUP), 0);
	close(pidfd);
}

/*
 * The scope comes from PIDFD_THREAD in f_flags unless a flag overrides it
 * (do_pidfd_send_signal()). PIDTYPE_PID queues on the thread's own pending
 * set (SigPnd), PIDTYPE_TGID on the shared one (ShdPnd). The child blocks
 * every signal, so they stay pending.
 */
TEST(send_signal_scope)
{
	__u64 private = 0, shared = 0;
	int pidfd, thread_pidfd;
	pid_t pid;

	pid = spawn_child(&pidfd, CHILD_BLOCK_SIGNALS);
	ASSERT_GT(pid, 0);
	thread_pidfd = sys_pidfd_open(pid, PIDFD_THREAD);
	ASSERT_GE(thread_pidfd, 0);

	/* Thread-group pidfd: PIDTYPE_TGID. */
	ASSERT_EQ(sys_pidfd_send_signal(pidfd, SIGUSR1, NULL, 0), 0);
	/* PIDFD_SIGNAL_THREAD: PIDTYPE_PID. */
	ASSERT_EQ(sys_pidfd_send_signal(pidfd, SIGUSR2, NULL,
					PIDFD_SIGNAL_THREAD), 0);
	/* PIDFD_THREAD pidfd: PIDTYPE_PID. */
	ASSERT_EQ(sys_pidfd_send_signal(thread_pidfd, SIGHUP, NULL, 0), 0);
	/* PIDFD_SIGNAL_THREAD_GROUP: PIDTYPE_TGID. */
	ASSERT_EQ(sys_pidfd_send_signal(thread_pidfd, SIGTERM, NULL,
					PIDFD_SIGNAL_THREAD_GROUP), 0);

	ASSERT_EQ(read_pending(pid, &private, &shared), 0);
	EXPECT_EQ(private, sigbit(SIGUSR2) | sigbit(SIGHUP));
	EXPECT_EQ(shared, sigbit(SIGUSR1) | sigbit(SIGTERM));

	close(thread_pidfd);
	kill_child(pid, pidfd);
}

/*
 * PIDFD_SIGNAL_PROCESS_GROUP calls kill_pgrp_info() on the pidfd's pid: it
 * signals the group that pid leads, and fails with ESRCH if it leads none.
 */
TEST(send_signal_process_group)
{
	int pidfd_a, pidfd_b, status;
	pid_t pid_a, pid_b;

	pid_a = spawn_child(&pidfd_a, CHILD_PLAIN);
	ASSERT_GT(pid_a, 0);
	pid_b = spawn_child(&pidfd_b, CHILD_PLAIN);
	ASSERT_GT(pid_b, 0);
	ASSERT_EQ(setpgid(pid_a, pid_a), 0);
	ASSERT_EQ(setpgid(pid_b, pid_a), 0);

	ASSERT_EQ(sys_pidfd_send_signal(pidfd_b, SIGUSR1, NULL,
					PIDFD_SIGNAL_PROCESS_GROUP), -1);
	ASSERT_EQ(errno, ESRCH);

	ASSERT_EQ(sys_pidfd_send_signal(pidfd_a, SIGUSR1, NULL,
					PIDFD_SIGNAL_PROCESS_GROUP), 0);
	ASSERT_EQ(waitpid(pid_a, &status, 0), pid_a);
	ASSERT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(WTERMSIG(status), SIGUSR1);
	ASSERT_EQ(waitpid(pid_b, &status, 0), pid_b);
	ASSERT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(WTERMSIG(status), SIGUSR1);

	close(pidfd_a);
	close(pidfd_b);
}

/* kill_pid_info_type() finds no task once the pid has been reaped. */
TEST(send_signal_reaped)
{
	int pidfd;
	pid_t pid;

	pid = spawn_exiting_child(&pidfd);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(wait_zombie(pidfd), 0);
	ASSERT_EQ(sys_pidfd_send_signal(pidfd, 0, NULL, 0), 0);

	ASSERT_EQ(waitpid(pid, NULL, 0), pid);
	ASSERT_EQ(sys_pidfd_send_signal(pidfd, 0, NULL, 0), -1);
	ASSERT_EQ(errno, ESRCH);
	ASSERT_EQ(sys_pidfd_send_signal(pidfd, SIGKILL, NULL, 0), -1);
	ASSERT_EQ(errno, ESRCH);
	close(pidfd);
}

/* Run by the init of a new pid namespace; @parent_pidfd is not visible. */
static int info_from_child_pidns(int parent_pidfd)
{
	struct pidfd_info info = { .mask = PIDFD_INFO_EXIT };
	int own;

	/* pidfd_info() checks for NULL before the namespace. */
	if (ioctl(parent_pidfd, PIDFD_GET_INFO, NULL) != -1 || errno != EINVAL)
		return 1;
	/* pid_in_current_pidns() */
	if (ioctl(parent_pidfd, PIDFD_GET_INFO, &info) != -1 || errno != EREMOTE)
		return 2;

	own = sys_pidfd_open(getpid(), 0);
	if (own < 0)
		return 3;
	memset(&info, 0, sizeof(info));
	if (ioctl(own, PIDFD_GET_INFO, &info))
		return 4;
	if (!(info.mask & PIDFD_INFO_PID) || info.pid != 1)
		return 5;
	return 0;
}

/* Run by the init of a new pid namespace; @parent_pidfd is not visible. */
static int signal_from_child_pidns(int parent_pidfd)
{
	int own;

	/* access_pidfd_pidns() */
	if (sys_pidfd_send_signal(parent_pidfd, 0, NULL, 0) != -1 ||
	    errno != EINVAL)
		return 1;

	own = sys_pidfd_open(getpid(), 0);
	if (own < 0)
		return 2;
	if (sys_pidfd_send_signal(own, 0, NULL, 0))
		return 3;
	return 0;
}

static int run_in_child_pidns(int (*fn)(int parent_pidfd))
{
	int self_pidfd, child_pidfd, ret;
	pid_t pid;

	self_pidfd = sys_pidfd_open(getpid(), 0);
	if (self_pidfd < 0)
		return -1;

	pid = create_child(&child_pidfd,
			   CLONE_NEWPID | (geteuid() ? CLONE_NEWUSER : 0));
	if (pid < 0) {
		close(self_pidfd);
		return -1;
	}
	if (pid == 0)
		_exit(fn(self_pidfd));

	ret = wait_for_pid(pid);
	close(child_pidfd);
	close(self_pidfd);
	return ret;
}

TEST(info_eremote_foreign_pidns)
{
	ASSERT_EQ(run_in_child_pidns(info_from_child_pidns), 0);
}

TEST(send_signal_foreign_pidns)
{
	ASSERT_EQ(run_in_child_pidns(signal_from_child_pidns), 0);
}

TEST(info_null_arg)
{
	int pidfd;

	pidfd = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(pidfd, 0);
	ASSERT_EQ(ioctl(pidfd, PIDFD_GET_INFO, NULL), -1);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_EQ(ioctl(pidfd, PIDFD_GET_INFO_SIZE(INFO_SIZE_VER0), NULL), -1);
	ASSERT_EQ(errno, EINVAL);
	close(pidfd);
}

/*
 * pidfd_info() fills an 88-byte struct and copy_struct_to_user() copies
 * min(usize, 88) bytes and zeroes the rest of a larger buffer. Bytes past
 * usize stay untouched. The mask has the bits of the fields that fit; for a
 * field that does not fit, include/uapi/linux/pidfd.h says the bit is
 * cleared, and fs/pidfs.c sets it: that is not asserted either way.
 * The child is not dumpable: pidfs_coredump_mask() maps TASK_DUMPABLE_OFF
 * to PIDFD_COREDUMP_SKIP.
 */
TEST(info_sizes)
{
	static const size_t sizes[] = {
		INFO_SIZE_VER0, INFO_SIZE_VER1, INFO_SIZE_VER2, INFO_SIZE_VER3,
		96, 256,
	};
	const __u64 may = PIDFD_INFO_PID | PIDFD_INFO_CREDS |
			  PIDFD_INFO_CGROUPID | PIDFD_INFO_COREDUMP |
			  PIDFD_INFO_SUPPORTED_MASK;
	unsigned char buf[512];
	size_t i, off;
	int pidfd;
	pid_t pid;

	pid = spawn_child(&pidfd, CHILD_NOT_DUMPABLE);
	ASSERT_GT(pid, 0);

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t size = sizes[i];
		__u64 mask = PIDFD_INFO_COREDUMP | PIDFD_INFO_SUPPORTED_MASK;
		__u64 must = PIDFD_INFO_PID | PIDFD_INFO_CREDS;

		if (size >= INFO_SIZE_VER1)
			must |= PIDFD_INFO_COREDUMP;
		if (size >= INFO_SIZE_VER3)
			must |= PIDFD_INFO_SUPPORTED_MASK;

		TH_LOG("usize %zu", size);
		memset(buf, 0xa5, sizeof(buf));
		memcpy(buf + INFO_OFF_MASK, &mask, sizeof(mask));
		ASSERT_EQ(ioctl(pidfd, PIDFD_GET_INFO_SIZE(size), buf), 0);

		mask = get_u64(buf, INFO_OFF_MASK);
		EXPECT_EQ(mask & must, must);
		EXPECT_EQ(mask & ~may, 0);
		EXPECT_EQ(get_u32(buf, INFO_OFF_PID), pid);
		EXPECT_EQ(get_u32(buf, INFO_OFF_EXIT_CODE), 0);

		if (size >= INFO_SIZE_VER1) {
			EXPECT_EQ(get_u32(buf, INFO_OFF_COREDUMP_MASK),
				  PIDFD_COREDUMP_SKIP);
			EXPECT_EQ(get_u32(buf, INFO_OFF_COREDUMP_SIGNAL), 0);
		}
		if (size >= INFO_SIZE_VER2) {
			EXPECT_EQ(get_u32(buf, INFO_OFF_COREDUMP_CODE), 0);
			EXPECT_EQ(get_u32(buf, INFO_OFF_COREDUMP_PAD), 0);
		}
		if (size >= INFO_SIZE_VER3)
			EXPECT_EQ(get_u64(buf, INFO_OFF_SUPPORTED_MASK),
				  INFO_SUPPORTED);

		for (off = INFO_SIZE_VER3; off < size; off++)
			ASSERT_EQ(buf[off], 0) TH_LOG("byte %zu not zeroed", off);
		for (off = size; off < sizeof(buf); off++)
			ASSERT_EQ(buf[off], 0xa5) TH_LOG("byte %zu written", off);
	}

	kill_child(pid, pidfd);
}

/* pidfd_ioctl() checks arg only after finding the task. */
TEST_F(pidfs, ns_ioctl_arg_nonzero)
{
	struct stat st_fd, st_proc;
	char path[64];
	size_t i;
	int nsfd;

	for (i = 0; i < ARRAY_SIZE(ns_ioctls); i++) {
		EXPECT_EQ(ioctl(self->pidfd, ns_ioctls[i], 1), -1);
		EXPECT_EQ(errno, EINVAL);
	}

	nsfd = ioctl(self->pidfd, PIDFD_GET_MNT_NAMESPACE, 0);
	ASSERT_GE(nsfd, 0);
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", self->pid);
	ASSERT_EQ(stat(path, &st_proc), 0);
	ASSERT_EQ(fstat(nsfd, &st_fd), 0);
	EXPECT_EQ(st_fd.st_dev, st_proc.st_dev);
	EXPECT_EQ(st_fd.st_ino, st_proc.st_ino);
	close(nsfd);
}

/*
 * A zombie has no nsproxy: ESRCH after the arg check. A reaped task is not
 * found at all: ESRCH before the arg check.
 */
TEST(ns_ioctl_dead_task)
{
	size_t i;
	int pidfd;
	pid_t pid;

	pid = spawn_exiting_child(&pidfd);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(wait_zombie(pidfd), 0);

	for (i = 0; i < ARRAY_SIZE(ns_ioctls); i++) {
		EXPECT_EQ(ioctl(pidfd, ns_ioctls[i], 0), -1);
		EXPECT_EQ(errno, ESRCH);
		EXPECT_EQ(ioctl(pidfd, ns_ioctls[i], 1), -1);
		EXPECT_EQ(errno, EINVAL);
	}

	ASSERT_EQ(waitpid(pid, NULL, 0), pid);

	for (i = 0; i < ARRAY_SIZE(ns_ioctls); i++) {
		EXPECT_EQ(ioctl(pidfd, ns_ioctls[i], 0), -1);
		EXPECT_EQ(errno, ESRCH);
		EXPECT_EQ(ioctl(pidfd, ns_ioctls[i], 1), -1);
		EXPECT_EQ(errno, ESRCH);
	}
	close(pidfd);
}

/* ptrace_may_access(PTRACE_MODE_READ_FSCREDS) fails for nobody on root. */
TEST(ns_ioctl_eacces)
{
	int pidfd;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to drop privileges");

	pidfd = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(pidfd, 0);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		size_t i;

		if (drop_to_nobody())
			_exit(PIDFD_ERROR);
		for (i = 0; i < ARRAY_SIZE(ns_ioctls); i++) {
			if (ioctl(pidfd, ns_ioctls[i], 0) != -1 ||
			    errno != EACCES)
				_exit(PIDFD_FAIL);
		}
		_exit(PIDFD_PASS);
	}

	ASSERT_EQ(wait_for_pid(pid), PIDFD_PASS);
	close(pidfd);
}

/*
 * pidfs_ioctl_valid() rejects anything but the exact namespace commands,
 * FS_IOC_GETVERSION and PIDFD_GET_INFO with the right direction and at
 * least 64 bytes. The inode is S_ANON_INODE, so do_vfs_ioctl() hands
 * FIONREAD to pidfd_ioctl() and fails FIOQSIZE itself.
 */
TEST_F(pidfs, unknown_ioctl)
{
	const unsigned int cmds[] = {
		_IO(PIDFS_IOCTL_MAGIC, 0),
		_IO(PIDFS_IOCTL_MAGIC, 12),
		_IOW(PIDFS_IOCTL_MAGIC, 3, int),
		_IOR(PIDFS_IOCTL_MAGIC, 11, struct pidfd_info),
		PIDFD_GET_INFO_SIZE(INFO_SIZE_VER0 - 8),
		NS_GET_USERNS,
		FIONREAD,
		FIOQSIZE,
	};
	unsigned char buf[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		memset(buf, 0, sizeof(buf));
		EXPECT_EQ(ioctl(self->pidfd, cmds[i], buf), -1)
			TH_LOG("cmd %#x accepted", cmds[i]);
		EXPECT_EQ(errno, ENOTTY);
	}
}

/* i_generation is 0 on 64-bit (pidfs_gen()). */
TEST_F(pidfs, getversion)
{
	__u32 gen = 0xdeadbeef;

	ASSERT_EQ(ioctl(self->pidfd, FS_IOC_GETVERSION, NULL), -1);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_EQ(ioctl(self->pidfd, FS_IOC_GETVERSION, &gen), 0);
	if (sizeof(long) == 8)
		ASSERT_EQ(gen, 0);
}

/* pidfs_dname() */
TEST_F(pidfs, dname)
{
	char path[64], target[PATH_MAX];
	int fds[2], i;
	ssize_t len;

	fds[0] = self->pidfd;
	fds[1] = sys_pidfd_open(self->pid, PIDFD_THREAD);
	ASSERT_GE(fds[1], 0);

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[i]);
		len = readlink(path, target, sizeof(target) - 1);
		ASSERT_GT(len, 0);
		target[len] = '\0';
		ASSERT_STREQ(target, "anon_inode:[pidfd]");
	}
	close(fds[1]);
}

/*
 * anon_inode_getattr() strips S_IFMT from S_IFREG | S_IRWXU. The inode is
 * owned by the global root and has one link, no size and a PAGE_SIZE block
 * size from pseudo_fs_fill_super().
 */
TEST_F(pidfs, fstat_attrs)
{
	struct stat st;

	ASSERT_EQ(fstat(self->pidfd, &st), 0);
	EXPECT_EQ(st.st_mode, 0700);
	EXPECT_EQ(st.st_uid, 0);
	EXPECT_EQ(st.st_gid, 0);
	EXPECT_EQ(st.st_nlink, 1);
	EXPECT_EQ(st.st_size, 0);
	EXPECT_EQ(st.st_blksize, sysconf(_SC_PAGESIZE));
}

/* simple_statfs() */
TEST_F(pidfs, statfs_type)
{
	struct statfs sfs;

	ASSERT_EQ(fstatfs(self->pidfd, &sfs), 0);
	EXPECT_EQ(sfs.f_type, PID_FS_MAGIC);
	EXPECT_EQ(sfs.f_bsize, sysconf(_SC_PAGESIZE));
	EXPECT_EQ(sfs.f_namelen, NAME_MAX);
}

/*
 * pidfs_file_operations has no read, write or llseek: do_dentry_open()
 * leaves FMODE_CAN_READ and FMODE_CAN_WRITE unset and clears FMODE_LSEEK.
 */
TEST_F(pidfs, no_read_write_seek)
{
	char buf[16] = {};

	EXPECT_EQ(read(self->pidfd, buf, sizeof(buf)), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(write(self->pidfd, buf, sizeof(buf)), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(pread(self->pidfd, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(lseek(self->pidfd, 0, SEEK_SET), -1);
	EXPECT_EQ(errno, ESPIPE);
}

/*
 * No mmap method: do_mmap() returns ENODEV. The superblock is SB_I_NOEXEC,
 * so path_noexec() refuses PROT_EXEC with EPERM first.
 */
TEST_F(pidfs, no_mmap)
{
	void *p;

	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, self->pidfd, 0);
	EXPECT_EQ(p, MAP_FAILED);
	EXPECT_EQ(errno, ENODEV);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->pidfd, 0);
	EXPECT_EQ(p, MAP_FAILED);
	EXPECT_EQ(errno, ENODEV);
	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, self->pidfd, 0);
	EXPECT_EQ(p, MAP_FAILED);
	EXPECT_EQ(errno, EPERM);
}

/* notify_change() ends in pidfs_setattr(), i.e. anon_inode_setattr(). */
TEST_F(pidfs, no_truncate_utimes)
{
	if (geteuid() != 0)
		SKIP(return, "utimes needs ownership of the root-owned inode");

	EXPECT_EQ(ftruncate(self->pidfd, 0), -1);
	EXPECT_EQ(errno, EOPNOTSUPP);
	EXPECT_EQ(futimens(self->pidfd, NULL), -1);
	EXPECT_EQ(errno, EOPNOTSUPP);
}

/*
 * pidfs only has a trusted.* handler; xattr_resolve_name() fails any other
 * namespace with EOPNOTSUPP once xattr_permission() let root through.
 */
TEST(xattr_user_namespace)
{
	char buf[16];
	int pidfd;

	if (geteuid() != 0)
		SKIP(return, "needs root to pass xattr_permission()");

	pidfd = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(pidfd, 0);

	EXPECT_EQ(fsetxattr(pidfd, "user.foo", "1", 1, 0), -1);
	EXPECT_EQ(errno, EOPNOTSUPP);
	EXPECT_EQ(fgetxattr(pidfd, "user.foo", buf, sizeof(buf)), -1);
	EXPECT_EQ(errno, EOPNOTSUPP);
	EXPECT_EQ(fremovexattr(pidfd, "user.foo"), -1);
	EXPECT_EQ(errno, EOPNOTSUPP);
	close(pidfd);
}

/*
 * Without CAP_SYS_ADMIN xattr_permission() fails trusted.* writes with
 * EPERM and reads with ENODATA, and simple_xattr_list() hides trusted.*
 * names. user.* reaches inode_permission(), which refuses nobody on the
 * 0700 root-owned inode.
 */
TEST(xattr_unprivileged)
{
	const char *name = "trusted.pidfs_test";
	char buf[256];
	int pidfd;

	if (geteuid() != 0)
		SKIP(return, "needs root to set trusted.* and drop privileges");

	pidfd = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(pidfd, 0);
	ASSERT_EQ(fsetxattr(pidfd, name, "1", 1, 0), 0);
	ASSERT_EQ(flistxattr(pidfd, buf, sizeof(buf)), (ssize_t)strlen(name) + 1);

	ASSERT_EQ(drop_to_nobody(), 0);

	EXPECT_EQ(fgetxattr(pidfd, name, buf, sizeof(buf)), -1);
	EXPECT_EQ(errno, ENODATA);
	EXPECT_EQ(fsetxattr(pidfd, name, "2", 1, 0), -1);
	EXPECT_EQ(errno, EPERM);
	EXPECT_EQ(fremovexattr(pidfd, name), -1);
	EXPECT_EQ(errno, EPERM);
	EXPECT_EQ(flistxattr(pidfd, buf, sizeof(buf)), 0);
	EXPECT_EQ(fsetxattr(pidfd, "user.foo", "1", 1, 0), -1);
	EXPECT_EQ(errno, EACCES);
	EXPECT_EQ(fgetxattr(pidfd, "user.foo", buf, sizeof(buf)), -1);
	EXPECT_EQ(errno, EACCES);
	close(pidfd);
}

/*
 * pidfs_encode_fh() needs two u32 words. With less room it asks for 2 and
 * returns FILEID_INVALID, which do_sys_name_to_handle() turns into
 * EOVERFLOW with handle_bytes = 8. The handle is the 64-bit pid->ino,
 * which is also st_ino on 64-bit.
 */
TEST_F(pidfs, file_handle_overflow)
{
	static const unsigned int too_small[] = { 0, 4 };
	struct file_handle *fh;
	struct stat st;
	int mnt_id;
	__u64 ino;
	size_t i;

	fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
	ASSERT_NE(fh, NULL);

	for (i = 0; i < ARRAY_SIZE(too_small); i++) {
		fh->handle_bytes = too_small[i];
		fh->handle_type = 0;
		ASSERT_EQ(name_to_handle_at(self->pidfd, "", fh, &mnt_id,
					    AT_EMPTY_PATH), -1);
		ASSERT_EQ(errno, EOVERFLOW);
		ASSERT_EQ(fh->handle_bytes, 8);
		ASSERT_EQ(fh->handle_type, PIDFS_FILEID_INVALID);
	}

	fh->handle_bytes = MAX_HANDLE_SZ;
	ASSERT_EQ(name_to_handle_at(self->pidfd, "", fh, &mnt_id,
				    AT_EMPTY_PATH), 0);
	ASSERT_EQ(fh->handle_bytes, 8);
	ASSERT_EQ(fh->handle_type, PIDFS_FILEID_KERNFS);

	ASSERT_EQ(fstat(self->pidfd, &st), 0);
	memcpy(&ino, fh->f_handle, sizeof(ino));
	if (sizeof(long) == 8)
		ASSERT_EQ(ino, st.st_ino);
	free(fh);
}

/*
 * pidfs_fh_to_dentry() returns NULL for a type other than FILEID_KERNFS or
 * fewer than two words, which do_handle_to_path() reports as ESTALE.
 * Longer handles are not rejected.
 */
TEST_F(pidfs, file_handle_bad_type)
{
	struct stat st, st_open;
	struct file_handle *fh;
	int mnt_id, fd;

	fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
	ASSERT_NE(fh, NULL);
	memset(fh, 0, sizeof(*fh) + MAX_HANDLE_SZ);
	fh->handle_bytes = MAX_HANDLE_SZ;
	ASSERT_EQ(name_to_handle_at(self->pidfd, "", fh, &mnt_id,
				    AT_EMPTY_PATH), 0);
	ASSERT_EQ(fstat(self->pidfd, &st), 0);

	fh->handle_type = 1;
	ASSERT_EQ(open_by_handle_at(self->pidfd, fh, O_RDONLY), -1);
	ASSERT_EQ(errno, ESTALE);
	fh->handle_type = PIDFS_FILEID_INVALID;
	ASSERT_EQ(open_by_handle_at(self->pidfd, fh, O_RDONLY), -1);
	ASSERT_EQ(errno, ESTALE);

	fh->handle_type = PIDFS_FILEID_KERNFS;
	fh->handle_bytes = 4;
	ASSERT_EQ(open_by_handle_at(self->pidfd, fh, O_RDONLY), -1);
	ASSERT_EQ(errno, ESTALE);

	fh->handle_bytes = 16;
	fd = open_by_handle_at(self->pidfd, fh, O_RDONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(fstat(fd, &st_open), 0);
	ASSERT_EQ(st_open.st_ino, st.st_ino);
	close(fd);

	fh->handle_bytes = 8;
	fd = open_by_handle_at(self->pidfd, fh, O_RDONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(fstat(fd, &st_open), 0);
	ASSERT_EQ(st_open.st_ino, st.st_ino);
	close(fd);
	free(fh);
}

/*
 * mount(MS_BIND) reaches graft_tree(), which refuses the SB_NOUSER pidfs
 * superblock. nsfs clears SB_NOUSER, so the same bind of an nsfs file works.
 */
TEST(bind_mount_einval)
{
	char target[] = "/tmp/pidfs_bind_XXXXXX";
	char source[64];
	int pidfd, fd, ret, err;

	if (geteuid() != 0)
		SKIP(return, "needs root for mount(2)");

	ASSERT_EQ(unshare(CLONE_NEWNS), 0);
	ASSERT_EQ(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);

	fd = mkstemp(target);
	ASSERT_GE(fd, 0);
	close(fd);

	pidfd = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(pidfd, 0);

	snprintf(source, sizeof(source), "/proc/self/fd/%d", pidfd);
	ret = mount(source, target, NULL, MS_BIND, NULL);
	err = errno;
	if (!ret)
		umount2(target, MNT_DETACH);
	EXPECT_EQ(ret, -1);
	EXPECT_EQ(err, EINVAL);

	ret = mount("/proc/self/ns/uts", target, NULL, MS_BIND, NULL);
	EXPECT_EQ(ret, 0);
	if (!ret)
		umount2(target, MNT_DETACH);

	unlink(target);
	close(pidfd);
}

/*
 * pidfs_file_release() kills the child on the last fput() of the clone3
 * file. dup() shares that file, so closing the original is not enough.
 * PIDFD_AUTOKILL is O_TRUNC in f_flags, put back by pidfs_dentry_open().
 */
TEST(autokill_dup)
{
	struct __clone_args args = {
		.flags		= CLONE_PIDFD | CLONE_PIDFD_AUTOKILL |
				  CLONE_AUTOREAP | CLONE_NNP,
		.exit_signal	= 0,
	};
	struct pidfd_info info;
	struct pollfd pfd;
	int pidfd = -1, dupfd, observer, i;
	pid_t pid;

	args.pidfd = ptr_to_u64(&pidfd);
	pid = sys_clone3(&args, sizeof(args));
	if (pid < 0 && errno == EINVAL)
		SKIP(return, "CLONE_PIDFD_AUTOKILL not supported");
	ASSERT_GE(pid, 0);

	if (pid == 0) {
		pause();
		_exit(EXIT_FAILURE);
	}

	observer = sys_pidfd_open(pid, 0);
	ASSERT_GE(observer, 0);
	ASSERT_TRUE(fcntl(pidfd, F_GETFL) & O_TRUNC);
	ASSERT_FALSE(fcntl(observer, F_GETFL) & O_TRUNC);

	dupfd = dup(pidfd);
	ASSERT_GE(dupfd, 0);
	ASSERT_TRUE(fcntl(dupfd, F_GETFL) & O_TRUNC);
	close(pidfd);

	pfd.fd = observer;
	pfd.events = POLLIN;
	ASSERT_EQ(poll(&pfd, 1, 1000), 0);
	ASSERT_EQ(sys_pidfd_send_signal(observer, 0, NULL, 0), 0);

	close(dupfd);

	/* Wait for the autoreap: pidfs_exit() records the exit status. */
	for (i = 0; i < 100; i++) {
		ASSERT_GE(poll(&pfd, 1, 100), 0);
		memset(&info, 0, sizeof(info));
		info.mask = PIDFD_INFO_EXIT;
		ASSERT_EQ(ioctl(observer, PIDFD_GET_INFO, &info), 0);
		if (info.mask & PIDFD_INFO_EXIT)
			break;
	}
	ASSERT_TRUE(info.mask & PIDFD_INFO_EXIT);
	ASSERT_TRUE(WIFSIGNALED(info.exit_code));
	ASSERT_EQ(WTERMSIG(info.exit_code), SIGKILL);
	close(observer);
}

/*
 * pid->ino comes from a 64-bit cookie in pidfs_add_pid() and is never
 * reused, even once a pid and its inode are gone. All pidfds live on the
 * one pidfs superblock.
 */
TEST(inode_unique_across_processes)
{
	ino_t inos[NR_INO_CHILDREN + 1];
	struct stat st;
	int pidfd, i;
	dev_t dev;
	pid_t pid;

	pidfd = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(pidfd, 0);
	ASSERT_EQ(fstat(pidfd, &st), 0);
	inos[NR_INO_CHILDREN] = st.st_ino;
	dev = st.st_dev;
	close(pidfd);

	for (i = 0; i < NR_INO_CHILDREN; i++) {
		pid = spawn_exiting_child(&pidfd);
		ASSERT_GT(pid, 0);
		ASSERT_EQ(fstat(pidfd, &st), 0);
		ASSERT_EQ(st.st_dev, dev);
		inos[i] = st.st_ino;
		ASSERT_EQ(waitpid(pid, NULL, 0), pid);
		close(pidfd);
	}

	qsort(inos, ARRAY_SIZE(inos), sizeof(inos[0]), cmp_ino);
	for (i = 1; i < (int)ARRAY_SIZE(inos); i++)
		ASSERT_NE(inos[i - 1], inos[i]) TH_LOG("inode %llu reused",
						       (unsigned long long)inos[i]);
}

/*
 * Every pidfd of one pid shares its one inode (pid->stashed). The number
 * belongs to the struct pid, so it survives the inode being evicted after
 * the last pidfd is closed.
 */
TEST_F(pidfs, inode_equal_across_opens)
{
	struct stat st_ref, st;
	int fds[4], i, n = 0;
	char path[64];

	ASSERT_EQ(fstat(self->pidfd, &st_ref), 0);

	fds[n++] = sys_pidfd_open(self->pid, 0);
	fds[n++] = sys_pidfd_open(self->pid, PIDFD_THREAD);
	fds[n++] = sys_pidfd_open(self->pid, PIDFD_NONBLOCK);
	if (geteuid() == 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", self->pidfd);
		fds[n++] = open(path, O_RDONLY | O_CLOEXEC);
	}

	for (i = 0; i < n; i++) {
		ASSERT_GE(fds[i], 0);
		ASSERT_EQ(fstat(fds[i], &st), 0);
		EXPECT_EQ(st.st_dev, st_ref.st_dev);
		EXPECT_EQ(st.st_ino, st_ref.st_ino);
	}

	for (i = 0; i < n; i++)
		close(fds[i]);
	close(self->pidfd);

	self->pidfd = sys_pidfd_open(self->pid, 0);
	ASSERT_GE(self->pidfd, 0);
	ASSERT_EQ(fstat(self->pidfd, &st), 0);
	EXPECT_EQ(st.st_dev, st_ref.st_dev);
	EXPECT_EQ(st.st_ino, st_ref.st_ino);
}

TEST_HARNESS_MAIN
