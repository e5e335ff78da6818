// SPDX-License-Identifier: GPL-2.0
/*
 * Pinning suite (issue 8): pages are pinned as iommufd pins them.  MAP,
 * MAP_FILE and COPY into an IOAS without a page table pin and charge
 * nothing; a page table (a mock device) pins every mapped page once and
 * its last detach unpins; an access PIN pins and charges exactly its
 * pages, from another process too, and fails with EFAULT once the mapping
 * process is gone; every page carries one FOLL_PIN however many page
 * tables, COPYs and accesses share it; the two accounting modes, the
 * exemption of CAP_IPC_LOCK, the limits, IOAS_CHANGE_PROCESS, byte-granular
 * IOVAs while nothing needs pages, and the batch boundaries of pinning.
 *
 * Counting: STATS out_pinned_pages (pvfio's pinned pages), /proc/vmstat's
 * nr_foll_pin_acquired/released (every FOLL_PIN of the kernel), VmPin
 * (mm->pinned_vm), VmLck (mm->locked_vm) and STATS out_user_locked_vm
 * (user->locked_vm).  Tests that must be charged run as uid 65534 or
 * without CAP_IPC_LOCK in forked children, which check with CHILD_CHECK.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "pvfio_test.h"

#define CAP_IPC_LOCK_NR 14
#define NP 16			/* pages of the shared buffer */
#define BASE 0x100000UL

struct pin_state {
	int fd;
	uint32_t ioas;		/* no page table */
	char *buf;		/* NP pages, populated */
	struct pvfio_pin_count pins0;
	int fd2;		/* another context, if a test opened one */
	pid_t child[2];		/* children that wait for the test */
};

static int pin_setup(void **state)
{
	struct pin_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->fd = pvfio_open();
	s->buf = pvfio_alloc(NP * PAGE, PAGE);
	if (s->fd < 0 || !s->buf || pvfio_ioas_alloc(s->fd, &s->ioas))
		return -1;
	memset(s->buf, 0x3c, NP * PAGE);
	s->fd2 = -1;
	pvfio_pin_snap(&s->pins0);
	*state = s;
	return 0;
}

static int pin_teardown(void **state)
{
	struct pin_state *s = *state;
	long long acq, rel;
	int fd, ret = 0, i;

	/* A failed test may leave a waiting child holding the files. */
	for (i = 0; i < 2; i++)
		if (s->child[i] > 0) {
			kill(s->child[i], SIGKILL);
			waitpid(s->child[i], NULL, 0);
		}
	if (s->fd2 >= 0)
		close(s->fd2);
	close(s->fd);
	/* The temporary memory limit is module wide: always back to default. */
	fd = pvfio_open();
	if (fd < 0 || pvfio_set_temp_memory_limit(fd, 0))
		ret = -1;
	close(fd);
	acq = pvfio_pins_acquired(&s->pins0);
	rel = pvfio_pins_released(&s->pins0);
	munmap(s->buf, NP * PAGE);
	free(s);
	if (acq != rel || pvfio_pinned_pages() || pvfio_access_pins()) {
		fprintf(stderr, "# left: pins acquired %lld released %lld, %llu pinned pages, %llu access pins\n",
			acq, rel, (unsigned long long)pvfio_pinned_pages(),
			(unsigned long long)pvfio_access_pins());
		ret = -1;
	}
	return ret;
}

static int copy_range(int fd, uint32_t dst, uint32_t src, uint64_t src_iova,
		      uint64_t len, uint64_t dst_iova)
{
	struct pvfio_ioas_copy copy = {
		.size = sizeof(copy), .flags = FIXED | RW,
		.dst_ioas_id = dst, .src_ioas_id = src,
		.src_iova = src_iova, .dst_iova = dst_iova, .length = len,
	};

	return pvfio_ioctl(fd, PVFIO_IOAS_COPY, &copy);
}

/* Pages of [p, p + len) resident in memory. */
static size_t resident_pages(void *p, size_t len)
{
	unsigned char vec[256];
	size_t i, n = len / PAGE, count = 0;

	assert_true(n <= sizeof(vec));
	assert_ok(mincore(p, len, vec));
	for (i = 0; i < n; i++)
		count += vec[i] & 1;
	return count;
}

static int memfd_of(size_t len)
{
	int mfd = memfd_create("pvfio-pinning", MFD_CLOEXEC);

	assert_true(mfd >= 0);
	assert_ok(ftruncate(mfd, len));
	return mfd;
}

/*
 * Without a page table MAP, MAP_FILE and COPY record: no page is pinned
 * (pvfio's count, the kernel's FOLL_PIN count, the pages' own refcounts),
 * nothing is charged (VmLck, VmPin, the user's locked_vm), no page is
 * faulted in, and memory that is not there at all (PROT_NONE, unmapped,
 * 1 GiB of reservation) maps.
 */
static void test_map_without_table_pins_nothing(void **state)
{
	struct pin_state *s = *state;
	struct pvfio_test_stats st0, st;
	long lck0 = pvfio_vmlck_kb(), vmpin0 = pvfio_vmpin_kb();
	uint64_t iova, unmapped, expect;
	size_t giga = 1UL << 30;
	char *fresh, *none, *gone, *huge;
	uint32_t ioas2;
	int mfd = memfd_of(8 * PAGE);

	assert_ok(pvfio_test_stats(s->fd, &st0));
	iova = BASE;
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, NP * PAGE, &iova,
			    FIXED | RW));
	iova = 0x200000;
	assert_ok(pvfio_map_file(s->fd, s->ioas, mfd, 0, 8 * PAGE, &iova,
				 FIXED | RW));
	assert_ok(pvfio_ioas_alloc(s->fd, &ioas2));
	assert_ok(copy_range(s->fd, ioas2, s->ioas, BASE, NP * PAGE, BASE));

	/* Memory never touched stays untouched. */
	fresh = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(fresh != MAP_FAILED);
	assert_ok(madvise(fresh, 64 * PAGE, MADV_NOHUGEPAGE));
	iova = 0x400000;
	assert_ok(pvfio_map(s->fd, s->ioas, fresh, 64 * PAGE, &iova,
			    FIXED | RW));
	assert_int_equal(resident_pages(fresh, 64 * PAGE), 0);
	/* PROT_NONE memory, memory unmapped again, 1 GiB of reservation. */
	none = mmap(NULL, 16 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	assert_true(none != MAP_FAILED);
	iova = 0x500000;
	assert_ok(pvfio_map(s->fd, s->ioas, none, 16 * PAGE, &iova,
			    FIXED | RW));
	gone = pvfio_alloc(16 * PAGE, PAGE);
	assert_non_null(gone);
	assert_ok(munmap(gone, 16 * PAGE));
	iova = 0x600000;
	assert_ok(pvfio_map(s->fd, s->ioas, gone, 16 * PAGE, &iova,
			    FIXED | RW));
	huge = mmap(NULL, giga, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(huge != MAP_FAILED);
	iova = 0;
	assert_ok(pvfio_map(s->fd, s->ioas, huge, giga, &iova, RW));

	assert_ok(pvfio_test_stats(s->fd, &st));
	assert_int_equal(st.out_pinned_pages, st0.out_pinned_pages);
	assert_int_equal(st.out_user_locked_vm, st0.out_user_locked_vm);
	assert_int_equal(pvfio_pins_acquired(&s->pins0), 0);
	assert_ok(pvfio_check_refs(s->fd, s->buf, NP * PAGE, false));
	assert_int_equal(pvfio_vmlck_kb(), lck0);
	assert_int_equal(pvfio_vmpin_kb(), vmpin0);

	expect = NP * PAGE + 8 * PAGE + 64 * PAGE + 32 * PAGE + giga;
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, &unmapped));
	assert_int_equal(unmapped, expect);
	assert_ok(pvfio_unmap(s->fd, ioas2, 0, UINT64_MAX, &unmapped));
	assert_int_equal(unmapped, NP * PAGE);
	assert_int_equal(pvfio_pins_acquired(&s->pins0), 0);
	assert_int_equal(pvfio_pins_released(&s->pins0), 0);
	assert_ok(pvfio_destroy(s->fd, ioas2));
	munmap(fresh, 64 * PAGE);
	munmap(none, 16 * PAGE);
	munmap(huge, giga);
	close(mfd);
}

