// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection over the pidfs paths.
 *
 * For each operation, /proc/thread-self/fail-nth is walked from 1 upward:
 * the nth fault-injection point (kmalloc through FAILSLAB, alloc_pages
 * through FAIL_PAGE_ALLOC) fails, until the operation runs without reaching
 * the nth point, when it must succeed. Every injected failure must return a
 * clean error (ENOMEM, or what the operation documents), leave no new fd
 * behind, and leave no reference on the pid's dentry and inode: after all
 * fds are closed, a pidfd_open() of the pid must allocate a new dentry and
 * inode again (it reaches as many fault points as a first open, not the
 * fewer of a stash hit). Leaked objects are left to kmemleak, splats to the
 * kernel log.
 *
 * Needs CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC and
 * CONFIG_FAULT_INJECTION_DEBUG_FS (the debugfs knobs make GFP_KERNEL and
 * order-0 allocations eligible; by default they are ignored).
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "pidfd.h"
#include "../kselftest_harness.h"

#ifndef __NR_open_tree
#define __NR_open_tree 428
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif

/* No pidfs operation reaches anywhere near this many allocations. */
#define MAX_POINTS 5000

#define FAILSLAB "/sys/kernel/debug/failslab/"
#define FAIL_PAGE_ALLOC "/sys/kernel/debug/fail_page_alloc/"

struct knob {
	const char *path;
	const char *value;
	char saved[32];
};

/* Make every kmalloc and alloc_pages eligible, and keep the console quiet. */
static struct knob knobs[] = {
	{ FAILSLAB "ignore-gfp-wait", "N" },
	{ FAILSLAB "verbose", "0" },
	{ FAIL_PAGE_ALLOC "ignore-gfp-wait", "N" },
	{ FAIL_PAGE_ALLOC "ignore-gfp-highmem", "N" },
	{ FAIL_PAGE_ALLOC "min-order", "0" },
	{ FAIL_PAGE_ALLOC "verbose", "0" },
};

