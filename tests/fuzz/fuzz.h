/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvfio's in-tree ioctl fuzzer: shared state of the harness (fuzz_main.c)
 * and of the operations (fuzz_ops.c).
 *
 * Everything the fuzzing threads share lives in one struct fz_world and is
 * read and written with relaxed atomics only: no locks, so a forked child
 * (which inherits whatever state the other threads left) never deadlocks,
 * and a torn tuple (an IOAS ID with another mapping's IOVA) is just more
 * fuzz input.
 */
#ifndef PVFIO_FUZZ_H
#define PVFIO_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/types.h>

#include "../../uapi/pvfio.h"
#include "../edu.h"

#define FZ_PAGE 4096UL
#define FZ_MiB (1024UL * 1024)

#define FZ_NCTX 4		/* open /dev/pvfio files */
#define FZ_NSLOT 16		/* IDs kept per kind per context */
#define FZ_NMAPREC 32		/* recent mappings per context */
#define FZ_NACC 8		/* access fds */
#define FZ_NPIN 16		/* recent pins per access */
#define FZ_NBUF 12		/* user buffers */
#define FZ_NFILE 6		/* fds MAP_FILE is tried on */
#define FZ_MAX_THREADS 16
#define FZ_CMD_AREA (64 * 1024)	/* zeroed command area, then a guard page */
#define FZ_DATA_LEN (FZ_MiB + FZ_PAGE)	/* per-thread RW buffer */

/* The IOVA window valid-looking operations use: inside edu's 28 bits. */
#define FZ_WIN_BASE 0x100000UL
#define FZ_WIN_PAGES (64 * 256)	/* 64 MiB */

#define LD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define ST(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define XCHG(x, v) __atomic_exchange_n(&(x), (v), __ATOMIC_ACQ_REL)
#define ADD(x, v) __atomic_add_fetch(&(x), (v), __ATOMIC_RELAXED)

/* xoshiro256**, seeded through splitmix64. */
struct fz_rng {
	uint64_t s[4];
};

void fz_rng_seed(struct fz_rng *r, uint64_t seed, uint64_t stream);
uint64_t fz_next(struct fz_rng *r);
static inline uint64_t fz_below(struct fz_rng *r, uint64_t n)
{
	return n ? fz_next(r) % n : 0;
}
/* true with probability @pct percent */
static inline bool fz_pct(struct fz_rng *r, unsigned int pct)
{
	return fz_below(r, 100) < pct;
}

enum fz_kind { K_IOAS, K_HWPT, K_DEV, K_MOCK, K_NKIND };

struct fz_maprec {
	uint32_t ioas;
	uint64_t iova;
	uint64_t len;
};

struct fz_ctx {
	int fd;					/* -1: closed */
	unsigned int gen;			/* bumped at each close */
	unsigned int map_next;			/* ring index of @maps */
	uint32_t ids[K_NKIND][FZ_NSLOT];	/* may be stale */
	struct fz_maprec maps[FZ_NMAPREC];	/* may be stale */
};

struct fz_acc {
	int fd;			/* -1: none */
	int ctx;		/* the context slot it was created on */
	unsigned int gen;	/* that context's generation then */
	uint32_t ioas;		/* the IOAS it was last put on */
	uint32_t pins[FZ_NPIN];
	unsigned int pin_next;	/* ring index of @pins */
};

enum fz_buf_kind {
	B_ANON4K, B_THP, B_SHARED, B_RDONLY, B_NONE, B_HUGETLB,
};

struct fz_buf {
	uintptr_t addr;		/* fixed for the whole run */
	size_t len;
	int kind;		/* enum fz_buf_kind */
	int memfd;		/* B_SHARED: its memfd */
};

/* Known kernel defects (issue 7) the fuzzer can steer around. */
enum fz_known {
	KNOWN_COPYCHAIN = 1 << 0,	/* COPY doubling chains: krealloc WARN */
	KNOWN_HUGEMAP = 1 << 1,		/* MAP of a huge range allocating */
	KNOWN_MAPFILE = 1 << 2,		/* MAP_FILE of non-shmem files */
	KNOWN_BIGCMD = 1 << 3,		/* ~4 GiB command size over zeroes */
	KNOWN_RACEDETACH = 1 << 4,	/* detach/unbind racing map (6.1 VT-d) */
};

struct fz_config {
	uint64_t seed;
	unsigned int seconds;
	unsigned int threads;
	unsigned int avoid;		/* enum fz_known bits */
	/*
	 * How much slower than a stock kernel this one runs: 4 on the debug
	 * kernel (KASAN, lockdep; pvfio.debug_kernel=1), else 1.  Scales the
	 * grace and stuck limits and shortens COPY chains.
	 */
	unsigned int slowdown;
	char avoid_str[128];		/* as given, for the replay line */
	bool seed_given;
};

enum fz_size_mut {
	SZ_NONE, SZ_SHORT, SZ_MIN, SZ_LONG_ZERO, SZ_LONG_NONZERO, SZ_HUGE,
	SZ_BIGZERO,
};

struct fz_thread {
	int idx;
	pthread_t th;
	struct fz_rng rng;	/* the op sequence: (seed, idx) only */
	struct fz_rng *op;	/* the current op's parameter stream */
	uint64_t calls;
	unsigned char *cmd;	/* FZ_CMD_AREA zeroed bytes + guard page */
	unsigned char *bigcmd;	/* one RW page + 4 GiB of read-only zeroes */
	char *data;		/* FZ_DATA_LEN private bytes for RW/read */
	uint64_t op_start_ns;	/* 0 when between calls */
	int cur_op;
	bool warned_stuck;
	bool child;		/* running in a forked child */
	bool unpriv;		/* dropped CAP_IPC_LOCK and CAP_SYS_RAWIO */
	int mutate_pct;		/* chance of a malformed command */
};

struct fz_world {
	struct fz_config cfg;
	struct fz_ctx ctx[FZ_NCTX];
	struct fz_acc acc[FZ_NACC];
	struct fz_buf buf[FZ_NBUF];
	int files[FZ_NFILE];	/* memfds, a tmpfs file, odd files */
	int nfiles;
	int memfd_trunc;	/* the memfd the truncate op resizes */
	bool have_edu;
	struct edu edu;
	int edu_busy;		/* one edu DMA at a time */
	int sysfs_busy;		/* one unbind/rebind at a time */
	int edu_unbound;
	int edu_ctx;		/* the context that last bound edu */
	uint32_t edu_dev;	/* and its device ID there */
	uint32_t edu_ioas;	/* the IOAS it was last attached to */
	volatile int stop;
	uint64_t deadline_ns;
	uint64_t *child_calls;	/* shared with forked children */
};

extern struct fz_world W;

/* Per-op statistics and oracle failures (fuzz_main.c). */
enum { FZ_MAX_ERRNO = 140 };

struct fz_opdesc {
	const char *name;
	unsigned int weight;
	void (*fn)(struct fz_thread *t);
	bool child_ok;		/* may run in a forked child */
};

extern const struct fz_opdesc fz_ops[];
extern const unsigned int fz_nops;

struct fz_opstat {
	uint64_t calls;
	uint64_t ok;
	uint64_t err[FZ_MAX_ERRNO];
	uint64_t max_ns;	/* the slowest single call */
};
extern struct fz_opstat fz_stats[];

uint64_t fz_now_ns(void);
/* Record an oracle failure (a few are printed, all counted). */
void fz_fail(int oracle, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
enum { ORACLE_ERRNO, ORACLE_SIZE, ORACLE_STUCK, ORACLE_NOPS };

/*
 * One ioctl through the thread's command area: @len bytes of @cmd are the
 * well-formed command (@min the mandatory part); a size mutation may be
 * applied; the reply is copied back into @cmd.  Returns 0 or -errno and
 * feeds the statistics and the errno and size oracles.
 */
int fz_ioctl(struct fz_thread *t, int fd, unsigned long nr, void *cmd,
	     size_t len, size_t min);
/* Count a non-ioctl call (read, poll, ...) under the current op. */
void fz_count(struct fz_thread *t, int ret);

/* Run one random op (fuzz_ops.c). */
void fz_run_one(struct fz_thread *t);
/* Set up the buffers and files; 0 or -1. */
int fz_world_setup(void);
/* Close every fd, unmap every buffer. */
void fz_world_teardown(void);

#endif /* PVFIO_FUZZ_H */