/*
 * The first page table pins every mapped page once (VmPin counts them,
 * even for root), a second shares them, MAP into an IOAS with a table pins
 * at once (EFAULT for memory that is not there), the last table's detach
 * unpins everything, and the next one pins again.
 */
static void test_table_pins_and_last_detach_unpins(void **state)
{
	struct pin_state *s = *state;
	long vmpin0 = pvfio_vmpin_kb();
	char *more = pvfio_alloc(4 * PAGE, PAGE), *none;
	uint32_t m1, m2, m3;
	uint64_t iova = BASE;

	assert_non_null(more);
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, NP * PAGE, &iova,
			    FIXED | RW));
	assert_int_equal(pvfio_pins_acquired(&s->pins0), 0);

	assert_ok(pvfio_mock_device(s->fd, s->ioas, &m1));
	assert_int_equal(pvfio_pinned_pages(), NP);
	assert_int_equal(pvfio_pins_acquired(&s->pins0), NP);
	assert_ok(pvfio_check_refs(s->fd, s->buf, NP * PAGE, true));
	assert_ok(pvfio_check_map(s->fd, m1, BASE, s->buf, NP * PAGE));
	assert_int_equal(pvfio_vmpin_kb(), vmpin0 + NP * 4);

	assert_ok(pvfio_mock_device(s->fd, s->ioas, &m2));
	assert_ok(pvfio_check_map(s->fd, m2, BASE, s->buf, NP * PAGE));
	assert_int_equal(pvfio_pinned_pages(), NP);
	assert_int_equal(pvfio_pins_acquired(&s->pins0), NP);

	/* With a table, MAP pins, and memory that is not there fails. */
	iova = 0x400000;
	assert_ok(pvfio_map(s->fd, s->ioas, more, 4 * PAGE, &iova, FIXED | RW));
	assert_int_equal(pvfio_pinned_pages(), NP + 4);
	assert_int_equal(pvfio_pins_acquired(&s->pins0), NP + 4);
	assert_ok(pvfio_check_map(s->fd, m2, 0x400000, more, 4 * PAGE));
	none = mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	assert_true(none != MAP_FAILED);
	iova = 0x500000;
	assert_errno(pvfio_map(s->fd, s->ioas, none, 4 * PAGE, &iova,
			       FIXED | RW), EFAULT);
	assert_errno(pvfio_map(s->fd, s->ioas, (void *)PAGE, PAGE, &iova,
			       FIXED | RW), EFAULT);
	assert_int_equal(pvfio_pinned_pages(), NP + 4);
	assert_int_equal(pvfio_pins_acquired(&s->pins0) -
			 pvfio_pins_released(&s->pins0), NP + 4);

	assert_ok(pvfio_destroy(s->fd, m1));
	assert_int_equal(pvfio_pinned_pages(), NP + 4);
	assert_ok(pvfio_destroy(s->fd, m2));
	assert_int_equal(pvfio_pinned_pages(), 0);
	assert_int_equal(pvfio_pins_released(&s->pins0), NP + 4);
	assert_ok(pvfio_check_refs(s->fd, s->buf, NP * PAGE, false));
	assert_int_equal(pvfio_vmpin_kb(), vmpin0);

	/* The mappings stayed: the next table pins them again. */
	assert_ok(pvfio_mock_device(s->fd, s->ioas, &m3));
	assert_int_equal(pvfio_pinned_pages(), NP + 4);
	assert_ok(pvfio_check_map(s->fd, m3, BASE, s->buf, NP * PAGE));
	assert_ok(pvfio_check_map(s->fd, m3, 0x400000, more, 4 * PAGE));
	assert_ok(pvfio_destroy(s->fd, m3));
	assert_int_equal(pvfio_pinned_pages(), 0);
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));
	munmap(none, 4 * PAGE);
	munmap(more, 4 * PAGE);
}

/*
 * Memory that is not there fails the attach of a page table with EFAULT,
 * changing nothing (no object, no pin left, even of the pages before the
 * hole); an access pins the good pages of the same mapping.
 */
static void test_attach_efault_changes_nothing(void **state)
{
	struct pin_state *s = *state;
	char *half = pvfio_alloc(8 * PAGE, PAGE), *ro;
	uint64_t iova = BASE, objects;
	uint32_t mock, pin;
	int afd;

	assert_non_null(half);
	memset(half, 1, 8 * PAGE);
	assert_ok(munmap(half + 4 * PAGE, 4 * PAGE));
	assert_ok(pvfio_map(s->fd, s->ioas, half, 8 * PAGE, &iova, FIXED | RW));
	ro = mmap(NULL, 4 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(ro != MAP_FAILED);
	iova = 0x400000;
	assert_ok(pvfio_map(s->fd, s->ioas, ro, 4 * PAGE, &iova, FIXED | RW));

	objects = pvfio_nr_objects();
	assert_errno(pvfio_mock_device(s->fd, s->ioas, &mock), EFAULT);
	assert_int_equal(pvfio_nr_objects(), objects);
	assert_int_equal(pvfio_pinned_pages(), 0);
	assert_int_equal(pvfio_pins_acquired(&s->pins0),
			 pvfio_pins_released(&s->pins0));
	assert_ok(pvfio_check_refs(s->fd, half, 4 * PAGE, false));

	/* An access pins the pages that are there, not the others. */
	afd = pvfio_access_create(s->fd, s->ioas, 0, 0);
	assert_true(afd >= 0);
	assert_errno(pvfio_access_pin(afd, BASE + 3 * PAGE, 2 * PAGE, 0, &pin),
		     EFAULT);
	assert_errno(pvfio_access_pin(afd, 0x400000, PAGE,
				      PVFIO_ACCESS_RW_WRITE, &pin), EFAULT);
	assert_int_equal(pvfio_pinned_pages(), 0);
	assert_ok(pvfio_access_pin(afd, BASE, 4 * PAGE, 0, &pin));
	assert_int_equal(pvfio_pinned_pages(), 4);
	assert_ok(pvfio_access_unpin(afd, pin));
	close(afd);

	/* Read-only memory mapped WRITEABLE fails the attach too. */
	assert_ok(pvfio_unmap(s->fd, s->ioas, BASE, 8 * PAGE, NULL));
	assert_errno(pvfio_mock_device(s->fd, s->ioas, &mock), EFAULT);
	assert_int_equal(pvfio_nr_objects(), objects);
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));
	assert_ok(pvfio_mock_device(s->fd, s->ioas, &mock));
	assert_ok(pvfio_destroy(s->fd, mock));
	assert_int_equal(pvfio_pinned_pages(), 0);
	munmap(half, 4 * PAGE);
	munmap(ro, 4 * PAGE);
}

#define SHARE_PAGES 64

/* Undo everything test_one_pin_* built; every pin comes back. */
static void one_pin_unwind(struct pin_state *s, int *afd, int nafd,
			   uint32_t *mocks, int nmocks, uint32_t b,
			   const struct pvfio_pin_count *c)
{
	int i;

	for (i = 0; i < nafd; i++)
		close(afd[i]);
	for (i = 0; i < nmocks; i++)
		assert_ok(pvfio_destroy(s->fd, mocks[i]));
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));
	assert_ok(pvfio_unmap(s->fd, b, 0, UINT64_MAX, NULL));
	assert_ok(pvfio_destroy(s->fd, b));
	assert_int_equal(pvfio_pinned_pages(), 0);
	assert_int_equal(pvfio_pins_released(c), SHARE_PAGES);
}

/*
 * Two mock domains on A, a COPY into B which has its own mock domain, an
 * access pin of the whole range and an overlapping one: each page has one
 * FOLL_PIN, taken once.
 */
