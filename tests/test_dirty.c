// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty tracking of an IOAS on /dev/pvfio: exact bits for what accesses
 * write (RW, and pins for write from pin to unpin), none for read pins or
 * untouched pages, VFIO type1's pessimistic report (named as such) while a
 * page table without dirty bits maps a range writeable, with the real edu
 * device's IOMMU and with mock devices, state that survives detach and
 * replace, UNMAP with a bitmap, clear and no-clear reads, page sizes from
 * 4 KiB to 1 GiB, a 1 TiB range in bounded memory, no bit lost when an
 * allocation or the bitmap's copy fails, and a pin/read race.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "edu.h"
#include "pvfio_test.h"
#include "../uapi/pvfio_iommufd.h"

/* IOVAs: inside edu's 28 bits, clear of MSI windows. */
#define BASE 0x1000000UL
#define NPAGES 64

static struct edu edu;

struct dstate {
	int fd;
	uint32_t ioas;
	char *buf;		/* NPAGES pages mapped RW at BASE */
	uint64_t bits[NPAGES / 64 + 1];
};

static int group_setup(void **state)
{
	int ret;

	(void)state;
	if (pvfio_fixture_load("enable_test_ops=1"))
		return -1;
	ret = edu_open(&edu);
	if (ret) {
		fprintf(stderr, "# edu: %s\n", strerror(-ret));
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	edu_close(&edu);
	return pvfio_fixture_unload(true);
}

static int set_tracking(int fd, uint32_t ioas, bool on)
{
	struct pvfio_ioas_set_dirty_tracking cmd = {
		.size = sizeof(cmd), .ioas_id = ioas,
		.flags = on ? PVFIO_DIRTY_TRACKING_ENABLE : 0,
	};

	return pvfio_ioctl(fd, PVFIO_IOAS_SET_DIRTY_TRACKING, &cmd);
}

/* GET_DIRTY_BITMAP into @bits (zeroed first unless @keep_bits). */
static int get_bitmap_ranges(int fd, uint32_t ioas, uint64_t iova,
			     uint64_t len, uint64_t page_size, uint64_t *bits,
			     bool no_clear, struct pvfio_iova_range *ranges,
			     uint32_t *num)
{
	struct pvfio_ioas_get_dirty_bitmap cmd = {
		.size = sizeof(cmd), .ioas_id = ioas,
		.flags = no_clear ? PVFIO_DIRTY_BITMAP_NO_CLEAR : 0,
		.iova = iova, .length = len, .page_size = page_size,
		.data = (uintptr_t)bits,
		.pessimistic = (uintptr_t)ranges,
		.num_pessimistic = num ? *num : 0,
	};
	int ret = pvfio_ioctl(fd, PVFIO_IOAS_GET_DIRTY_BITMAP, &cmd);

	if (!ret && num)
		*num = cmd.num_pessimistic;
	return ret;
}

/* Read [BASE, BASE + NPAGES pages) at 4 KiB into s->bits. */
static int read_bits(struct dstate *s, bool no_clear)
{
	memset(s->bits, 0, sizeof(s->bits));
	return get_bitmap_ranges(s->fd, s->ioas, BASE, NPAGES * PAGE, PAGE,
				 s->bits, no_clear, NULL, NULL);
}

static bool bit(const uint64_t *bits, unsigned int n)
{
	return bits[n / 64] >> (n % 64) & 1;
}

/* Assert that exactly the pages in @want (terminated by -1) are dirty. */
static void assert_exactly(struct dstate *s, const int *want)
{
	bool expect[NPAGES] = { false };
	unsigned int i;

	for (; *want >= 0; want++)
		expect[*want] = true;
	for (i = 0; i < NPAGES; i++)
		if (bit(s->bits, i) != expect[i]) {
			fprintf(stderr, "# page %u: dirty %d, expected %d\n", i,
				bit(s->bits, i), expect[i]);
			fail();
		}
}

#define EXACTLY(s, ...) assert_exactly(s, (const int[]){ __VA_ARGS__, -1 })
#define NONE(s) assert_exactly(s, (const int[]){ -1 })

static int dstate_setup(void **state)
{
	struct dstate *s = calloc(1, sizeof(*s));
	uint64_t iova = BASE;

	if (!s)
		return -1;
	s->fd = pvfio_open();
	if (s->fd < 0 || pvfio_ioas_alloc(s->fd, &s->ioas))
		return -1;
	s->buf = pvfio_alloc(NPAGES * PAGE, PAGE);
	if (!s->buf)
		return -1;
	memset(s->buf, 0x5a, NPAGES * PAGE);
	if (pvfio_map(s->fd, s->ioas, s->buf, NPAGES * PAGE, &iova,
		      FIXED | RW))
		return -1;
	*state = s;
	return 0;
}

static int dstate_teardown(void **state)
{
	struct dstate *s = *state;

	close(s->fd);
	munmap(s->buf, NPAGES * PAGE);
	free(s);
	return pvfio_pinned_pages() || pvfio_access_pins() ? -1 : 0;
}

static void rw_write(int afd, uint64_t iova, size_t len)
{
	char data[3 * PAGE];

	assert_true(len <= sizeof(data));
	memset(data, 0xc3, len);
	assert_ok(pvfio_access_rw(afd, iova, data, len, true));
}

static void test_errors(void **state)
{
	struct dstate *s = *state;
	struct pvfio_ioas_set_dirty_tracking st = {
		.size = sizeof(st), .ioas_id = s->ioas,
	};
	struct pvfio_ioas_unmap um = {
		.size = sizeof(um), .ioas_id = s->ioas, .iova = BASE,
		.length = PAGE, .flags = PVFIO_IOAS_UNMAP_DIRTY_BITMAP,
		.page_size = PAGE, .dirty_bitmap = (uintptr_t)s->bits,
	};
	uint64_t unmapped;

	/* Not tracking: no bitmap to read, no bitmap to unmap with. */
	assert_errno(read_bits(s, false), EINVAL);
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_UNMAP, &um), EINVAL);
	st.flags = 2;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_SET_DIRTY_TRACKING, &st),
		     EOPNOTSUPP);
	st.flags = PVFIO_DIRTY_TRACKING_ENABLE;
	st.__reserved = 1;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_SET_DIRTY_TRACKING, &st),
		     EOPNOTSUPP);
	assert_errno(set_tracking(s->fd, 9999, true), ENOENT);
	assert_ok(set_tracking(s->fd, s->ioas, true));

	/* Page sizes: powers of two from a page up. */
	assert_errno(get_bitmap_ranges(s->fd, s->ioas, BASE, PAGE, 0, s->bits,
				       false, NULL, NULL), EINVAL);
	assert_errno(get_bitmap_ranges(s->fd, s->ioas, BASE, 3 * PAGE,
				       3 * PAGE, s->bits, false, NULL, NULL),
		     EINVAL);
	assert_errno(get_bitmap_ranges(s->fd, s->ioas, BASE, PAGE, PAGE / 2,
				       s->bits, false, NULL, NULL), EINVAL);
	/* Ranges: non-empty, aligned to the page size, inside 64 bits. */
	assert_errno(get_bitmap_ranges(s->fd, s->ioas, BASE, 0, PAGE, s->bits,
				       false, NULL, NULL), EINVAL);
	assert_errno(get_bitmap_ranges(s->fd, s->ioas, BASE + 512, PAGE, PAGE,
				       s->bits, false, NULL, NULL), EINVAL);
	assert_errno(get_bitmap_ranges(s->fd, s->ioas, BASE, PAGE + 1, PAGE,
				       s->bits, false, NULL, NULL), EINVAL);
	assert_errno(get_bitmap_ranges(s->fd, s->ioas, BASE + PAGE, 2 * MiB,
				       2 * MiB, s->bits, false, NULL, NULL),
		     EINVAL);
	assert_errno(get_bitmap_ranges(s->fd, s->ioas, UINT64_MAX - PAGE + 1,
				       2 * PAGE, PAGE, s->bits, false, NULL,
				       NULL), EOVERFLOW);
	assert_errno(get_bitmap_ranges(s->fd, 9999, BASE, PAGE, PAGE, s->bits,
				       false, NULL, NULL), ENOENT);
	{
		struct pvfio_ioas_get_dirty_bitmap cmd = {
			.size = sizeof(cmd), .ioas_id = s->ioas, .flags = 2,
			.iova = BASE, .length = PAGE, .page_size = PAGE,
			.data = (uintptr_t)s->bits,
		};

		assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_GET_DIRTY_BITMAP,
					 &cmd), EOPNOTSUPP);
	}
	/* A whole-space range is fine: nothing dirty, nothing written. */
	assert_ok(get_bitmap_ranges(s->fd, s->ioas, 0, UINT64_MAX - PAGE + 1,
				    PAGE, NULL, false, NULL, NULL));

	/* UNMAP's flags and bitmap. */
	um.flags = 2;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_UNMAP, &um), EOPNOTSUPP);
	um.flags = PVFIO_IOAS_UNMAP_DIRTY_BITMAP;
	um.__reserved = 1;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_UNMAP, &um), EOPNOTSUPP);
	um.__reserved = 0;
	um.iova = 0;
	um.length = UINT64_MAX;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_UNMAP, &um), EINVAL);
	um.iova = BASE;
	um.length = NPAGES * PAGE;
	um.page_size = 3 * PAGE;
	assert_errno(pvfio_ioctl(s->fd, PVFIO_IOAS_UNMAP, &um), EINVAL);
	/* None of that unmapped anything. */
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, &unmapped));
	assert_int_equal(unmapped, NPAGES * PAGE);
}