static int write_file(const char *path, const char *value)
{
	int fd, ret;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = write(fd, value, strlen(value));
	close(fd);
	return ret == (int)strlen(value) ? 0 : -1;
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int sys_open_tree(int dfd, const char *path, unsigned int flags)
{
	return syscall(__NR_open_tree, dfd, path, flags);
}

FIXTURE(fault)
{
	int nth;	/* /proc/thread-self/fail-nth */
	pid_t child;
	int miss;	/* fault points of a pidfd_open() that allocates */
	int hit;	/* fault points of a pidfd_open() that finds the stash */
	bool knobs_set;
};

/* Sets fail-nth: the nth fault-injection point from now on fails. */
static void arm(struct __test_metadata *_metadata, int nth, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	ASSERT_EQ(pwrite(nth, buf, len, 0), len);
}

/* Clears fail-nth; returns how many points were left to reach the nth. */
static unsigned int disarm(struct __test_metadata *_metadata, int nth)
{
	char buf[16] = {};
	unsigned int left;

	ASSERT_GT(pread(nth, buf, sizeof(buf) - 1, 0), 0);
	left = strtoul(buf, NULL, 10);
	ASSERT_EQ(pwrite(nth, "0", 1, 0), 1);
	return left;
}

/* The number of fault points pidfd_open(pid) reaches (none fails). */
static int open_points(struct __test_metadata *_metadata, int nth, pid_t pid)
{
	int fd;
	unsigned int left;

	/* Page allocations (slab refills, stack depot) come and go; count kmalloc only. */
	ASSERT_EQ(write_file(FAIL_PAGE_ALLOC "min-order", "64"), 0);
	arm(_metadata, nth, MAX_POINTS);
	fd = sys_pidfd_open(pid, 0);
	left = disarm(_metadata, nth);
	ASSERT_EQ(write_file(FAIL_PAGE_ALLOC "min-order", "0"), 0);
	ASSERT_GE(fd, 0);
	close(fd);
	return MAX_POINTS - left;
}

/*
 * The fault points of pidfd_open(pid), the fewest of three: other subsystems
 * add points now and then (DEBUG_OBJECTS refills its pool with a batch of
 * allocations), never take any away.
 */
static int stash_probe(struct __test_metadata *_metadata, int nth, pid_t pid)
{
	int i, n, min = MAX_POINTS;

	for (i = 0; i < 3; i++) {
		n = open_points(_metadata, nth, pid);
		if (n < min)
			min = n;
	}
	return min;
}

/* No fd of the pid is open: the next pidfd_open() must allocate again. */
#define EXPECT_NO_STASH(pid)                                                 \
	EXPECT_EQ(stash_probe(_metadata, self->nth, pid), self->miss)

FIXTURE_SETUP(fault)
{
	int pipefd[2], fd, a, b;
	size_t i;

	self->nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (self->nth < 0)
		SKIP(return, "no /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION)");
	if (access(FAILSLAB "verbose", W_OK)) {
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
		if (access(FAILSLAB "verbose", W_OK) ||
		    access(FAIL_PAGE_ALLOC "verbose", W_OK))
			SKIP(return, "needs failslab, fail_page_alloc and their debugfs knobs");
	}
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		ASSERT_EQ(read_file(knobs[i].path, knobs[i].saved,
				    sizeof(knobs[i].saved)), 0);
		ASSERT_EQ(write_file(knobs[i].path, knobs[i].value), 0);
	}
	self->knobs_set = true;

	/* A child that waits until the teardown closes the pipe. */
	ASSERT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (self->child == 0) {
		char c;

		close(pipefd[1]);
		read(pipefd[0], &c, 1);
		_exit(0);
	}
	close(pipefd[0]);
	/* Kept open (not inherited by later children: O_CLOEXEC, and they exit at once). */
	ASSERT_EQ(dup2(pipefd[1], 100), 100);
	close(pipefd[1]);

	/* The first open registers the pid with pidfs; measure after it. */
	fd = sys_pidfd_open(self->child, 0);
	ASSERT_GE(fd, 0);
	close(fd);
	a = stash_probe(_metadata, self->nth, self->child);
	b = stash_probe(_metadata, self->nth, self->child);
	ASSERT_EQ(a, b) TH_LOG("pidfd_open() reaches a varying number of fault points");
	self->miss = a;
	fd = sys_pidfd_open(self->child, 0);
	ASSERT_GE(fd, 0);
	self->hit = stash_probe(_metadata, self->nth, self->child);
	close(fd);
	ASSERT_LT(self->hit, self->miss)
		TH_LOG("a stash hit must allocate less than a first open");
	EXPECT_NO_STASH(self->child);
	ksft_print_msg("fail-nth pidfd_open: first open %d points, stash hit %d (kmalloc only)\n",
		       self->miss, self->hit);
}

FIXTURE_TEARDOWN(fault)
{
	size_t i;

	if (self->nth >= 0)
		pwrite(self->nth, "0", 1, 0);
	if (self->knobs_set)
		for (i = 0; i < ARRAY_SIZE(knobs); i++)
			write_file(knobs[i].path, knobs[i].saved);
	if (self->child > 0) {
		close(100);
		waitpid(self->child, NULL, 0);
	}
}

/* What one call of the operation under test gives back. */
struct result {
	int ret;	/* >= 0 success (an fd if fd is set), < 0 failure */
	int err;
	bool fd;	/* ret is a new fd to close */
};

/* Tally of a walk. */
struct walk {
	const char *name;
	int points;	/* fault points reached by the successful run */
	int failed;	/* injected failures the operation reported */
	int absorbed;	/* injected failures it recovered from */
};

static void walk_report(struct walk *w)
{
	ksft_print_msg("fail-nth %s: %d points walked, %d failed cleanly, %d absorbed\n",
		       w->name, w->points, w->failed, w->absorbed);
}

/*
 * Walks fail-nth over op(), which assigns the struct result r. After each
 * injected failure the operation must have failed with an allowed error (or
 * recovered from it), and no fd may be left. check runs after every call,
 * the last, successful one included (a returned fd is closed before).
 */
