// SPDX-License-Identifier: GPL-2.0
/*
 * The compat ioctl path of pidfds: built as a 32-bit program (gcc -m32), it
 * runs on a 64-bit kernel with CONFIG_IA32_EMULATION, where every ioctl goes
 * through pidfd_compat_ioctl(): PIDFD_GET_INFO at every published size (and
 * past it), FS_IOC32_GETVERSION (FS_IOC_GETVERSION of a 32-bit program) and
 * the PIDFD_GET_*_NAMESPACE ioctls.
 */

#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidfd.h"
#include "../kselftest_harness.h"

#ifndef PIDFD_INFO_SIZE_VER0
#define PIDFD_INFO_SIZE_VER0 64
#define PIDFD_INFO_SIZE_VER1 72
#define PIDFD_INFO_SIZE_VER2 80
#define PIDFD_INFO_SIZE_VER3 88
#endif

/* PIDFD_GET_INFO for a given argument size. */
#define PIDFD_GET_INFO_SIZE(size) _IOC(_IOC_READ | _IOC_WRITE, PIDFS_IOCTL_MAGIC, 11, size)

FIXTURE(compat)
{
	pid_t child;
	int pidfd;
	int release;
};

FIXTURE_SETUP(compat)
{
	int p[2];
	char c;

	if (sizeof(long) != 4)
		SKIP(return, "not a 32-bit build: the compat path is not taken");
	ASSERT_EQ(sizeof(struct pidfd_info), PIDFD_INFO_SIZE_VER3);
	ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (self->child == 0) {
		close(p[1]);
		read(p[0], &c, 1);
		_exit(5);
	}
	close(p[0]);
	self->release = p[1];
	self->pidfd = sys_pidfd_open(self->child, 0);
	ASSERT_GE(self->pidfd, 0);
}

FIXTURE_TEARDOWN(compat)
{
	if (self->child > 0) {
		close(self->release);
		waitpid(self->child, NULL, 0);
	}
}

TEST_F(compat, get_info_every_size)
{
	static const unsigned int sizes[] = {
		PIDFD_INFO_SIZE_VER0, PIDFD_INFO_SIZE_VER1, PIDFD_INFO_SIZE_VER2,
		PIDFD_INFO_SIZE_VER3, PIDFD_INFO_SIZE_VER3 + 8, 128,
	};
	unsigned char buf[128];
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct pidfd_info *info = (struct pidfd_info *)buf;
		unsigned int size = sizes[i];

		memset(buf, 0xff, sizeof(buf));
		info->mask = PIDFD_INFO_CGROUPID | PIDFD_INFO_COREDUMP |
			     PIDFD_INFO_SUPPORTED_MASK;
		ASSERT_EQ(ioctl(self->pidfd, PIDFD_GET_INFO_SIZE(size), info), 0)
			TH_LOG("size %u: %s", size, strerror(errno));
		EXPECT_TRUE(info->mask & PIDFD_INFO_PID);
		EXPECT_TRUE(info->mask & PIDFD_INFO_CREDS);
		EXPECT_EQ(info->pid, (__u32)self->child);
		EXPECT_EQ(info->tgid, (__u32)self->child);
		EXPECT_EQ(info->ppid, (__u32)getpid());
		EXPECT_EQ(info->ruid, getuid());
		EXPECT_EQ(info->egid, getegid());
		/* Nothing is written past the size the program passed. */
		for (j = size; j < sizeof(buf); j++)
			ASSERT_EQ(buf[j], 0xff) TH_LOG("size %u: byte %zu written", size, j);
		if (size >= PIDFD_INFO_SIZE_VER3) {
			EXPECT_TRUE(info->mask & PIDFD_INFO_SUPPORTED_MASK);
			EXPECT_TRUE(info->supported_mask & PIDFD_INFO_EXIT);
		}
		/* Past the kernel's struct: zero-filled. */
		for (j = sizeof(struct pidfd_info); j < size; j++)
			EXPECT_EQ(buf[j], 0) TH_LOG("size %u: byte %zu not zeroed", size, j);
	}
}

TEST_F(compat, get_info_too_small_or_null)
{
	struct pidfd_info info = { .mask = PIDFD_INFO_CGROUPID };

	ASSERT_LT(ioctl(self->pidfd, PIDFD_GET_INFO_SIZE(PIDFD_INFO_SIZE_VER0 - 8), &info), 0);
	EXPECT_EQ(errno, ENOTTY);
	ASSERT_LT(ioctl(self->pidfd, PIDFD_GET_INFO, NULL), 0);
	EXPECT_EQ(errno, EINVAL);
}