static void prep_set_tracking(int fd, void *buf)
{
	struct pvfio_ioas_set_dirty_tracking *cmd = buf;
	uint32_t ioas;

	assert_ok(pvfio_ioas_alloc(fd, &ioas));
	cmd->ioas_id = ioas;
	cmd->flags = PVFIO_DIRTY_TRACKING_ENABLE;
}

static uint64_t size_bits[1];

static void prep_get_bitmap(int fd, void *buf)
{
	struct pvfio_ioas_get_dirty_bitmap *cmd = buf;
	uint32_t ioas;

	assert_ok(pvfio_ioas_alloc(fd, &ioas));
	assert_ok(set_tracking(fd, ioas, true));
	cmd->ioas_id = ioas;
	cmd->iova = BASE;
	cmd->length = PAGE;
	cmd->page_size = PAGE;
	cmd->data = (uintptr_t)size_bits;
}

static void test_size_rules(void **state)
{
	static const struct pvfio_size_case cases[] = {
		SIZE_CASE(PVFIO_IOAS_SET_DIRTY_TRACKING,
			  struct pvfio_ioas_set_dirty_tracking, __reserved, 1,
			  prep_set_tracking),
		SIZE_CASE(PVFIO_IOAS_GET_DIRTY_BITMAP,
			  struct pvfio_ioas_get_dirty_bitmap, pessimistic, 1,
			  prep_get_bitmap),
	};
	struct dstate *s = *state;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		pvfio_check_size_rules(s->fd, &cases[i]);
}

