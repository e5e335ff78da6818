// SPDX-License-Identifier: GPL-2.0
/*
 * IOAS suite on the mock path: MAP, UNMAP, COPY, IOVA_RANGES, ALLOW_IOVAS
 * and the huge-page option, checked through a mock domain that records what
 * the IOAS maps into it; every bad input leaves no trace; RLIMIT_MEMLOCK
 * accounting; and what happens across fork, exit and kill.  The IOAS of
 * every test has a mock device, so MAP pins at once (issue 8: without a
 * page table MAP pins nothing; test_pinning covers that).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "pvfio_test.h"

#define CAP_IPC_LOCK_NR 14

struct ioas_state {
	int fd;
	uint32_t ioas;
	uint32_t mock;		/* mock device on @ioas */
	char *buf;		/* 16 pages */
	uint64_t pinned0;	/* module-wide pinned pages at setup */
	long long vm_acq0, vm_rel0;
};

#define BUF_PAGES 16

static int ioas_setup(void **state)
{
	struct ioas_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->fd = pvfio_open();
	if (s->fd < 0 || pvfio_ioas_alloc(s->fd, &s->ioas) ||
	    pvfio_mock_device(s->fd, s->ioas, &s->mock))
		return -1;
	s->buf = pvfio_alloc(BUF_PAGES * PAGE, PAGE);
	if (!s->buf)
		return -1;
	s->pinned0 = pvfio_pinned_pages();
	s->vm_acq0 = pvfio_vmstat("nr_foll_pin_acquired");
	s->vm_rel0 = pvfio_vmstat("nr_foll_pin_released");
	*state = s;
	return 0;
}

static int ioas_teardown(void **state)
{
	struct ioas_state *s = *state;
	long long acq, rel;

	close(s->fd);
	munmap(s->buf, BUF_PAGES * PAGE);
	/* Whatever the test did, closing released every pin. */
	acq = pvfio_vmstat("nr_foll_pin_acquired") - s->vm_acq0;
	rel = pvfio_vmstat("nr_foll_pin_released") - s->vm_rel0;
	free(s);
	if (acq != rel || pvfio_pinned_pages() != 0) {
		fprintf(stderr, "# pins left: acquired %lld released %lld\n",
			acq, rel);
		return -1;
	}
	return 0;
}

/* Nothing more pinned than at setup: a failed call left no trace. */
static void assert_no_new_pins(struct ioas_state *s)
{
	assert_int_equal(pvfio_pinned_pages(), s->pinned0);
	assert_ok(pvfio_check_refs(s->fd, s->buf, BUF_PAGES * PAGE, false));
}

static void test_map_fixed_and_unmap(void **state)
{
	struct ioas_state *s = *state;
	uint64_t iova = 0x100000, unmapped;
	long lck0 = pvfio_vmlck_kb(), vmpin0 = pvfio_vmpin_kb();

	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, BUF_PAGES * PAGE, &iova,
			    FIXED | RW));
	assert_int_equal(iova, 0x100000);
	/* The mock domain maps each IOVA to exactly the buffer's page. */
	assert_ok(pvfio_check_map(s->fd, s->mock, iova, s->buf,
				  BUF_PAGES * PAGE));
	assert_errno(pvfio_check_map(s->fd, s->mock, iova + PAGE, s->buf,
				     PAGE), EINVAL);
	assert_errno(pvfio_check_map(s->fd, s->mock, iova - PAGE, s->buf,
				     PAGE), ENOENT);
	assert_ok(pvfio_check_refs(s->fd, s->buf, BUF_PAGES * PAGE, true));
	assert_int_equal(pvfio_pinned_pages(), s->pinned0 + BUF_PAGES);
	/* Counted in VmPin; root (CAP_IPC_LOCK) is not charged VmLck. */
	assert_int_equal(pvfio_vmpin_kb(), vmpin0 + BUF_PAGES * 4);
	assert_int_equal(pvfio_vmlck_kb(), lck0);

	assert_ok(pvfio_unmap(s->fd, s->ioas, iova, BUF_PAGES * PAGE,
			      &unmapped));
	assert_int_equal(unmapped, BUF_PAGES * PAGE);
	assert_errno(pvfio_check_map(s->fd, s->mock, iova, s->buf, PAGE),
		     ENOENT);
	assert_int_equal(pvfio_vmpin_kb(), vmpin0);
	assert_no_new_pins(s);
}

static void test_map_kernel_iova_keeps_alignment(void **state)
{
	struct ioas_state *s = *state;
	size_t len = 4 * MiB;
	char *big = pvfio_alloc(len, 2 * MiB);
	uint64_t iova = 0, iova2 = 0;

	assert_non_null(big);
	madvise(big, len, MADV_HUGEPAGE);
	memset(big, 1, len);
	assert_ok(pvfio_map(s->fd, s->ioas, big, len, &iova, RW));
	assert_int_equal(iova % (2 * MiB), 0);
	assert_ok(pvfio_check_map(s->fd, s->mock, iova, big, len));
	/* An address 4 KiB into a huge page keeps that offset. */
	assert_ok(pvfio_map(s->fd, s->ioas, big + PAGE, 2 * MiB, &iova2,
			    PVFIO_IOAS_MAP_READABLE));
	assert_int_equal(iova2 % (2 * MiB), PAGE);
	assert_true(iova2 + 2 * MiB <= iova || iova2 >= iova + len);
	assert_ok(pvfio_check_map(s->fd, s->mock, iova2, big + PAGE, 2 * MiB));
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));
	munmap(big, len);
	assert_no_new_pins(s);
}

