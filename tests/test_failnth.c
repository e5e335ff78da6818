// SPDX-License-Identifier: GPL-2.0
/*
 * The failure-injection sweep: each canonical sequence of calls runs with
 * its 1st, 2nd, 3rd, ... failure point made to fail (PVFIO_TEST_OP_FAIL_NTH)
 * until it runs untouched.  After every injected failure the failing call
 * returned a documented errno, it changed nothing (no object, pin, charge or
 * access appeared or went), and once the sequence's files are closed
 * everything is back to zero and every page pin was given back.
 *
 * The sequences of lazy pinning (issue 8) charge pages (a test memory limit
 * makes root charged like anyone) in both accounting modes, and run with
 * batches of two pages: a failure must leave the user's locked_vm, VmLck
 * and VmPin as they were too.
 *
 * Where the reply of a command that already took effect cannot be copied
 * out (EFAULT), MAP, MAP_FILE, COPY, UNMAP, DEVICE_ATTACH and ACCESS_PIN
 * keep their effect, as in iommufd (uapi/pvfio.h); those steps are
 * STEP_KEEP.
 *
 * On the debug kernel (pvfio.debug_kernel=1) every sequence is swept a
 * second time with the kernel's own fail-nth (/proc/thread-self/fail-nth,
 * through failslab, fail_page_alloc and fail_usercopy): then every
 * allocation and user copy of the kernel on the way fails in turn too,
 * pvfio's own and the IOMMU driver's, and glibc's system calls as well.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "edu.h"
#include "pvfio_test.h"

#define SWEEP_MAX 4000
#define NBUF 8

static struct edu edu;
static bool have_edu;
static int ctl = -1;		/* arms PVFIO_TEST_OP_FAIL_NTH, reads stats */
static int memfd = -1;		/* MAP_FILE's file, made before any sweep */
static bool debug_kernel;	/* also sweep with the kernel's fail-nth */
static bool kernel_sweep;	/* that sweep runs: no STATS between steps */
static int kfd = -1;		/* /proc/thread-self/fail-nth */

/* What one run of a sequence made, for the cleanup. */
struct seq {
	int fd, afd, mfd;
	bool temp_limit;	/* set a small batch limit: restore it */
	uint32_t ioas, ioas2, mock, dev, hwpt;
	char *buf;
	const char *step;	/* the call that failed */
	int err;		/* its errno, 0 if none failed */
};

/* What a failed call must leave as it was: pvfio's counts and charges. */
struct state {
	struct pvfio_test_stats st;
	long lck, vmpin;
};

static void stats(struct state *s)
{
	assert_ok(pvfio_test_stats(ctl, &s->st));
	s->lck = pvfio_vmlck_kb();
	s->vmpin = pvfio_vmpin_kb();
}

static bool stats_equal(const struct state *x, const struct state *y)
{
	const struct pvfio_test_stats *a = &x->st, *b = &y->st;

	return a->out_contexts == b->out_contexts &&
	       a->out_objects == b->out_objects &&
	       a->out_pinned_pages == b->out_pinned_pages &&
	       a->out_accesses == b->out_accesses &&
	       a->out_access_pins == b->out_access_pins &&
	       a->out_user_locked_vm == b->out_user_locked_vm &&
	       x->lck == y->lck && x->vmpin == y->vmpin;
}

/*
 * One call of a sequence: on failure record it, and check that it left the
 * module-wide state as it found it (STATS itself is never a failure point).
 */
#define __STEP(q, name, keep, expr)					\
	do {								\
		struct state _b, _a;					\
		int _r;							\
									\
		if (!kernel_sweep)					\
			stats(&_b);					\
		_r = (expr);						\
		if (_r) {						\
			(q)->step = name;				\
			(q)->err = -_r;					\
			if (kernel_sweep)				\
				return;					\
			stats(&_a);					\
			if (!((keep) && _r == -EFAULT) &&		\
			    !stats_equal(&_a, &_b)) {			\
				print_error("# %s failed with %d and left " \
					    "state behind\n", name, _r); \
				fail();					\
			}						\
			return;						\
		}							\
	} while (0)
