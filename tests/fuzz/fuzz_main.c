// SPDX-License-Identifier: GPL-2.0
/*
 * test_fuzz - pvfio's in-tree ioctl fuzzer.
 *
 * A seeded, multi-threaded, structured random sequence of /dev/pvfio and
 * access-fd commands over several contexts, IOASes, mock devices, the edu
 * device (real DMA through the IOMMU), HW page tables and access fds, with
 * mutated sizes, flags, reserved fields, IDs and IOVAs near both ends of the
 * space, and races: fork (the child uses and closes the inherited fds and
 * exits), SIGKILL of a child in the middle of its ioctls, close of fds other
 * threads are using, munmap/remap/mprotect/MADV_DONTNEED of mapped memory,
 * memfd truncation, and sysfs unbind/rebind of edu from pvfio-pci.
 *
 * Reproducibility: thread i draws its operations from a PRNG seeded with
 * (seed, i), and every operation draws its parameters from a PRNG seeded by
 * that stream, so a seed replays the same sequence of operations and
 * parameters in every thread.  What the kernel answers (the IDs it hands
 * out) and how threads interleave are not deterministic, so a replay is a
 * strong hint, not a guarantee: rerun the seed a few times.
 *
 * Most commands are well formed (about 80%), so deep paths are reached; the
 * rest carry one mutation.
 *
 * At the end every fd is closed and the run is checked: no hang, only
 * documented errnos, the size rules held for mutated sizes, no object /
 * context / pinned page / access left (PVFIO_TEST_OP_STATS on a fresh fd),
 * the module unloads (libkmod) and nr_foll_pin_acquired/released moved by
 * the same amount.  Results are TAP lines (counted by tests/vm/check.sh) and
 * one line "PVFIO-FUZZ seed=S seconds=T calls=C calls_per_sec=R threads=N".
 *
 * Parameters, first found wins: the command line (--seconds N --seed S
 * --threads N --avoid LIST), the environment (PVFIO_FUZZ_SECONDS,
 * PVFIO_FUZZ_SEED, PVFIO_FUZZ_THREADS, PVFIO_FUZZ_AVOID), the kernel command
 * line (pvfio.fuzz_seconds=, pvfio.fuzz_seed=, pvfio.fuzz_threads=,
 * pvfio.fuzz_avoid=); default 20 s, 6 threads, a seed from the clock.
 *
 * --avoid takes a comma list of known, not yet fixed kernel defects to
 * steer around (all are exercised by default): copychain, hugemap,
 * mapfile, bigcmd, racedetach, or "known" for all of them.
 *
 * The seed and the replay command go to the kernel log (/dev/kmsg) before
 * anything runs, so a guest that panics still shows them on its console.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "fuzz.h"
#include "../pvfio_test.h"

struct fz_world W;
struct fz_opstat fz_stats[64];

static struct fz_thread threads[FZ_MAX_THREADS];
static uint64_t oracle_fails[ORACLE_NOPS];
static uint64_t start_ns;
static char replay[512];

/* After the deadline, before a hang is declared. */
#define GRACE_S (40 * W.cfg.slowdown)
/* One ioctl this long: interrupt it, say so. */
#define STUCK_S (30 * W.cfg.slowdown)