static void test_one_pin_per_page(void **state)
{
	struct pin_state *s = *state;
	char *mem = pvfio_alloc(SHARE_PAGES * PAGE, PAGE);
	size_t len = SHARE_PAGES * PAGE;
	struct pvfio_pin_count c;
	uint32_t mocks[3], b, pin;
	uint64_t iova = BASE;
	int afd[3], i;

	assert_non_null(mem);
	pvfio_pin_snap(&c);
	assert_ok(pvfio_map(s->fd, s->ioas, mem, len, &iova, FIXED | RW));
	assert_ok(pvfio_mock_device(s->fd, s->ioas, &mocks[0]));
	assert_ok(pvfio_mock_device(s->fd, s->ioas, &mocks[1]));
	assert_ok(pvfio_ioas_alloc(s->fd, &b));
	assert_ok(pvfio_mock_device(s->fd, b, &mocks[2]));
	assert_ok(copy_range(s->fd, b, s->ioas, BASE, len, 0x800000));
	assert_ok(pvfio_check_map(s->fd, mocks[2], 0x800000, mem, len));
	for (i = 0; i < 3; i++) {
		afd[i] = pvfio_access_create(s->fd, i < 2 ? s->ioas : b, 0, 0);
		assert_true(afd[i] >= 0);
	}
	assert_ok(pvfio_access_pin(afd[0], BASE, len, PVFIO_ACCESS_RW_WRITE,
				   &pin));
	assert_ok(pvfio_access_pin(afd[1], BASE + 8 * PAGE, 32 * PAGE, 0, &pin));
	assert_ok(pvfio_access_pin(afd[2], 0x800000 + 4 * PAGE, 8 * PAGE, 0,
				   &pin));
	assert_int_equal(pvfio_pins_acquired(&c), SHARE_PAGES);
	assert_int_equal(pvfio_pinned_pages(), SHARE_PAGES);
	assert_ok(pvfio_check_refs(s->fd, mem, len, true));
	one_pin_unwind(s, afd, 3, mocks, 3, b, &c);
	munmap(mem, len);
}

/*
 * The other order: an access pins part of the range first, then page
 * tables come (and the copy); the table pins only the rest.  The table
 * leaving first keeps what the access holds.
 */
static void test_one_pin_per_page_access_first(void **state)
{
	struct pin_state *s = *state;
	char *mem = pvfio_alloc(SHARE_PAGES * PAGE, PAGE);
	size_t len = SHARE_PAGES * PAGE;
	struct pvfio_pin_count c;
	uint32_t mocks[2], b, pin, pin2;
	uint64_t iova = BASE;
	int afd[2];

	assert_non_null(mem);
	pvfio_pin_snap(&c);
	assert_ok(pvfio_map(s->fd, s->ioas, mem, len, &iova, FIXED | RW));
	afd[0] = pvfio_access_create(s->fd, s->ioas, 0, 0);
	afd[1] = pvfio_access_create(s->fd, s->ioas, 0, 0);
	assert_true(afd[0] >= 0 && afd[1] >= 0);
	assert_ok(pvfio_access_pin(afd[0], BASE, 16 * PAGE, 0, &pin));
	assert_int_equal(pvfio_pins_acquired(&c), 16);
	assert_int_equal(pvfio_pinned_pages(), 16);

	assert_ok(pvfio_mock_device(s->fd, s->ioas, &mocks[0]));
	assert_int_equal(pvfio_pins_acquired(&c), SHARE_PAGES);
	assert_ok(pvfio_check_map(s->fd, mocks[0], BASE, mem, len));
	assert_ok(pvfio_ioas_alloc(s->fd, &b));
	assert_ok(copy_range(s->fd, b, s->ioas, BASE, len, BASE));
	assert_ok(pvfio_mock_device(s->fd, b, &mocks[1]));
	assert_ok(pvfio_access_pin(afd[1], BASE + 8 * PAGE, len - 8 * PAGE,
				   PVFIO_ACCESS_RW_WRITE, &pin2));
	assert_int_equal(pvfio_pins_acquired(&c), SHARE_PAGES);
	assert_int_equal(pvfio_pinned_pages(), SHARE_PAGES);

	/* Tables gone: the access pins keep their pages, only theirs. */
	assert_ok(pvfio_destroy(s->fd, mocks[0]));
	assert_ok(pvfio_destroy(s->fd, mocks[1]));
	assert_int_equal(pvfio_pinned_pages(), SHARE_PAGES);
	assert_ok(pvfio_access_unpin(afd[1], pin2));
	assert_int_equal(pvfio_pinned_pages(), 16);
	assert_ok(pvfio_check_refs(s->fd, mem, 16 * PAGE, true));
	assert_ok(pvfio_check_refs(s->fd, mem + 16 * PAGE, len - 16 * PAGE,
				   false));
	one_pin_unwind(s, afd, 2, mocks, 0, b, &c);
	munmap(mem, len);
}

/*
 * An access PIN of pages 4..7 of a mapping without a table pins exactly
 * those four (counted in the mapper's VmPin; root with CAP_IPC_LOCK is not
 * charged locked memory); UNPIN gives them back.
 */
static void test_access_pin_exact_pages(void **state)
{
	struct pin_state *s = *state;
	long vmpin0 = pvfio_vmpin_kb(), lck0 = pvfio_vmlck_kb();
	uint64_t iova = BASE, user0 = pvfio_user_locked_vm(s->fd);
	uint32_t pin;
	int afd;

	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, NP * PAGE, &iova,
			    FIXED | RW));
	afd = pvfio_access_create(s->fd, s->ioas, 0, 0);
	assert_true(afd >= 0);
	assert_ok(pvfio_access_pin(afd, BASE + 4 * PAGE, 4 * PAGE,
				   PVFIO_ACCESS_RW_WRITE, &pin));
	assert_int_equal(pvfio_pinned_pages(), 4);
	assert_int_equal(pvfio_access_pins(), 1);
	assert_int_equal(pvfio_pins_acquired(&s->pins0), 4);
	assert_ok(pvfio_check_refs(s->fd, s->buf + 4 * PAGE, 4 * PAGE, true));
	assert_ok(pvfio_check_refs(s->fd, s->buf, 4 * PAGE, false));
	assert_ok(pvfio_check_refs(s->fd, s->buf + 8 * PAGE, 8 * PAGE, false));
	assert_int_equal(pvfio_vmpin_kb(), vmpin0 + 16);
	assert_int_equal(pvfio_vmlck_kb(), lck0);
	assert_int_equal(pvfio_user_locked_vm(s->fd), user0);

	assert_ok(pvfio_access_unpin(afd, pin));
	assert_int_equal(pvfio_pinned_pages(), 0);
	assert_int_equal(pvfio_pins_released(&s->pins0), 4);
	assert_ok(pvfio_check_refs(s->fd, s->buf, NP * PAGE, false));
	assert_int_equal(pvfio_vmpin_kb(), vmpin0);
	close(afd);
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));
}

/* What a child that dropped to nobody sees charged. */
struct charge {
	long lck, vmpin;	/* KiB */
	uint64_t user;		/* pages */
};

static void charge_now(int fd, struct charge *c)
{
	c->lck = pvfio_vmlck_kb();
	c->vmpin = pvfio_vmpin_kb();
	c->user = pvfio_user_locked_vm(fd);
}

/* @pages more than @c0 are charged, in @mode's counter only. */
static bool charged(int fd, const struct charge *c0, uint64_t mode,
		    long pages)
{
	struct charge c;

	charge_now(fd, &c);
	if (c.vmpin != c0->vmpin + pages * 4)
		return false;
	if (mode == 0)
		return c.user == c0->user + pages && c.lck == c0->lck;
	return c.lck == c0->lck + pages * 4 && c.user == c0->user;
}

/* Become nobody with an RLIMIT_MEMLOCK of @pages, in a child. */
static void child_nobody(uint64_t pages)
{
	struct rlimit rl = { pages * PAGE, pages * PAGE };

	CHILD_CHECK(90, !setrlimit(RLIMIT_MEMLOCK, &rl));
	CHILD_CHECK(91, !pvfio_become_nobody());
}

/*
 * Open another context (s->fd2) with accounting @mode and fork: 0 in the
 * child, which closes s->fd; the child's pid in the parent.
 */
static pid_t fork_on_new_context(struct pin_state *s, uint64_t mode)
{
	pid_t pid;

	s->fd2 = pvfio_open();
	assert_true(s->fd2 >= 0);
	assert_ok(pvfio_set_rlimit_mode(s->fd2, mode));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		close(s->fd);
	return pid;
}