/* RW writes are exact; reads, and pages nobody wrote, are clean. */
static void test_rw_exact(void **state)
{
	struct dstate *s = *state;
	char data[PAGE];
	int afd;

	afd = pvfio_access_create(s->fd, s->ioas, 0, 16);
	assert_true(afd >= 0);
	/* Written before tracking starts: not dirty. */
	rw_write(afd, BASE + 9 * PAGE, 8);
	assert_ok(set_tracking(s->fd, s->ioas, true));
	assert_ok(read_bits(s, false));
	NONE(s);

	rw_write(afd, BASE + 3 * PAGE, 1);
	/* Unaligned, across the boundary of pages 5 and 6. */
	rw_write(afd, BASE + 6 * PAGE - 10, 20);
	assert_ok(pvfio_access_rw(afd, BASE + 8 * PAGE, data, PAGE, false));
	assert_ok(read_bits(s, true));
	EXACTLY(s, 3, 5, 6);
	/* NO_CLEAR left them; a clearing read returns them and clears. */
	assert_ok(read_bits(s, true));
	EXACTLY(s, 3, 5, 6);
	assert_ok(read_bits(s, false));
	EXACTLY(s, 3, 5, 6);
	assert_ok(read_bits(s, false));
	NONE(s);
	/* The bytes did arrive. */
	assert_int_equal((unsigned char)s->buf[3 * PAGE], 0xc3);

	/* Restarting clears; stopping forgets, and reading is refused. */
	rw_write(afd, BASE + 12 * PAGE, 1);
	assert_ok(set_tracking(s->fd, s->ioas, true));
	assert_ok(read_bits(s, false));
	NONE(s);
	rw_write(afd, BASE + 12 * PAGE, 1);
	assert_ok(set_tracking(s->fd, s->ioas, false));
	assert_errno(read_bits(s, false), EINVAL);
	assert_ok(set_tracking(s->fd, s->ioas, true));
	assert_ok(read_bits(s, false));
	NONE(s);
	close(afd);
}

/* A write pin is dirty from pin to unpin and once more; a read pin never. */
static void test_pins(void **state)
{
	struct dstate *s = *state;
	uint32_t wpin, rpin, upin;
	int afd;

	afd = pvfio_access_create(s->fd, s->ioas, PAGE, 16);
	assert_true(afd >= 0);
	assert_ok(set_tracking(s->fd, s->ioas, true));
	assert_ok(pvfio_access_pin(afd, BASE + 2 * PAGE, PAGE,
				   PVFIO_ACCESS_RW_WRITE, &wpin));
	assert_ok(pvfio_access_pin(afd, BASE + 4 * PAGE, 2 * PAGE, 0, &rpin));
	assert_ok(pvfio_access_pin(afd, BASE + 10 * PAGE, 2 * PAGE,
				   PVFIO_ACCESS_RW_WRITE, &upin));
	assert_ok(read_bits(s, false));
	EXACTLY(s, 2, 10, 11);
	/* Still pinned for write: still dirty after the clear. */
	assert_ok(read_bits(s, false));
	EXACTLY(s, 2, 10, 11);
	assert_ok(pvfio_access_unpin(afd, wpin));
	assert_ok(pvfio_access_unpin(afd, rpin));
	/* Once more after the unpin, then clean. */
	assert_ok(read_bits(s, false));
	EXACTLY(s, 2, 10, 11);
	assert_ok(read_bits(s, false));
	EXACTLY(s, 10, 11);
	assert_ok(pvfio_access_unpin(afd, upin));
	assert_ok(read_bits(s, false));
	EXACTLY(s, 10, 11);
	assert_ok(read_bits(s, false));
	NONE(s);
	close(afd);
}

/* Bigger bits cover several pages; bits already set stay set. */
static void test_page_sizes(void **state)
{
	struct dstate *s = *state;
	uint64_t bits[2];
	int afd;

	afd = pvfio_access_create(s->fd, s->ioas, 0, 16);
	assert_true(afd >= 0);
	assert_ok(set_tracking(s->fd, s->ioas, true));
	rw_write(afd, BASE + 3 * PAGE, 1);
	rw_write(afd, BASE + 40 * PAGE, 1);

	/* 8 KiB: pages 3 and 40 are in bits 1 and 20. */
	bits[0] = 1ULL << 63;
	assert_ok(get_bitmap_ranges(s->fd, s->ioas, BASE, NPAGES * PAGE,
				    2 * PAGE, bits, true, NULL, NULL));
	assert_int_equal(bits[0], 1ULL << 63 | 1ULL << 1 | 1ULL << 20);
	/* 64 KiB from BASE + 32 pages: page 40 is bit 0; page 3 is outside. */
	bits[0] = 0;
	assert_ok(get_bitmap_ranges(s->fd, s->ioas, BASE + 32 * PAGE,
				    32 * PAGE, 16 * PAGE, bits, true, NULL,
				    NULL));
	assert_int_equal(bits[0], 1);
	/* 2 MiB and 1 GiB: one bit for BASE (16 MiB) and its neighbours. */
	bits[0] = 0;
	assert_ok(get_bitmap_ranges(s->fd, s->ioas, 0, 64 * MiB, 2 * MiB, bits,
				    true, NULL, NULL));
	assert_int_equal(bits[0], 1ULL << (BASE / (2 * MiB)));
	bits[0] = 0;
	assert_ok(get_bitmap_ranges(s->fd, s->ioas, 0, 4096 * MiB, 1024 * MiB,
				    bits, true, NULL, NULL));
	assert_int_equal(bits[0], 1);

	/* Clearing through a 1 GiB bit clears every page under it... */
	bits[0] = 0;
	assert_ok(get_bitmap_ranges(s->fd, s->ioas, 0, 1024 * MiB, 1024 * MiB,
				    bits, false, NULL, NULL));
	assert_int_equal(bits[0], 1);
	assert_ok(read_bits(s, true));
	NONE(s);
	/* ...and a read of one range clears nothing outside it. */
	rw_write(afd, BASE + 3 * PAGE, 1);
	rw_write(afd, BASE + 40 * PAGE, 1);
	bits[0] = 0;
	assert_ok(get_bitmap_ranges(s->fd, s->ioas, BASE, 32 * PAGE, PAGE,
				    bits, false, NULL, NULL));
	assert_int_equal(bits[0], 1ULL << 3);
	assert_ok(read_bits(s, false));
	EXACTLY(s, 40);
	close(afd);
}