/* ------------------------------------------------------------- the PRNG */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void fz_rng_seed(struct fz_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t fz_next(struct fz_rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

uint64_t fz_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ------------------------------------------------------------ oracles */

static int errno_documented(int e)
{
	switch (e) {
	case EPERM: case ENOENT: case EINTR: case EBADF: case EAGAIN:
	case ENOMEM: case EACCES: case EFAULT: case EBUSY: case EEXIST:
	case ENODEV: case EINVAL: case EMFILE: case ENOSPC: case ENOTTY:
	case E2BIG: case EOVERFLOW: case EOPNOTSUPP: case EMSGSIZE:
	case EDEADLOCK: case EADDRINUSE:
		return 1;
	}
	return 0;
}

void fz_fail(int oracle, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	/* Threads never print (stdio allocates); only the first few. */
	if (ADD(oracle_fails[oracle], 1) > 8)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (write(2, line, strlen(line)) < 0)
		return;
}

static void fz_account(struct fz_thread *t, int ret)
{
	struct fz_opstat *st = &fz_stats[t->cur_op];

	t->calls++;
	if (t->child) {
		ADD(*W.child_calls, 1);
		return;
	}
	ADD(st->calls, 1);
	if (!ret)
		ADD(st->ok, 1);
	else if (-ret < FZ_MAX_ERRNO)
		ADD(st->err[-ret], 1);
	if (ret && !errno_documented(-ret))
		fz_fail(ORACLE_ERRNO, "# op %s: undocumented errno %d (%s)\n",
			fz_ops[t->cur_op].name, -ret, strerror(-ret));
}

/* The watchdog times single calls: a multi-call op may take long. */
static int timed_ioctl(struct fz_thread *t, int fd, unsigned long nr, void *arg)
{
	uint64_t t0 = fz_now_ns(), dt, max;
	int ret;

	if (!t->child)
		ST(t->op_start_ns, t0);
	ret = ioctl(fd, nr, arg) ? -errno : 0;
	dt = fz_now_ns() - t0;
	if (!t->child) {
		ST(t->op_start_ns, 0);
		max = LD(fz_stats[t->cur_op].max_ns);
		while (dt > max && !__atomic_compare_exchange_n(
				&fz_stats[t->cur_op].max_ns, &max, dt, false,
				__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
	}
	return ret;
}

void fz_count(struct fz_thread *t, int ret)
{
	fz_account(t, ret);
}

int fz_ioctl(struct fz_thread *t, int fd, unsigned long nr, void *cmd,
	     size_t len, size_t min)
{
	static const uint32_t huge[] = { 4097, 8192, 65536, 1 << 20,
					 0x7fffffff, 0xfffff000, 0xffffffff };
	struct fz_rng *r = t->op;
	unsigned char *area = t->cmd;
	int mut = SZ_NONE, ret;
	uint32_t size = len, extra;

	if (r && fz_pct(r, t->mutate_pct / 2)) {
		switch (fz_below(r, 11)) {
		case 0: case 1: mut = SZ_SHORT; break;
		case 2: case 3: mut = SZ_MIN; break;
		case 4: case 5: mut = SZ_LONG_ZERO; break;
		case 6: case 7: case 8: mut = SZ_LONG_NONZERO; break;
		case 9: mut = SZ_HUGE; break;
		default:
			mut = (W.cfg.avoid & KNOWN_BIGCMD) || !t->bigcmd ||
			      !fz_pct(r, 25) ? SZ_HUGE : SZ_BIGZERO;
		}
	}
	if (mut == SZ_BIGZERO)
		area = t->bigcmd;
	memcpy(area, cmd, len);
	switch (mut) {
	case SZ_SHORT:
		size = fz_below(r, min);
		break;
	case SZ_MIN:
		size = min;
		break;
	case SZ_LONG_ZERO:
		size = len + 1 + fz_below(r, 64);
		break;
	case SZ_LONG_NONZERO:
		extra = 1 + fz_below(r, 64);
		size = len + extra;
		area[len + fz_below(r, extra)] = 1 + fz_below(r, 255);
		break;
	case SZ_HUGE:
		size = huge[fz_below(r, sizeof(huge) / sizeof(huge[0]))];
		break;
	case SZ_BIGZERO:
		size = 0xfffff000;
		break;
	}
	if (len >= 4)
		memcpy(area, &size, 4);
	ret = timed_ioctl(t, fd, nr, area);
	memcpy(cmd, area, len);
	memset(area, 0, len + 64);

	fz_account(t, ret);
	if (mut == SZ_NONE || mut == SZ_MIN || mut == SZ_LONG_ZERO)
		return ret;
	/* A stale fd number, or an access fd whose context is gone. */
	if (ret == -EBADF || ret == -ENOTTY || ret == -ENODEV)
		return ret;
	if (mut == SZ_SHORT && ret != -EINVAL)
		fz_fail(ORACLE_SIZE, "# op %s: size %u < mandatory %zu gave %d, not -EINVAL\n",
			fz_ops[t->cur_op].name, size, min, ret);
	if (mut != SZ_SHORT && ret != -E2BIG)
		fz_fail(ORACLE_SIZE, "# op %s: size %u (struct %zu, %s tail) gave %d, not -E2BIG\n",
			fz_ops[t->cur_op].name, size, len,
			mut == SZ_LONG_NONZERO ? "non-zero" : "huge", ret);
	return ret;
}

/* ------------------------------------------------------------ config */

static unsigned int parse_avoid(const char *s)
{
	static const struct { const char *name; unsigned int bit; } names[] = {
		{ "copychain", KNOWN_COPYCHAIN }, { "hugemap", KNOWN_HUGEMAP },
		{ "mapfile", KNOWN_MAPFILE }, { "bigcmd", KNOWN_BIGCMD },
		{ "racedetach", KNOWN_RACEDETACH }, { "known", ~0u },
	};
	unsigned int bits = 0;
	size_t i, n;

	while (*s && *s != ' ' && *s != '\n') {
		n = strcspn(s, ", \n");
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == n &&
			    !strncmp(s, names[i].name, n))
				bits |= names[i].bit;
		s += n;
		if (*s == ',')
			s++;
	}
	return bits;
}

static const char *cmdline_param(const char *cmdline, const char *key)
{
	const char *p = cmdline;
	size_t n = strlen(key);

	while ((p = strstr(p, key))) {
		if ((p == cmdline || p[-1] == ' ') && p[n] == '=')
			return p + n + 1;
		p += n;
	}
	return NULL;
}

static void config(int argc, char **argv)
{
	const char *sec = NULL, *seed = NULL, *thr = NULL, *avoid = NULL;
	static char cmdline[4096];
	const char *v;
	FILE *f;
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seconds"))
			sec = argv[i + 1];
		else if (!strcmp(argv[i], "--seed"))
			seed = argv[i + 1];
		else if (!strcmp(argv[i], "--threads"))
			thr = argv[i + 1];
		else if (!strcmp(argv[i], "--avoid"))
			avoid = argv[i + 1];
	}
	if (!sec)
		sec = getenv("PVFIO_FUZZ_SECONDS");
	if (!seed)
		seed = getenv("PVFIO_FUZZ_SEED");
	if (!thr)
		thr = getenv("PVFIO_FUZZ_THREADS");
	if (!avoid)
		avoid = getenv("PVFIO_FUZZ_AVOID");
	f = fopen("/proc/cmdline", "r");
	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = 0;
		fclose(f);
	}
	if (!sec && (v = cmdline_param(cmdline, "pvfio.fuzz_seconds")))
		sec = v;
	if (!seed && (v = cmdline_param(cmdline, "pvfio.fuzz_seed")))
		seed = v;
	if (!thr && (v = cmdline_param(cmdline, "pvfio.fuzz_threads")))
		thr = v;
	if (!avoid && (v = cmdline_param(cmdline, "pvfio.fuzz_avoid")))
		avoid = v;
	W.cfg.slowdown = cmdline_param(cmdline, "pvfio.debug_kernel") ? 4 : 1;

	W.cfg.seconds = sec ? strtoul(sec, NULL, 0) : 20;
	if (!W.cfg.seconds)
		W.cfg.seconds = 1;
	W.cfg.threads = thr ? strtoul(thr, NULL, 0) : 6;
	if (W.cfg.threads < 1)
		W.cfg.threads = 1;
	if (W.cfg.threads > FZ_MAX_THREADS)
		W.cfg.threads = FZ_MAX_THREADS;
	if (seed) {
		W.cfg.seed = strtoull(seed, NULL, 0);
		W.cfg.seed_given = true;
	} else {
		W.cfg.seed = (fz_now_ns() ^ ((uint64_t)getpid() << 32)) %
			     1000000000000ULL;
	}
	W.cfg.avoid = avoid ? parse_avoid(avoid) : 0;
	if (avoid)
		snprintf(W.cfg.avoid_str, sizeof(W.cfg.avoid_str), "%.*s",
			 (int)strcspn(avoid, " \n"), avoid);
}

/* The matrix cell this guest most likely is, for the replay command. */
static void guess_cell(char *out, size_t len)
{
	const char *iommu = edu_iommu_kind();
	struct utsname u;
	unsigned int maj = 0, min = 0;

	uname(&u);
	sscanf(u.release, "%u.%u", &maj, &min);
	snprintf(out, len, "%s%u.%u-%s",
		 strcmp(u.machine, "aarch64") ? "" : "arm64-", maj, min,
		 *iommu ? iommu : "vtd");
}

static void kmsg(const char *msg)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, msg, strlen(msg)) < 0)
		close(fd);
	else
		close(fd);
}