/* In the parent: the child succeeded; the context goes. */
static void end_new_context(struct pin_state *s, pid_t pid)
{
	assert_int_equal(pvfio_wait_child(pid), 0);
	close(s->fd2);
	s->fd2 = -1;
	assert_int_equal(pvfio_pinned_pages(), 0);
}

/*
 * Another process (a child of the mapper) pins through the access: the
 * pages come from the mapper's memory and are charged to the mapper, in
 * the mode the context says, not to the pinner.
 */
static void pin_charges_mapper(struct pin_state *s, uint64_t mode)
{
	pid_t pid = fork_on_new_context(s, mode);
	int fd = s->fd2;

	if (pid == 0) {
		int p2c[2], c2p[2], afd;
		struct charge c0, pinner0;
		uint64_t iova = BASE;
		uint32_t ioas, pin;
		char *mem;
		pid_t pinner;

		child_nobody(64);
		mem = pvfio_alloc(NP * PAGE, PAGE);
		CHILD_CHECK(10, mem && !pvfio_ioas_alloc(fd, &ioas));
		CHILD_CHECK(11, !pvfio_map(fd, ioas, mem, NP * PAGE, &iova,
					   FIXED | RW));
		afd = pvfio_access_create(fd, ioas, 0, 0);
		CHILD_CHECK(12, afd >= 0);
		charge_now(fd, &c0);
		CHILD_CHECK(13, !pipe(p2c) && !pipe(c2p));
		pinner = fork();
		CHILD_CHECK(14, pinner >= 0);
		if (pinner == 0) {
			/* EOF, not a hang, if the mapper dies. */
			close(p2c[1]);
			close(c2p[0]);
			charge_now(fd, &pinner0);
			CHILD_CHECK(30, !pvfio_access_pin(afd, BASE + 4 * PAGE,
							  4 * PAGE, 0, &pin));
			/* Nothing is charged to the pinner's mm. */
			CHILD_CHECK(31, pvfio_vmpin_kb() == pinner0.vmpin &&
					pvfio_vmlck_kb() == pinner0.lck);
			CHILD_CHECK(32, !pvfio_send(c2p[1], 'p'));
			CHILD_CHECK(33, pvfio_recv(p2c[0]) == 'u');
			CHILD_CHECK(34, !pvfio_access_unpin(afd, pin));
			_exit(0);
		}
		CHILD_CHECK(15, pvfio_recv(c2p[0]) == 'p');
		CHILD_CHECK(16, charged(fd, &c0, mode, 4));
		CHILD_CHECK(17, !pvfio_check_refs(fd, mem + 4 * PAGE, 4 * PAGE,
						  true));
		CHILD_CHECK(18, !pvfio_send(p2c[1], 'u'));
		CHILD_CHECK(19, pvfio_wait_child(pinner) == 0);
		CHILD_CHECK(20, charged(fd, &c0, mode, 0));
		CHILD_CHECK(21, !pvfio_check_refs(fd, mem, NP * PAGE, false));
		_exit(0);
	}
	end_new_context(s, pid);
}

static void test_pin_from_other_process_user_mode(void **state)
{
	pin_charges_mapper(*state, 0);
}

static void test_pin_from_other_process_mm_mode(void **state)
{
	pin_charges_mapper(*state, 1);
}

/*
 * Over RLIMIT_MEMLOCK (nobody, 8 pages): MAP without a table still works;
 * an access PIN over the limit and a table over the limit fail with
 * ENOMEM, leaving nothing pinned or charged; pages already pinned are not
 * charged twice; MAP into an IOAS with a table fails over the limit.
 */
static void limits(struct pin_state *s, uint64_t mode)
{
	pid_t pid = fork_on_new_context(s, mode);
	int fd = s->fd2;

	if (pid == 0) {
		struct pvfio_test_stats st0, st;
		uint64_t iova = BASE;
		struct charge c0;
		uint32_t ioas, mock, pin, pin2, pin3;
		char *mem;
		int afd;

		child_nobody(8);
		mem = pvfio_alloc(NP * PAGE, PAGE);
		CHILD_CHECK(10, mem && !pvfio_ioas_alloc(fd, &ioas));
		charge_now(fd, &c0);
		CHILD_CHECK(11, !pvfio_test_stats(fd, &st0));
		CHILD_CHECK(12, !pvfio_map(fd, ioas, mem, NP * PAGE, &iova,
					   FIXED | RW));
		CHILD_CHECK(13, charged(fd, &c0, mode, 0));
		afd = pvfio_access_create(fd, ioas, 0, 0);
		CHILD_CHECK(14, afd >= 0);
		CHILD_CHECK(15, pvfio_access_pin(afd, BASE, 9 * PAGE, 0, &pin) ==
				-ENOMEM);
		CHILD_CHECK(16, charged(fd, &c0, mode, 0));
		CHILD_CHECK(17, !pvfio_test_stats(fd, &st) &&
				st.out_pinned_pages == st0.out_pinned_pages);
		CHILD_CHECK(18, !pvfio_access_pin(afd, BASE, 8 * PAGE, 0, &pin));
		CHILD_CHECK(19, charged(fd, &c0, mode, 8));
		/* Pinned already: shared, not charged again. */
		CHILD_CHECK(20, !pvfio_access_pin(afd, BASE + 2 * PAGE, 4 * PAGE,
						  0, &pin2));
		CHILD_CHECK(21, charged(fd, &c0, mode, 8));
		CHILD_CHECK(22, pvfio_access_pin(afd, BASE + 7 * PAGE, 2 * PAGE,
						 0, &pin3) == -ENOMEM);
		CHILD_CHECK(23, charged(fd, &c0, mode, 8));
		CHILD_CHECK(24, !pvfio_access_unpin(afd, pin) &&
				!pvfio_access_unpin(afd, pin2));
		CHILD_CHECK(25, charged(fd, &c0, mode, 0));
		close(afd);

		/* A table over the limit: ENOMEM, no object, nothing left. */
		CHILD_CHECK(26, pvfio_mock_device(fd, ioas, &mock) == -ENOMEM);
		CHILD_CHECK(27, !pvfio_test_stats(fd, &st) &&
				st.out_pinned_pages == st0.out_pinned_pages &&
				st.out_objects == st0.out_objects);
		CHILD_CHECK(28, charged(fd, &c0, mode, 0));
		CHILD_CHECK(29, !pvfio_check_refs(fd, mem, NP * PAGE, false));
		/* Within it: pinned at attach; MAP over it fails. */
		CHILD_CHECK(30, !pvfio_unmap(fd, ioas, 0, UINT64_MAX, NULL));
		iova = BASE;
		CHILD_CHECK(31, !pvfio_map(fd, ioas, mem, 8 * PAGE, &iova,
					   FIXED | RW));
		CHILD_CHECK(32, !pvfio_mock_device(fd, ioas, &mock));
		CHILD_CHECK(33, charged(fd, &c0, mode, 8));
		iova = 0x400000;
		CHILD_CHECK(34, pvfio_map(fd, ioas, mem + 8 * PAGE, PAGE, &iova,
					  FIXED | RW) == -ENOMEM);
		CHILD_CHECK(35, charged(fd, &c0, mode, 8));
		CHILD_CHECK(36, !pvfio_destroy(fd, mock));
		CHILD_CHECK(37, charged(fd, &c0, mode, 0));
		CHILD_CHECK(38, !pvfio_unmap(fd, ioas, 0, UINT64_MAX, NULL));
		_exit(0);
	}
	end_new_context(s, pid);
}

static void test_limits_user_mode(void **state)
{
	limits(*state, 0);
}

static void test_limits_mm_mode(void **state)
{
	limits(*state, 1);
}

/*
 * CAP_IPC_LOCK when mapping: not charged (only VmPin counts);
 * PVFIO_TEST_OP_MEMLIMIT set when mapping limits it all the same, over the
 * user's locked_vm (user mode, the default), for access PIN and attach.
 */