#define STEP(q, name, expr) __STEP(q, name, false, expr)
/* A command whose effect stays when its reply cannot be copied out. */
#define STEP_KEEP(q, name, expr) __STEP(q, name, true, expr)

static int fd_or_errno(int fd)
{
	return fd < 0 ? -errno : 0;
}

static int copy(int fd, uint32_t dst, uint32_t src, uint64_t len,
		uint64_t src_iova, uint64_t *dst_iova)
{
	struct pvfio_ioas_copy cmd = {
		.size = sizeof(cmd), .dst_ioas_id = dst, .src_ioas_id = src,
		.length = len, .src_iova = src_iova,
		.flags = PVFIO_IOAS_MAP_WRITEABLE | PVFIO_IOAS_MAP_READABLE,
	};
	int ret = pvfio_ioctl(fd, PVFIO_IOAS_COPY, &cmd);

	if (!ret)
		*dst_iova = cmd.dst_iova;
	return ret;
}

static int iova_ranges(int fd, uint32_t ioas)
{
	struct pvfio_iova_range r[4];
	struct pvfio_ioas_iova_ranges cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .num_iovas = 4,
		.allowed_iovas = (uintptr_t)r,
	};

	return pvfio_ioctl(fd, PVFIO_IOAS_IOVA_RANGES, &cmd);
}

static int allow(int fd, uint32_t ioas)
{
	struct pvfio_iova_range r = { .start = 0x100000, .last = 0x7fffffff };
	struct pvfio_ioas_allow_iovas cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .num_iovas = 1,
		.allowed_iovas = (uintptr_t)&r,
	};

	return pvfio_ioctl(fd, PVFIO_IOAS_ALLOW_IOVAS, &cmd);
}

/* IOAS: alloc, map, fixed map, copy, ranges, allowed IOVAs, unmap. */
static void seq_ioas(struct seq *q)
{
	uint64_t iova, iova2, dst;

	STEP(q, "open", fd_or_errno(q->fd = open(PVFIO_DEV, O_RDWR)));
	STEP(q, "IOAS_ALLOC", pvfio_ioas_alloc(q->fd, &q->ioas));
	STEP(q, "IOAS_ALLOC 2", pvfio_ioas_alloc(q->fd, &q->ioas2));
	STEP(q, "ALLOW_IOVAS", allow(q->fd, q->ioas));
	STEP_KEEP(q, "MAP", pvfio_map(q->fd, q->ioas, q->buf, 4 * PAGE, &iova,
				 RW));
	iova2 = 0x400000;
	STEP_KEEP(q, "MAP fixed", pvfio_map(q->fd, q->ioas, q->buf + 4 * PAGE,
				       4 * PAGE, &iova2, FIXED | RW));
	STEP_KEEP(q, "COPY", copy(q->fd, q->ioas2, q->ioas, 4 * PAGE, iova, &dst));
	STEP(q, "IOVA_RANGES", iova_ranges(q->fd, q->ioas));
	STEP_KEEP(q, "UNMAP", pvfio_unmap(q->fd, q->ioas, iova, 4 * PAGE, NULL));
	STEP_KEEP(q, "UNMAP all", pvfio_unmap(q->fd, q->ioas2, 0, UINT64_MAX,
					 NULL));
	STEP(q, "DESTROY", pvfio_destroy(q->fd, q->ioas2));
}

/* The same through a mock domain, which the IOAS fills and empties. */
static void seq_mock(struct seq *q)
{
	uint64_t iova, dst;

	STEP(q, "open", fd_or_errno(q->fd = open(PVFIO_DEV, O_RDWR)));
	STEP(q, "IOAS_ALLOC", pvfio_ioas_alloc(q->fd, &q->ioas));
	STEP_KEEP(q, "MAP before domain", pvfio_map(q->fd, q->ioas, q->buf,
					       2 * PAGE, &iova, RW));
	STEP(q, "MOCK_DEVICE", pvfio_mock_device(q->fd, q->ioas, &q->mock));
	STEP_KEEP(q, "MAP", pvfio_map(q->fd, q->ioas, q->buf + 2 * PAGE, 4 * PAGE,
				 &iova, RW));
	STEP(q, "IOAS_ALLOC 2", pvfio_ioas_alloc(q->fd, &q->ioas2));
	STEP_KEEP(q, "COPY", copy(q->fd, q->ioas2, q->ioas, 4 * PAGE, iova, &dst));
	STEP_KEEP(q, "UNMAP", pvfio_unmap(q->fd, q->ioas, iova, 4 * PAGE, NULL));
	STEP(q, "DESTROY mock", pvfio_destroy(q->fd, q->mock));
}

