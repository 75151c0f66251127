// SPDX-License-Identifier: GPL-2.0
/*
 * Races on the pidfs paths, for a bounded time.
 *
 * Threads open and close pidfds of one pid (stash hit, miss, and the dentry
 * dying), open pidfds while the task exits and is reaped, decode file
 * handles of pids being reaped, set and get xattrs while the pid goes away,
 * poll for exit, and drop dup()ed AUTOKILL pidfds concurrently. On the way
 * they check the invariants: one inode per pid, exit information visible
 * once the task is reaped, no pidfd for a reaped pid (by pid or by handle).
 *
 * PIDFS_STRESS_SECONDS (default 20) is the time of the whole program; each
 * test gets an equal share. The iterations done are printed.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "pidfd.h"
#include "../kselftest_harness.h"

#ifndef CLONE_AUTOREAP
#define CLONE_AUTOREAP 0x400000000ULL
#endif
#ifndef CLONE_NNP
#define CLONE_NNP 0x800000000ULL
#endif
#ifndef CLONE_PIDFD_AUTOKILL
#define CLONE_PIDFD_AUTOKILL 0x1000000000ULL
#endif

#define NR_TESTS 6
#define THREADS 4

static double share_seconds(void)
{
	const char *s = getenv("PIDFS_STRESS_SECONDS");
	double total = s ? atof(s) : 20;

	if (total <= 0)
		total = 20;
	return total / NR_TESTS;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Errors found by threads, reported by the main thread. */
struct errors {
	int count;
	char first[256];
};

static struct errors errs;

static __printf(1, 2) void fail(const char *fmt, ...)
{
	va_list ap;

	if (__atomic_fetch_add(&errs.count, 1, __ATOMIC_SEQ_CST) == 0) {
		va_start(ap, fmt);
		vsnprintf(errs.first, sizeof(errs.first), fmt, ap);
		va_end(ap);
	}
}

static void expect_no_thread_errors(struct __test_metadata *_metadata)
{
	EXPECT_EQ(errs.count, 0) TH_LOG("first: %s", errs.first);
}

static ino_t fd_ino(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return 0;
	return st.st_ino;
}

static pid_t clone3_pidfd(__u64 flags, int exit_signal, int *pidfd)
{
	struct __clone_args args = {
		.flags = CLONE_PIDFD | flags,
		.pidfd = (__u64)(uintptr_t)pidfd,
		.exit_signal = exit_signal,
	};

	return syscall(__NR_clone3, &args, sizeof(args));
}

/* A child that exits once the returned fd (the write end of a pipe) is closed. */
static pid_t blocked_child(int *release)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	*release = p[1];
	return pid;
}

static bool exit_info(int pidfd, struct pidfd_info *info)
{
	memset(info, 0, sizeof(*info));
	info->mask = PIDFD_INFO_EXIT;
	if (ioctl(pidfd, PIDFD_GET_INFO, info))
		return false;
	return info->mask & PIDFD_INFO_EXIT;
}

FIXTURE(stress)
{
	double end;
	long iterations;
};

FIXTURE_SETUP(stress)
{
	memset(&errs, 0, sizeof(errs));
	self->end = now() + share_seconds();
	self->iterations = 0;
}

FIXTURE_TEARDOWN(stress)
{
}

/* 1. Open and close pidfds of one pid from several threads. */

struct same_pid {
	pid_t pid;
	ino_t ino;
	double end;
	long ops;
};

static void *same_pid_thread(void *arg)
{
	struct same_pid *s = arg;
	long ops = 0;

	while (now() < s->end) {
		int a = sys_pidfd_open(s->pid, 0), b = -1;

		if (a < 0) {
			fail("pidfd_open of a live pid: %s", strerror(errno));
			break;
		}
		/* Sometimes keep a second one (stash hit), sometimes dup. */
		if (ops % 3 == 1)
			b = sys_pidfd_open(s->pid, 0);
		else if (ops % 3 == 2)
			b = dup(a);
		if (fd_ino(a) != s->ino || (b >= 0 && fd_ino(b) != s->ino))
			fail("pidfd of pid %d: inode %lu, first open gave %lu",
			     s->pid, (unsigned long)fd_ino(a), (unsigned long)s->ino);
		close(a);
		if (b >= 0)
			close(b);
		ops++;
	}
	__atomic_fetch_add(&s->ops, ops, __ATOMIC_RELAXED);
	return NULL;
}