static void test_map_bad_input(void **state)
{
	struct ioas_state *s = *state;
	uint64_t iova;
	char *ro;

	/* Zero length, no permission, unknown flags, reserved. */
	iova = 0x100000;
	assert_errno(pvfio_map(s->fd, s->ioas, s->buf, 0, &iova, FIXED | RW),
		     EINVAL);
	assert_errno(pvfio_map(s->fd, s->ioas, s->buf, PAGE, &iova, FIXED),
		     EINVAL);
	assert_errno(pvfio_map(s->fd, s->ioas, s->buf, PAGE, &iova,
			       FIXED | RW | (1u << 8)), EOPNOTSUPP);
	{
		struct pvfio_ioas_map cmd = {
			.size = sizeof(cmd), .flags = RW, .ioas_id = s->ioas,
			.__reserved = 1, .user_va = (uintptr_t)s->buf,
			.length = PAGE,
		};
		assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_MAP, &cmd),
			     EOPNOTSUPP);
	}
	/* Unaligned user address, length, IOVA. */
	assert_errno(pvfio_map(s->fd, s->ioas, s->buf + 1, PAGE, &iova,
			       FIXED | RW), EINVAL);
	assert_errno(pvfio_map(s->fd, s->ioas, s->buf, PAGE + 1, &iova,
			       FIXED | RW), EINVAL);
	iova = 0x100001;
	assert_errno(pvfio_map(s->fd, s->ioas, s->buf, PAGE, &iova,
			       FIXED | RW), EINVAL);
	/* IOVA + length and address + length overflow. */
	iova = UINT64_MAX - PAGE + 1;
	assert_errno(pvfio_map(s->fd, s->ioas, s->buf, 2 * PAGE, &iova,
			       FIXED | RW), EOVERFLOW);
	iova = 0x100000;
	assert_errno(pvfio_map(s->fd, s->ioas, (void *)(UINT64_MAX & ~(PAGE - 1)),
			       2 * PAGE, &iova, FIXED | RW), EOVERFLOW);
	/*
	 * With a page table: memory that is not mapped; read-only memory
	 * mapped for write.
	 */
	assert_errno(pvfio_map(s->fd, s->ioas, (void *)PAGE, PAGE, &iova,
			       FIXED | RW), EFAULT);
	ro = mmap(NULL, 4 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(ro != MAP_FAILED);
	assert_errno(pvfio_map(s->fd, s->ioas, ro, 4 * PAGE, &iova,
			       FIXED | RW), EFAULT);
	/* Half good, half unmapped: the good half is not left pinned. */
	munmap(ro + 2 * PAGE, 2 * PAGE);
	assert_errno(pvfio_map(s->fd, s->ioas, ro, 4 * PAGE, &iova,
			       FIXED | PVFIO_IOAS_MAP_READABLE), EFAULT);
	/* Read-only memory mapped read-only is fine. */
	assert_ok(pvfio_map(s->fd, s->ioas, ro, 2 * PAGE, &iova,
			    FIXED | PVFIO_IOAS_MAP_READABLE));
	assert_ok(pvfio_unmap(s->fd, s->ioas, iova, 2 * PAGE, NULL));
	munmap(ro, 2 * PAGE);
	/* No such IOAS, wrong object type. */
	assert_errno(pvfio_map(s->fd, 9999, s->buf, PAGE, &iova, FIXED | RW),
		     ENOENT);
	assert_errno(pvfio_map(s->fd, s->mock, s->buf, PAGE, &iova,
			       FIXED | RW), ENOENT);
	assert_no_new_pins(s);
}

static void test_map_overlap_and_cut(void **state)
{
	struct ioas_state *s = *state;
	uint64_t iova = 0x200000, unmapped;

	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, 4 * PAGE, &iova,
			    FIXED | RW));
	iova = 0x200000 + 3 * PAGE;
	assert_errno(pvfio_map(s->fd, s->ioas, s->buf + 4 * PAGE, 2 * PAGE,
			       &iova, FIXED | RW), EEXIST);
	iova = 0x200000 - PAGE;
	assert_errno(pvfio_map(s->fd, s->ioas, s->buf + 4 * PAGE, 2 * PAGE,
			       &iova, FIXED | RW), EEXIST);
	/* Adjacent is fine. */
	iova = 0x200000 + 4 * PAGE;
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf + 4 * PAGE, 2 * PAGE, &iova,
			    FIXED | RW));

	/* Cutting either mapping fails and changes nothing. */
	assert_errno(pvfio_unmap(s->fd, s->ioas, 0x200000, PAGE, NULL), ENOENT);
	assert_errno(pvfio_unmap(s->fd, s->ioas, 0x200000 + PAGE, 5 * PAGE,
				 NULL), ENOENT);
	assert_errno(pvfio_unmap(s->fd, s->ioas, 0x200000, 5 * PAGE, NULL),
		     ENOENT);
	assert_ok(pvfio_check_map(s->fd, s->mock, 0x200000, s->buf, 6 * PAGE));
	/* Nothing there, zero length, overflow. */
	assert_errno(pvfio_unmap(s->fd, s->ioas, 0x900000, PAGE, NULL), ENOENT);
	assert_errno(pvfio_unmap(s->fd, s->ioas, 0x200000, 0, NULL), EINVAL);
	assert_errno(pvfio_unmap(s->fd, s->ioas, 0x200000, UINT64_MAX, NULL),
		     EOVERFLOW);
	/* A range covering both unmaps both. */
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0x100000, 0x200000, &unmapped));
	assert_int_equal(unmapped, 6 * PAGE);
	assert_no_new_pins(s);
}

static void test_unmap_all(void **state)
{
	struct ioas_state *s = *state;
	uint64_t iova, unmapped;
	int i;

	for (i = 0; i < 4; i++) {
		iova = 0x1000000 * (i + 1);
		assert_ok(pvfio_map(s->fd, s->ioas, s->buf + i * 4 * PAGE,
				    4 * PAGE, &iova, FIXED | RW));
	}
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, &unmapped));
	assert_int_equal(unmapped, 16 * PAGE);
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, &unmapped));
	assert_int_equal(unmapped, 0);
	assert_no_new_pins(s);
}