/* The ranges the reply names as pessimistic, merged, in @r. */
static uint32_t read_pessimistic(struct dstate *s, struct pvfio_iova_range *r,
				 uint32_t cap, bool no_clear)
{
	uint32_t num = cap;

	memset(s->bits, 0, sizeof(s->bits));
	assert_ok(get_bitmap_ranges(s->fd, s->ioas, BASE, NPAGES * PAGE, PAGE,
				    s->bits, no_clear, r, &num));
	return num;
}

/* Mark all pages [first, last] expected. */
static void assert_range_bits(struct dstate *s, unsigned int first,
			      unsigned int last, const int *extra)
{
	int want[NPAGES + 8];
	unsigned int i, n = 0;

	for (i = first; i <= last; i++)
		want[n++] = i;
	for (; extra && *extra >= 0; extra++)
		want[n++] = *extra;
	want[n] = -1;
	assert_exactly(s, want);
}

/*
 * A page table without dirty bits (a mock device's, as a real IOMMU's):
 * writeable mappings read dirty while it maps them, and the reply says so;
 * read-only ones never; exact bits stay exact.
 */
static void test_pessimistic_mock(void **state)
{
	struct dstate *s = *state;
	struct pvfio_iova_range r[4];
	char *ro = pvfio_alloc(4 * PAGE, PAGE);
	uint64_t iova = BASE + NPAGES * PAGE;
	uint32_t mock;
	int afd;

	assert_non_null(ro);
	/* Four read-only pages right after the writeable ones. */
	assert_ok(pvfio_map(s->fd, s->ioas, ro, 4 * PAGE, &iova,
			    FIXED | PVFIO_IOAS_MAP_READABLE));
	afd = pvfio_access_create(s->fd, s->ioas, 0, 16);
	assert_true(afd >= 0);
	assert_ok(set_tracking(s->fd, s->ioas, true));
	assert_ok(pvfio_mock_device(s->fd, s->ioas, &mock));

	memset(r, 0xff, sizeof(r));
	assert_int_equal(read_pessimistic(s, r, 4, false), 1);
	assert_range_bits(s, 0, NPAGES - 1, NULL);
	assert_int_equal(r[0].start, BASE);
	assert_int_equal(r[0].last, BASE + NPAGES * PAGE - 1);
	/* Every read, for as long as it is mapped there. */
	assert_int_equal(read_pessimistic(s, r, 4, false), 1);
	/* A zero-capacity array only counts. */
	assert_int_equal(read_pessimistic(s, NULL, 0, false), 1);

	/* The read-only pages are never dirty, with the device or not. */
	{
		uint64_t bits = 0;
		uint32_t num = 4;

		assert_ok(get_bitmap_ranges(s->fd, s->ioas,
					    BASE + NPAGES * PAGE, 4 * PAGE,
					    PAGE, &bits, false, r, &num));
		assert_int_equal(bits, 0);
		assert_int_equal(num, 0);
	}

	/* Detach: the last word survives, once, still named pessimistic. */
	rw_write(afd, BASE + 7 * PAGE, 1);
	assert_ok(pvfio_destroy(s->fd, mock));
	assert_int_equal(read_pessimistic(s, r, 4, true), 1);
	assert_range_bits(s, 0, NPAGES - 1, NULL);
	assert_int_equal(read_pessimistic(s, r, 4, false), 1);
	assert_int_equal(read_pessimistic(s, r, 4, false), 0);
	NONE(s);
	/* Without the device, exact again. */
	rw_write(afd, BASE + 7 * PAGE, 1);
	assert_int_equal(read_pessimistic(s, r, 4, false), 0);
	EXACTLY(s, 7);
	close(afd);
	munmap(ro, 4 * PAGE);
}

/* The IOAS's state, not a device's: it survives detach and replace. */
static void test_real_device_detach_replace(void **state)
{
	struct dstate *s = *state;
	struct pvfio_iova_range r[4];
	uint32_t dev, pt, ioas_b;
	char *buf_b = pvfio_alloc(PAGE, PAGE);
	uint64_t iova = BASE;
	int afd;

	assert_non_null(buf_b);
	assert_ok(edu_bind_driver(&edu));
	assert_ok(pvfio_device_bind(s->fd, edu.pci_domain, edu.pci_bdf, &dev));
	assert_ok(edu_enable_bus_master(&edu));
	afd = pvfio_access_create(s->fd, s->ioas, 0, 16);
	assert_true(afd >= 0);
	assert_ok(set_tracking(s->fd, s->ioas, true));

	/* The edu device's IOMMU has no dirty bits: type1's report. */
	pt = s->ioas;
	assert_ok(pvfio_device_attach(s->fd, dev, &pt));
	/* Real DMA into page 1: edu's buffer out to RAM. */
	assert_ok(edu_dma(&edu, BASE + PAGE, 0, 64, true));
	assert_int_equal(read_pessimistic(s, r, 4, false), 1);
	assert_range_bits(s, 0, NPAGES - 1, NULL);
	assert_int_equal(r[0].start, BASE);
	assert_int_equal(r[0].last, BASE + NPAGES * PAGE - 1);

	/* Replace onto B: A keeps what the device may have written. */
	assert_ok(pvfio_ioas_alloc(s->fd, &ioas_b));
	assert_ok(pvfio_map(s->fd, ioas_b, buf_b, PAGE, &iova, FIXED | RW));
	pt = ioas_b;
	assert_ok(pvfio_device_attach(s->fd, dev, &pt));
	assert_int_equal(read_pessimistic(s, r, 4, false), 1);
	assert_range_bits(s, 0, NPAGES - 1, NULL);
	/* Recorded once: A is now exact. */
	assert_int_equal(read_pessimistic(s, r, 4, false), 0);
	NONE(s);

	/* Back on A, an access writes; detach: nothing is lost. */
	pt = s->ioas;
	assert_ok(pvfio_device_attach(s->fd, dev, &pt));
	rw_write(afd, BASE + 9 * PAGE, 1);
	assert_ok(pvfio_device_detach(s->fd, dev));
	assert_int_equal(read_pessimistic(s, r, 4, false), 1);
	assert_range_bits(s, 0, NPAGES - 1, NULL);
	rw_write(afd, BASE + 9 * PAGE, 1);
	assert_int_equal(read_pessimistic(s, r, 4, false), 0);
	EXACTLY(s, 9);

	close(afd);
	assert_ok(pvfio_destroy(s->fd, dev));
	assert_ok(pvfio_destroy(s->fd, ioas_b));
	munmap(buf_b, PAGE);
}