static void print_replay(void)
{
	printf("# seed=%llu; replay: %s\n", (unsigned long long)W.cfg.seed,
	       replay);
	fflush(stdout);
}

/* ------------------------------------------------------------ threads */

static void sig_nop(int sig)
{
	(void)sig;
}

static void sig_fatal(int sig)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg),
			 "\n# test_fuzz itself died of signal %d; seed=%llu; replay: %s\nnot ok 1 - fuzz: the fuzzer crashed\n",
			 sig, (unsigned long long)W.cfg.seed, replay);

	if (write(1, msg, n) < 0)
		_exit(2);
	_exit(2);
}

static void *fz_thread_main(void *arg)
{
	struct fz_thread *t = arg;

	/*
	 * Thread 1 runs without CAP_IPC_LOCK and CAP_SYS_RAWIO (capabilities
	 * are per thread): pins are charged to RLIMIT_MEMLOCK, BIND is EPERM.
	 */
	if (t->idx == 1 && !pvfio_drop_cap(14 /* CAP_IPC_LOCK */) &&
	    !pvfio_drop_cap(17 /* CAP_SYS_RAWIO */))
		t->unpriv = true;
	while (!LD(W.stop)) {
		fz_run_one(t);
		if (fz_now_ns() >= W.deadline_ns)
			break;
	}
	return NULL;
}