static void test_enospc_allow_iovas(void **state)
{
	struct ioas_state *s = *state;
	struct pvfio_iova_range allow[2] = {
		{ .start = 0x10000, .last = 0x10000 + 4 * PAGE - 1 },
		{ .start = 0x80000, .last = 0x80000 + 2 * PAGE - 1 },
	};
	struct pvfio_ioas_allow_iovas cmd = {
		.size = sizeof(cmd), .ioas_id = s->ioas, .num_iovas = 2,
		.allowed_iovas = (uintptr_t)allow,
	};
	struct pvfio_iova_range out[4];
	struct pvfio_ioas_iova_ranges ranges = {
		.size = sizeof(ranges), .ioas_id = s->ioas, .num_iovas = 4,
		.allowed_iovas = (uintptr_t)out,
	};
	uint64_t iova = 0, fixed = 0x40000000;

	assert_ok(pvfio_ioctl(s->fd, PVFIO_IOAS_ALLOW_IOVAS, &cmd));
	assert_ok(pvfio_ioctl(s->fd, PVFIO_IOAS_IOVA_RANGES, &ranges));
	assert_int_equal(ranges.num_iovas, 2);
	assert_int_equal(out[0].start, 0x10000);
	assert_int_equal(out[1].last, 0x80000 + 2 * PAGE - 1);

	/* Too large for any allowed range. */
	assert_errno(pvfio_map(s->fd, s->ioas, s->buf, 8 * PAGE, &iova, RW),
		     ENOSPC);
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, 4 * PAGE, &iova, RW));
	assert_int_equal(iova, 0x10000);
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, 2 * PAGE, &iova, RW));
	assert_int_equal(iova, 0x80000);
	/* Everything taken. */
	assert_errno(pvfio_map(s->fd, s->ioas, s->buf, PAGE, &iova, RW), ENOSPC);
	/* Fixed IOVAs are not restricted. */
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, PAGE, &fixed, FIXED | RW));

	/* Bad ranges are refused; 0 ranges allows everything again. */
	allow[1].start = 0x10000 + PAGE;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_ALLOW_IOVAS, &cmd), EINVAL);
	allow[1].start = 5;
	allow[1].last = 4;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_ALLOW_IOVAS, &cmd), EINVAL);
	cmd.num_iovas = 0;
	assert_ok(pvfio_ioctl(s->fd, PVFIO_IOAS_ALLOW_IOVAS, &cmd));
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, PAGE, &iova, RW));
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));
	assert_no_new_pins(s);
}

static void test_reserved_iova(void **state)
{
	struct ioas_state *s = *state;
	struct pvfio_test_cmd res = {
		.size = sizeof(res), .op = PVFIO_TEST_OP_ADD_RESERVED,
		.id = s->ioas,
		.add_reserved = { .start = 0x300000, .length = 0x100000 },
	};
	struct pvfio_iova_range out[4];
	struct pvfio_ioas_iova_ranges ranges = {
		.size = sizeof(ranges), .ioas_id = s->ioas, .num_iovas = 4,
		.allowed_iovas = (uintptr_t)out,
	};
	uint64_t iova = 0x3ff000;

	assert_ok(pvfio_ioctl(s->fd, PVFIO_TEST, &res));
	assert_ok(pvfio_ioctl(s->fd, PVFIO_IOAS_IOVA_RANGES, &ranges));
	assert_int_equal(ranges.num_iovas, 2);
	assert_int_equal(out[0].start, 0);
	assert_int_equal(out[0].last, 0x2fffff);
	assert_int_equal(out[1].start, 0x400000);
	assert_int_equal(out[1].last, UINT64_MAX);

	assert_errno(pvfio_map(s->fd, s->ioas, s->buf, 2 * PAGE, &iova,
			       FIXED | RW), EINVAL);
	iova = 0x2ff000;
	assert_errno(pvfio_map(s->fd, s->ioas, s->buf, 2 * PAGE, &iova,
			       FIXED | RW), EINVAL);
	/* A reservation cannot go over an existing mapping. */
	iova = 0x500000;
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, PAGE, &iova, FIXED | RW));
	res.add_reserved.start = 0x500000;
	res.add_reserved.length = PAGE;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_TEST, &res), EADDRINUSE);
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));
	assert_no_new_pins(s);
}

static void test_copy_shares_pages(void **state)
{
	struct ioas_state *s = *state;
	struct pvfio_ioas_copy copy = { .size = sizeof(copy) };
	uint32_t dst, dst_mock;
	uint64_t iova = 0x100000;
	long vmpin0;

	assert_ok(pvfio_ioas_alloc(s->fd, &dst));
	assert_ok(pvfio_mock_device(s->fd, dst, &dst_mock));
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, BUF_PAGES * PAGE, &iova,
			    FIXED | RW));
	vmpin0 = pvfio_vmpin_kb();

	/* Copy the middle 8 pages: nothing is pinned or counted again. */
	copy.flags = FIXED | PVFIO_IOAS_MAP_READABLE;
	copy.dst_ioas_id = dst;
	copy.src_ioas_id = s->ioas;
	copy.src_iova = 0x100000 + 4 * PAGE;
	copy.dst_iova = 0x700000;
	copy.length = 8 * PAGE;
	assert_ok(pvfio_ioctl(s->fd, PVFIO_IOAS_COPY, &copy));
	assert_int_equal(pvfio_pinned_pages(), s->pinned0 + BUF_PAGES);
	assert_int_equal(pvfio_vmpin_kb(), vmpin0);
	assert_ok(pvfio_check_map(s->fd, dst_mock, 0x700000,
				  s->buf + 4 * PAGE, 8 * PAGE));

	/* A hole in the source, a range past its end. */
	copy.dst_iova = 0x900000;
	copy.src_iova = 0x100000 - PAGE;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_COPY, &copy), ENOENT);
	copy.src_iova = 0x100000 + 12 * PAGE;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_COPY, &copy), ENOENT);
	/* Overlap in the destination. */
	copy.src_iova = 0x100000;
	copy.dst_iova = 0x700000 + 4 * PAGE;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_COPY, &copy), EEXIST);

	/*
	 * The source goes; the copy stays mapped and pinned, and the pages
	 * only the source used are given back (issue 8).
	 */
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));
	assert_int_equal(pvfio_pinned_pages(), s->pinned0 + 8);
	assert_ok(pvfio_check_refs(s->fd, s->buf, 4 * PAGE, false));
	assert_ok(pvfio_check_refs(s->fd, s->buf + 4 * PAGE, 8 * PAGE, true));
	assert_ok(pvfio_check_map(s->fd, dst_mock, 0x700000,
				  s->buf + 4 * PAGE, 8 * PAGE));
	assert_ok(pvfio_unmap(s->fd, dst, 0x700000, 8 * PAGE, NULL));
	assert_no_new_pins(s);
	assert_int_equal(pvfio_vmpin_kb(), vmpin0 - BUF_PAGES * 4);
	assert_ok(pvfio_destroy(s->fd, dst_mock));
	assert_ok(pvfio_destroy(s->fd, dst));
}

