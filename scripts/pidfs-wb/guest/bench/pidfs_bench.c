// SPDX-License-Identifier: GPL-2.0
/*
 * pidfs_bench: micro-benchmarks of the pidfs paths, run in the workbench
 * guest by `scripts/wb bench` for the C (fs-pid-n) and the Rust (fs-pid-y)
 * pidfs.
 *
 * It lives in the workbench (scripts/pidfs-wb/guest/bench/), not in the
 * series, because it is a tool for measuring the series rather than part of
 * what is proposed upstream, and because the series is being reworked by
 * someone else while this is written. A later re-cut may move it under
 * tools/testing/selftests/pidfd/.
 *
 * Every workload is timed with clock_gettime(CLOCK_MONOTONIC) around a fixed
 * number of iterations and printed as one machine-readable line:
 *
 *   BENCH <workload> rep=<r> iters=<n> ns_per_op=<x>
 *
 * between "BENCH_BEGIN version=1 reps=<R> scale=<S>" and "BENCH_END
 * ok=<0|1>". A workload that cannot run prints "BENCH_FAIL <workload>
 * <reason>" and the program exits 1.
 *
 * Before the workloads it prints the slab cache of the per-pid pidfs state,
 * as the booted kernel reports it in /sys/kernel/slab/pidfs_attr_cache/:
 *
 *   BENCH_SLAB cache=pidfs_attr_cache object_size=<n> slab_size=<n>
 *              align=<n> objs_per_slab=<n> aliases=<n>
 *
 * (one line), or "BENCH_SLAB cache=pidfs_attr_cache unavailable=<why>" on a
 * kernel without that directory (SLUB_TINY has no slab sysfs). With
 * pidfs_bench.slab_only=1 on the kernel command line it prints only that
 * line between BENCH_BEGIN and BENCH_END (`wb size`).
 *
 * Parameters come from the command line
 * (-r REPS -s SCALE_PERCENT) or, in the guest, from the kernel command line
 * (pidfs_bench.reps=R pidfs_bench.scale=S), because the guest init runs
 * programs without arguments.
 *
 * The definitions below are local so the program builds against any libc
 * headers; the layouts are those of include/uapi/linux/pidfd.h and
 * include/uapi/linux/sched.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

#define BENCH_PIDFD_INFO_PID		(1ULL << 0)
#define BENCH_PIDFD_INFO_CREDS		(1ULL << 1)
#define BENCH_PIDFD_INFO_CGROUPID	(1ULL << 2)
#define BENCH_PIDFD_INFO_EXIT		(1ULL << 3)

/* struct pidfd_info as of PIDFD_INFO_SIZE_VER3 (88 bytes). */
struct bench_pidfd_info {
	uint64_t mask;
	uint64_t cgroupid;
	uint32_t pid, tgid, ppid;
	uint32_t ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	int32_t exit_code;
	uint32_t coredump_mask;
	uint32_t coredump_signal;
	uint32_t coredump_code;
	uint32_t coredump_pad;
	uint64_t supported_mask;
};
_Static_assert(sizeof(struct bench_pidfd_info) == 88, "pidfd_info VER3");

#define BENCH_PIDFD_GET_INFO _IOWR(0xFF, 11, struct bench_pidfd_info)

struct bench_clone_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
};

static int reps = 5;
static int scale = 100;
static int slab_only;
static int failed;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static long iters_for(long base)
{
	long n = base * scale / 100;

	return n < 1 ? 1 : n;
}

static void report(const char *name, int rep, long iters, uint64_t ns)
{
	printf("BENCH %s rep=%d iters=%ld ns_per_op=%.1f\n", name, rep, iters,
	       (double)ns / (double)iters);
	fflush(stdout);
}

static void fail(const char *name, const char *what)
{
	printf("BENCH_FAIL %s %s: %s\n", name, what, strerror(errno));
	fflush(stdout);
	failed = 1;
}

static int sys_pidfd_open(pid_t pid, unsigned int flags)
{
	return syscall(__NR_pidfd_open, pid, flags);
}