static volatile int threads_done;
/* After this the run is declared hung; moved on once the threads are in. */
static uint64_t hang_deadline_ns;
static const char *phase = "fuzzing";

static void hang_exit(void)
{
	unsigned int i;

	printf("1..1\n");
	for (i = 0; i < W.cfg.threads; i++) {
		uint64_t s = LD(threads[i].op_start_ns);

		if (s)
			printf("# thread %u still in an ioctl of op %s for %llu s\n", i,
			       fz_ops[threads[i].cur_op].name,
			       (unsigned long long)((fz_now_ns() - s) / 1000000000ULL));
	}
	printf("not ok 1 - fuzz: hung while %s (%u threads, %u s + %u s grace)\n",
	       phase, W.cfg.threads, W.cfg.seconds, GRACE_S);
	print_replay();
	kmsg("pvfio-fuzz: HANG, see the test output for the threads still running\n");
	fflush(stdout);
	_exit(1);
}

static void *fz_watchdog(void *arg)
{
	unsigned int i;

	(void)arg;
	while (!LD(threads_done)) {
		uint64_t now = fz_now_ns();

		usleep(200 * 1000);
		if (now >= W.deadline_ns)
			ST(W.stop, 1);
		for (i = 0; i < W.cfg.threads; i++) {
			struct fz_thread *t = &threads[i];
			uint64_t s = LD(t->op_start_ns);

			if (!s || now < s || now - s < STUCK_S * 1000000000ULL)
				continue;
			if (!t->warned_stuck) {
				t->warned_stuck = true;
				fz_fail(ORACLE_STUCK, "# thread %u: an ioctl of op %s running for %d s, interrupting it\n",
					i, fz_ops[t->cur_op].name, STUCK_S);
			}
			pthread_kill(t->th, SIGUSR1);
		}
		if (now >= LD(hang_deadline_ns))
			hang_exit();
	}
	return NULL;
}