/* COPY lengths and addresses that are not whole pages never map anything. */
static void test_copy_partial_pages(void **state)
{
	struct ioas_state *s = *state;
	struct pvfio_ioas_copy copy = {
		.size = sizeof(copy), .flags = FIXED | PVFIO_IOAS_MAP_READABLE,
		.dst_ioas_id = s->ioas, .src_ioas_id = s->ioas,
		.src_iova = 0x100000, .dst_iova = 0,
	};
	uint64_t iova = 0x100000, unmapped;
	static const uint64_t lens[] = { 1, PAGE - 1, PAGE + 1, 2 * PAGE - 1 };
	size_t i;

	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, 2 * PAGE, &iova,
			    FIXED | RW));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		copy.length = lens[i];
		assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_COPY, &copy), EINVAL);
	}
	copy.length = PAGE;
	copy.src_iova = 0x100000 + 1;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_COPY, &copy), EINVAL);
	/* Only the original mapping exists. */
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, &unmapped));
	assert_int_equal(unmapped, 2 * PAGE);
	assert_no_new_pins(s);
}

/* Unmap-all reaches a mapping on the very last page of the space. */
static void test_unmap_all_top_page(void **state)
{
	struct ioas_state *s = *state;
	uint64_t top = UINT64_MAX - PAGE + 1, low = 0x100000, unmapped;

	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, PAGE, &top, FIXED | RW));
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf + PAGE, PAGE, &low,
			    FIXED | RW));
	assert_ok(pvfio_check_map(s->fd, s->mock, top, s->buf, PAGE));
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, &unmapped));
	assert_int_equal(unmapped, 2 * PAGE);
	assert_errno(pvfio_check_map(s->fd, s->mock, top, s->buf, PAGE), ENOENT);
	assert_no_new_pins(s);
}

/*
 * An absurd length fails cleanly with a page table (ENOMEM for its size,
 * or EFAULT at the first page that is not there): no allocation warning,
 * nothing pinned.  Without a page table it is only recorded.
 */
static void test_map_absurd_length(void **state)
{
	struct ioas_state *s = *state;
	uint64_t iova = 0, unmapped;
	uint32_t ioas2;
	int ret;

	ret = pvfio_map(s->fd, s->ioas, s->buf, 1ULL << 40, &iova, RW);
	assert_true(ret == -ENOMEM || ret == -EFAULT);
	assert_no_new_pins(s);
	assert_ok(pvfio_ioas_alloc(s->fd, &ioas2));
	assert_ok(pvfio_map(s->fd, ioas2, s->buf, 1ULL << 40, &iova, RW));
	assert_ok(pvfio_unmap(s->fd, ioas2, 0, UINT64_MAX, &unmapped));
	assert_int_equal(unmapped, 1ULL << 40);
	assert_ok(pvfio_destroy(s->fd, ioas2));
	assert_no_new_pins(s);
}

static void test_copy_write_of_read_only(void **state)
{
	struct ioas_state *s = *state;
	struct pvfio_ioas_copy copy = {
		.size = sizeof(copy), .flags = FIXED | RW,
		.dst_ioas_id = s->ioas, .src_ioas_id = s->ioas,
		.src_iova = 0x100000, .dst_iova = 0x800000, .length = PAGE,
	};
	uint64_t iova = 0x100000;

	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, PAGE, &iova,
			    FIXED | PVFIO_IOAS_MAP_READABLE));
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_COPY, &copy), EPERM);
	copy.flags = FIXED | PVFIO_IOAS_MAP_READABLE;
	assert_ok(pvfio_ioctl(s->fd, PVFIO_IOAS_COPY, &copy));
	assert_ok(pvfio_check_map(s->fd, s->mock, 0x800000, s->buf, PAGE));
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));
	assert_no_new_pins(s);
}

static void test_domain_filled_on_attach(void **state)
{
	struct ioas_state *s = *state;
	uint64_t iova = 0x100000;
	uint32_t late;

	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, BUF_PAGES * PAGE, &iova,
			    FIXED | RW));
	/* A domain added later is filled from the pages already pinned. */
	assert_ok(pvfio_mock_device(s->fd, s->ioas, &late));
	assert_int_equal(pvfio_pinned_pages(), s->pinned0 + BUF_PAGES);
	assert_ok(pvfio_check_map(s->fd, late, iova, s->buf,
				  BUF_PAGES * PAGE));
	assert_ok(pvfio_destroy(s->fd, late));
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));
	assert_no_new_pins(s);
}