static void test_cap_ipc_lock_not_charged(void **state)
{
	struct pin_state *s = *state;
	long lck0 = pvfio_vmlck_kb(), vmpin0 = pvfio_vmpin_kb();
	uint64_t iova = BASE, user0 = pvfio_user_locked_vm(s->fd);
	uint32_t mock, pin;
	int afd;

	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, NP * PAGE, &iova,
			    FIXED | RW));
	assert_ok(pvfio_mock_device(s->fd, s->ioas, &mock));
	assert_int_equal(pvfio_vmlck_kb(), lck0);
	assert_int_equal(pvfio_user_locked_vm(s->fd), user0);
	assert_int_equal(pvfio_vmpin_kb(), vmpin0 + NP * 4);
	assert_ok(pvfio_destroy(s->fd, mock));
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));

	/* The limit in force when mapping applies to the mapping's pages. */
	assert_ok(pvfio_set_memlimit(s->fd, user0 + 4));
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, NP * PAGE, &iova,
			    FIXED | RW));
	afd = pvfio_access_create(s->fd, s->ioas, 0, 0);
	assert_true(afd >= 0);
	assert_errno(pvfio_access_pin(afd, BASE, 5 * PAGE, 0, &pin), ENOMEM);
	assert_int_equal(pvfio_pinned_pages(), 0);
	assert_errno(pvfio_mock_device(s->fd, s->ioas, &mock), ENOMEM);
	assert_int_equal(pvfio_pinned_pages(), 0);
	assert_ok(pvfio_access_pin(afd, BASE, 4 * PAGE, 0, &pin));
	assert_ok(pvfio_access_unpin(afd, pin));
	close(afd);
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));
	assert_ok(pvfio_set_memlimit(s->fd, 0));
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, NP * PAGE, &iova,
			    FIXED | RW));
	assert_ok(pvfio_mock_device(s->fd, s->ioas, &mock));
	assert_int_equal(pvfio_pinned_pages(), NP);
	assert_ok(pvfio_destroy(s->fd, mock));
	assert_int_equal(pvfio_user_locked_vm(s->fd), user0);
	assert_int_equal(pvfio_vmpin_kb(), vmpin0);
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));
}