static int map_file(int fd, uint32_t ioas, int mfd, uint64_t *iova)
{
	struct pvfio_ioas_map_file cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .fd = mfd,
		.length = 4 * PAGE,
		.flags = PVFIO_IOAS_MAP_WRITEABLE | PVFIO_IOAS_MAP_READABLE,
	};
	int ret = pvfio_ioctl(fd, PVFIO_IOAS_MAP_FILE, &cmd);

	if (!ret)
		*iova = cmd.iova;
	return ret;
}

/* MAP_FILE of a memfd, into an IOAS with a mock domain, and a COPY of it. */
static void seq_map_file(struct seq *q)
{
	uint64_t iova, dst;

	q->mfd = dup(memfd);
	STEP(q, "open", fd_or_errno(q->fd = open(PVFIO_DEV, O_RDWR)));
	STEP(q, "IOAS_ALLOC", pvfio_ioas_alloc(q->fd, &q->ioas));
	STEP(q, "MOCK_DEVICE", pvfio_mock_device(q->fd, q->ioas, &q->mock));
	STEP_KEEP(q, "MAP_FILE", map_file(q->fd, q->ioas, q->mfd, &iova));
	STEP(q, "IOAS_ALLOC 2", pvfio_ioas_alloc(q->fd, &q->ioas2));
	STEP_KEEP(q, "COPY", copy(q->fd, q->ioas2, q->ioas, 4 * PAGE, iova, &dst));
	STEP_KEEP(q, "UNMAP", pvfio_unmap(q->fd, q->ioas, 0, UINT64_MAX, NULL));
}

/*
 * Charge what this process pins (a test limit makes CAP_IPC_LOCK charged)
 * and pin in batches of two pages.
 */
static int charged_small_batches(struct seq *q)
{
	int ret;

	q->temp_limit = true;
	ret = pvfio_set_temp_memory_limit(ctl, 2 * sizeof(void *));
	return ret ? ret : pvfio_set_memlimit(q->fd, 1UL << 20);
}

/* MAP and MAP_FILE without a table, then the tables' lazy fill and drain. */
static void seq_lazy_fill(struct seq *q)
{
	uint64_t iova, iova2 = 0x400000;
	uint32_t mock2;

	q->mfd = dup(memfd);
	STEP(q, "open", fd_or_errno(q->fd = open(PVFIO_DEV, O_RDWR)));
	STEP(q, "MEMLIMIT", charged_small_batches(q));
	STEP(q, "IOAS_ALLOC", pvfio_ioas_alloc(q->fd, &q->ioas));
	STEP_KEEP(q, "MAP", pvfio_map(q->fd, q->ioas, q->buf, 5 * PAGE, &iova,
				      RW));
	STEP_KEEP(q, "MAP_FILE", pvfio_map_file(q->fd, q->ioas, q->mfd, 0,
						4 * PAGE, &iova2, FIXED | RW));
	STEP(q, "MOCK_DEVICE fill", pvfio_mock_device(q->fd, q->ioas, &q->mock));
	STEP(q, "MOCK_DEVICE 2", pvfio_mock_device(q->fd, q->ioas, &mock2));
	STEP(q, "DESTROY mock", pvfio_destroy(q->fd, q->mock));
	STEP(q, "DESTROY last mock", pvfio_destroy(q->fd, mock2));
	STEP(q, "MOCK_DEVICE again", pvfio_mock_device(q->fd, q->ioas,
						       &q->mock));
}

/*
 * An access on an IOAS without a table, charged per user: PIN of unpinned
 * pages, an overlapping PIN, RW across pinned and unpinned pages (pinned
 * for the copy), then a table over the access's pins.
 */