/* ------------------------------------------------------------ the end */

static int check_nothing_left(void)
{
	struct pvfio_test_stats st;
	int tries, fd, ret;

	/* Closing is synchronous, but give exiting children a moment. */
	for (tries = 0; tries < 20; tries++) {
		fd = open(PVFIO_DEV, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			printf("# open %s: %m\n", PVFIO_DEV);
			return -1;
		}
		ret = pvfio_test_stats(fd, &st);
		close(fd);
		if (ret) {
			printf("# stats: %s\n", strerror(-ret));
			return -1;
		}
		if (st.out_contexts == 1 && !st.out_objects &&
		    !st.out_pinned_pages && !st.out_accesses &&
		    !st.out_access_pins)
			return 0;
		usleep(100 * 1000);
	}
	printf("# leak: contexts %llu (1 is the asking one) objects %llu pinned pages %llu accesses %llu access pins %llu\n",
	       (unsigned long long)st.out_contexts,
	       (unsigned long long)st.out_objects,
	       (unsigned long long)st.out_pinned_pages,
	       (unsigned long long)st.out_accesses,
	       (unsigned long long)st.out_access_pins);
	return -1;
}

static int reap_children(void)
{
	uint64_t until = fz_now_ns() + 10 * 1000000000ULL;
	int status;
	pid_t pid;

	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0)
			return 0;	/* ECHILD: none left */
		if (pid == 0) {
			if (fz_now_ns() > until)
				return -1;
			usleep(50 * 1000);
		}
	}
}