static void test_huge_pages_option(void **state)
{
	struct ioas_state *s = *state;
	struct pvfio_option opt = {
		.size = sizeof(opt), .option_id = PVFIO_OPTION_HUGE_PAGES,
		.op = PVFIO_OPTION_OP_GET, .object_id = s->ioas,
	};
	uint32_t ioas2, mock2;
	uint64_t iova = 0x100000;

	assert_ok(pvfio_ioctl(s->fd, PVFIO_OPTION, &opt));
	assert_int_equal(opt.val64, 1);
	/* Not while a domain holds mappings (iommufd's rule). */
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, PAGE, &iova, FIXED | RW));
	opt.op = PVFIO_OPTION_OP_SET;
	opt.val64 = 0;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_OPTION, &opt), EINVAL);
	assert_ok(pvfio_unmap(s->fd, s->ioas, iova, PAGE, NULL));
	opt.val64 = 2;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_OPTION, &opt), EINVAL);
	opt.option_id = 77;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_OPTION, &opt), EOPNOTSUPP);

	assert_ok(pvfio_ioas_alloc(s->fd, &ioas2));
	opt.option_id = PVFIO_OPTION_HUGE_PAGES;
	opt.object_id = ioas2;
	opt.val64 = 0;
	assert_ok(pvfio_ioctl(s->fd, PVFIO_OPTION, &opt));
	opt.op = PVFIO_OPTION_OP_GET;
	opt.val64 = 7;
	assert_ok(pvfio_ioctl(s->fd, PVFIO_OPTION, &opt));
	assert_int_equal(opt.val64, 0);
	/* Page-by-page mapping translates the same. */
	assert_ok(pvfio_map(s->fd, ioas2, s->buf, BUF_PAGES * PAGE, &iova,
			    FIXED | RW));
	assert_ok(pvfio_mock_device(s->fd, ioas2, &mock2));
	assert_ok(pvfio_check_map(s->fd, mock2, iova, s->buf,
				  BUF_PAGES * PAGE));
	assert_ok(pvfio_destroy(s->fd, mock2));
	assert_ok(pvfio_destroy(s->fd, ioas2));
	assert_no_new_pins(s);
}

/* MAP_FILE pins the memfd's own pages, mapped by the caller or not. */
static void test_map_file_memfd(void **state)
{
	struct ioas_state *s = *state;
	int mfd = memfd_create("pvfio-test", 0), ro;
	uint64_t iova = 0x400000, unmapped;
	long vmpin0 = pvfio_vmpin_kb();
	char *view, path[64];

	assert_true(mfd >= 0);
	assert_ok(ftruncate(mfd, 16 * PAGE));
	assert_ok(pvfio_map_file(s->fd, s->ioas, mfd, 4 * PAGE, 8 * PAGE, &iova,
			   FIXED | RW));
	assert_int_equal(pvfio_pinned_pages(), s->pinned0 + 8);
	assert_int_equal(pvfio_vmpin_kb(), vmpin0 + 8 * 4);
	/* The IOAS maps exactly the pages a shared mapping of the file sees. */
	view = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	assert_true(view != MAP_FAILED);
	assert_ok(pvfio_check_map(s->fd, s->mock, iova, view + 4 * PAGE,
				  8 * PAGE));
	assert_ok(pvfio_check_refs(s->fd, view + 4 * PAGE, 8 * PAGE, true));
	assert_ok(pvfio_check_refs(s->fd, view, 4 * PAGE, false));
	/* A kernel-chosen IOVA keeps the file offset within huge pages. */
	iova = 0;
	assert_ok(pvfio_map_file(s->fd, s->ioas, mfd, 13 * PAGE, 2 * PAGE, &iova,
			   PVFIO_IOAS_MAP_READABLE));
	assert_int_equal(iova % (2 * PAGE), PAGE);

	/* Bad fd, unaligned offset, past the end, write to a read-only fd. */
	iova = 0x900000;
	assert_errno(pvfio_map_file(s->fd, s->ioas, 999, 0, PAGE, &iova, FIXED | RW),
		     EBADF);
	assert_errno(pvfio_map_file(s->fd, s->ioas, mfd, 100, PAGE, &iova,
			      FIXED | RW), EINVAL);
	assert_errno(pvfio_map_file(s->fd, s->ioas, mfd, 12 * PAGE, 8 * PAGE, &iova,
			      FIXED | RW), EINVAL);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	ro = open(path, O_RDONLY);
	assert_true(ro >= 0);
	assert_errno(pvfio_map_file(s->fd, s->ioas, ro, 0, PAGE, &iova, FIXED | RW),
		     EACCES);
	assert_ok(pvfio_map_file(s->fd, s->ioas, ro, 0, PAGE, &iova,
			   FIXED | PVFIO_IOAS_MAP_READABLE));
	close(ro);

	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, &unmapped));
	assert_int_equal(unmapped, 11 * PAGE);
	munmap(view, 16 * PAGE);
	close(mfd);
	assert_int_equal(pvfio_vmpin_kb(), vmpin0);
	assert_no_new_pins(s);
}

/*
 * A process without privileges holding the fd (uid 65534, a small
 * RLIMIT_MEMLOCK) COPYs an IOAS onto itself at doubling ranges until one
 * COPY takes more than 2^17 mappings: nothing is pinned or charged beyond
 * the one page, and no allocation sized by the number of mappings may WARN
 * (a panic under panic_on_warn) or fail while memory is plentiful.
 */
#define COPY_DOUBLINGS 17

static int copy_range(int fd, uint32_t ioas, uint64_t src, uint64_t len,
		      uint64_t dst)
{
	struct pvfio_ioas_copy copy = {
		.size = sizeof(copy), .flags = FIXED | RW,
		.dst_ioas_id = ioas, .src_ioas_id = ioas,
		.src_iova = src, .dst_iova = dst, .length = len,
	};

	return pvfio_ioctl(fd, PVFIO_IOAS_COPY, &copy);
}

static void test_copy_doubling_unprivileged(void **state)
{
	struct ioas_state *s = *state;
	pid_t pid;
	int status;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 16 * PAGE, 16 * PAGE };
		uint64_t iova = 0, unmapped, n;
		uint32_t ioas;
		int k;

		if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgroups(0, NULL) ||
		    setgid(65534) || setuid(65534) || geteuid() != 65534)
			_exit(10);
		if (pvfio_ioas_alloc(s->fd, &ioas))
			_exit(11);
		if (pvfio_map(s->fd, ioas, s->buf, PAGE, &iova, FIXED | RW))
			_exit(12);
		/* [0, 2^k pages) holds 2^k one-page mappings; copy it after. */
		for (k = 0; k < COPY_DOUBLINGS; k++)
			if (copy_range(s->fd, ioas, 0, PAGE << k, PAGE << k))
				_exit(20 + k);
		/* One more, then a single COPY of 2^17 + 1 mappings. */
		n = 1UL << COPY_DOUBLINGS;
		if (copy_range(s->fd, ioas, 0, PAGE, n * PAGE))
			_exit(13);
		if (copy_range(s->fd, ioas, 0, (n + 1) * PAGE, (n + 1) * PAGE))
			_exit(14);
		if (pvfio_unmap(s->fd, ioas, 0, UINT64_MAX, &unmapped) ||
		    unmapped != 2 * (n + 1) * PAGE)
			_exit(15);
		if (pvfio_destroy(s->fd, ioas))
			_exit(16);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_no_new_pins(s);
}