TEST_F_TIMEOUT(stress, open_close_one_pid, 600)
{
	struct same_pid s = { .end = self->end };
	pthread_t t[THREADS];
	int release, fd, i;

	s.pid = blocked_child(&release);
	ASSERT_GT(s.pid, 0);
	fd = sys_pidfd_open(s.pid, 0);
	ASSERT_GE(fd, 0);
	s.ino = fd_ino(fd);
	close(fd);
	for (i = 0; i < THREADS; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, same_pid_thread, &s), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	close(release);
	ASSERT_EQ(waitpid(s.pid, NULL, 0), s.pid);
	expect_no_thread_errors(_metadata);
	EXPECT_GT(s.ops, 0);
	ksft_print_msg("stress open_close_one_pid: %ld iterations\n", s.ops);
}

/* 2. Open pidfds of a task while it exits and is reaped. */

struct racing_open {
	/* Written by the main thread; gen is odd while it changes pid/ino. */
	unsigned long gen;
	pid_t pid;
	ino_t ino;
	bool stop;
	long opened, esrch;
};

static void *racing_open_thread(void *arg)
{
	struct racing_open *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		unsigned long g1 = __atomic_load_n(&r->gen, __ATOMIC_ACQUIRE), g2;
		pid_t pid = r->pid;
		ino_t ino = r->ino, got;
		int fd;

		/* Odd: being changed; pid 0: nothing published yet. */
		if ((g1 & 1) || pid <= 0)
			continue;
		fd = sys_pidfd_open(pid, 0);
		if (fd < 0) {
			if (errno != ESRCH)
				fail("pidfd_open racing with exit: %s", strerror(errno));
			__atomic_fetch_add(&r->esrch, 1, __ATOMIC_RELAXED);
			continue;
		}
		got = fd_ino(fd);
		g2 = __atomic_load_n(&r->gen, __ATOMIC_ACQUIRE);
		/* Same generation: the pid number was not reused under us. */
		if (g1 == g2 && got != ino)
			fail("pid %d: inode %lu, clone3's pidfd has %lu", pid,
			     (unsigned long)got, (unsigned long)ino);
		close(fd);
		__atomic_fetch_add(&r->opened, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

TEST_F_TIMEOUT(stress, open_while_reaped, 600)
{
	struct racing_open r = {};
	pthread_t t[THREADS - 1];
	int i;

	for (i = 0; i < THREADS - 1; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, racing_open_thread, &r), 0);
	while (now() < self->end) {
		struct pidfd_info info;
		siginfo_t si = {};
		int pidfd = -1;
		pid_t pid;

		__atomic_fetch_add(&r.gen, 1, __ATOMIC_ACQ_REL);	/* odd */
		pid = clone3_pidfd(0, SIGCHLD, &pidfd);
		if (pid == 0)
			_exit(7);
		ASSERT_GT(pid, 0);
		r.pid = pid;
		r.ino = fd_ino(pidfd);
		__atomic_fetch_add(&r.gen, 1, __ATOMIC_ACQ_REL);	/* even */

		ASSERT_EQ(sys_waitid(P_PIDFD, pidfd, &si, WEXITED), 0);
		ASSERT_EQ(si.si_pid, pid);
		/* Reaped: the exit information is there, and no new pidfd. */
		ASSERT_TRUE(exit_info(pidfd, &info));
		EXPECT_TRUE(WIFEXITED(info.exit_code) && WEXITSTATUS(info.exit_code) == 7);
		EXPECT_LT(sys_pidfd_open(pid, 0), 0);
		EXPECT_EQ(errno, ESRCH);
		close(pidfd);
		self->iterations++;
		if (_metadata->exit_code != KSFT_PASS)
			break;
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	for (i = 0; i < THREADS - 1; i++)
		pthread_join(t[i], NULL);
	expect_no_thread_errors(_metadata);
	EXPECT_GT(self->iterations, 0);
	ksft_print_msg("stress open_while_reaped: %ld iterations, %ld racing opens, %ld ESRCH\n",
		       self->iterations, r.opened, r.esrch);
}

/* 3. Decode file handles of pids that are being reaped. */

struct decoding {
	int mount_fd;
	struct file_handle *fh;
	ino_t ino;
	bool reaped, stop;
	long opened, stale;
};

static void *decode_thread(void *arg)
{
	struct decoding *d = arg;

	while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
		bool reaped = __atomic_load_n(&d->reaped, __ATOMIC_ACQUIRE);
		int fd = open_by_handle_at(d->mount_fd, d->fh, O_RDWR);

		if (fd < 0) {
			if (errno != ESTALE && errno != ESRCH)
				fail("open_by_handle_at: %s", strerror(errno));
			__atomic_fetch_add(&d->stale, 1, __ATOMIC_RELAXED);
			continue;
		}
		if (reaped)
			fail("open_by_handle_at gave a pidfd for a reaped pid");
		if (fd_ino(fd) != d->ino)
			fail("handle decoded to inode %lu, not %lu",
			     (unsigned long)fd_ino(fd), (unsigned long)d->ino);
		close(fd);
		__atomic_fetch_add(&d->opened, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

TEST_F_TIMEOUT(stress, decode_while_reaped, 600)
{
	struct decoding d = {};
	long opened = 0, stale = 0;

	d.fh = calloc(1, sizeof(*d.fh) + MAX_HANDLE_SZ);
	ASSERT_NE(d.fh, NULL);
	d.mount_fd = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(d.mount_fd, 0);
	while (now() < self->end) {
		pthread_t t[2];
		int release, fd, mnt_id, i;
		pid_t pid = blocked_child(&release);

		ASSERT_GT(pid, 0);
		fd = sys_pidfd_open(pid, 0);
		ASSERT_GE(fd, 0);
		d.ino = fd_ino(fd);
		d.fh->handle_bytes = MAX_HANDLE_SZ;
		ASSERT_EQ(name_to_handle_at(fd, "", d.fh, &mnt_id, AT_EMPTY_PATH), 0);
		close(fd);
		d.reaped = false;
		d.stop = false;
		d.opened = 0;
		d.stale = 0;
		for (i = 0; i < 2; i++)
			ASSERT_EQ(pthread_create(&t[i], NULL, decode_thread, &d), 0);
		sched_yield();
		close(release);
		ASSERT_EQ(waitpid(pid, NULL, 0), pid);
		__atomic_store_n(&d.reaped, true, __ATOMIC_RELEASE);
		sched_yield();
		__atomic_store_n(&d.stop, true, __ATOMIC_RELEASE);
		for (i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		/* Reaped: the handle no longer opens. */
		EXPECT_LT(open_by_handle_at(d.mount_fd, d.fh, O_RDWR), 0);
		opened += d.opened;
		stale += d.stale;
		self->iterations++;
		if (_metadata->exit_code != KSFT_PASS || errs.count)
			break;
	}
	close(d.mount_fd);
	free(d.fh);
	expect_no_thread_errors(_metadata);
	EXPECT_GT(self->iterations, 0);
	ksft_print_msg("stress decode_while_reaped: %ld iterations (%ld decoded, %ld stale)\n",
		       self->iterations, opened, stale);
}

/* 4. Set and get xattrs while the pid exits, is reaped and goes away. */

struct xattrs {
	pid_t pid;
	int kept;	/* a pidfd the main thread holds */
	int last[THREADS];
	long ops;
};

struct xattr_arg {
	struct xattrs *x;
	int id;
};

static void *xattr_thread(void *arg)
{
	struct xattr_arg *a = arg;
	struct xattrs *x = a->x;
	char name[32], val[16], got[16];
	long ops = 0;
	int i;

	snprintf(name, sizeof(name), "trusted.stress%d", a->id);
	for (i = 1;; i++) {
		/* A pidfd of its own, so dentries are stashed and die as threads race. */
		int fd = sys_pidfd_open(x->pid, 0);
		int use = fd >= 0 ? fd : x->kept;
		ssize_t n;

		if (fd < 0 && errno != ESRCH)
			fail("pidfd_open: %s", strerror(errno));
		snprintf(val, sizeof(val), "%d", i);
		if (fsetxattr(use, name, val, strlen(val), 0)) {
			fail("fsetxattr %s: %s", name, strerror(errno));
		} else {
			x->last[a->id] = i;
			n = fgetxattr(use, name, got, sizeof(got));
			if (n != (ssize_t)strlen(val) || memcmp(got, val, n))
				fail("fgetxattr %s: got %zd bytes, not %s", name, n, val);
		}
		ops++;
		if (fd >= 0)
			close(fd);
		else
			break;	/* reaped: one more round through the kept pidfd */
	}
	__atomic_fetch_add(&x->ops, ops, __ATOMIC_RELAXED);
	return NULL;
}

TEST_F_TIMEOUT(stress, xattrs_while_freed, 600)
{
	long ops = 0;
	char buf[16];

	{
		int fd = sys_pidfd_open(getpid(), 0);

		ASSERT_GE(fd, 0);
		if (fgetxattr(fd, "trusted.none", buf, sizeof(buf)) < 0 &&
		    errno == EOPNOTSUPP)
			SKIP(close(fd); return, "pidfs has no xattrs here");
		close(fd);
	}
	while (now() < self->end) {
		struct xattr_arg args[THREADS];
		struct xattrs x = {};
		pthread_t t[THREADS];
		int release, i;

		x.pid = blocked_child(&release);
		ASSERT_GT(x.pid, 0);
		x.kept = sys_pidfd_open(x.pid, 0);
		ASSERT_GE(x.kept, 0);
		for (i = 0; i < THREADS; i++) {
			args[i] = (struct xattr_arg){ .x = &x, .id = i };
			ASSERT_EQ(pthread_create(&t[i], NULL, xattr_thread, &args[i]), 0);
		}
		sched_yield();
		close(release);
		ASSERT_EQ(waitpid(x.pid, NULL, 0), x.pid);
		for (i = 0; i < THREADS; i++)
			pthread_join(t[i], NULL);
		/* The attributes live as long as the pid: the kept pidfd sees them. */
		for (i = 0; i < THREADS; i++) {
			char name[32], want[16];
			ssize_t n;

			snprintf(name, sizeof(name), "trusted.stress%d", i);
			snprintf(want, sizeof(want), "%d", x.last[i]);
			n = fgetxattr(x.kept, name, buf, sizeof(buf));
			EXPECT_EQ(n, (ssize_t)strlen(want));
			if (n > 0)
				EXPECT_EQ(memcmp(buf, want, n), 0);
		}
		/* The last reference: the pid and its xattrs are freed. */
		close(x.kept);
		ops += x.ops;
		self->iterations++;
		if (_metadata->exit_code != KSFT_PASS || errs.count)
			break;
	}
	expect_no_thread_errors(_metadata);
	EXPECT_GT(self->iterations, 0);
	ksft_print_msg("stress xattrs_while_freed: %ld iterations (%ld set+get)\n",
		       self->iterations, ops);
}

/* 5. Poll for exit from several threads, each through its own pidfd. */

struct polling {
	pid_t pid;
	long woken;
};

static void *poll_thread(void *arg)
{
	struct polling *p = arg;
	struct pollfd pfd = { .events = POLLIN };

	pfd.fd = sys_pidfd_open(p->pid, 0);
	if (pfd.fd < 0) {
		/* Only a reaped task has no pidfd; the main thread reaps after the join. */
		fail("pidfd_open of an unreaped child: %s", strerror(errno));
		return NULL;
	}
	if (poll(&pfd, 1, -1) != 1 || !(pfd.revents & POLLIN))
		fail("poll on a pidfd: %s, revents %#x", strerror(errno), pfd.revents);
	else
		__atomic_fetch_add(&p->woken, 1, __ATOMIC_RELAXED);
	close(pfd.fd);
	return NULL;
}

TEST_F_TIMEOUT(stress, poll_exit, 600)
{
	long woken = 0;

	while (now() < self->end) {
		struct polling p = {};
		struct pidfd_info info;
		pthread_t t[THREADS];
		siginfo_t si = {};
		int pidfd = -1, i;

		p.pid = clone3_pidfd(0, SIGCHLD, &pidfd);
		if (p.pid == 0) {
			for (i = 0; i < (int)(self->iterations % 50); i++)
				sched_yield();
			_exit(3);
		}
		ASSERT_GT(p.pid, 0);
		for (i = 0; i < THREADS; i++)
			ASSERT_EQ(pthread_create(&t[i], NULL, poll_thread, &p), 0);
		for (i = 0; i < THREADS; i++)
			pthread_join(t[i], NULL);
		EXPECT_EQ(p.woken, THREADS);
		ASSERT_EQ(sys_waitid(P_PIDFD, pidfd, &si, WEXITED), 0);
		EXPECT_EQ(si.si_status, 3);
		ASSERT_TRUE(exit_info(pidfd, &info));
		EXPECT_EQ(WEXITSTATUS(info.exit_code), 3);
		close(pidfd);
		woken += p.woken;
		self->iterations++;
		if (_metadata->exit_code != KSFT_PASS || errs.count)
			break;
	}
	expect_no_thread_errors(_metadata);
	EXPECT_GT(self->iterations, 0);
	ksft_print_msg("stress poll_exit: %ld iterations (%ld wakeups)\n",
		       self->iterations, woken);
}

/* 6. AUTOKILL: the child dies when the last dup() of its clone3 pidfd closes. */

struct dups {
	int fd;
	bool go;
};

static void *close_dup_thread(void *arg)
{
	struct dups *d = arg;

	while (!__atomic_load_n(&d->go, __ATOMIC_ACQUIRE))
		sched_yield();
	close(d->fd);
	return NULL;
}

TEST_F_TIMEOUT(stress, autokill_dup, 600)
{
	while (now() < self->end) {
		struct pollfd pfd = { .events = POLLIN };
		struct dups d[THREADS];
		struct pidfd_info info;
		pthread_t t[THREADS];
		int pidfd = -1, i;
		pid_t pid;

		pid = clone3_pidfd(CLONE_AUTOREAP | CLONE_PIDFD_AUTOKILL | CLONE_NNP,
				   0, &pidfd);
		if (pid < 0 && errno == EINVAL && self->iterations == 0)
			SKIP(return, "no CLONE_PIDFD_AUTOKILL");
		if (pid == 0) {
			for (;;)
				pause();
		}
		ASSERT_GT(pid, 0);
		pfd.fd = sys_pidfd_open(pid, 0);	/* no AUTOKILL on this one */
		ASSERT_GE(pfd.fd, 0);
		for (i = 0; i < THREADS; i++) {
			d[i].fd = dup(pidfd);
			ASSERT_GE(d[i].fd, 0);
			d[i].go = false;
			ASSERT_EQ(pthread_create(&t[i], NULL, close_dup_thread, &d[i]), 0);
		}
		close(pidfd);
		/* The dups keep the file open: the child lives. */
		EXPECT_EQ(poll(&pfd, 1, 0), 0);
		for (i = 0; i < THREADS; i++)
			__atomic_store_n(&d[i].go, true, __ATOMIC_RELEASE);
		for (i = 0; i < THREADS; i++)
			pthread_join(t[i], NULL);
		ASSERT_EQ(poll(&pfd, 1, -1), 1);
		EXPECT_TRUE(pfd.revents & POLLIN);
		/* Autoreaped; the exit information follows the reap. */
		while (!exit_info(pfd.fd, &info))
			sched_yield();
		EXPECT_TRUE(WIFSIGNALED(info.exit_code));
		EXPECT_EQ(WTERMSIG(info.exit_code), SIGKILL);
		close(pfd.fd);
		self->iterations++;
		if (_metadata->exit_code != KSFT_PASS)
			break;
	}
	EXPECT_GT(self->iterations, 0);
	ksft_print_msg("stress autokill_dup: %ld iterations\n", self->iterations);
}

TEST_HARNESS_MAIN