/* An access moved to another IOAS leaves its write pins' bits behind. */
static void test_access_replace(void **state)
{
	struct dstate *s = *state;
	uint32_t ioas_b, pin;
	uint64_t iova = BASE;
	char *buf_b = pvfio_alloc(NPAGES * PAGE, PAGE);
	struct pvfio_access_event ev[4];
	int afd;

	assert_non_null(buf_b);
	assert_ok(pvfio_ioas_alloc(s->fd, &ioas_b));
	assert_ok(pvfio_map(s->fd, ioas_b, buf_b, NPAGES * PAGE, &iova,
			    FIXED | RW));
	afd = pvfio_access_create(s->fd, s->ioas, PAGE, 16);
	assert_true(afd >= 0);
	assert_ok(set_tracking(s->fd, s->ioas, true));
	assert_ok(set_tracking(s->fd, ioas_b, true));
	assert_ok(pvfio_access_pin(afd, BASE + 5 * PAGE, PAGE,
				   PVFIO_ACCESS_RW_WRITE, &pin));
	rw_write(afd, BASE + 6 * PAGE, 1);
	/* The replace revokes the pin (an event says so). */
	assert_ok(pvfio_access_set_ioas(afd, PVFIO_ACCESS_REPLACE, ioas_b));
	assert_true(pvfio_access_events(afd, ev, 4) >= 1);
	rw_write(afd, BASE + 20 * PAGE, 1);
	assert_ok(read_bits(s, false));
	EXACTLY(s, 5, 6);
	memset(s->bits, 0, sizeof(s->bits));
	assert_ok(get_bitmap_ranges(s->fd, ioas_b, BASE, NPAGES * PAGE, PAGE,
				    s->bits, false, NULL, NULL));
	EXACTLY(s, 20);
	close(afd);
	assert_ok(pvfio_destroy(s->fd, ioas_b));
	munmap(buf_b, NPAGES * PAGE);
}

static int unmap_bitmap(struct dstate *s, uint64_t iova, uint64_t len,
			uint64_t page_size, uint64_t *bits, uint64_t *unmapped)
{
	struct pvfio_ioas_unmap cmd = {
		.size = sizeof(cmd), .ioas_id = s->ioas, .iova = iova,
		.length = len, .flags = PVFIO_IOAS_UNMAP_DIRTY_BITMAP,
		.page_size = page_size, .dirty_bitmap = (uintptr_t)bits,
	};
	int ret = pvfio_ioctl(s->fd, PVFIO_IOAS_UNMAP, &cmd);

	if (!ret)
		*unmapped = cmd.length;
	return ret;
}

/*
 * UNMAP with a bitmap returns the range's last word: RW writes, pins it
 * revokes, and a page table's writeable mappings; without the flag the
 * state goes with the mapping.
 */
static void test_unmap_bitmap(void **state)
{
	struct dstate *s = *state;
	uint64_t bits[2] = { 0, 0 }, iova, unmapped;
	uint32_t pin, mock;
	char *buf2 = pvfio_alloc(8 * PAGE, PAGE);
	int afd;

	assert_non_null(buf2);
	/* Split the mapping: [BASE, +32 pages) and [+32, +64). */
	assert_ok(pvfio_unmap(s->fd, s->ioas, 0, UINT64_MAX, &unmapped));
	iova = BASE;
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf, 32 * PAGE, &iova,
			    FIXED | RW));
	iova = BASE + 32 * PAGE;
	assert_ok(pvfio_map(s->fd, s->ioas, s->buf + 32 * PAGE, 32 * PAGE,
			    &iova, FIXED | RW));
	afd = pvfio_access_create(s->fd, s->ioas, PAGE, 16);
	assert_true(afd >= 0);
	assert_ok(set_tracking(s->fd, s->ioas, true));

	rw_write(afd, BASE + 1 * PAGE, 1);
	assert_ok(pvfio_access_pin(afd, BASE + 2 * PAGE, PAGE,
				   PVFIO_ACCESS_RW_WRITE, &pin));
	rw_write(afd, BASE + 40 * PAGE, 1);
	/* The first half: its pin is revoked and counted. */
	assert_ok(unmap_bitmap(s, BASE, 32 * PAGE, PAGE, bits, &unmapped));
	assert_int_equal(unmapped, 32 * PAGE);
	assert_int_equal(bits[0], 1ULL << 1 | 1ULL << 2);
	assert_int_equal(bits[1], 0);
	/* The second half keeps its own. */
	assert_ok(read_bits(s, true));
	EXACTLY(s, 40);

	/* Without the flag the state goes; a new mapping there is clean. */
	assert_ok(pvfio_unmap(s->fd, s->ioas, BASE + 32 * PAGE, 32 * PAGE,
			      &unmapped));
	iova = BASE + 32 * PAGE;
	assert_ok(pvfio_map(s->fd, s->ioas, buf2, 8 * PAGE, &iova,
			    FIXED | RW));
	assert_ok(read_bits(s, false));
	NONE(s);

	/* With a page table without dirty bits: all of it, writeable. */
	assert_ok(pvfio_mock_device(s->fd, s->ioas, &mock));
	bits[0] = 0;
	assert_ok(unmap_bitmap(s, BASE + 32 * PAGE, 32 * PAGE, 2 * PAGE, bits,
			       &unmapped));
	assert_int_equal(unmapped, 8 * PAGE);
	assert_int_equal(bits[0], 0xf);
	assert_ok(read_bits(s, false));
	NONE(s);
	assert_ok(pvfio_destroy(s->fd, mock));

	/* A bitmap that cannot be written: unmapped, state kept. */
	iova = BASE;
	assert_ok(pvfio_map(s->fd, s->ioas, buf2, 8 * PAGE, &iova,
			    FIXED | RW));
	rw_write(afd, BASE + 3 * PAGE, 1);
	assert_errno(unmap_bitmap(s, BASE, 8 * PAGE, PAGE,
				  (uint64_t *)(uintptr_t)8, &unmapped),
		     EFAULT);
	assert_errno(pvfio_unmap(s->fd, s->ioas, BASE, 8 * PAGE, &unmapped),
		     ENOENT);
	assert_ok(read_bits(s, false));
	EXACTLY(s, 3);
	close(afd);
	munmap(buf2, 8 * PAGE);
}