static void seq_access_lazy(struct seq *q)
{
	uint64_t iova = 0x100000;
	uint32_t pin, pin2;
	char data[3 * PAGE];

	memset(data, 0x3c, sizeof(data));
	STEP(q, "open", fd_or_errno(q->fd = open(PVFIO_DEV, O_RDWR)));
	STEP(q, "MEMLIMIT", charged_small_batches(q));
	STEP(q, "IOAS_ALLOC", pvfio_ioas_alloc(q->fd, &q->ioas));
	STEP_KEEP(q, "MAP", pvfio_map(q->fd, q->ioas, q->buf, 6 * PAGE, &iova,
				      FIXED | RW));
	q->afd = pvfio_access_create(q->fd, q->ioas, 0, 8);
	STEP(q, "ACCESS_CREATE", q->afd < 0 ? q->afd : 0);
	STEP_KEEP(q, "PIN", pvfio_access_pin(q->afd, 0x100000, 3 * PAGE,
					     PVFIO_ACCESS_RW_WRITE, &pin));
	STEP_KEEP(q, "PIN overlapping", pvfio_access_pin(q->afd, 0x102000,
							 3 * PAGE, 0, &pin2));
	STEP(q, "RW write", pvfio_access_rw(q->afd, 0x100000 + 100, data,
					    sizeof(data), true));
	STEP(q, "UNPIN", pvfio_access_unpin(q->afd, pin));
	STEP(q, "RW read", pvfio_access_rw(q->afd, 0x100000 + 100, data,
					   sizeof(data), false));
	STEP(q, "MOCK_DEVICE", pvfio_mock_device(q->fd, q->ioas, &q->mock));
	STEP(q, "DESTROY mock", pvfio_destroy(q->fd, q->mock));
	STEP(q, "UNPIN 2", pvfio_access_unpin(q->afd, pin2));
}

static int rlimit_mode_get(int fd)
{
	uint64_t v = 0;

	return pvfio_option(fd, PVFIO_OPTION_RLIMIT_MODE, PVFIO_OPTION_OP_GET,
			    0, &v);
}

/*
 * Per-mm accounting (RLIMIT_MODE 1) and CHANGE_PROCESS of file-backed
 * memory that a table and an access pin.
 */
static void seq_change_process(struct seq *q)
{
	uint64_t iova = 0x100000;
	uint32_t pin;

	q->mfd = dup(memfd);
	STEP(q, "open", fd_or_errno(q->fd = open(PVFIO_DEV, O_RDWR)));
	STEP(q, "RLIMIT_MODE set", pvfio_set_rlimit_mode(q->fd, 1));
	STEP(q, "RLIMIT_MODE get", rlimit_mode_get(q->fd));
	STEP(q, "MEMLIMIT", charged_small_batches(q));
	STEP(q, "IOAS_ALLOC", pvfio_ioas_alloc(q->fd, &q->ioas));
	STEP_KEEP(q, "MAP_FILE", pvfio_map_file(q->fd, q->ioas, q->mfd, 0,
						4 * PAGE, &iova, FIXED | RW));
	q->afd = pvfio_access_create(q->fd, q->ioas, 0, 8);
	STEP(q, "ACCESS_CREATE", q->afd < 0 ? q->afd : 0);
	STEP_KEEP(q, "PIN", pvfio_access_pin(q->afd, 0x101000, 2 * PAGE, 0,
					     &pin));
	STEP(q, "CHANGE_PROCESS pins", pvfio_ioas_change_process(q->fd));
	STEP(q, "MOCK_DEVICE", pvfio_mock_device(q->fd, q->ioas, &q->mock));
	STEP(q, "CHANGE_PROCESS table", pvfio_ioas_change_process(q->fd));
	STEP(q, "UNPIN", pvfio_access_unpin(q->afd, pin));
	STEP(q, "DESTROY mock", pvfio_destroy(q->fd, q->mock));
}

static int dev_info(int fd, uint32_t dev)
{
	struct pvfio_iova_range r[8];
	struct pvfio_device_info cmd = {
		.size = sizeof(cmd), .dev_id = dev, .num_reserved = 8,
		.reserved_regions = (uintptr_t)r,
	};

	return pvfio_ioctl(fd, PVFIO_DEVICE_INFO, &cmd);
}