#define WALK(w, op, allowed, check)					\
	do {								\
		struct walk *wp = &(w);					\
		unsigned int n;						\
		for (n = 1; n < MAX_POINTS; n++) {			\
			int before = count_fds();			\
			unsigned int left;				\
			arm(_metadata, self->nth, n);			\
			op;						\
			left = disarm(_metadata, self->nth);		\
			if (r.ret >= 0 && r.fd)				\
				close(r.ret);				\
			if (left) {					\
				/* Ran to the end without the nth point. */ \
				ASSERT_GE(r.ret, 0)			\
					TH_LOG("%s: %s without an injected failure", \
					       wp->name, strerror(r.err)); \
				wp->points = n - 1;			\
			} else if (r.ret >= 0) {			\
				wp->absorbed++;				\
			} else {					\
				wp->failed++;				\
				EXPECT_TRUE(allowed(r.err))		\
					TH_LOG("%s: fault point %u gave %s", \
					       wp->name, n, strerror(r.err)); \
				EXPECT_EQ(count_fds(), before)		\
					TH_LOG("%s: fault point %u left an fd", \
					       wp->name, n);		\
			}						\
			check;						\
			if (left || _metadata->exit_code != KSFT_PASS)	\
				break;					\
		}							\
		ASSERT_LT(n, MAX_POINTS);				\
		walk_report(wp);					\
	} while (0)

static bool enomem(int err)
{
	return err == ENOMEM;
}

static struct result res(int ret, bool fd)
{
	return (struct result){ .ret = ret, .err = ret < 0 ? errno : 0, .fd = fd };
}

TEST_F_TIMEOUT(fault, pidfd_open_first, 900)
{
	struct result r;
	struct walk w = { .name = "pidfd_open (first open)" };

	WALK(w, r = res(sys_pidfd_open(self->child, 0), true), enomem,
	     EXPECT_NO_STASH(self->child));
	EXPECT_NO_STASH(self->child);
	EXPECT_GE(w.points, 1);
}

TEST_F_TIMEOUT(fault, pidfd_open_stash_hit, 900)
{
	struct result r;
	struct walk w = { .name = "pidfd_open (stash hit)" };
	int held = sys_pidfd_open(self->child, 0);

	ASSERT_GE(held, 0);
	WALK(w, r = res(sys_pidfd_open(self->child, 0), true), enomem, (void)0);
	close(held);
	EXPECT_NO_STASH(self->child);
	EXPECT_GE(w.points, 1);
}

static struct result clone3_pidfd(int *pidfd)
{
	struct __clone_args args = {
		.flags = CLONE_PIDFD,
		.pidfd = (__u64)(uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
	};
	pid_t pid;