static pid_t sys_clone3_pidfd(int *pidfd)
{
	struct bench_clone_args args;

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_PIDFD;
	args.pidfd = (uint64_t)(uintptr_t)pidfd;
	args.exit_signal = SIGCHLD;
	return syscall(__NR_clone3, &args, sizeof(args));
}

/* A child that waits until its parent closes the pipe, then exits. */
struct sleeper {
	pid_t pid;
	int pipe_w;
};

static int sleeper_start(struct sleeper *s)
{
	int p[2];
	char c;

	if (pipe(p))
		return -1;
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	s->pipe_w = p[1];
	return 0;
}

static void sleeper_stop(struct sleeper *s)
{
	close(s->pipe_w);
	waitpid(s->pid, NULL, 0);
}

/* pidfd_open + close while another pidfd keeps the dentry stashed. */
static void bench_open_hit(int rep)
{
	const char *name = "pidfd_open_hit";
	struct sleeper s;
	long i, n = iters_for(20000);
	uint64_t t0, t1;
	int keep;

	if (sleeper_start(&s))
		return fail(name, "fork");
	keep = sys_pidfd_open(s.pid, 0);
	if (keep < 0) {
		fail(name, "pidfd_open");
		sleeper_stop(&s);
		return;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		int fd = sys_pidfd_open(s.pid, 0);

		if (fd < 0) {
			fail(name, "pidfd_open");
			break;
		}
		close(fd);
	}
	t1 = now_ns();
	close(keep);
	sleeper_stop(&s);
	if (i == n)
		report(name, rep, n, t1 - t0);
}

/*
 * pidfd_open + close with no other pidfd open: pidfs dentries are
 * DCACHE_DONTCACHE, so the last close drops dentry and inode and every open
 * goes through the slow path of path_from_stashed() (a first open).
 */
static void bench_open_miss(int rep)
{
	const char *name = "pidfd_open_miss";
	struct sleeper s;
	long i, n = iters_for(10000);
	uint64_t t0, t1;

	if (sleeper_start(&s))
		return fail(name, "fork");
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		int fd = sys_pidfd_open(s.pid, 0);

		if (fd < 0) {
			fail(name, "pidfd_open");
			break;
		}
		close(fd);
	}
	t1 = now_ns();
	sleeper_stop(&s);
	if (i == n)
		report(name, rep, n, t1 - t0);
}

/* clone3(CLONE_PIDFD) + child _exit + waitid(P_PIDFD) + close. */
static void bench_clone3_wait(int rep)
{
	const char *name = "clone3_exit_waitid";
	long i, n = iters_for(1000);
	uint64_t t0, t1;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		siginfo_t info;
		int pidfd = -1;
		pid_t pid = sys_clone3_pidfd(&pidfd);

		if (pid < 0) {
			fail(name, "clone3");
			break;
		}
		if (pid == 0)
			_exit(0);
		if (waitid(P_PIDFD, pidfd, &info, WEXITED)) {
			fail(name, "waitid");
			break;
		}
		close(pidfd);
	}
	t1 = now_ns();
	if (i == n)
		report(name, rep, n, t1 - t0);
}

static void *thread_fn(void *arg)
{
	return arg;
}

/* pthread create + join, nthreads at a time; ns per thread. */
static void bench_threads(int rep, int nthreads)
{
	const char *name = nthreads == 1 ? "thread_create_join_1" :
					   "thread_create_join_2";
	long i, n = iters_for(2000 / nthreads);
	pthread_t t[2];
	uint64_t t0, t1;
	int k;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		for (k = 0; k < nthreads; k++) {
			errno = pthread_create(&t[k], NULL, thread_fn, NULL);
			if (errno) {
				fail(name, "pthread_create");
				return;
			}
		}
		for (k = 0; k < nthreads; k++)
			pthread_join(t[k], NULL);
	}
	t1 = now_ns();
	report(name, rep, n * nthreads, t1 - t0);
}