/* Sum of /proc/meminfo fields, in KiB. */
static long meminfo_kb(const char *field)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	size_t n = strlen(field);
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define HUGE_LEN (1ULL << 38)
#define HUGE_THREADS 4
#define HUGE_ROUNDS 4

struct huge_map_arg {
	int fd;
	uint32_t ioas;
	void *va;
	int bad;		/* calls that did not fail with EFAULT */
	double slowest;		/* seconds */
};

static volatile int huge_sampling;
static long huge_vmalloc_peak, huge_avail_low;

static void *huge_sampler(void *unused)
{
	(void)unused;
	while (huge_sampling) {
		long v = meminfo_kb("VmallocUsed"), a = meminfo_kb("MemAvailable");

		if (v > huge_vmalloc_peak)
			huge_vmalloc_peak = v;
		if (a >= 0 && a < huge_avail_low)
			huge_avail_low = a;
		usleep(1000);
	}
	return NULL;
}

static void *huge_mapper(void *p)
{
	struct huge_map_arg *a = p;
	int i;

	for (i = 0; i < HUGE_ROUNDS; i++) {
		uint64_t iova = 0;
		double t = now_s();

		if (pvfio_map(a->fd, a->ioas, a->va, HUGE_LEN, &iova, RW) !=
		    -EFAULT)
			a->bad++;
		t = now_s() - t;
		if (t > a->slowest)
			a->slowest = t;
	}
	return NULL;
}

/*
 * MAP of 2^38 bytes of address space with no memory behind it, by root
 * (CAP_IPC_LOCK: no limit applies), from several threads at once in a
 * 1 GiB guest: EFAULT at once, with nothing proportional to the length
 * allocated on the way (that would be 512 MiB of page pointers per call).
 * A huge range whose first pages are memory unpins them again.
 */
static void test_map_huge_unmapped_range(void **state)
{
	struct ioas_state *s = *state;
	struct huge_map_arg args[HUGE_THREADS];
	pthread_t th[HUGE_THREADS], sampler;
	long vmalloc0 = meminfo_kb("VmallocUsed");
	long avail0 = meminfo_kb("MemAvailable");
	uint64_t iova = 0;
	char *va;
	int i;

	assert_true(vmalloc0 >= 0 && avail0 > 0);
	va = mmap(NULL, HUGE_LEN, PROT_NONE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(va != MAP_FAILED);

	huge_vmalloc_peak = vmalloc0;
	huge_avail_low = avail0;
	huge_sampling = 1;
	assert_ok(pthread_create(&sampler, NULL, huge_sampler, NULL));
	for (i = 0; i < HUGE_THREADS; i++) {
		args[i] = (struct huge_map_arg){ .fd = s->fd, .ioas = s->ioas,
						 .va = va };
		assert_ok(pthread_create(&th[i], NULL, huge_mapper, &args[i]));
	}
	for (i = 0; i < HUGE_THREADS; i++)
		assert_ok(pthread_join(th[i], NULL));
	huge_sampling = 0;
	assert_ok(pthread_join(sampler, NULL));

	fprintf(stderr, "# 2^38 MAP: VmallocUsed +%ld KiB, MemAvailable -%ld KiB",
		huge_vmalloc_peak - vmalloc0, avail0 - huge_avail_low);
	for (i = 0; i < HUGE_THREADS; i++) {
		fprintf(stderr, ", %.3fs", args[i].slowest);
		assert_int_equal(args[i].bad, 0);
		assert_true(args[i].slowest < 2.0);
	}
	fprintf(stderr, "\n");
	assert_true(huge_vmalloc_peak - vmalloc0 < 16 * 1024);
	assert_true(avail0 - huge_avail_low < 64 * 1024);

	/* Memory at the start of the range: pinned, then released. */
	assert_true(mmap(va, 16 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == va);
	memset(va, 1, 16 * PAGE);
	assert_errno(pvfio_map(s->fd, s->ioas, va, HUGE_LEN, &iova, RW),
		     EFAULT);
	assert_ok(pvfio_check_refs(s->fd, va, 16 * PAGE, false));
	assert_no_new_pins(s);

	/*
	 * Without a page table the same MAP is recorded (at once, as cheap
	 * as 4 KiB); a page table attached later fails with EFAULT the same
	 * way, changing nothing.
	 */
	{
		uint64_t objects = pvfio_nr_objects(), unmapped;
		uint32_t ioas2, mock2;
		double t;

		assert_ok(pvfio_ioas_alloc(s->fd, &ioas2));
		t = now_s();
		assert_ok(pvfio_map(s->fd, ioas2, va, HUGE_LEN, &iova, RW));
		fprintf(stderr, "# 2^38 MAP without a page table: %.3fs\n",
			now_s() - t);
		assert_errno(pvfio_mock_device(s->fd, ioas2, &mock2), EFAULT);
		assert_int_equal(pvfio_nr_objects(), objects + 1);
		assert_ok(pvfio_check_refs(s->fd, va, 16 * PAGE, false));
		assert_no_new_pins(s);
		assert_ok(pvfio_unmap(s->fd, ioas2, 0, UINT64_MAX, &unmapped));
		assert_int_equal(unmapped, HUGE_LEN);
		assert_ok(pvfio_destroy(s->fd, ioas2));
	}
	munmap(va, HUGE_LEN);
}

/* A fresh filesystem of @type mounted on a new directory under /tmp. */
static char *mount_fs(const char *type)
{
	char *dir = strdup("/tmp/pvfio-fs.XXXXXX");

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	assert_ok(mount("pvfio-test", dir, type, 0, NULL));
	return dir;
}

static void umount_fs(char *dir)
{
	assert_ok(umount(dir));
	assert_ok(rmdir(dir));
	free(dir);
}

/* A file of @len bytes of 0x5a in @dir. */
static int make_file(const char *dir, size_t len)
{
	char path[64], *data = malloc(len);
	int fd;

	assert_non_null(data);
	memset(data, 0x5a, len);
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	free(data);
	return fd;
}

/*
 * MAP_FILE takes long-term pins only on memory files, as iommufd does:
 * memfd, shmem (tmpfs) and hugetlbfs.  The page cache of any other
 * filesystem (here ramfs, which the initramfs root may be) and files of
 * /proc are refused with EINVAL, whatever the access, pinning nothing; a
 * tmpfs file works.
 */
static void test_map_file_only_memory_files(void **state)
{
	struct ioas_state *s = *state;
	uint64_t iova = 0x400000, unmapped;
	char *ramfs, *tmpfs, *view;
	int fd, proc;

	ramfs = mount_fs("ramfs");
	fd = make_file(ramfs, 4 * PAGE);
	assert_errno(pvfio_map_file(s->fd, s->ioas, fd, 0, 4 * PAGE, &iova,
			      FIXED | RW), EINVAL);
	assert_errno(pvfio_map_file(s->fd, s->ioas, fd, 0, PAGE, &iova,
			      FIXED | PVFIO_IOAS_MAP_READABLE), EINVAL);
	close(fd);
	umount_fs(ramfs);
	proc = open("/proc/self/status", O_RDONLY);
	assert_true(proc >= 0);
	assert_errno(pvfio_map_file(s->fd, s->ioas, proc, 0, PAGE, &iova,
			      FIXED | PVFIO_IOAS_MAP_READABLE), EINVAL);
	close(proc);
	assert_no_new_pins(s);

	tmpfs = mount_fs("tmpfs");
	fd = make_file(tmpfs, 4 * PAGE);
	assert_ok(pvfio_map_file(s->fd, s->ioas, fd, 0, 4 * PAGE, &iova,
			   FIXED | RW));
	view = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(view != MAP_FAILED);
	assert_ok(pvfio_check_map(s->fd, s->mock, iova, view, 4 * PAGE));
	assert_int_equal(pvfio_pinned_pages(), s->pinned0 + 4);
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, &unmapped));
	assert_int_equal(unmapped, 4 * PAGE);
	munmap(view, 4 * PAGE);
	close(fd);
	umount_fs(tmpfs);
	assert_no_new_pins(s);
}