/* DEVICE_ATTACH of q's device to @pt, leaving q's IDs as they are. */
static int attach_to(struct seq *q, uint32_t pt)
{
	return pvfio_device_attach(q->fd, q->dev, &pt);
}

static int hwpt_alloc(int fd, uint32_t dev, uint32_t ioas, uint32_t *hwpt)
{
	struct pvfio_hwpt_alloc cmd = {
		.size = sizeof(cmd), .dev_id = dev, .pt_id = ioas,
	};
	int ret = pvfio_ioctl(fd, PVFIO_HWPT_ALLOC, &cmd);

	if (!ret)
		*hwpt = cmd.out_hwpt_id;
	return ret;
}

/* A real device: bind, info, attach (fill), explicit HWPT, replace, detach. */
static void seq_device(struct seq *q)
{
	uint64_t iova = 0x1000000;

	STEP(q, "open", fd_or_errno(q->fd = open(PVFIO_DEV, O_RDWR)));
	STEP(q, "IOAS_ALLOC", pvfio_ioas_alloc(q->fd, &q->ioas));
	STEP_KEEP(q, "MAP", pvfio_map(q->fd, q->ioas, q->buf, 4 * PAGE, &iova,
				 FIXED | RW));
	STEP(q, "DEVICE_BIND", pvfio_device_bind(q->fd, edu.pci_domain, edu.pci_bdf,
						 &q->dev));
	STEP(q, "DEVICE_INFO", dev_info(q->fd, q->dev));
	STEP_KEEP(q, "ATTACH", attach_to(q, q->ioas));
	STEP(q, "IOAS_ALLOC 2", pvfio_ioas_alloc(q->fd, &q->ioas2));
	STEP(q, "HWPT_ALLOC", hwpt_alloc(q->fd, q->dev, q->ioas2, &q->hwpt));
	STEP_KEEP(q, "ATTACH replace", attach_to(q, q->hwpt));
	iova = 0x1000000;
	STEP_KEEP(q, "MAP attached", pvfio_map(q->fd, q->ioas2, q->buf, 2 * PAGE,
					  &iova, FIXED | RW));
	STEP_KEEP(q, "ATTACH back", attach_to(q, q->ioas));
	STEP(q, "DETACH", pvfio_device_detach(q->fd, q->dev));
	STEP(q, "DESTROY hwpt", pvfio_destroy(q->fd, q->hwpt));
}

/* An access: create, pin, RW both ways, unmap event, replace, detach. */
static void seq_access(struct seq *q)
{
	struct pvfio_access_event ev[4];
	uint64_t iova = 0x100000;
	uint32_t pin;
	char data[200];

	memset(data, 0x5a, sizeof(data));
	STEP(q, "open", fd_or_errno(q->fd = open(PVFIO_DEV, O_RDWR)));
	STEP(q, "IOAS_ALLOC", pvfio_ioas_alloc(q->fd, &q->ioas));
	STEP_KEEP(q, "MAP", pvfio_map(q->fd, q->ioas, q->buf, 4 * PAGE, &iova,
				 FIXED | RW));
	STEP(q, "IOAS_ALLOC 2", pvfio_ioas_alloc(q->fd, &q->ioas2));
	iova = 0x100000;
	STEP_KEEP(q, "MAP 2", pvfio_map(q->fd, q->ioas2, q->buf, 4 * PAGE, &iova,
				   FIXED | RW));
	q->afd = pvfio_access_create(q->fd, q->ioas, 0, 8);
	STEP(q, "ACCESS_CREATE", q->afd < 0 ? q->afd : 0);
	/* A pin whose reply cannot be copied out stays (documented). */
	STEP_KEEP(q, "PIN", pvfio_access_pin(q->afd, 0x100000, 2 * PAGE,
					PVFIO_ACCESS_RW_WRITE, &pin));
	STEP(q, "RW write", pvfio_access_rw(q->afd, 0x100000 + 100, data,
					    sizeof(data), true));
	STEP(q, "RW read", pvfio_access_rw(q->afd, 0x100000 + 100, data,
					   sizeof(data), false));
	STEP(q, "UNPIN", pvfio_access_unpin(q->afd, pin));
	STEP_KEEP(q, "PIN 2", pvfio_access_pin(q->afd, 0x101000, PAGE, 0, &pin));
	/* The unmap revokes the pin: an event (or a loss) is queued. */
	STEP_KEEP(q, "UNMAP", pvfio_unmap(q->fd, q->ioas, 0, UINT64_MAX, NULL));
	STEP(q, "read events", pvfio_access_events(q->afd, ev, 4) < 0 ?
	     -EFAULT : 0);
	STEP(q, "REPLACE", pvfio_access_set_ioas(q->afd, PVFIO_ACCESS_REPLACE,
						 q->ioas2));
	STEP(q, "DETACH", pvfio_ioctl(q->afd, PVFIO_ACCESS_DETACH,
				      &(struct pvfio_access_detach){
					      .size = sizeof(struct pvfio_access_detach) }));
	STEP(q, "ATTACH", pvfio_access_set_ioas(q->afd, PVFIO_ACCESS_ATTACH,
						q->ioas));
}