/* PIDFD_GET_INFO (PID | CREDS | CGROUPID) on a live child. */
static void bench_info_live(int rep)
{
	const char *name = "get_info_live";
	struct bench_pidfd_info info;
	struct sleeper s;
	long i, n = iters_for(20000);
	uint64_t t0, t1;
	int fd;

	if (sleeper_start(&s))
		return fail(name, "fork");
	fd = sys_pidfd_open(s.pid, 0);
	if (fd < 0) {
		fail(name, "pidfd_open");
		sleeper_stop(&s);
		return;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		memset(&info, 0, sizeof(info));
		info.mask = BENCH_PIDFD_INFO_PID | BENCH_PIDFD_INFO_CREDS |
			    BENCH_PIDFD_INFO_CGROUPID;
		if (ioctl(fd, BENCH_PIDFD_GET_INFO, &info)) {
			fail(name, "PIDFD_GET_INFO");
			break;
		}
	}
	t1 = now_ns();
	if (i == n && info.pid != (uint32_t)s.pid) {
		errno = EINVAL;
		fail(name, "PIDFD_GET_INFO returned another pid");
	}
	close(fd);
	sleeper_stop(&s);
	if (i == n && !failed)
		report(name, rep, n, t1 - t0);
}

/* PIDFD_GET_INFO (EXIT) on the kept pidfd of a reaped child. */
static void bench_info_exit(int rep)
{
	const char *name = "get_info_exit";
	struct bench_pidfd_info info;
	long i, n = iters_for(20000);
	uint64_t t0, t1;
	siginfo_t si;
	int pidfd = -1;
	pid_t pid;

	pid = sys_clone3_pidfd(&pidfd);
	if (pid < 0)
		return fail(name, "clone3");
	if (pid == 0)
		_exit(7);
	if (waitid(P_PIDFD, pidfd, &si, WEXITED)) {
		close(pidfd);
		return fail(name, "waitid");
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		memset(&info, 0, sizeof(info));
		info.mask = BENCH_PIDFD_INFO_EXIT;
		if (ioctl(pidfd, BENCH_PIDFD_GET_INFO, &info)) {
			fail(name, "PIDFD_GET_INFO");
			break;
		}
	}
	t1 = now_ns();
	close(pidfd);
	if (i < n)
		return;
	if (!(info.mask & BENCH_PIDFD_INFO_EXIT) ||
	    !WIFEXITED(info.exit_code) || WEXITSTATUS(info.exit_code) != 7) {
		errno = EINVAL;
		return fail(name, "no exit info for the reaped child");
	}
	report(name, rep, n, t1 - t0);
}

/* fstat on a pidfd. */
static void bench_fstat(int rep)
{
	const char *name = "fstat";
	struct sleeper s;
	long i, n = iters_for(20000);
	uint64_t t0, t1;
	struct stat st;
	int fd;

	if (sleeper_start(&s))
		return fail(name, "fork");
	fd = sys_pidfd_open(s.pid, 0);
	if (fd < 0) {
		fail(name, "pidfd_open");
		sleeper_stop(&s);
		return;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (fstat(fd, &st)) {
			fail(name, "fstat");
			break;
		}
	}
	t1 = now_ns();
	close(fd);
	sleeper_stop(&s);
	if (i == n)
		report(name, rep, n, t1 - t0);
}

/* name_to_handle_at + open_by_handle_at (+ close) on a pidfd. */
static void bench_handle(int rep)
{
	const char *name = "fhandle_roundtrip";
	struct {
		struct file_handle fh;
		unsigned char buf[MAX_HANDLE_SZ];
	} h;
	struct sleeper s;
	long i, n = iters_for(10000);
	uint64_t t0, t1;
	int fd, mnt_id;

	if (sleeper_start(&s))
		return fail(name, "fork");
	fd = sys_pidfd_open(s.pid, 0);
	if (fd < 0) {
		fail(name, "pidfd_open");
		sleeper_stop(&s);
		return;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		int fd2;

		h.fh.handle_bytes = MAX_HANDLE_SZ;
		if (name_to_handle_at(fd, "", &h.fh, &mnt_id, AT_EMPTY_PATH)) {
			fail(name, "name_to_handle_at");
			break;
		}
		fd2 = open_by_handle_at(fd, &h.fh, 0);
		if (fd2 < 0) {
			fail(name, "open_by_handle_at");
			break;
		}
		close(fd2);
	}
	t1 = now_ns();
	close(fd);
	sleeper_stop(&s);
	if (i == n)
		report(name, rep, n, t1 - t0);
}