/* OPTION RLIMIT_MODE: default, values, privilege, only while empty. */
static void test_rlimit_mode_option(void **state)
{
	struct pin_state *s = *state;
	uint64_t v = 7;
	uint32_t ioas;
	int fd = s->fd2 = pvfio_open();
	pid_t pid;

	assert_true(fd >= 0);
	assert_ok(pvfio_option(fd, PVFIO_OPTION_RLIMIT_MODE,
			       PVFIO_OPTION_OP_GET, 0, &v));
	assert_int_equal(v, 0);
	v = 2;
	assert_errno(pvfio_option(fd, PVFIO_OPTION_RLIMIT_MODE,
				  PVFIO_OPTION_OP_SET, 0, &v), EINVAL);
	v = 1;
	assert_errno(pvfio_option(fd, PVFIO_OPTION_RLIMIT_MODE,
				  PVFIO_OPTION_OP_SET, 1, &v), EOPNOTSUPP);
	assert_errno(pvfio_option(fd, PVFIO_OPTION_RLIMIT_MODE,
				  PVFIO_OPTION_OP_GET, 1, &v), EOPNOTSUPP);
	assert_ok(pvfio_set_rlimit_mode(fd, 1));
	v = 0;
	assert_ok(pvfio_option(fd, PVFIO_OPTION_RLIMIT_MODE,
			       PVFIO_OPTION_OP_GET, 0, &v));
	assert_int_equal(v, 1);
	assert_ok(pvfio_set_rlimit_mode(fd, 0));
	assert_ok(pvfio_set_rlimit_mode(fd, 1));

	/* Not once the context has an object; again when it has none. */
	assert_ok(pvfio_ioas_alloc(fd, &ioas));
	assert_errno(pvfio_set_rlimit_mode(fd, 0), EBUSY);
	assert_ok(pvfio_option(fd, PVFIO_OPTION_RLIMIT_MODE,
			       PVFIO_OPTION_OP_GET, 0, &v));
	assert_int_equal(v, 1);
	assert_ok(pvfio_destroy(fd, ioas));
	assert_ok(pvfio_set_rlimit_mode(fd, 0));

	/* Nobody (no CAP_SYS_RESOURCE) reads it but cannot set it. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint64_t val = 5;

		CHILD_CHECK(10, !pvfio_become_nobody());
		CHILD_CHECK(11, pvfio_set_rlimit_mode(fd, 1) == -EPERM);
		CHILD_CHECK(12, pvfio_set_rlimit_mode(fd, 0) == -EPERM);
		CHILD_CHECK(13, !pvfio_option(fd, PVFIO_OPTION_RLIMIT_MODE,
					      PVFIO_OPTION_OP_GET, 0, &val) &&
				val == 0);
		_exit(0);
	}
	assert_int_equal(pvfio_wait_child(pid), 0);
	close(fd);
	s->fd2 = -1;
}

/*
 * The memory of an IOAS with only MAP_FILE mappings changes owner: the
 * charge (and VmPin) moves from the mapper M (a child without
 * CAP_IPC_LOCK) to the caller N (another such child), in the mode the
 * context has; over the new owner's limit nothing moves (ENOMEM); a
 * user-VA mapping anywhere makes it EINVAL; with M gone, PIN and attach
 * still work from the file and are charged to N.  Last, this process
 * takes it over: as in iommufd the pages keep the accounting of their
 * MAP, so even with CAP_IPC_LOCK it is charged as the context's mode says.
 */
static void change_process(struct pin_state *s, uint64_t mode)
{
	struct pvfio_ioas_change_process bad = { .size = sizeof(bad),
						 .__reserved = 1 };
	int fd = s->fd2 = pvfio_open(), mfd = memfd_of(NP * PAGE);
	int ready[2], go_m[2], go_n[2];
	long lck_m, pin_m, lck_n, pin_n;
	long lck0 = pvfio_vmlck_kb(), vmpin0 = pvfio_vmpin_kb();
	long per_mode = mode ? NP * 4 : 0;
	uint32_t ioas, ioas_va, mock, pin;
	uint64_t user0, iova = BASE;
	pid_t pid;
	int afd;

	assert_true(fd >= 0);
	assert_ok(pvfio_set_rlimit_mode(fd, mode));
	assert_ok(pvfio_ioas_alloc(fd, &ioas));
	user0 = pvfio_user_locked_vm(fd);
	assert_ok(pipe(ready));
	assert_ok(pipe(go_m));
	assert_ok(pipe(go_n));
	s->child[0] = fork();
	assert_true(s->child[0] >= 0);
	if (s->child[0] == 0) {
		struct rlimit rl = { 1024 * PAGE, 1024 * PAGE };
		struct charge c0;

		close(s->fd);
		CHILD_CHECK(10, !setrlimit(RLIMIT_MEMLOCK, &rl));
		CHILD_CHECK(11, !pvfio_drop_cap(CAP_IPC_LOCK_NR));
		charge_now(fd, &c0);
		CHILD_CHECK(12, !pvfio_map_file(fd, ioas, mfd, 0, NP * PAGE,
						&iova, FIXED | RW));
		CHILD_CHECK(13, !pvfio_mock_device(fd, ioas, &mock));
		CHILD_CHECK(14, charged(fd, &c0, mode, NP));
		CHILD_CHECK(15, write(ready[1], &mock, sizeof(mock)) ==
				sizeof(mock));
		CHILD_CHECK(16, pvfio_recv(go_m[0]) == 'x');
		_exit(0);
	}
	assert_int_equal(read(ready[0], &mock, sizeof(mock)), sizeof(mock));
	lck_m = pvfio_status_kb(s->child[0], "VmLck");
	pin_m = pvfio_status_kb(s->child[0], "VmPin");
	assert_true(pin_m >= NP * 4 && lck_m >= per_mode);
	assert_int_equal(pvfio_user_locked_vm(fd), user0 + (mode ? 0 : NP));
	assert_errno(pvfio_ioctl(fd, PVFIO_IOAS_CHANGE_PROCESS, &bad),
		     EOPNOTSUPP);

	/* Over the new owner's limit: ENOMEM, nothing moved. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 4 * PAGE, 4 * PAGE };
		struct charge c0;

		CHILD_CHECK(20, !setrlimit(RLIMIT_MEMLOCK, &rl));
		CHILD_CHECK(21, !pvfio_drop_cap(CAP_IPC_LOCK_NR));
		charge_now(fd, &c0);
		CHILD_CHECK(22, pvfio_ioas_change_process(fd) == -ENOMEM);
		CHILD_CHECK(23, charged(fd, &c0, mode, 0));
		_exit(0);
	}
	assert_int_equal(pvfio_wait_child(pid), 0);
	assert_int_equal(pvfio_status_kb(s->child[0], "VmLck"), lck_m);
	assert_int_equal(pvfio_status_kb(s->child[0], "VmPin"), pin_m);

	/* A user-VA mapping anywhere in the context: EINVAL, nothing moved. */
	assert_ok(pvfio_ioas_alloc(fd, &ioas_va));
	iova = BASE;
	assert_ok(pvfio_map(fd, ioas_va, s->buf, PAGE, &iova, FIXED | RW));
	assert_errno(pvfio_ioas_change_process(fd), EINVAL);
	assert_int_equal(pvfio_vmlck_kb(), lck0);
	assert_int_equal(pvfio_vmpin_kb(), vmpin0);
	assert_int_equal(pvfio_status_kb(s->child[0], "VmPin"), pin_m);
	assert_ok(pvfio_destroy(fd, ioas_va));

	/* N takes the charge over; M is rid of it. */
	s->child[1] = fork();
	assert_true(s->child[1] >= 0);
	if (s->child[1] == 0) {
		struct rlimit rl = { 4096 * PAGE, 4096 * PAGE };
		struct charge c0, c1;

		close(s->fd);
		CHILD_CHECK(30, !setrlimit(RLIMIT_MEMLOCK, &rl));
		CHILD_CHECK(31, !pvfio_drop_cap(CAP_IPC_LOCK_NR));
		charge_now(fd, &c0);
		CHILD_CHECK(32, !pvfio_ioas_change_process(fd));
		charge_now(fd, &c1);
		CHILD_CHECK(33, c1.vmpin == c0.vmpin + NP * 4);
		if (mode)
			CHILD_CHECK(34, c1.lck == c0.lck + NP * 4);
		else	/* the same user: its total stays */
			CHILD_CHECK(35, c1.user == c0.user && c1.lck == c0.lck);
		CHILD_CHECK(36, !pvfio_send(ready[1], 'c'));
		CHILD_CHECK(37, pvfio_recv(go_n[0]) == 'y');
		_exit(0);
	}
	assert_int_equal(pvfio_recv(ready[0]), 'c');
	assert_int_equal(pvfio_status_kb(s->child[0], "VmPin"), pin_m - NP * 4);
	assert_int_equal(pvfio_status_kb(s->child[0], "VmLck"),
			 lck_m - per_mode);
	assert_int_equal(pvfio_user_locked_vm(fd), user0 + (mode ? 0 : NP));
	lck_n = pvfio_status_kb(s->child[1], "VmLck");
	pin_n = pvfio_status_kb(s->child[1], "VmPin");
	assert_ok(pvfio_send(go_m[1], 'x'));
	assert_int_equal(pvfio_wait_child(s->child[0]), 0);
	s->child[0] = 0;

	/* M gone: the file still gives its pages, charged to N. */
	afd = pvfio_access_create(fd, ioas, 0, 0);
	assert_true(afd >= 0);
	assert_ok(pvfio_access_pin(afd, BASE, 4 * PAGE, PVFIO_ACCESS_RW_WRITE,
				   &pin));
	assert_int_equal(pvfio_pinned_pages(), NP);
	assert_ok(pvfio_destroy(fd, mock));
	assert_int_equal(pvfio_pinned_pages(), 4);
	assert_int_equal(pvfio_status_kb(s->child[1], "VmPin"),
			 pin_n - (NP - 4) * 4);
	assert_int_equal(pvfio_status_kb(s->child[1], "VmLck"),
			 lck_n - (mode ? (NP - 4) * 4 : 0));
	assert_ok(pvfio_access_unpin(afd, pin));
	assert_int_equal(pvfio_pinned_pages(), 0);
	assert_int_equal(pvfio_status_kb(s->child[1], "VmPin"), pin_n - NP * 4);
	assert_int_equal(pvfio_user_locked_vm(fd), user0);
	assert_ok(pvfio_mock_device(fd, ioas, &mock));
	assert_int_equal(pvfio_pinned_pages(), NP);
	assert_int_equal(pvfio_status_kb(s->child[1], "VmPin"), pin_n);
	assert_int_equal(pvfio_status_kb(s->child[1], "VmLck"), lck_n);
	assert_ok(pvfio_access_pin(afd, BASE + 4 * PAGE, 4 * PAGE, 0, &pin));
	close(afd);
	assert_int_equal(pvfio_vmpin_kb(), vmpin0);
	assert_int_equal(pvfio_vmlck_kb(), lck0);

	/* This process (CAP_IPC_LOCK) takes it over: charged all the same. */
	assert_ok(pvfio_ioas_change_process(fd));
	assert_int_equal(pvfio_status_kb(s->child[1], "VmPin"), pin_n - NP * 4);
	assert_int_equal(pvfio_vmpin_kb(), vmpin0 + NP * 4);
	assert_int_equal(pvfio_vmlck_kb(), lck0 + per_mode);
	assert_int_equal(pvfio_user_locked_vm(fd), user0 + (mode ? 0 : NP));
	assert_ok(pvfio_send(go_n[1], 'y'));
	assert_int_equal(pvfio_wait_child(s->child[1]), 0);
	s->child[1] = 0;
	close(fd);
	s->fd2 = -1;
	assert_int_equal(pvfio_vmlck_kb(), lck0);
	assert_int_equal(pvfio_vmpin_kb(), vmpin0);
	assert_int_equal(pvfio_pinned_pages(), 0);
	close(mfd);
	close(ready[0]);
	close(ready[1]);
	close(go_m[0]);
	close(go_m[1]);
	close(go_n[0]);
	close(go_n[1]);
}

static void test_change_process_mm_mode(void **state)
{
	change_process(*state, 1);
}

static void test_change_process_user_mode(void **state)
{
	change_process(*state, 0);
}

/*
 * A child maps @NP pages of its own, filled with @fill, into @ioas at
 * BASE, attaches a mock device first if @with_table, and exits: the ID of
 * the mock device, or 0.
 */
static uint32_t map_and_exit(struct pin_state *s, uint32_t ioas, char fill,
			     bool with_table)
{
	uint32_t mock = 0;
	int ids[2];
	pid_t pid;

	assert_ok(pipe(ids));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *mem = pvfio_alloc(NP * PAGE, PAGE);
		uint64_t iova = BASE;

		CHILD_CHECK(10, mem != NULL);
		memset(mem, fill, NP * PAGE);
		if (with_table)
			CHILD_CHECK(11, !pvfio_mock_device(s->fd, ioas, &mock));
		CHILD_CHECK(12, !pvfio_map(s->fd, ioas, mem, NP * PAGE, &iova,
					   FIXED | RW));
		CHILD_CHECK(13, write(ids[1], &mock, sizeof(mock)) ==
				sizeof(mock));
		_exit(0);
	}
	assert_int_equal(pvfio_wait_child(pid), 0);
	assert_int_equal(read(ids[0], &mock, sizeof(mock)), sizeof(mock));
	close(ids[0]);
	close(ids[1]);
	return mock;
}

/*
 * After the mapping process exited, pages of its user-VA mapping that
 * nothing holds cannot be pinned, read or attached (EFAULT, nothing left
 * pinned); pages a page table pinned before the exit can be pinned and
 * read, until nothing holds them any more.
 */