/*
 * iommufd's UNMAP ends where pvfio's grew a bitmap: on the iommufd node a
 * longer struct (zero tail, allowed) must get nothing but iommufd's fields
 * back.  The tail lies on a read-only page of zeroes: reading it is fine,
 * writing anything there (the kernel's bytes past iommufd's struct) is
 * EFAULT.
 */
static void test_ifd_unmap_tail(void **state)
{
	struct pvfio_ifd_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct pvfio_ifd_ioas_map map = { .size = sizeof(map) };
	struct pvfio_ifd_ioas_unmap *u;
	char *two, *p;
	int ifd;

	(void)state;
	two = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(two != MAP_FAILED);
	assert_ok(mprotect(two + PAGE, PAGE, PROT_READ));
	u = (void *)(two + PAGE - sizeof(*u));
	p = pvfio_alloc(PAGE, PAGE);
	assert_non_null(p);

	ifd = open("/dev/pvfio-iommufd", O_RDWR);
	assert_true(ifd >= 0);
	assert_ok(pvfio_ioctl(ifd, PVFIO_IFD_IOAS_ALLOC, &alloc));
	map.ioas_id = alloc.out_ioas_id;
	map.flags = PVFIO_IFD_IOAS_MAP_FIXED_IOVA |
		    PVFIO_IFD_IOAS_MAP_READABLE | PVFIO_IFD_IOAS_MAP_WRITEABLE;
	map.user_va = (uintptr_t)p;
	map.length = PAGE;
	map.iova = BASE;
	assert_ok(pvfio_ioctl(ifd, PVFIO_IFD_IOAS_MAP, &map));
	u->size = sizeof(*u) + 40;
	u->ioas_id = alloc.out_ioas_id;
	u->iova = BASE;
	u->length = PAGE;
	assert_ok(pvfio_ioctl(ifd, PVFIO_IFD_IOAS_UNMAP, u));
	assert_int_equal(u->length, PAGE);
	close(ifd);
	munmap(p, PAGE);
	munmap(two, 2 * PAGE);
}

/*
 * 1 TiB at 4 KiB: a 32 MiB bitmap the kernel writes only where bits are
 * (two pages of it are touched), and reads in bounded kernel memory: the
 * reading process runs in a memory cgroup with 1 MiB of room, which a
 * kernel buffer sized by the range would exceed.
 */
#define TIB (1ULL << 40)
#define CG "/sys/fs/cgroup/pvfio-dirty"

static long long cg_read(const char *file)
{
	char path[128], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", CG, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtoll(buf, NULL, 10);
}

static int cg_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -errno;
}