/*
 * One map call per physically contiguous run: two hugetlbfs pages take at
 * most two calls; with huge pages off, one call per 4 KiB page.
 */
static void test_contiguous_runs_one_call(void **state)
{
	struct ioas_state *s = *state;
	size_t len = 4 * MiB;
	uint64_t iova = 0x4000000, calls;
	uint32_t ioas2, mock2;
	struct pvfio_option opt = {
		.size = sizeof(opt), .option_id = PVFIO_OPTION_HUGE_PAGES,
		.op = PVFIO_OPTION_OP_SET,
	};
	char *big = pvfio_alloc_hugetlb(len);

	assert_non_null(big);
	memset(big, 1, len);

	calls = pvfio_mock_map_calls(s->fd, s->mock);
	assert_ok(pvfio_map(s->fd, s->ioas, big, len, &iova, FIXED | RW));
	assert_in_range(pvfio_mock_map_calls(s->fd, s->mock) - calls, 1, 2);
	assert_ok(pvfio_check_map(s->fd, s->mock, iova, big, len));
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));

	assert_ok(pvfio_ioas_alloc(s->fd, &ioas2));
	opt.object_id = ioas2;
	assert_ok(pvfio_ioctl(s->fd, PVFIO_OPTION, &opt));
	assert_ok(pvfio_mock_device(s->fd, ioas2, &mock2));
	calls = pvfio_mock_map_calls(s->fd, mock2);
	assert_ok(pvfio_map(s->fd, ioas2, big, len, &iova, FIXED | RW));
	assert_int_equal(pvfio_mock_map_calls(s->fd, mock2) - calls,
			 len / PAGE);
	assert_ok(pvfio_check_map(s->fd, mock2, iova, big, len));
	assert_ok(pvfio_destroy(s->fd, mock2));
	assert_ok(pvfio_destroy(s->fd, ioas2));
	munmap(big, len);
	assert_no_new_pins(s);
}

/*
 * Over RLIMIT_MEMLOCK without CAP_IPC_LOCK: ENOMEM, nothing left.  The
 * charge goes to the user's locked_vm (the default mode), which may hold
 * other pages of root's already: the limit is 8 pages above those.
 */
static void test_memlock_limit(void **state)
{
	struct ioas_state *s = *state;
	pid_t pid;
	int status;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint64_t iova = 0x100000, user0 = pvfio_user_locked_vm(s->fd);
		struct rlimit rl = { (user0 + 8) * PAGE, (user0 + 8) * PAGE };
		int ret;

		if (pvfio_drop_cap(CAP_IPC_LOCK_NR) || setrlimit(RLIMIT_MEMLOCK, &rl))
			_exit(10);
		ret = pvfio_map(s->fd, s->ioas, s->buf, 16 * PAGE, &iova,
				FIXED | RW);
		if (ret != -ENOMEM)
			_exit(11);
		if (pvfio_user_locked_vm(s->fd) != user0 ||
		    pvfio_check_refs(s->fd, s->buf, 16 * PAGE, false))
			_exit(12);
		/* Within the limit it works, and a second map goes over. */
		if (pvfio_map(s->fd, s->ioas, s->buf, 8 * PAGE, &iova,
			      FIXED | RW) ||
		    pvfio_user_locked_vm(s->fd) != user0 + 8)
			_exit(13);
		iova = 0x200000;
		if (pvfio_map(s->fd, s->ioas, s->buf + 8 * PAGE, PAGE, &iova,
			      FIXED | RW) != -ENOMEM)
			_exit(14);
		if (pvfio_unmap(s->fd, s->ioas, 0x100000, 8 * PAGE, NULL))
			_exit(15);
		if (pvfio_user_locked_vm(s->fd) != user0)
			_exit(16);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_no_new_pins(s);
}