TEST_F(compat, get_info_exit)
{
	struct pidfd_info info = { .mask = PIDFD_INFO_EXIT };

	close(self->release);
	ASSERT_EQ(waitpid(self->child, NULL, 0), self->child);
	self->child = 0;
	ASSERT_EQ(ioctl(self->pidfd, PIDFD_GET_INFO, &info), 0);
	ASSERT_TRUE(info.mask & PIDFD_INFO_EXIT);
	EXPECT_TRUE(WIFEXITED(info.exit_code));
	EXPECT_EQ(WEXITSTATUS(info.exit_code), 5);
	/* Reaped: without EXIT in the mask there is nothing to report. */
	info.mask = 0;
	ASSERT_LT(ioctl(self->pidfd, PIDFD_GET_INFO, &info), 0);
	EXPECT_EQ(errno, ESRCH);
}

TEST_F(compat, getversion)
{
	unsigned int gen = 0xdeadbeef;
	struct stat st;

	/* A 32-bit program's FS_IOC_GETVERSION is FS_IOC32_GETVERSION. */
	ASSERT_EQ(FS_IOC_GETVERSION, FS_IOC32_GETVERSION);
	ASSERT_EQ(ioctl(self->pidfd, FS_IOC32_GETVERSION, &gen), 0);
	/*
	 * On a 64-bit kernel the inode number is the whole 64-bit pidfs id and
	 * the generation is 0; st_ino (stat64) carries the id.
	 */
	EXPECT_EQ(gen, 0);
	ASSERT_EQ(fstat(self->pidfd, &st), 0);
	EXPECT_NE(st.st_ino, 0);
	ASSERT_LT(ioctl(self->pidfd, FS_IOC32_GETVERSION, NULL), 0);
	EXPECT_EQ(errno, EINVAL);
}

TEST_F(compat, unknown_ioctl)
{
	int v;

	ASSERT_LT(ioctl(self->pidfd, _IOR(PIDFS_IOCTL_MAGIC, 99, int), &v), 0);
	EXPECT_EQ(errno, ENOTTY);
}

static const struct {
	unsigned long cmd;
	const char *proc;
} ns_ioctls[] = {
	{ PIDFD_GET_CGROUP_NAMESPACE, "cgroup" },
	{ PIDFD_GET_IPC_NAMESPACE, "ipc" },
	{ PIDFD_GET_MNT_NAMESPACE, "mnt" },
	{ PIDFD_GET_NET_NAMESPACE, "net" },
	{ PIDFD_GET_PID_NAMESPACE, "pid" },
	{ PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE, "pid_for_children" },
	{ PIDFD_GET_TIME_NAMESPACE, "time" },
	{ PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE, "time_for_children" },
	{ PIDFD_GET_USER_NAMESPACE, "user" },
	{ PIDFD_GET_UTS_NAMESPACE, "uts" },
};

TEST_F(compat, namespace_ioctls)
{
	int done = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ns_ioctls); i++) {
		char path[64];
		struct stat a, b;
		int ns;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", self->child,
			 ns_ioctls[i].proc);
		ns = ioctl(self->pidfd, ns_ioctls[i].cmd, 0);
		if (ns < 0 && errno == EOPNOTSUPP) {
			EXPECT_NE(stat(path, &b), 0)
				TH_LOG("%s exists but the ioctl says EOPNOTSUPP", path);
			continue;
		}
		ASSERT_GE(ns, 0) TH_LOG("%s: %s", ns_ioctls[i].proc, strerror(errno));
		ASSERT_EQ(fstat(ns, &a), 0);
		ASSERT_EQ(stat(path, &b), 0);
		EXPECT_EQ(a.st_ino, b.st_ino) TH_LOG("%s", ns_ioctls[i].proc);
		EXPECT_EQ(a.st_dev, b.st_dev);
		EXPECT_NE(fcntl(ns, F_GETFD) & FD_CLOEXEC, 0);
		close(ns);
		/* The argument must be 0. */
		EXPECT_LT(ioctl(self->pidfd, ns_ioctls[i].cmd, 1), 0);
		EXPECT_EQ(errno, EINVAL);
		done++;
	}
	EXPECT_GE(done, 1);
}

TEST_HARNESS_MAIN