/* Whether the kernel has the memory controller (the debug kernel has not). */
static bool memcg_available(void)
{
	char buf[256] = "";
	ssize_t n;
	int fd;

	fd = open("/sys/fs/cgroup/cgroup.controllers", O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	return strstr(buf, "memory") != NULL;
}

static void test_tib_bounded(void **state)
{
	struct dstate *s = *state;
	const size_t bm_len = TIB / PAGE / 8;
	char *far = pvfio_alloc(PAGE, PAGE);
	uint64_t iova = TIB - PAGE, *bm;
	int afd, pipefd[2];
	bool memcg;
	pid_t pid;

	assert_non_null(far);
	assert_ok(pvfio_map(s->fd, s->ioas, far, PAGE, &iova, FIXED | RW));
	afd = pvfio_access_create(s->fd, s->ioas, 0, 16);
	assert_true(afd >= 0);
	assert_ok(set_tracking(s->fd, s->ioas, true));
	rw_write(afd, BASE, 1);
	rw_write(afd, TIB - PAGE, 1);

	bm = mmap(NULL, bm_len, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(bm != MAP_FAILED);
	/* Page by page: a huge page would make untouched parts resident. */
	assert_ok(madvise(bm, bm_len, MADV_NOHUGEPAGE));

	/* Only the bitmap's pages holding a set bit are touched. */
	assert_ok(get_bitmap_ranges(s->fd, s->ioas, 0, TIB, PAGE, bm, true,
				    NULL, NULL));
	{
		unsigned long pages = bm_len / PAGE, i, resident = 0;
		unsigned char *v = malloc(pages);

		assert_non_null(v);
		assert_ok(mincore(bm, bm_len, v));
		for (i = 0; i < pages; i++)
			if (v[i] & 1) {
				fprintf(stderr, "# bitmap page %lu touched\n",
					i);
				resident++;
			}
		free(v);
		assert_int_equal(resident, 2);
	}
	assert_int_equal(bm[BASE / PAGE / 64], 1ULL << (BASE / PAGE % 64));
	assert_int_equal(bm[(TIB - PAGE) / PAGE / 64], 1ULL << 63);
	munmap(bm, bm_len);
	bm = mmap(NULL, bm_len, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(bm != MAP_FAILED);
	/* Page by page: a huge page would make untouched parts resident. */
	assert_ok(madvise(bm, bm_len, MADV_NOHUGEPAGE));

	/* A cgroup v2 memory group for the reader. */
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK))
		assert_ok(mount("none", "/sys/fs/cgroup", "cgroup2", 0, NULL));
	memcg = memcg_available();
	if (memcg) {
		assert_ok(cg_write("/sys/fs/cgroup/cgroup.subtree_control",
				   "+memory"));
		rmdir(CG);
		assert_ok(mkdir(CG, 0755));
	} else {
		/* The debug kernel's config (tests/vm/debug-kernel.config). */
		fprintf(stderr, "# no memory controller: the reader runs unlimited\n");
	}
	assert_ok(pipe(pipefd));
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		char val[32];
		long long cur;

		close(pipefd[0]);
		if (memcg) {
			CHILD_CHECK(1, !cg_write(CG "/cgroup.procs", "0"));
			cur = cg_read("memory.current");
			CHILD_CHECK(2, cur >= 0);
			snprintf(val, sizeof(val), "%lld", cur + (long long)MiB);
			CHILD_CHECK(3, !cg_write(CG "/memory.max", val));
		}
		CHILD_CHECK(4, !get_bitmap_ranges(s->fd, s->ioas, 0, TIB, PAGE,
						  bm, false, NULL, NULL));
		if (memcg)
			CHILD_CHECK(5, cg_read("memory.peak") < 0 ||
				       cg_read("memory.peak") <= cur + (long long)MiB);
		CHILD_CHECK(6, write(pipefd[1], bm + (BASE / PAGE / 64), 8) ==
			       8);
		CHILD_CHECK(7, write(pipefd[1],
				     bm + ((TIB - PAGE) / PAGE / 64), 8) == 8);
		_exit(0);
	}
	close(pipefd[1]);
	assert_int_equal(pvfio_wait_child(pid), 0);
	{
		uint64_t w[2];

		assert_int_equal(read(pipefd[0], w, sizeof(w)), sizeof(w));
		assert_int_equal(w[0], 1ULL << (BASE / PAGE % 64));
		assert_int_equal(w[1], 1ULL << 63);
	}
	close(pipefd[0]);
	if (memcg)
		assert_ok(rmdir(CG));

	/* The child's read cleared them. */
	assert_ok(get_bitmap_ranges(s->fd, s->ioas, 0, TIB, PAGE, bm, true,
				    NULL, NULL));
	assert_int_equal(bm[BASE / PAGE / 64], 0);
	munmap(bm, bm_len);
	close(afd);
	munmap(far, PAGE);
}

static void fail_nth(int fd, uint32_t nth, bool *fired)
{
	struct pvfio_test_cmd cmd = {
		.size = sizeof(cmd), .op = PVFIO_TEST_OP_FAIL_NTH,
		.fail_nth.nth = nth,
	};

	assert_ok(pvfio_ioctl(fd, PVFIO_TEST, &cmd));
	if (fired)
		*fired = cmd.fail_nth.out_fired;
}

/*
 * No failure loses a bit: a record that cannot be stored makes every
 * writeable mapping read dirty (pessimistic) until tracking restarts, and a
 * bitmap that cannot be written leaves its bits recorded.
 */
static void test_failures_lose_nothing(void **state)
{
	struct dstate *s = *state;
	struct pvfio_iova_range r[2];
	unsigned int nth;
	bool fired = true;
	int afd, ret;

	afd = pvfio_access_create(s->fd, s->ioas, 0, 16);
	assert_true(afd >= 0);
	for (nth = 1; fired && nth < 64; nth++) {
		char data = 1;

		assert_ok(set_tracking(s->fd, s->ioas, true));
		fail_nth(s->fd, nth, NULL);
		ret = pvfio_access_rw(afd, BASE + 17 * PAGE, &data, 1, true);
		fail_nth(s->fd, 0, &fired);
		if (ret)
			continue;
		/* Written: page 17 must read dirty, however it was kept. */
		assert_true(read_pessimistic(s, r, 2, true) <= 1);
		assert_true(bit(s->bits, 17));
	}
	assert_false(fired);

	/* A lost record: everything writeable, named pessimistic. */
	for (nth = 1; ; nth++) {
		char data = 1;

		/* Clean each time: the record has to allocate. */
		assert_ok(set_tracking(s->fd, s->ioas, true));
		fail_nth(s->fd, nth, NULL);
		ret = pvfio_access_rw(afd, BASE + 17 * PAGE, &data, 1, true);
		fail_nth(s->fd, 0, &fired);
		/* The copy done, the record's failure point failed. */
		if (!fired || !ret)
			break;
	}
	assert_true(fired && !ret);
	assert_int_equal(read_pessimistic(s, r, 2, false), 1);
	assert_range_bits(s, 0, NPAGES - 1, NULL);
	assert_int_equal(r[0].start, BASE);
	/* Until tracking restarts. */
	assert_int_equal(read_pessimistic(s, r, 2, false), 1);
	assert_ok(set_tracking(s->fd, s->ioas, true));
	assert_int_equal(read_pessimistic(s, r, 2, false), 0);
	NONE(s);

	/*
	 * The bitmap's copy failing keeps the bits (pessimistic); a failure
	 * after the bitmap was written (the reply) has delivered them.
	 */
	for (nth = 1, fired = true; fired; nth++) {
		uint64_t got[NPAGES / 64];

		assert_ok(set_tracking(s->fd, s->ioas, true));
		rw_write(afd, BASE + 21 * PAGE, 1);
		fail_nth(s->fd, nth, NULL);
		memset(got, 0, sizeof(got));
		ret = get_bitmap_ranges(s->fd, s->ioas, BASE, NPAGES * PAGE,
					PAGE, got, false, NULL, NULL);
		fail_nth(s->fd, 0, &fired);
		if (!fired)
			break;
		/* A spare node that cannot be had costs nothing here. */
		assert_true(!ret || ret == -ENOMEM || ret == -EFAULT);
		/* Either delivered, or not read yet, or kept. */
		assert_ok(read_bits(s, true));
		assert_true(bit(got, 21) || bit(s->bits, 21));
	}
	assert_ok(ret);
	assert_true(nth > 3);
	close(afd);
}