static void test_mapper_gone(void **state)
{
	struct pin_state *s = *state;
	char data[3 * PAGE], want[3 * PAGE];
	uint32_t pin, mock, ioas2;
	int afd;

	map_and_exit(s, s->ioas, 0x71, false);
	afd = pvfio_access_create(s->fd, s->ioas, 0, 0);
	assert_true(afd >= 0);
	assert_errno(pvfio_access_pin(afd, BASE, 4 * PAGE, 0, &pin), EFAULT);
	assert_errno(pvfio_access_rw(afd, BASE + 100, data, sizeof(data),
				     false), EFAULT);
	assert_errno(pvfio_access_rw(afd, BASE + 100, data, sizeof(data),
				     true), EFAULT);
	assert_errno(pvfio_mock_device(s->fd, s->ioas, &mock), EFAULT);
	assert_int_equal(pvfio_pinned_pages(), 0);
	assert_int_equal(pvfio_access_pins(), 0);
	close(afd);
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));

	/* Pinned by a table before the exit: usable while held. */
	assert_ok(pvfio_ioas_alloc(s->fd, &ioas2));
	mock = map_and_exit(s, ioas2, 0x72, true);
	assert_int_equal(pvfio_pinned_pages(), NP);
	afd = pvfio_access_create(s->fd, ioas2, 0, 0);
	assert_true(afd >= 0);
	memset(want, 0x72, sizeof(want));
	assert_ok(pvfio_access_rw(afd, BASE + 100, data, sizeof(data), false));
	assert_memory_equal(data, want, sizeof(data));
	assert_ok(pvfio_access_pin(afd, BASE + 4 * PAGE, 4 * PAGE, 0, &pin));
	assert_int_equal(pvfio_pinned_pages(), NP);
	assert_ok(pvfio_destroy(s->fd, mock));
	/* The table gone, the access's pages stay; the others are lost. */
	assert_int_equal(pvfio_pinned_pages(), 4);
	memset(data, 0, sizeof(data));
	assert_ok(pvfio_access_rw(afd, BASE + 4 * PAGE, data, sizeof(data),
				  false));
	assert_memory_equal(data, want, sizeof(data));
	assert_errno(pvfio_access_rw(afd, BASE, data, 16, false), EFAULT);
	assert_errno(pvfio_access_pin(afd, BASE, PAGE, 0, &mock), EFAULT);
	assert_int_equal(pvfio_pinned_pages(), 4);
	assert_ok(pvfio_access_unpin(afd, pin));
	assert_int_equal(pvfio_pinned_pages(), 0);
	assert_errno(pvfio_access_pin(afd, BASE + 4 * PAGE, 4 * PAGE, 0, &pin),
		     EFAULT);
	close(afd);
	assert_ok(pvfio_destroy(s->fd, ioas2));
}

/*
 * ACCESS_RW needs no pin: pages nothing holds are pinned for the copy
 * only; the bytes land in the mapper's memory and come back.
 */
static void test_rw_without_pin(void **state)
{
	struct pin_state *s = *state;
	char src[3 * PAGE], dst[3 * PAGE];
	uint64_t iova = BASE;
	size_t i;
	int afd;

	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, NP * PAGE, &iova,
			    FIXED | RW));
	afd = pvfio_access_create(s->fd, s->ioas, 0, 0);
	assert_true(afd >= 0);
	for (i = 0; i < sizeof(src); i++)
		src[i] = (char)(i * 13 + 5);
	assert_ok(pvfio_access_rw(afd, BASE + PAGE + 100, src, sizeof(src),
				  true));
	assert_memory_equal(s->buf + PAGE + 100, src, sizeof(src));
	assert_int_equal(s->buf[PAGE + 99], 0x3c);
	assert_int_equal(s->buf[PAGE + 100 + sizeof(src)], 0x3c);
	assert_ok(pvfio_access_rw(afd, BASE + PAGE + 100, dst, sizeof(dst),
				  false));
	assert_memory_equal(dst, src, sizeof(src));
	assert_int_equal(pvfio_pinned_pages(), 0);
	assert_int_equal(pvfio_access_pins(), 0);
	assert_int_equal(pvfio_pins_acquired(&s->pins0),
			 pvfio_pins_released(&s->pins0));
	assert_ok(pvfio_check_refs(s->fd, s->buf, NP * PAGE, false));
	close(afd);
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));
}

/*
 * While nothing needs its pages an IOAS takes any byte alignment: a
 * mapping of 100 bytes at an odd address and IOVA, exactly 100 bytes wide;
 * COPY of byte ranges between two such IOASes.  A page table or an access
 * needs page alignment: with the odd mapping there they fail with EINVAL
 * and change nothing; without it they attach and MAP needs alignment.
 */
static void test_byte_granular_until_attached(void **state)
{
	struct pin_state *s = *state;
	uint64_t iova = 0x10001, unmapped, objects;
	uint32_t b, mock;
	int afd;

	assert_int_equal(pvfio_iova_alignment(s->fd, s->ioas), 1);
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf + 1, 100, &iova,
			    FIXED | RW));
	assert_int_equal(iova, 0x10001);
	/* Byte-exact neighbours: overlapping by one byte, or just after. */
	iova = 0x10064;
	assert_errno(pvfio_map(s->fd, s->ioas, s->buf, 1, &iova, FIXED | RW),
		     EEXIST);
	iova = 0x10000;
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, 1, &iova, FIXED | RW));
	iova = 0x10065;
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf + 3, 7, &iova, FIXED | RW));

	objects = pvfio_nr_objects();
	assert_errno(pvfio_mock_device(s->fd, s->ioas, &mock), EINVAL);
	assert_errno(pvfio_access_create(s->fd, s->ioas, 0, 0), EINVAL);
	assert_int_equal(pvfio_nr_objects(), objects);
	assert_int_equal(pvfio_iova_alignment(s->fd, s->ioas), 1);
	assert_int_equal(pvfio_pinned_pages(), 0);

	/* COPY of a byte range into another byte-granular IOAS. */
	assert_ok(pvfio_ioas_alloc(s->fd, &b));
	assert_ok(copy_range(s->fd, b, s->ioas, 0x10001 + 10, 50, 0x2003));
	assert_ok(pvfio_unmap(s->fd, b, 0, UINT64_MAX, &unmapped));
	assert_int_equal(unmapped, 50);
	assert_ok(pvfio_destroy(s->fd, b));

	assert_ok(pvfio_unmap(s->fd, s->ioas, 0x10001, 100, &unmapped));
	assert_int_equal(unmapped, 100);
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, &unmapped));
	assert_int_equal(unmapped, 8);
	iova = BASE;
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, NP * PAGE, &iova,
			    FIXED | RW));
	assert_ok(pvfio_mock_device(s->fd, s->ioas, &mock));
	assert_true(pvfio_iova_alignment(s->fd, s->ioas) >= PAGE);
	iova = 0x400000;
	assert_errno(pvfio_map(s->fd, s->ioas, s->buf, PAGE + 1, &iova,
			       FIXED | RW), EINVAL);
	iova = 0x400001;
	assert_errno(pvfio_map(s->fd, s->ioas, s->buf, PAGE, &iova,
			       FIXED | RW), EINVAL);
	assert_ok(pvfio_destroy(s->fd, mock));
	assert_int_equal(pvfio_iova_alignment(s->fd, s->ioas), 1);

	/* An access raises the alignment the same way while attached. */
	afd = pvfio_access_create(s->fd, s->ioas, 0, 0);
	assert_true(afd >= 0);
	assert_true(pvfio_iova_alignment(s->fd, s->ioas) >= PAGE);
	iova = 0x400001;
	assert_errno(pvfio_map(s->fd, s->ioas, s->buf, PAGE, &iova,
			       FIXED | RW), EINVAL);
	close(afd);
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));
}

/*
 * Batch boundaries: with a temporary memory limit of 1, 16, 24 and 4096
 * bytes and the default, a 300-page 4 KiB buffer and a 4 MiB THP buffer
 * go through access PIN, RW, a mock table's fill, MAP into an IOAS with a
 * table, UNPIN, detach and UNMAP: every page mapped and pinned exactly
 * once, every pin given back.
 */
#define SMALL_PAGES 300
#define THP_LEN (4 * MiB)