static int dirty_tracking(int fd, uint32_t ioas, bool on)
{
	struct pvfio_ioas_set_dirty_tracking cmd = {
		.size = sizeof(cmd), .ioas_id = ioas,
		.flags = on ? PVFIO_DIRTY_TRACKING_ENABLE : 0,
	};

	return pvfio_ioctl(fd, PVFIO_IOAS_SET_DIRTY_TRACKING, &cmd);
}

static int dirty_bitmap(int fd, uint32_t ioas, uint64_t *bits)
{
	struct pvfio_iova_range r[2];
	struct pvfio_ioas_get_dirty_bitmap cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .iova = 0x100000,
		.length = 4 * PAGE, .page_size = PAGE,
		.data = (uintptr_t)bits, .pessimistic = (uintptr_t)r,
		.num_pessimistic = 2,
	};

	return pvfio_ioctl(fd, PVFIO_IOAS_GET_DIRTY_BITMAP, &cmd);
}

static int unmap_dirty(int fd, uint32_t ioas, uint64_t *bits)
{
	struct pvfio_ioas_unmap cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .iova = 0x100000,
		.length = 4 * PAGE, .flags = PVFIO_IOAS_UNMAP_DIRTY_BITMAP,
		.page_size = PAGE, .dirty_bitmap = (uintptr_t)bits,
	};

	return pvfio_ioctl(fd, PVFIO_IOAS_UNMAP, &cmd);
}

/*
 * Dirty tracking: records made by RW and unpin, a page table without dirty
 * bits leaving, reads, and UNMAP with a bitmap.
 */
static void seq_dirty(struct seq *q)
{
	uint64_t iova = 0x100000, bits = 0;
	uint32_t pin;
	char data[64];

	memset(data, 0x5a, sizeof(data));
	STEP(q, "open", fd_or_errno(q->fd = open(PVFIO_DEV, O_RDWR)));
	STEP(q, "IOAS_ALLOC", pvfio_ioas_alloc(q->fd, &q->ioas));
	STEP_KEEP(q, "MAP", pvfio_map(q->fd, q->ioas, q->buf, 4 * PAGE, &iova,
				      FIXED | RW));
	STEP(q, "SET_DIRTY_TRACKING", dirty_tracking(q->fd, q->ioas, true));
	q->afd = pvfio_access_create(q->fd, q->ioas, 0, 8);
	STEP(q, "ACCESS_CREATE", q->afd < 0 ? q->afd : 0);
	STEP(q, "RW write", pvfio_access_rw(q->afd, 0x100000 + 100, data,
					    sizeof(data), true));
	STEP_KEEP(q, "PIN", pvfio_access_pin(q->afd, 0x101000, PAGE,
					     PVFIO_ACCESS_RW_WRITE, &pin));
	STEP(q, "GET_DIRTY_BITMAP", dirty_bitmap(q->fd, q->ioas, &bits));
	STEP(q, "UNPIN", pvfio_access_unpin(q->afd, pin));
	STEP(q, "MOCK_DEVICE", pvfio_mock_device(q->fd, q->ioas, &q->mock));
	STEP(q, "GET_DIRTY_BITMAP 2", dirty_bitmap(q->fd, q->ioas, &bits));
	STEP(q, "DESTROY mock", pvfio_destroy(q->fd, q->mock));
	STEP_KEEP(q, "UNMAP with bitmap", unmap_dirty(q->fd, q->ioas, &bits));
	STEP(q, "SET_DIRTY_TRACKING off", dirty_tracking(q->fd, q->ioas,
							  false));
}