/*
 * The test memory limit applies even with CAP_IPC_LOCK, over what the
 * user's locked_vm holds already (the default mode).
 */
static void test_memlimit_override(void **state)
{
	struct ioas_state *s = *state;
	uint64_t iova = 0x100000, user0 = pvfio_user_locked_vm(s->fd);

	assert_ok(pvfio_set_memlimit(s->fd, 4));
	assert_ok(pvfio_set_memlimit(s->fd, user0 + 4));
	assert_errno(pvfio_map(s->fd, s->ioas, s->buf, 5 * PAGE, &iova,
			       FIXED | RW), ENOMEM);
	assert_no_new_pins(s);
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, 4 * PAGE, &iova,
			    FIXED | RW));
	assert_int_equal(pvfio_user_locked_vm(s->fd), user0 + 4);
	assert_ok(pvfio_set_memlimit(s->fd, 0));
	iova = 0x200000;
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, 5 * PAGE, &iova,
			    FIXED | RW));
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, NULL));
	assert_int_equal(pvfio_user_locked_vm(s->fd), user0);
	assert_no_new_pins(s);
}

/* A child after fork maps and unmaps through the parent's fd. */
static void test_fork_child_uses_fd(void **state)
{
	struct ioas_state *s = *state;
	pid_t pid;
	int status;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint64_t iova = 0x100000;

		/* The child's copy-on-write pages are pinned, not the parent's. */
		s->buf[0] = 42;
		if (pvfio_map(s->fd, s->ioas, s->buf, 4 * PAGE, &iova,
			      FIXED | RW))
			_exit(1);
		if (pvfio_check_map(s->fd, s->mock, iova, s->buf, 4 * PAGE))
			_exit(2);
		if (pvfio_unmap(s->fd, s->ioas, iova, 4 * PAGE, NULL))
			_exit(3);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_no_new_pins(s);
}

/*
 * The mapping process exits while another holds the fd: its pins (taken at
 * MAP, the IOAS having a page table) stay valid and mapped until the
 * survivor unmaps, and the count returns to the dead mm, never to the
 * unmapper.
 */
static void test_mapper_exits(void **state)
{
	struct ioas_state *s = *state;
	long vmpin0 = pvfio_vmpin_kb();
	uint64_t unmapped;
	pid_t pid;
	int status;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *mem = pvfio_alloc(8 * PAGE, PAGE);
		uint64_t iova = 0x100000;

		if (!mem || pvfio_map(s->fd, s->ioas, mem, 8 * PAGE, &iova,
				      FIXED | RW))
			_exit(1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(pvfio_pinned_pages(), s->pinned0 + 8);
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, &unmapped));
	assert_int_equal(unmapped, 8 * PAGE);
	assert_int_equal(pvfio_vmpin_kb(), vmpin0);
	assert_no_new_pins(s);
}

/* A process killed with everything mapped and attached releases it all. */
static void test_killed_process(void **state)
{
	struct ioas_state *s = *state;
	long long acq0 = pvfio_vmstat("nr_foll_pin_acquired");
	long long rel0 = pvfio_vmstat("nr_foll_pin_released");
	int ready[2];
	pid_t pid;
	char c;

	assert_ok(pipe(ready));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *mem = pvfio_alloc(64 * PAGE, PAGE);
		uint32_t ioas, mock, ioas2;
		uint64_t iova = 0;
		int fd = pvfio_open();

		close(s->fd);
		if (fd < 0 || !mem || pvfio_ioas_alloc(fd, &ioas) ||
		    pvfio_ioas_alloc(fd, &ioas2) ||
		    pvfio_mock_device(fd, ioas, &mock) ||
		    pvfio_map(fd, ioas, mem, 64 * PAGE, &iova, RW))
			_exit(1);
		{
			struct pvfio_ioas_copy copy = {
				.size = sizeof(copy),
				.flags = PVFIO_IOAS_MAP_READABLE,
				.dst_ioas_id = ioas2, .src_ioas_id = ioas,
				.src_iova = iova, .length = 64 * PAGE,
			};
			if (pvfio_ioctl(fd, PVFIO_IOAS_COPY, &copy))
				_exit(2);
		}
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	assert_int_equal(pvfio_pinned_pages(), s->pinned0 + 64);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(pvfio_pinned_pages(), s->pinned0);
	assert_int_equal(pvfio_vmstat("nr_foll_pin_acquired") - acq0,
			 pvfio_vmstat("nr_foll_pin_released") - rel0);
	assert_no_new_pins(s);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, ioas_setup, ioas_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_map_fixed_and_unmap),
		T(test_map_kernel_iova_keeps_alignment),
		T(test_map_bad_input),
		T(test_map_overlap_and_cut),
		T(test_unmap_all),
		T(test_enospc_allow_iovas),
		T(test_reserved_iova),
		T(test_copy_shares_pages),
		T(test_copy_write_of_read_only),
		T(test_copy_partial_pages),
		T(test_copy_doubling_unprivileged),
		T(test_unmap_all_top_page),
		T(test_map_absurd_length),
		T(test_map_huge_unmapped_range),
		T(test_domain_filled_on_attach),
		T(test_huge_pages_option),
		T(test_map_file_memfd),
		T(test_map_file_only_memory_files),
		T(test_contiguous_runs_one_call),
		T(test_memlock_limit),
		T(test_memlimit_override),
		T(test_fork_child_uses_fd),
		T(test_mapper_exits),
		T(test_killed_process),
	};

	/* PVFIO_TEST_FILTER=<glob> runs only the tests it matches. */
	if (getenv("PVFIO_TEST_FILTER"))
		cmocka_set_test_filter(getenv("PVFIO_TEST_FILTER"));
	return cmocka_run_group_tests_name("ioas", tests,
					   pvfio_group_setup_test_ops,
					   pvfio_group_teardown_test_ops) ? 1 : 0;
}