/* Whatever the tables lost track of (an fd slot overwritten in a race). */
static void close_stray_fds(void)
{
	char path[64], target[128];
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	int fd;
	ssize_t n;

	if (!d)
		return;
	while ((de = readdir(d))) {
		fd = atoi(de->d_name);
		if (fd <= 2 || fd == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = 0;
		if (strstr(target, "pvfio")) {
			printf("# closing a stray fd %d -> %s\n", fd, target);
			close(fd);
		}
	}
	closedir(d);
}

static void print_opstats(void)
{
	unsigned int i, e;

	for (i = 0; i < fz_nops; i++) {
		struct fz_opstat *st = &fz_stats[i];
		char errs[256];
		size_t n = 0;

		if (!st->calls)
			continue;
		errs[0] = 0;
		for (e = 1; e < FZ_MAX_ERRNO && n < sizeof(errs) - 32; e++)
			if (st->err[e])
				n += snprintf(errs + n, sizeof(errs) - n,
					      " %s:%llu", strerrorname_np(e) ?: "?",
					      (unsigned long long)st->err[e]);
		printf("# %-14s calls %8llu ok %8llu max %5llu ms%s\n",
		       fz_ops[i].name, (unsigned long long)st->calls,
		       (unsigned long long)st->ok,
		       (unsigned long long)(st->max_ns / 1000000), errs);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = sig_nop };
	long long acq0, rel0, acq1, rel1;
	uint64_t total = 0, elapsed_ns;
	pthread_t wd;
	char cell[64], msg[768];
	unsigned int i;
	int n = 0, failed = 0, hung_children, leaked, unloaded;
	double secs;

	setvbuf(stdout, NULL, _IOLBF, 0);
	config(argc, argv);
	guess_cell(cell, sizeof(cell));
	snprintf(replay, sizeof(replay),
		 "make fuzz SECONDS=%u SEED=%llu THREADS=%u%s%s CELLS=%s (in a guest: test_fuzz --seconds %u --seed %llu --threads %u)",
		 W.cfg.seconds, (unsigned long long)W.cfg.seed, W.cfg.threads,
		 W.cfg.avoid ? " AVOID=" : "", W.cfg.avoid ? W.cfg.avoid_str : "",
		 cell, W.cfg.seconds, (unsigned long long)W.cfg.seed,
		 W.cfg.threads);
	printf("# pvfio fuzz: seed=%llu%s seconds=%u threads=%u avoid=0x%x\n",
	       (unsigned long long)W.cfg.seed,
	       W.cfg.seed_given ? "" : " (from the clock)", W.cfg.seconds,
	       W.cfg.threads, W.cfg.avoid);
	print_replay();
	snprintf(msg, sizeof(msg), "pvfio-fuzz: start seed=%llu seconds=%u threads=%u; replay: %s\n",
		 (unsigned long long)W.cfg.seed, W.cfg.seconds, W.cfg.threads,
		 replay);
	kmsg(msg);

	sigaction(SIGUSR1, &sa, NULL);		/* no SA_RESTART: EINTR */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = sig_fatal;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);

	acq0 = pvfio_vmstat("nr_foll_pin_acquired");
	rel0 = pvfio_vmstat("nr_foll_pin_released");
	if (access("/sys/module/pvfio", F_OK) == 0)
		pvfio_kmod_remove("pvfio");	/* a previous suite's leftover */
	if (pvfio_fixture_load("enable_test_ops=1")) {
		printf("1..1\nnot ok 1 - fuzz: load pvfio.ko\n");
		print_replay();
		return 1;
	}
	/* edu, handed to pvfio-pci as the edu suite does; optional. */
	W.have_edu = !edu_open(&W.edu);
	if (W.have_edu)
		edu_enable_bus_master(&W.edu);
	printf("# edu: %s\n", W.have_edu ? W.edu.bdf : "absent, real-device ops off");
	if (fz_world_setup()) {
		printf("1..1\nnot ok 1 - fuzz: setup (module load, buffers, contexts)\n");
		print_replay();
		pvfio_kmod_remove("pvfio");
		return 1;
	}
	W.child_calls = mmap(NULL, FZ_PAGE, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (W.child_calls == MAP_FAILED)
		return 1;

	start_ns = fz_now_ns();
	W.deadline_ns = start_ns + W.cfg.seconds * 1000000000ULL;
	hang_deadline_ns = W.deadline_ns + GRACE_S * 1000000000ULL;
	for (i = 0; i < W.cfg.threads; i++) {
		struct fz_thread *t = &threads[i];

		t->idx = i;
		fz_rng_seed(&t->rng, W.cfg.seed, i + 1);
		t->mutate_pct = 16;	/* fz_ioctl: 8% sizes */
		t->cmd = mmap(NULL, FZ_CMD_AREA + FZ_PAGE,
			      PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		/* A 1 MiB guard after the data: RW never reaches live memory. */
		t->data = mmap(NULL, FZ_DATA_LEN + FZ_MiB, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		t->bigcmd = mmap(NULL, (4UL << 30) + FZ_PAGE, PROT_READ,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				 -1, 0);
		if (t->cmd == MAP_FAILED || t->data == MAP_FAILED)
			return 1;
		mprotect(t->cmd + FZ_CMD_AREA, FZ_PAGE, PROT_NONE);
		mprotect(t->data + FZ_DATA_LEN, FZ_MiB, PROT_NONE);
		if (t->bigcmd == MAP_FAILED ||
		    mprotect(t->bigcmd, FZ_PAGE, PROT_READ | PROT_WRITE))
			t->bigcmd = NULL;
	}
	for (i = 0; i < W.cfg.threads; i++)
		if (pthread_create(&threads[i].th, NULL, fz_thread_main,
				   &threads[i]))
			return 1;
	pthread_create(&wd, NULL, fz_watchdog, NULL);
	for (i = 0; i < W.cfg.threads; i++)
		pthread_join(threads[i].th, NULL);
	elapsed_ns = fz_now_ns() - start_ns;
	/* The watchdog guards the rest too: children, closing, unloading. */
	ST(phase, "reaping children, closing fds, unloading");
	ST(hang_deadline_ns, fz_now_ns() + 120 * 1000000000ULL);
	hung_children = reap_children();

	for (i = 0; i < W.cfg.threads; i++)
		total += threads[i].calls;
	total += *W.child_calls;
	secs = elapsed_ns / 1e9;

	fz_world_teardown();
	close_stray_fds();
	for (i = 0; i < W.cfg.threads; i++) {
		munmap(threads[i].cmd, FZ_CMD_AREA + FZ_PAGE);
		munmap(threads[i].data, FZ_DATA_LEN + FZ_MiB);
		if (threads[i].bigcmd)
			munmap(threads[i].bigcmd, (4UL << 30) + FZ_PAGE);
	}
	print_opstats();
	printf("# %llu calls in forked children (included in calls)\n",
	       (unsigned long long)*W.child_calls);

	leaked = check_nothing_left();
	if (W.have_edu)
		edu_close(&W.edu);
	unloaded = pvfio_kmod_remove("pvfio");
	acq1 = pvfio_vmstat("nr_foll_pin_acquired");
	rel1 = pvfio_vmstat("nr_foll_pin_released");
	ST(threads_done, 1);
	pthread_join(wd, NULL);

	printf("1..8\n");
	printf("ok %d - fuzz: %u threads ran %.1f s and stopped within the grace period\n",
	       ++n, W.cfg.threads, secs);
	failed += !!oracle_fails[ORACLE_STUCK];
	printf("%sok %d - fuzz: no single ioctl took %d s or more (%llu did)\n",
	       oracle_fails[ORACLE_STUCK] ? "not " : "", ++n, STUCK_S,
	       (unsigned long long)oracle_fails[ORACLE_STUCK]);
	failed += !!oracle_fails[ORACLE_ERRNO];
	printf("%sok %d - fuzz: every errno is one the ABI documents (%llu not)\n",
	       oracle_fails[ORACLE_ERRNO] ? "not " : "", ++n,
	       (unsigned long long)oracle_fails[ORACLE_ERRNO]);
	failed += !!oracle_fails[ORACLE_SIZE];
	printf("%sok %d - fuzz: mutated sizes: EINVAL when short, E2BIG for a non-zero or huge tail (%llu violations)\n",
	       oracle_fails[ORACLE_SIZE] ? "not " : "", ++n,
	       (unsigned long long)oracle_fails[ORACLE_SIZE]);
	failed += !!hung_children;
	printf("%sok %d - fuzz: every forked child exited\n",
	       hung_children ? "not " : "", ++n);
	failed += !!leaked;
	printf("%sok %d - fuzz: no object, context, pinned page or access left after every fd closed\n",
	       leaked ? "not " : "", ++n);
	failed += !!unloaded;
	printf("%sok %d - fuzz: pvfio unloads\n", unloaded ? "not " : "", ++n);
	if (acq0 < 0 || acq1 < 0 || acq1 - acq0 != rel1 - rel0)
		failed++;
	printf("%sok %d - fuzz: pins balance (nr_foll_pin acquired +%lld, released +%lld)\n",
	       acq0 < 0 || acq1 < 0 || acq1 - acq0 != rel1 - rel0 ? "not " : "",
	       ++n, acq1 - acq0, rel1 - rel0);

	printf("PVFIO-FUZZ seed=%llu seconds=%u calls=%llu calls_per_sec=%.0f threads=%u\n",
	       (unsigned long long)W.cfg.seed, W.cfg.seconds,
	       (unsigned long long)total, secs > 0 ? total / secs : 0.0,
	       W.cfg.threads);
	if (failed) {
		printf("# FUZZ FAILED (%d checks)\n", failed);
		print_replay();
	}
	snprintf(msg, sizeof(msg), "pvfio-fuzz: done seed=%llu calls=%llu, %d checks failed\n",
		 (unsigned long long)W.cfg.seed, (unsigned long long)total,
		 failed);
	kmsg(msg);
	return failed ? 1 : 0;
}