/* The errnos a failure point may surface as (uapi/pvfio.h, FAIL_NTH). */
static bool documented(int err)
{
	return err == ENOMEM || err == EFAULT || err == EBADF ||
	       err == EMFILE || err == ENOSPC;
}

static int fail_nth(uint32_t nth, uint64_t *reached, bool *fired)
{
	struct pvfio_test_cmd cmd = {
		.size = sizeof(cmd), .op = PVFIO_TEST_OP_FAIL_NTH,
		.fail_nth.nth = nth,
	};
	int ret = pvfio_ioctl(ctl, PVFIO_TEST, &cmd);

	if (reached)
		*reached = cmd.fail_nth.out_reached;
	if (fired)
		*fired = cmd.fail_nth.out_fired;
	return ret;
}

/*
 * The kernel's fail-nth of this thread: arm the @nth fault-injection site
 * from now on, or (@nth 0) learn whether it fired and disarm.  The read
 * and write are injection sites themselves: a read that fails means the
 * read was the @nth site, so the sequence ran untouched.
 */
static void kernel_fail_nth(unsigned int nth, bool *fired, bool *untouched)
{
	char buf[16];
	ssize_t n;

	if (nth) {
		n = snprintf(buf, sizeof(buf), "%u", nth);
		assert_int_equal(pwrite(kfd, buf, n, 0), n);
		return;
	}
	*untouched = false;
	n = pread(kfd, buf, sizeof(buf) - 1, 0);
	if (n < 0) {
		*fired = true;
		*untouched = true;
		return;
	}
	buf[n] = 0;
	*fired = atoi(buf) == 0;
	/* Disarm; a failing write was the injection itself: disarmed too. */
	if (!*fired && pwrite(kfd, "0", 1, 0) != 1)
		*untouched = true;
}

static void seq_cleanup(struct seq *q)
{
	if (q->temp_limit)
		assert_ok(pvfio_set_temp_memory_limit(ctl, 0));
	if (q->afd > 0)
		close(q->afd);
	if (q->fd >= 0)
		close(q->fd);
	if (q->mfd >= 0)
		close(q->mfd);
}

/* Sweep one sequence; returns how many failure points it has. */
static unsigned int sweep(const char *name, void (*fn)(struct seq *),
			  char *buf, bool kernel)
{
	bool untouched = false;
	struct state base, now;
	long long acq0, rel0;
	uint64_t reached = 0;
	unsigned int nth;
	bool fired;

	stats(&base);
	acq0 = pvfio_vmstat("nr_foll_pin_acquired");
	rel0 = pvfio_vmstat("nr_foll_pin_released");
	for (nth = 1; nth < SWEEP_MAX; nth++) {
		struct seq q = { .fd = -1, .afd = -1, .mfd = -1, .buf = buf };

		kernel_sweep = kernel;
		if (kernel)
			kernel_fail_nth(nth, NULL, NULL);
		else
			assert_ok(fail_nth(nth, NULL, NULL));
		fn(&q);
		if (kernel)
			kernel_fail_nth(0, &fired, &untouched);
		else
			assert_ok(fail_nth(0, &reached, &fired));
		kernel_sweep = false;
		if (q.err && !documented(q.err)) {
			print_error("# %s: point %u: %s failed with errno %d\n",
				    name, nth, q.step, q.err);
			fail();
		}
		/* An uninjected run must pass. */
		if ((!fired || untouched) && q.err) {
			print_error("# %s: %s failed (%d) with nothing injected\n",
				    name, q.step, q.err);
			fail();
		}
		seq_cleanup(&q);
		stats(&now);
		if (!stats_equal(&now, &base)) {
			print_error("# %s: point %u (%s): state left after close: %llu objects %llu pinned %llu accesses %llu access pins %llu user locked_vm, VmLck %ld VmPin %ld kB\n",
				    name, nth, q.step ? q.step : "-",
				    (unsigned long long)now.st.out_objects,
				    (unsigned long long)now.st.out_pinned_pages,
				    (unsigned long long)now.st.out_accesses,
				    (unsigned long long)now.st.out_access_pins,
				    (unsigned long long)now.st.out_user_locked_vm,
				    now.lck, now.vmpin);
			fail();
		}
		if (!fired || untouched)
			break;
	}
	assert_true(nth < SWEEP_MAX);
	assert_int_equal(pvfio_vmstat("nr_foll_pin_acquired") - acq0,
			 pvfio_vmstat("nr_foll_pin_released") - rel0);
	if (!kernel)
		assert_int_equal(reached, nth - 1);
	print_message("# fail-nth %s %s: %u failure points\n",
		      kernel ? "kernel" : "pvfio", name, nth - 1);
	printf("PVFIO-FAILNTH %s %s points=%u\n", kernel ? "kernel" : "pvfio",
	       name, nth - 1);
	return nth - 1;
}