/*
 * A bitmap that cannot be written, at the largest page size: the call fails
 * at once, nothing is forgotten, and nothing is recorded in its place (a
 * bit for 2^62 bytes must not turn into records of that size).
 */
static void test_bad_bitmap_huge_page(void **state)
{
	struct dstate *s = *state;
	struct pvfio_iova_range r[2];
	int afd;

	afd = pvfio_access_create(s->fd, s->ioas, 0, 16);
	assert_true(afd >= 0);
	assert_ok(set_tracking(s->fd, s->ioas, true));
	rw_write(afd, BASE + 6 * PAGE, 1);
	assert_errno(get_bitmap_ranges(s->fd, s->ioas, 0, 1ULL << 63,
				       1ULL << 62, NULL, false, NULL, NULL),
		     EFAULT);
	/* One bit for the lower half of the space: set, nothing forgotten. */
	memset(s->bits, 0, sizeof(s->bits));
	assert_ok(get_bitmap_ranges(s->fd, s->ioas, 0, 1ULL << 63, 1ULL << 63,
				    s->bits, true, NULL, NULL));
	assert_int_equal(s->bits[0], 1);
	/* Still exactly page 6, nothing pessimistic. */
	assert_int_equal(read_pessimistic(s, r, 2, false), 0);
	EXACTLY(s, 6);
	close(afd);
}

/*
 * Pins for write made and dropped while another thread reads and clears:
 * every page pinned once must be in some read, and nothing else.
 */
struct pin_race {
	struct dstate *s;
	int afd;
	volatile bool stop;
	unsigned int reads;
	bool seen[NPAGES];
};

static void *race_reader(void *arg)
{
	struct pin_race *pr = arg;
	uint64_t bits[NPAGES / 64];
	unsigned int i;

	while (!pr->stop) {
		memset(bits, 0, sizeof(bits));
		if (get_bitmap_ranges(pr->s->fd, pr->s->ioas, BASE,
				      NPAGES * PAGE, PAGE, bits, false, NULL,
				      NULL))
			break;
		for (i = 0; i < NPAGES; i++)
			if (bit(bits, i))
				pr->seen[i] = true;
		pr->reads++;
	}
	return NULL;
}

static void test_race_pin_vs_read(void **state)
{
	struct dstate *s = *state;
	struct pin_race pr = { .s = s };
	uint64_t bits[NPAGES / 64];
	unsigned int round, i;
	pthread_t reader;
	uint32_t pin;

	pr.afd = pvfio_access_create(s->fd, s->ioas, PAGE, 16);
	assert_true(pr.afd >= 0);
	for (round = 0; round < 20; round++) {
		assert_ok(set_tracking(s->fd, s->ioas, true));
		memset(pr.seen, 0, sizeof(pr.seen));
		pr.stop = false;
		assert_ok(pthread_create(&reader, NULL, race_reader, &pr));
		/* Odd pages pinned for write once each; even ones for read. */
		for (i = 0; i < NPAGES; i++) {
			assert_ok(pvfio_access_pin(pr.afd, BASE + i * PAGE,
						   PAGE,
						   i & 1 ? PVFIO_ACCESS_RW_WRITE
							 : 0, &pin));
			assert_ok(pvfio_access_unpin(pr.afd, pin));
		}
		pr.stop = true;
		pthread_join(reader, NULL);
		memset(bits, 0, sizeof(bits));
		assert_ok(get_bitmap_ranges(s->fd, s->ioas, BASE,
					    NPAGES * PAGE, PAGE, bits, false,
					    NULL, NULL));
		for (i = 0; i < NPAGES; i++) {
			bool dirty = pr.seen[i] || bit(bits, i);

			if (dirty != (bool)(i & 1)) {
				fprintf(stderr, "# round %u page %u: %d\n",
					round, i, dirty);
				fail();
			}
		}
	}
	fprintf(stderr, "# %u reads raced %u pin/unpin rounds\n", pr.reads,
		round * NPAGES);
	close(pr.afd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_errors, dstate_setup,
						dstate_teardown),
		cmocka_unit_test_setup_teardown(test_size_rules, dstate_setup,
						dstate_teardown),
		cmocka_unit_test_setup_teardown(test_rw_exact, dstate_setup,
						dstate_teardown),
		cmocka_unit_test_setup_teardown(test_pins, dstate_setup,
						dstate_teardown),
		cmocka_unit_test_setup_teardown(test_page_sizes, dstate_setup,
						dstate_teardown),
		cmocka_unit_test_setup_teardown(test_pessimistic_mock,
						dstate_setup, dstate_teardown),
		cmocka_unit_test_setup_teardown(test_real_device_detach_replace,
						dstate_setup, dstate_teardown),
		cmocka_unit_test_setup_teardown(test_access_replace,
						dstate_setup, dstate_teardown),
		cmocka_unit_test_setup_teardown(test_unmap_bitmap, dstate_setup,
						dstate_teardown),
		cmocka_unit_test(test_ifd_unmap_tail),
		cmocka_unit_test_setup_teardown(test_tib_bounded, dstate_setup,
						dstate_teardown),
		cmocka_unit_test_setup_teardown(test_failures_lose_nothing,
						dstate_setup, dstate_teardown),
		cmocka_unit_test_setup_teardown(test_bad_bitmap_huge_page,
						dstate_setup, dstate_teardown),
		cmocka_unit_test_setup_teardown(test_race_pin_vs_read,
						dstate_setup, dstate_teardown),
	};

	/* Progress shows as it goes when the output is a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