/*
 * Latency from the child's _exit() to POLLIN on its pidfd: the child writes
 * its CLOCK_MONOTONIC time into shared memory right before _exit(), the
 * parent takes the time when poll() returns.
 */
static void bench_poll_exit(int rep)
{
	const char *name = "poll_exit_latency";
	long i, n = iters_for(500);
	_Atomic uint64_t *stamp;
	uint64_t total = 0;

	stamp = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stamp == MAP_FAILED)
		return fail(name, "mmap");
	for (i = 0; i < n; i++) {
		struct pollfd pfd;
		siginfo_t si;
		int pidfd = -1;
		pid_t pid;
		uint64_t t;

		atomic_store(stamp, 0);
		pid = sys_clone3_pidfd(&pidfd);
		if (pid < 0) {
			fail(name, "clone3");
			break;
		}
		if (pid == 0) {
			atomic_store(stamp, now_ns());
			_exit(0);
		}
		pfd.fd = pidfd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 10000) != 1) {
			fail(name, "poll");
			close(pidfd);
			break;
		}
		t = now_ns();
		if (!atomic_load(stamp) || atomic_load(stamp) > t) {
			errno = EINVAL;
			fail(name, "child time stamp");
			close(pidfd);
			break;
		}
		total += t - atomic_load(stamp);
		waitid(P_PIDFD, pidfd, &si, WEXITED);
		close(pidfd);
	}
	munmap((void *)stamp, 4096);
	if (i == n)
		report(name, rep, n, total);
}

static void params_from_cmdline(void)
{
	char buf[4096];
	const char *p;
	size_t len;
	FILE *f;

	f = fopen("/proc/cmdline", "r");
	if (!f)
		return;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	p = strstr(buf, "pidfs_bench.reps=");
	if (p)
		reps = atoi(p + strlen("pidfs_bench.reps="));
	p = strstr(buf, "pidfs_bench.scale=");
	if (p)
		scale = atoi(p + strlen("pidfs_bench.scale="));
	slab_only = strstr(buf, "pidfs_bench.slab_only=1") != NULL;
}

/* One number from a file of the cache's sysfs directory, or -1. */
static long slab_attr(const char *dir, const char *name)
{
	char path[256], buf[64];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, 10);
	fclose(f);
	return v;
}

static void report_slab(void)
{
	static const char dir[] = "/sys/kernel/slab/pidfs_attr_cache";
	long object_size = slab_attr(dir, "object_size");

	if (object_size < 0) {
		printf("BENCH_SLAB cache=pidfs_attr_cache unavailable=%s\n",
		       access("/sys/kernel/slab", F_OK) ? "no-slab-sysfs" : "no-such-cache");
		return;
	}
	printf("BENCH_SLAB cache=pidfs_attr_cache object_size=%ld slab_size=%ld align=%ld objs_per_slab=%ld aliases=%ld\n",
	       object_size, slab_attr(dir, "slab_size"), slab_attr(dir, "align"),
	       slab_attr(dir, "objs_per_slab"), slab_attr(dir, "aliases"));
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-r REPS] [-s SCALE_PERCENT]\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	int opt, rep;

	params_from_cmdline();
	while ((opt = getopt(argc, argv, "r:s:")) != -1) {
		switch (opt) {
		case 'r':
			reps = atoi(optarg);
			break;
		case 's':
			scale = atoi(optarg);
			break;
		default:
			usage(argv[0]);
		}
	}
	if (reps < 1 || scale < 1)
		usage(argv[0]);

	printf("BENCH_BEGIN version=1 reps=%d scale=%d\n", reps, scale);
	report_slab();
	fflush(stdout);
	if (slab_only)
		reps = 0;
	for (rep = 0; rep < reps && !failed; rep++) {
		bench_open_hit(rep);
		bench_open_miss(rep);
		bench_clone3_wait(rep);
		bench_threads(rep, 1);
		bench_threads(rep, 2);
		bench_info_live(rep);
		bench_info_exit(rep);
		bench_fstat(rep);
		bench_handle(rep);
		bench_poll_exit(rep);
	}
	printf("BENCH_END ok=%d\n", !failed);
	return failed ? 1 : 0;
}