static char *sweep_buf;

#define SWEEP_TEST(seqname, needs_edu)					\
	static void test_sweep_##seqname(void **state)			\
	{								\
		(void)state;						\
		if (needs_edu && !have_edu)				\
			fail_msg("no edu device to sweep with");	\
		assert_true(sweep(#seqname, seq_##seqname,		\
				  sweep_buf, false) > 0);		\
		if (debug_kernel)					\
			assert_true(sweep(#seqname, seq_##seqname,	\
					  sweep_buf, true) > 0);	\
	}

SWEEP_TEST(ioas, false)
SWEEP_TEST(mock, false)
SWEEP_TEST(map_file, false)
SWEEP_TEST(device, true)
SWEEP_TEST(access, false)
SWEEP_TEST(lazy_fill, false)
SWEEP_TEST(access_lazy, false)
SWEEP_TEST(change_process, false)
SWEEP_TEST(dirty, false)

/* Write @val to a debugfs knob of the kernel's fault injection. */
static int knob(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * fail-nth goes through each mechanism's filters first: let failslab and
 * fail_page_alloc fail sleeping allocations of any order too, and keep
 * every injection quiet (a stack dump per injection would read as a splat).
 */
static int kernel_fail_nth_setup(void)
{
	static const char *const knobs[][2] = {
		{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N" },
		{ "/sys/kernel/debug/failslab/verbose", "0" },
		{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/min-order", "0" },
		{ "/sys/kernel/debug/fail_page_alloc/verbose", "0" },
		{ "/sys/kernel/debug/fail_usercopy/verbose", "0" },
	};
	size_t i;

	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		if (knob(knobs[i][0], knobs[i][1])) {
			fprintf(stderr, "# cannot set %s\n", knobs[i][0]);
			return -1;
		}
	kfd = open("/proc/thread-self/fail-nth", O_RDWR);
	return kfd < 0 ? -1 : 0;
}

static int group_setup(void **state)
{
	(void)state;
	debug_kernel = pvfio_cmdline_has("pvfio.debug_kernel=1");
	if (debug_kernel && kernel_fail_nth_setup())
		return -1;
	if (pvfio_fixture_load("enable_test_ops=1"))
		return -1;
	have_edu = !edu_open(&edu);
	sweep_buf = pvfio_alloc(NBUF * PAGE, PAGE);
	ctl = pvfio_open();
	memfd = memfd_create("pvfio-failnth", 0);
	if (memfd < 0 || ftruncate(memfd, 4 * PAGE))
		return -1;
	return sweep_buf && ctl >= 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	pvfio_set_temp_memory_limit(ctl, 0);
	close(ctl);
	close(memfd);
	if (have_edu)
		edu_close(&edu);
	return pvfio_fixture_unload(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweep_ioas),
		cmocka_unit_test(test_sweep_mock),
		cmocka_unit_test(test_sweep_map_file),
		cmocka_unit_test(test_sweep_device),
		cmocka_unit_test(test_sweep_access),
		cmocka_unit_test(test_sweep_lazy_fill),
		cmocka_unit_test(test_sweep_access_lazy),
		cmocka_unit_test(test_sweep_change_process),
		cmocka_unit_test(test_sweep_dirty),
	};

	return cmocka_run_group_tests_name("failnth", tests, group_setup,
					   group_teardown) ? 1 : 0;
}