	*pidfd = -1;
	pid = syscall(__NR_clone3, &args, sizeof(args));
	if (pid == 0)
		_exit(0);
	return res(pid, false);
}

static bool clone_error(int err)
{
	/*
	 * copy_process() reports allocation failures as ENOMEM. It also writes
	 * the pidfd to user memory that the fork has just made copy-on-write:
	 * a failed page allocation in that fault is EFAULT.
	 */
	return err == ENOMEM || err == EFAULT;
}

/* After clone3(): reap a created child through its pidfd; none may exist otherwise. */
static void clone3_check(struct __test_metadata *_metadata, struct result r,
			 int pidfd)
{
	siginfo_t info = {};

	if (r.ret > 0) {
		ASSERT_GE(pidfd, 0);
		ASSERT_EQ(sys_waitid(P_PIDFD, pidfd, &info, WEXITED), 0);
		EXPECT_EQ(info.si_pid, r.ret);
		close(pidfd);
	} else {
		/*
		 * copy_process() writes the pidfd number to user memory before
		 * later steps can fail; on failure that fd must not be open.
		 */
		if (pidfd != -1) {
			EXPECT_LT(fcntl(pidfd, F_GETFD), 0);
			EXPECT_EQ(errno, EBADF);
		}
		/* Only the fixture's child exists, and it has not exited. */
		EXPECT_EQ(waitid(P_ALL, 0, &info, WEXITED | WNOHANG), 0);
		EXPECT_EQ(info.si_pid, 0);
	}
}

TEST_F_TIMEOUT(fault, clone3_pidfd, 900)
{
	struct walk w = { .name = "clone3(CLONE_PIDFD)" };
	struct result r;
	int pidfd = -1;

	WALK(w, r = clone3_pidfd(&pidfd), clone_error,
	     clone3_check(_metadata, r, pidfd));
	EXPECT_GE(w.points, 1);
}

TEST_F_TIMEOUT(fault, get_info, 900)
{
	struct result r;
	struct walk w = { .name = "PIDFD_GET_INFO" };
	struct pidfd_info info;
	int fd = sys_pidfd_open(self->child, 0);

	ASSERT_GE(fd, 0);
	memset(&info, 0, sizeof(info));
	info.mask = PIDFD_INFO_CGROUPID | PIDFD_INFO_EXIT;
	WALK(w, r = res(ioctl(fd, PIDFD_GET_INFO, &info), false), enomem, (void)0);
	EXPECT_EQ(info.pid, (__u32)self->child);
	EXPECT_TRUE(info.mask & PIDFD_INFO_CREDS);
	close(fd);
	EXPECT_NO_STASH(self->child);
}

static const struct {
	const char *name;
	unsigned long cmd;
} ns_ioctls[] = {
	{ "PIDFD_GET_CGROUP_NAMESPACE", PIDFD_GET_CGROUP_NAMESPACE },
	{ "PIDFD_GET_IPC_NAMESPACE", PIDFD_GET_IPC_NAMESPACE },
	{ "PIDFD_GET_MNT_NAMESPACE", PIDFD_GET_MNT_NAMESPACE },
	{ "PIDFD_GET_NET_NAMESPACE", PIDFD_GET_NET_NAMESPACE },
	{ "PIDFD_GET_PID_NAMESPACE", PIDFD_GET_PID_NAMESPACE },
	{ "PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE", PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE },
	{ "PIDFD_GET_TIME_NAMESPACE", PIDFD_GET_TIME_NAMESPACE },
	{ "PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE", PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE },
	{ "PIDFD_GET_USER_NAMESPACE", PIDFD_GET_USER_NAMESPACE },
	{ "PIDFD_GET_UTS_NAMESPACE", PIDFD_GET_UTS_NAMESPACE },
};

TEST_F_TIMEOUT(fault, namespace_ioctls, 900)
{
	struct result r;
	size_t i;
	int fd = sys_pidfd_open(self->child, 0);
	int done = 0;

	ASSERT_GE(fd, 0);
	for (i = 0; i < ARRAY_SIZE(ns_ioctls); i++) {
		struct walk w = { .name = ns_ioctls[i].name };
		int ns = ioctl(fd, ns_ioctls[i].cmd, 0);

		if (ns < 0 && errno == EOPNOTSUPP) {
			ksft_print_msg("fail-nth %s: namespace not configured\n", w.name);
			continue;
		}
		ASSERT_GE(ns, 0);
		close(ns);
		WALK(w, r = res(ioctl(fd, ns_ioctls[i].cmd, 0), true), enomem, (void)0);
		EXPECT_GE(w.points, 1);
		done++;
	}
	close(fd);
	EXPECT_NO_STASH(self->child);
	EXPECT_GE(done, 1);
}

static struct result fh_encode(int pidfd, struct file_handle *fh)
{
	int mnt_id;