static void batch_round(struct pin_state *s, uint32_t table_ioas,
			uint32_t table_mock, char *mem, size_t len)
{
	size_t npages = len / PAGE, off, n, i;
	struct pvfio_pin_count c;
	uint64_t iova = BASE, unmapped;
	uint32_t mock, pin;
	char *chunk = malloc(MiB);
	int afd;

	assert_non_null(chunk);
	pvfio_pin_snap(&c);
	assert_ok(pvfio_map(s->fd, s->ioas, mem, len, &iova, FIXED | RW));
	afd = pvfio_access_create(s->fd, s->ioas, 0, 0);
	assert_true(afd >= 0);
	assert_ok(pvfio_access_pin(afd, BASE + 3 * PAGE, 150 * PAGE, 0, &pin));
	assert_int_equal(pvfio_pinned_pages(), 150);
	assert_int_equal(pvfio_pins_acquired(&c), 150);
	/* RW over everything, across pinned and unpinned pages. */
	for (off = 100; off < len - 200; off += n) {
		n = len - 200 - off < MiB ? len - 200 - off : MiB;
		for (i = 0; i < n; i++)
			chunk[i] = (char)((off + i) * 7 + (off + i) / 4093);
		assert_ok(pvfio_access_rw(afd, BASE + off, chunk, n, true));
		assert_memory_equal(mem + off, chunk, n);
		memset(chunk, 0, n);
		assert_ok(pvfio_access_rw(afd, BASE + off, chunk, n, false));
		assert_memory_equal(mem + off, chunk, n);
	}
	assert_int_equal(pvfio_pinned_pages(), 150);
	assert_int_equal(pvfio_pins_acquired(&c) - pvfio_pins_released(&c),
			 150);

	assert_ok(pvfio_mock_device(s->fd, s->ioas, &mock));
	assert_int_equal(pvfio_pinned_pages(), npages);
	assert_ok(pvfio_check_map(s->fd, mock, BASE, mem, len));
	assert_ok(pvfio_check_refs(s->fd, mem, len, true));
	assert_int_equal(pvfio_pins_acquired(&c) - pvfio_pins_released(&c),
			 (long long)npages);
	assert_ok(pvfio_access_unpin(afd, pin));
	assert_int_equal(pvfio_pinned_pages(), npages);
	assert_ok(pvfio_destroy(s->fd, mock));
	assert_int_equal(pvfio_pinned_pages(), 0);

	/* MAP where a table is: pinned and mapped at MAP, in batches. */
	iova = BASE;
	assert_ok(pvfio_map(s->fd, table_ioas, mem, len, &iova, FIXED | RW));
	assert_int_equal(pvfio_pinned_pages(), npages);
	assert_ok(pvfio_check_map(s->fd, table_mock, BASE, mem, len));
	assert_ok(pvfio_unmap(s->fd, table_ioas, 0, UINT64_MAX, &unmapped));
	assert_int_equal(unmapped, len);
	close(afd);
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, &unmapped));
	assert_int_equal(unmapped, len);
	assert_int_equal(pvfio_pinned_pages(), 0);
	assert_ok(pvfio_check_refs(s->fd, mem, len, false));
	assert_int_equal(pvfio_pins_acquired(&c), pvfio_pins_released(&c));
	free(chunk);
}

static void test_batch_boundaries(void **state)
{
	struct pin_state *s = *state;
	static const uint32_t limits[] = { 1, 16, 24, 4096, 0 };
	struct pvfio_test_cmd bad = {
		.size = sizeof(bad), .op = PVFIO_TEST_OP_SET_TEMP_MEMORY_LIMIT,
		.temp_memory_limit = { .limit = 16, .__reserved = 1 },
	};
	char *small = pvfio_alloc(SMALL_PAGES * PAGE, PAGE);
	char *thp = pvfio_alloc(THP_LEN, 2 * MiB);
	uint32_t table_ioas, table_mock;
	size_t i;

	assert_non_null(small);
	assert_non_null(thp);
	assert_errno(pvfio_ioctl(s->fd, PVFIO_TEST, &bad), EOPNOTSUPP);
	assert_ok(madvise(small, SMALL_PAGES * PAGE, MADV_NOHUGEPAGE));
	assert_ok(madvise(thp, THP_LEN, MADV_HUGEPAGE));
	memset(small, 1, SMALL_PAGES * PAGE);
	memset(thp, 2, THP_LEN);
	assert_ok(pvfio_ioas_alloc(s->fd, &table_ioas));
	assert_ok(pvfio_mock_device(s->fd, table_ioas, &table_mock));
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		print_message("# temporary memory limit %u bytes\n", limits[i]);
		assert_ok(pvfio_set_temp_memory_limit(s->fd, limits[i]));
		batch_round(s, table_ioas, table_mock, small,
			    SMALL_PAGES * PAGE);
		batch_round(s, table_ioas, table_mock, thp, THP_LEN);
	}
	assert_ok(pvfio_destroy(s->fd, table_mock));
	assert_ok(pvfio_destroy(s->fd, table_ioas));
	munmap(small, SMALL_PAGES * PAGE);
	munmap(thp, THP_LEN);
}

/* Sets the 2 MiB hugetlb pool to @pages. */
static void hugetlb_pool(int pages)
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "w");

	assert_non_null(f);
	fprintf(f, "%d", pages);
	assert_int_equal(fclose(f), 0);
}

/*
 * A hugetlbfs memfd mapped from an offset inside a huge page: its pages are
 * pinned only when needed, each time through a window of whole huge pages
 * (hugetlbfs maps nothing smaller): an access pin of one 4 KiB page, an RW
 * of a page nothing holds, and a page table.  (Without whole-page windows
 * every one of them failed with EFAULT.)
 */
static void test_hugetlb_file_pinned_lazily(void **state)
{
	struct pin_state *s = *state;
	uint64_t iova = BASE, unmapped;
	size_t len = 4 * MiB;
	uint32_t mock, pin;
	char *view, got[100];
	int mfd, afd;

	hugetlb_pool(4);
	mfd = memfd_create("pvfio-huge", MFD_HUGETLB);
	assert_true(mfd >= 0);
	assert_ok(ftruncate(mfd, len));
	view = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	assert_true(view != MAP_FAILED);
	memset(view, 0x5a, len);
	view[PAGE + 7] = 0x11;

	assert_ok(pvfio_map_file(s->fd, s->ioas, mfd, PAGE, 2 * MiB, &iova,
				 FIXED | RW));
	assert_int_equal(pvfio_pinned_pages(), 0);
	afd = pvfio_access_create(s->fd, s->ioas, 0, 0);
	assert_true(afd >= 0);
	assert_ok(pvfio_access_pin(afd, BASE, PAGE, 0, &pin));
	assert_int_equal(pvfio_pinned_pages(), 1);
	assert_ok(pvfio_access_rw(afd, BASE + 3, got, sizeof(got), 0));
	assert_int_equal(got[4], 0x11);
	assert_ok(pvfio_access_rw(afd, BASE + PAGE + 1, got, sizeof(got), 0));
	assert_int_equal(got[0], 0x5a);
	assert_int_equal(pvfio_pinned_pages(), 1);
	assert_ok(pvfio_access_unpin(afd, pin));
	close(afd);
	assert_int_equal(pvfio_pinned_pages(), 0);

	assert_ok(pvfio_mock_device(s->fd, s->ioas, &mock));
	assert_int_equal(pvfio_pinned_pages(), 2 * MiB / PAGE);
	assert_ok(pvfio_check_map(s->fd, mock, BASE, view + PAGE, 2 * MiB));
	assert_ok(pvfio_destroy(s->fd, mock));
	assert_int_equal(pvfio_pinned_pages(), 0);
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, &unmapped));
	assert_int_equal(unmapped, 2 * MiB);
	munmap(view, len);
	close(mfd);
	hugetlb_pool(0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, pin_setup, pin_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_map_without_table_pins_nothing),
		T(test_table_pins_and_last_detach_unpins),
		T(test_attach_efault_changes_nothing),
		T(test_one_pin_per_page),
		T(test_one_pin_per_page_access_first),
		T(test_access_pin_exact_pages),
		T(test_pin_from_other_process_user_mode),
		T(test_pin_from_other_process_mm_mode),
		T(test_limits_user_mode),
		T(test_limits_mm_mode),
		T(test_cap_ipc_lock_not_charged),
		T(test_rlimit_mode_option),
		T(test_change_process_mm_mode),
		T(test_change_process_user_mode),
		T(test_mapper_gone),
		T(test_rw_without_pin),
		T(test_byte_granular_until_attached),
		T(test_batch_boundaries),
		T(test_hugetlb_file_pinned_lazily),
	};

	if (getenv("PVFIO_TEST_FILTER"))
		cmocka_set_test_filter(getenv("PVFIO_TEST_FILTER"));
	return cmocka_run_group_tests_name("pinning", tests,
					   pvfio_group_setup_test_ops,
					   pvfio_group_teardown_test_ops) ? 1 : 0;
}