	fh->handle_bytes = MAX_HANDLE_SZ;
	return res(name_to_handle_at(pidfd, "", fh, &mnt_id, AT_EMPTY_PATH), false);
}

TEST_F_TIMEOUT(fault, file_handles, 900)
{
	struct result r;
	struct walk enc = { .name = "name_to_handle_at" };
	struct walk dec = { .name = "open_by_handle_at" };
	struct file_handle *fh;
	struct stat a, b;
	int fd, self_fd, opened;

	fh = calloc(1, sizeof(*fh) + MAX_HANDLE_SZ);
	ASSERT_NE(fh, NULL);
	fd = sys_pidfd_open(self->child, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(fstat(fd, &a), 0);
	WALK(enc, r = fh_encode(fd, fh), enomem, (void)0);
	close(fd);
	EXPECT_NO_STASH(self->child);

	/* Any pidfd names the pidfs mount; one of this process does not touch the child. */
	self_fd = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(self_fd, 0);
	WALK(dec, r = res(open_by_handle_at(self_fd, fh, O_RDWR), true),
	     enomem, EXPECT_NO_STASH(self->child));
	opened = open_by_handle_at(self_fd, fh, O_RDWR);
	ASSERT_GE(opened, 0);
	ASSERT_EQ(fstat(opened, &b), 0);
	EXPECT_EQ(a.st_ino, b.st_ino);
	close(opened);
	close(self_fd);
	free(fh);
	EXPECT_NO_STASH(self->child);
	EXPECT_GE(dec.points, 1);
}

static struct result xattr_get(int fd, char *buf, size_t size)
{
	memset(buf, 0, size);
	return res(fgetxattr(fd, "trusted.wb_fault", buf, size), false);
}

/* A failed set leaves no attribute behind; a successful one is removed again. */
static void xattr_set_undo(struct __test_metadata *_metadata, int fd, struct result r)
{
	char buf[16];

	if (r.ret < 0) {
		EXPECT_LT(fgetxattr(fd, "trusted.wb_fault", buf, sizeof(buf)), 0);
		EXPECT_EQ(errno, ENODATA);
	} else {
		EXPECT_EQ(fremovexattr(fd, "trusted.wb_fault"), 0);
	}
}

TEST_F_TIMEOUT(fault, xattrs, 900)
{
	struct result r;
	struct walk set = { .name = "fsetxattr(trusted.*)" };
	struct walk get = { .name = "fgetxattr(trusted.*)" };
	char buf[64];
	int fd = sys_pidfd_open(self->child, 0);

	ASSERT_GE(fd, 0);
	if (fgetxattr(fd, "trusted.wb_fault", buf, sizeof(buf)) < 0 &&
	    errno == EOPNOTSUPP)
		SKIP(close(fd); return, "pidfs has no xattrs here");
	WALK(set, r = res(fsetxattr(fd, "trusted.wb_fault", "fault", 5, XATTR_CREATE), false),
	     enomem, xattr_set_undo(_metadata, fd, r));
	EXPECT_GE(set.points, 1);
	ASSERT_EQ(fsetxattr(fd, "trusted.wb_fault", "fault", 5, XATTR_CREATE), 0);
	WALK(get, r = xattr_get(fd, buf, sizeof(buf)), enomem, (void)0);
	EXPECT_EQ(memcmp(buf, "fault", 5), 0);
	ASSERT_EQ(fremovexattr(fd, "trusted.wb_fault"), 0);
	close(fd);
	EXPECT_NO_STASH(self->child);
}

static struct result open_tree_once(pid_t pid)
{
	struct result r;
	int fd = sys_pidfd_open(pid, 0);

	if (fd < 0)
		return res(-1, false);
	r = res(sys_open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH), true);
	close(fd);
	return r;
}

TEST_F_TIMEOUT(fault, open_tree, 900)
{
	struct result r;
	struct walk w = { .name = "open_tree(OPEN_TREE_CLONE)" };
	int fd = sys_pidfd_open(self->child, 0), tree;

	ASSERT_GE(fd, 0);
	tree = sys_open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	close(fd);
	if (tree < 0 && errno == EPERM)
		SKIP(return, "open_tree() of a pidfd: %s", strerror(errno));
	ASSERT_GE(tree, 0);
	close(tree);
	EXPECT_NO_STASH(self->child);
	/* pidfd_open() is part of each run: its points are walked again. */
	WALK(w, r = open_tree_once(self->child), enomem,
	     EXPECT_NO_STASH(self->child));
	EXPECT_NO_STASH(self->child);
	EXPECT_GT(w.points, self->miss);
}

TEST_HARNESS_MAIN
