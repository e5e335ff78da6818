// SPDX-License-Identifier: GPL-2.0
/*
 * The iommufd front end, /dev/pvfio-iommufd, from pvfio's side (iommufd's
 * own selftest runs against it in every cell too): the node and what it
 * never is, the test interface only with enable_test_ops=1, and that both
 * nodes share one core (the module-wide pin counters move with MAPs made
 * on the iommufd node).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "pvfio_test.h"
#include "../uapi/pvfio_iommufd.h"

#define IFD_NODE "/dev/pvfio-iommufd"
#define VFIO_GET_API_VERSION_NR _IO(';', 100)

static int ifd_open(void)
{
	int fd = open(IFD_NODE, O_RDWR);

	if (fd < 0)
		fprintf(stderr, "# open %s: %m\n", IFD_NODE);
	return fd;
}

static int ifd_test_cmd(int fd, struct pvfio_ifd_test_cmd *cmd, uint32_t op,
			uint32_t id)
{
	cmd->size = sizeof(*cmd);
	cmd->op = op;
	cmd->id = id;
	return pvfio_ioctl(fd, PVFIO_IFD_TEST_CMD, cmd);
}

static int ifd_ioas_alloc(int fd, uint32_t *id)
{
	struct pvfio_ifd_ioas_alloc cmd = { .size = sizeof(cmd) };
	int ret = pvfio_ioctl(fd, PVFIO_IFD_IOAS_ALLOC, &cmd);

	*id = cmd.out_ioas_id;
	return ret;
}

/* Whether the module pvfio has a symbol whose name starts with @prefix. */
static bool pvfio_has_symbol(const char *prefix)
{
	char line[512], name[256], mod[64];
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %255s [%63[^]]]", name, mod) != 2)
			continue;
		if (!strcmp(mod, "pvfio") &&
		    !strncmp(name, prefix, strlen(prefix))) {
			fprintf(stderr, "# pvfio has symbol %s\n", name);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* Without the test parameter: the node, its rules, and what pvfio is not. */
static void test_ifd_node(void **state)
{
	struct pvfio_ifd_test_cmd tcmd = {};
	struct pvfio_ifd_viommu_alloc viommu = { .size = sizeof(viommu) };
	struct pvfio_ifd_ioas_alloc alloc = {};
	struct stat st, misc;
	uint32_t ioas;
	int fd;

	(void)state;
	assert_ok(pvfio_fixture_load(""));
	assert_int_equal(stat(IFD_NODE, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	/* Root only by default, as /dev/pvfio (dev_mode). */
	assert_int_equal(st.st_mode & 0777, 0600);
	/* A kernel's own iommufd node, if any, is never pvfio's. */
	if (!stat("/sys/class/misc/iommu", &misc)) {
		struct stat node;

		if (!stat("/dev/iommu", &node) && !S_ISLNK(node.st_mode))
			assert_true(node.st_rdev != st.st_rdev);
	}
	assert_false(pvfio_has_symbol("iommufd_"));
	assert_false(pvfio_has_symbol("vfio_"));

	fd = ifd_open();
	assert_true(fd >= 0);
	assert_ok(ifd_ioas_alloc(fd, &ioas));
	assert_true(ioas > 0);
	/* iommufd's size rules. */
	alloc.size = 8;
	assert_errno(pvfio_ioctl(fd, PVFIO_IFD_IOAS_ALLOC, &alloc), EINVAL);
	/* The test interface exists only with enable_test_ops=1. */
	assert_errno(ifd_test_cmd(fd, &tcmd, PVFIO_IFD_TEST_OP_MOCK_DOMAIN,
				  ioas), ENOTTY);
	/* No VFIO compatibility; no vIOMMU (after the size checks). */
	assert_errno(pvfio_ioctl(fd, VFIO_GET_API_VERSION_NR, NULL), ENOTTY);
	assert_errno(pvfio_ioctl(fd, PVFIO_IFD_VIOMMU_ALLOC, &viommu),
		     EOPNOTSUPP);
	viommu.size = 4;
	assert_errno(pvfio_ioctl(fd, PVFIO_IFD_VIOMMU_ALLOC, &viommu), EINVAL);
	/* pvfio's own numbers are not iommufd's. */
	assert_errno(pvfio_ioctl(fd, PVFIO_IOAS_ALLOC, &alloc), ENOTTY);
	close(fd);
	assert_ok(pvfio_fixture_unload(false));
}

/*
 * One core: pages mapped through the iommufd node into a mock page table
 * are pvfio's pinned pages, counted with /dev/pvfio's; an access pin at an
 * unaligned IOVA pins the pages it touches; closing the node frees all.
 */
static void test_ifd_one_core(void **state)
{
	struct pvfio_ifd_ioas_map map = { .size = sizeof(map) };
	struct pvfio_ifd_test_cmd mock = {}, acc = {}, pages = {};
	uint64_t pinned0 = pvfio_pinned_pages();
	const size_t len = 16 * 4096;
	uint32_t ioas;
	char *buf;
	int fd, afd, pfd;

	(void)state;
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	assert_true(buf != MAP_FAILED);
	fd = ifd_open();
	assert_true(fd >= 0);
	assert_ok(ifd_ioas_alloc(fd, &ioas));
	map.ioas_id = ioas;
	/* Inside the mock's aperture, which the page table reserves around. */
	map.flags = PVFIO_IFD_IOAS_MAP_FIXED_IOVA |
		    PVFIO_IFD_IOAS_MAP_READABLE | PVFIO_IFD_IOAS_MAP_WRITEABLE;
	map.user_va = (uintptr_t)buf;
	map.length = len;
	map.iova = PVFIO_IFD_MOCK_APERTURE_START;
	assert_ok(pvfio_ioctl(fd, PVFIO_IFD_IOAS_MAP, &map));
	/* Lazy, as iommufd: nothing pinned without a page table. */
	assert_int_equal(pvfio_pinned_pages(), pinned0);
	assert_ok(ifd_test_cmd(fd, &mock, PVFIO_IFD_TEST_OP_MOCK_DOMAIN,
			       ioas));
	assert_int_equal(pvfio_pinned_pages(), pinned0 + 16);

	acc.create_access.flags =
		PVFIO_IFD_MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES;
	assert_ok(ifd_test_cmd(fd, &acc, PVFIO_IFD_TEST_OP_CREATE_ACCESS,
			       ioas));
	afd = acc.create_access.out_access_fd;
	/* 100 bytes into page 2, 5000 bytes: pages 2 and 3. */
	pages.access_pages.iova = map.iova + 2 * 4096 + 100;
	pages.access_pages.length = 5000;
	pages.access_pages.uptr = (uintptr_t)buf + 2 * 4096 + 100;
	assert_ok(ifd_test_cmd(fd, &pages, PVFIO_IFD_TEST_OP_ACCESS_PAGES,
			       afd));
	/* Shared with the page table's pins: still one pin per page. */
	assert_int_equal(pvfio_pinned_pages(), pinned0 + 16);

	/* The access keeps the context; closing both frees everything. */
	close(fd);
	assert_int_equal(pvfio_pinned_pages(), pinned0 + 16);
	close(afd);
	assert_int_equal(pvfio_pinned_pages(), pinned0);
	pfd = pvfio_open();
	assert_true(pfd >= 0);
	assert_ok(pvfio_check_refs(pfd, buf, len, false));
	close(pfd);
	munmap(buf, len);
}

static uint64_t ifd_alignment(int fd, uint32_t ioas, uint64_t *start,
			      uint64_t *last)
{
	struct pvfio_ifd_iova_range r[4];
	struct pvfio_ifd_ioas_iova_ranges cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .num_iovas = 4,
		.allowed_iovas = (uintptr_t)r,
	};

	assert_ok(pvfio_ioctl(fd, PVFIO_IFD_IOAS_IOVA_RANGES, &cmd));
	assert_int_equal(cmd.num_iovas, 1);
	*start = r[0].start;
	*last = r[0].last;
	return cmd.out_iova_alignment;
}

/*
 * The mock page tables' two types, as 7.2's: the default one (2 KiB IO
 * pages, aperture [16 MiB, 2 GiB)) and the "huge" one (page-size pages,
 * no aperture), chosen by HWPT_ALLOC's selftest data; others EOPNOTSUPP.
 */
static void test_ifd_mock_types(void **state)
{
	struct pvfio_ifd_hwpt_selftest data = {
		.pagetable_type = PVFIO_IFD_MOCK_IOMMUPT_HUGE,
	};
	struct pvfio_ifd_hwpt_alloc alloc = {
		.size = sizeof(alloc), .data_type = PVFIO_IFD_HWPT_DATA_SELFTEST,
		.data_len = sizeof(data), .data_uptr = (uintptr_t)&data,
	};
	struct pvfio_ifd_test_cmd mock = {}, mock2 = {};
	struct pvfio_ifd_destroy d = { .size = sizeof(d) };
	uint32_t ioas, ioas2;
	uint64_t start, last;
	int fd;

	(void)state;
	fd = ifd_open();
	assert_true(fd >= 0);
	assert_ok(ifd_ioas_alloc(fd, &ioas));
	assert_ok(ifd_test_cmd(fd, &mock, PVFIO_IFD_TEST_OP_MOCK_DOMAIN,
			       ioas));
	assert_int_equal(ifd_alignment(fd, ioas, &start, &last),
			 PVFIO_IFD_MOCK_PAGE_SIZE);
	assert_int_equal(start, PVFIO_IFD_MOCK_APERTURE_START);
	assert_int_equal(last, PVFIO_IFD_MOCK_APERTURE_LAST);

	/* A huge-type page table on a second IOAS, for the same device. */
	assert_ok(ifd_ioas_alloc(fd, &ioas2));
	alloc.dev_id = mock.mock_domain.out_idev_id;
	alloc.pt_id = ioas2;
	assert_ok(pvfio_ioctl(fd, PVFIO_IFD_HWPT_ALLOC, &alloc));
	assert_ok(ifd_test_cmd(fd, &mock2, PVFIO_IFD_TEST_OP_MOCK_DOMAIN,
			       alloc.out_hwpt_id));
	assert_int_equal(mock2.mock_domain.out_hwpt_id, alloc.out_hwpt_id);
	assert_int_equal(ifd_alignment(fd, ioas2, &start, &last), 4096);
	assert_int_equal(start, 0);
	assert_true(last >= (1ULL << 47) - 1);
	/* Attached: the page table cannot go. */
	d.id = alloc.out_hwpt_id;
	assert_errno(pvfio_ioctl(fd, PVFIO_IFD_DESTROY, &d), EBUSY);

	data.pagetable_type = 7;
	assert_errno(pvfio_ioctl(fd, PVFIO_IFD_HWPT_ALLOC, &alloc),
		     EOPNOTSUPP);
	alloc.data_type = 0xbeef;
	data.pagetable_type = 0;
	assert_errno(pvfio_ioctl(fd, PVFIO_IFD_HWPT_ALLOC, &alloc),
		     EOPNOTSUPP);
	close(fd);
}

struct race {
	int fd;
	uint32_t ioas;
	pthread_barrier_t barrier;
	uint32_t hwpt[2], stdev[2];
	int ret[2];
};

struct race_arg {
	struct race *r;
	int slot;
};

static void *race_mock_domain(void *arg)
{
	struct race_arg *a = arg;
	struct race *r = a->r;
	struct pvfio_ifd_test_cmd cmd = {};

	pthread_barrier_wait(&r->barrier);
	r->ret[a->slot] = ifd_test_cmd(r->fd, &cmd,
				       PVFIO_IFD_TEST_OP_MOCK_DOMAIN, r->ioas);
	r->hwpt[a->slot] = cmd.mock_domain.out_hwpt_id;
	r->stdev[a->slot] = cmd.mock_domain.out_stdev_id;
	return NULL;
}

/*
 * Two mock devices attached at once to a fresh IOAS share one automatic
 * page table, as in iommufd (finding or else making it, and attaching, is
 * one step); repeated so that the two calls overlap many times.
 */
static void test_ifd_auto_hwpt_race(void **state)
{
	struct pvfio_ifd_destroy d = { .size = sizeof(d) };
	struct race r = {};
	struct race_arg a[2] = { { &r, 0 }, { &r, 1 } };
	pthread_t t[2];
	int i, k;

	(void)state;
	r.fd = ifd_open();
	assert_true(r.fd >= 0);
	for (i = 0; i < 200; i++) {
		assert_ok(ifd_ioas_alloc(r.fd, &r.ioas));
		pthread_barrier_init(&r.barrier, NULL, 2);
		for (k = 0; k < 2; k++)
			assert_int_equal(pthread_create(&t[k], NULL,
							race_mock_domain,
							&a[k]), 0);
		for (k = 0; k < 2; k++)
			pthread_join(t[k], NULL);
		pthread_barrier_destroy(&r.barrier);
		assert_ok(r.ret[0]);
		assert_ok(r.ret[1]);
		assert_int_equal(r.hwpt[0], r.hwpt[1]);
		for (k = 0; k < 2; k++) {
			d.id = r.stdev[k];
			assert_ok(pvfio_ioctl(r.fd, PVFIO_IFD_DESTROY, &d));
		}
		/* The shared page table went with its last device. */
		d.id = r.hwpt[0];
		assert_errno(pvfio_ioctl(r.fd, PVFIO_IFD_DESTROY, &d), ENOENT);
		d.id = r.ioas;
		assert_ok(pvfio_ioctl(r.fd, PVFIO_IFD_DESTROY, &d));
	}
	close(r.fd);
}

struct check_race {
	int fd;
	uint32_t ioas, hwpt;
	char *buf;
	volatile int stop;
	unsigned long checks;
};

static void *race_check_map(void *arg)
{
	struct check_race *c = arg;
	struct pvfio_ifd_test_cmd cmd = {};

	while (!c->stop) {
		memset(&cmd, 0, sizeof(cmd));
		cmd.check_map.iova = PVFIO_IFD_MOCK_APERTURE_START;
		cmd.check_map.length = 16 * 4096;
		cmd.check_map.uptr = (uintptr_t)c->buf;
		/* Mapped or not at this instant: either answer is fine. */
		ifd_test_cmd(c->fd, &cmd, PVFIO_IFD_TEST_OP_MD_CHECK_MAP,
			     c->hwpt);
		c->checks++;
	}
	return NULL;
}

/*
 * MD_CHECK_MAP racing MAP and UNMAP of the range it checks: the check may
 * fail, the kernel must stay quiet (it once read the mock's entry twice
 * and WARNed when an unmap came between, which panics with
 * panic_on_warn).  Two seconds of it.
 */
static void test_ifd_check_map_race(void **state)
{
	struct pvfio_ifd_ioas_map map = { .size = sizeof(map) };
	struct pvfio_ifd_ioas_unmap unmap = { .size = sizeof(unmap) };
	struct pvfio_ifd_test_cmd mock = {};
	struct check_race c = {};
	struct timespec t0, t1;
	unsigned long rounds = 0;
	pthread_t t;

	(void)state;
	c.buf = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	assert_true(c.buf != MAP_FAILED);
	c.fd = ifd_open();
	assert_true(c.fd >= 0);
	assert_ok(ifd_ioas_alloc(c.fd, &c.ioas));
	assert_ok(ifd_test_cmd(c.fd, &mock, PVFIO_IFD_TEST_OP_MOCK_DOMAIN,
			       c.ioas));
	c.hwpt = mock.mock_domain.out_hwpt_id;
	assert_int_equal(pthread_create(&t, NULL, race_check_map, &c), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		map.ioas_id = c.ioas;
		map.flags = PVFIO_IFD_IOAS_MAP_FIXED_IOVA |
			    PVFIO_IFD_IOAS_MAP_READABLE;
		map.user_va = (uintptr_t)c.buf;
		map.length = 16 * 4096;
		map.iova = PVFIO_IFD_MOCK_APERTURE_START;
		assert_ok(pvfio_ioctl(c.fd, PVFIO_IFD_IOAS_MAP, &map));
		unmap.ioas_id = c.ioas;
		unmap.iova = PVFIO_IFD_MOCK_APERTURE_START;
		unmap.length = 16 * 4096;
		assert_ok(pvfio_ioctl(c.fd, PVFIO_IFD_IOAS_UNMAP, &unmap));
		rounds++;
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while (t1.tv_sec - t0.tv_sec < 2);
	c.stop = 1;
	pthread_join(t, NULL);
	print_message("# %lu map/unmap rounds against %lu checks\n", rounds,
		      c.checks);
	assert_true(rounds > 0 && c.checks > 0);
	close(c.fd);
	munmap(c.buf, 16 * 4096);
}

/* Dirty tracking of mock page tables, beyond what iommufd's selftest checks. */
struct dirty_fx {
	int fd;
	uint32_t ioas, hwpt;
	uint64_t iova;
	char *buf;
};

#define DIRTY_PAGES 64	/* mock IO pages (2 KiB) mapped */
#define DIRTY_LEN (DIRTY_PAGES * PVFIO_IFD_MOCK_PAGE_SIZE)

static int ifd_set_dirty(int fd, uint32_t hwpt, uint32_t flags)
{
	struct pvfio_ifd_hwpt_set_dirty_tracking cmd = {
		.size = sizeof(cmd), .flags = flags, .hwpt_id = hwpt,
	};

	return pvfio_ioctl(fd, PVFIO_IFD_HWPT_SET_DIRTY_TRACKING, &cmd);
}

static int ifd_get_dirty(int fd, uint32_t hwpt, uint64_t iova, uint64_t len,
			 uint64_t page_size, void *bitmap, uint32_t flags)
{
	struct pvfio_ifd_hwpt_get_dirty_bitmap cmd = {
		.size = sizeof(cmd), .hwpt_id = hwpt, .flags = flags,
		.iova = iova, .length = len, .page_size = page_size,
		.data = (uintptr_t)bitmap,
	};

	return pvfio_ioctl(fd, PVFIO_IFD_HWPT_GET_DIRTY_BITMAP, &cmd);
}

/* Mark the mock IO pages @pages (indexes from @iova) dirty; return count. */
static int64_t ifd_mark(int fd, uint32_t hwpt, uint64_t iova,
			const unsigned int *pages, unsigned int n)
{
	unsigned long bits[DIRTY_PAGES / 64 + 2] = {};
	struct pvfio_ifd_test_cmd cmd = {};
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++)
		bits[pages[i] / (8 * sizeof(long))] |=
			1UL << (pages[i] % (8 * sizeof(long)));
	cmd.dirty.iova = iova;
	cmd.dirty.length = (DIRTY_PAGES + 64) * PVFIO_IFD_MOCK_PAGE_SIZE;
	cmd.dirty.page_size = PVFIO_IFD_MOCK_PAGE_SIZE;
	cmd.dirty.uptr = (uintptr_t)bits;
	ret = ifd_test_cmd(fd, &cmd, PVFIO_IFD_TEST_OP_DIRTY, hwpt);
	return ret ? ret : (int64_t)cmd.dirty.out_nr_dirty;
}

static bool bit_of(const uint8_t *bm, unsigned int n)
{
	return bm[n / 8] & (1 << (n % 8));
}

static void dirty_setup(struct dirty_fx *f)
{
	struct pvfio_ifd_ioas_map map = { .size = sizeof(map) };
	struct pvfio_ifd_hwpt_alloc alloc = { .size = sizeof(alloc) };
	struct pvfio_ifd_test_cmd mock = {};

	f->buf = mmap(NULL, DIRTY_LEN, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	assert_true(f->buf != MAP_FAILED);
	f->fd = ifd_open();
	assert_true(f->fd >= 0);
	assert_ok(ifd_ioas_alloc(f->fd, &f->ioas));
	f->iova = PVFIO_IFD_MOCK_APERTURE_START;
	map.ioas_id = f->ioas;
	map.flags = PVFIO_IFD_IOAS_MAP_FIXED_IOVA |
		    PVFIO_IFD_IOAS_MAP_READABLE | PVFIO_IFD_IOAS_MAP_WRITEABLE;
	map.user_va = (uintptr_t)f->buf;
	map.length = DIRTY_LEN;
	map.iova = f->iova;
	assert_ok(pvfio_ioctl(f->fd, PVFIO_IFD_IOAS_MAP, &map));
	assert_ok(ifd_test_cmd(f->fd, &mock, PVFIO_IFD_TEST_OP_MOCK_DOMAIN,
			       f->ioas));
	/* No device on it: HWPT_ALLOC fills it at once, as iommufd. */
	alloc.dev_id = mock.mock_domain.out_idev_id;
	alloc.pt_id = f->ioas;
	alloc.flags = PVFIO_IFD_HWPT_ALLOC_DIRTY_TRACKING;
	assert_ok(pvfio_ioctl(f->fd, PVFIO_IFD_HWPT_ALLOC, &alloc));
	f->hwpt = alloc.out_hwpt_id;
}

static void dirty_teardown(struct dirty_fx *f)
{
	close(f->fd);
	munmap(f->buf, DIRTY_LEN);
}

/* Devices, capabilities and errnos of SET_DIRTY_TRACKING and TEST_OP_DIRTY. */
static void test_ifd_dirty_setup(void **state)
{
	struct pvfio_ifd_hw_info info = { .size = sizeof(info) };
	struct pvfio_ifd_hwpt_alloc alloc = { .size = sizeof(alloc) };
	struct pvfio_ifd_test_cmd nd = {}, mock = {}, cmd = {};
	const unsigned int p0 = 0;
	uint8_t bm[16] = {};
	struct dirty_fx f;

	(void)state;
	dirty_setup(&f);
	/* A NO_DIRTY device: no capability, no dirty table, cannot join one. */
	nd.mock_domain_flags.dev_flags = PVFIO_IFD_MOCK_FLAGS_DEVICE_NO_DIRTY;
	assert_ok(ifd_test_cmd(f.fd, &nd, PVFIO_IFD_TEST_OP_MOCK_DOMAIN_FLAGS,
			       f.ioas));
	info.dev_id = nd.mock_domain_flags.out_idev_id;
	assert_ok(pvfio_ioctl(f.fd, PVFIO_IFD_GET_HW_INFO, &info));
	assert_int_equal(info.out_capabilities &
			 PVFIO_IFD_HW_CAP_DIRTY_TRACKING, 0);
	alloc.dev_id = info.dev_id;
	alloc.pt_id = f.ioas;
	alloc.flags = PVFIO_IFD_HWPT_ALLOC_DIRTY_TRACKING;
	assert_errno(pvfio_ioctl(f.fd, PVFIO_IFD_HWPT_ALLOC, &alloc),
		     EOPNOTSUPP);
	cmd.mock_domain_replace.pt_id = f.hwpt;
	assert_errno(ifd_test_cmd(f.fd, &cmd,
				  PVFIO_IFD_TEST_OP_MOCK_DOMAIN_REPLACE,
				  nd.mock_domain_flags.out_stdev_id), EINVAL);
	/* A device that can: the capability; it attaches. */
	assert_ok(ifd_test_cmd(f.fd, &mock, PVFIO_IFD_TEST_OP_MOCK_DOMAIN,
			       f.hwpt));
	info.dev_id = mock.mock_domain.out_idev_id;
	info.data_len = 0;
	assert_ok(pvfio_ioctl(f.fd, PVFIO_IFD_GET_HW_INFO, &info));
	assert_int_equal(info.out_capabilities &
			 PVFIO_IFD_HW_CAP_DIRTY_TRACKING,
			 PVFIO_IFD_HW_CAP_DIRTY_TRACKING);

	/* SET: flags, IDs, and tables without dirty bits. */
	assert_errno(ifd_set_dirty(f.fd, f.hwpt, 2), EOPNOTSUPP);
	assert_errno(ifd_set_dirty(f.fd, 9999, 1), ENOENT);
	assert_errno(ifd_set_dirty(f.fd, f.ioas, 1), ENOENT);
	assert_errno(ifd_set_dirty(f.fd, nd.mock_domain_flags.out_hwpt_id, 1),
		     EOPNOTSUPP);
	assert_errno(ifd_get_dirty(f.fd, nd.mock_domain_flags.out_hwpt_id,
				   f.iova, DIRTY_LEN, 2048, bm, 0), EOPNOTSUPP);
	/* Tracking off: neither marks nor reads. */
	assert_errno(ifd_mark(f.fd, f.hwpt, f.iova, &p0, 1), EINVAL);
	assert_errno(ifd_get_dirty(f.fd, f.hwpt, f.iova, DIRTY_LEN, 2048, bm,
				   0), EINVAL);
	assert_ok(ifd_set_dirty(f.fd, f.hwpt, 1));
	assert_ok(ifd_set_dirty(f.fd, f.hwpt, 1));

	/* TEST_OP_DIRTY's own checks. */
	cmd.dirty.iova = f.iova;
	cmd.dirty.length = DIRTY_LEN;
	cmd.dirty.page_size = 0;
	cmd.dirty.uptr = (uintptr_t)bm;
	assert_errno(ifd_test_cmd(f.fd, &cmd, PVFIO_IFD_TEST_OP_DIRTY, f.hwpt),
		     EINVAL);
	cmd.dirty.page_size = 3000;
	assert_errno(ifd_test_cmd(f.fd, &cmd, PVFIO_IFD_TEST_OP_DIRTY, f.hwpt),
		     EINVAL);
	cmd.dirty.page_size = 1;
	cmd.dirty.length = (1ULL << 27) + 1;
	cmd.dirty.iova = 0;
	assert_errno(ifd_test_cmd(f.fd, &cmd, PVFIO_IFD_TEST_OP_DIRTY, f.hwpt),
		     EOVERFLOW);
	cmd.dirty.page_size = 1ULL << 62;
	cmd.dirty.length = 1ULL << 63;
	cmd.dirty.iova = 3ULL << 62;
	assert_errno(ifd_test_cmd(f.fd, &cmd, PVFIO_IFD_TEST_OP_DIRTY, f.hwpt),
		     EOVERFLOW);
	cmd.dirty.page_size = 2048;
	cmd.dirty.length = DIRTY_LEN;
	cmd.dirty.iova = f.iova;
	cmd.dirty.uptr = 0;
	assert_errno(ifd_test_cmd(f.fd, &cmd, PVFIO_IFD_TEST_OP_DIRTY, f.hwpt),
		     EINVAL);
	cmd.dirty.uptr = 8;
	assert_errno(ifd_test_cmd(f.fd, &cmd, PVFIO_IFD_TEST_OP_DIRTY, f.hwpt),
		     EFAULT);
	assert_errno(ifd_test_cmd(f.fd, &cmd, PVFIO_IFD_TEST_OP_DIRTY, f.ioas),
		     ENOENT);
	dirty_teardown(&f);
}

/* GET_DIRTY_BITMAP: errnos, granularity, set-only writes, clearing. */
static void test_ifd_dirty_bitmap(void **state)
{
	const unsigned int marks[] = { 0, 3, 63, 64, 100 };
	uint64_t words[4];
	uint8_t *bm, *ubm;
	struct dirty_fx f;
	unsigned int i;
	void *bad;

	(void)state;
	dirty_setup(&f);
	bm = calloc(1, 4096 + 64);
	assert_non_null(bm);
	assert_ok(ifd_set_dirty(f.fd, f.hwpt, 1));
	/* Only the mapped ones count (64 and 100 are past the mapping). */
	assert_int_equal(ifd_mark(f.fd, f.hwpt, f.iova, marks, 5), 3);

	/* Errnos, in iommufd's order. */
	assert_errno(ifd_get_dirty(f.fd, f.hwpt, f.iova, DIRTY_LEN, 2048, bm,
				   2), EOPNOTSUPP);
	assert_errno(ifd_get_dirty(f.fd, f.ioas, f.iova, DIRTY_LEN, 2048, bm,
				   0), ENOENT);
	assert_errno(ifd_get_dirty(f.fd, f.hwpt, 3ULL << 62, 1ULL << 63, 2048,
				   bm, 0), EOVERFLOW);
	assert_errno(ifd_get_dirty(f.fd, f.hwpt, f.iova + 1024, DIRTY_LEN,
				   2048, bm, 0), EINVAL);
	assert_errno(ifd_get_dirty(f.fd, f.hwpt, f.iova, DIRTY_LEN - 1024,
				   1024, bm, 0), EINVAL);
	assert_errno(ifd_get_dirty(f.fd, f.hwpt, f.iova, DIRTY_LEN, 0, bm, 0),
		     EINVAL);
	assert_errno(ifd_get_dirty(f.fd, f.hwpt, f.iova, DIRTY_LEN, 4096 * 3,
				   bm, 0), EINVAL);
	assert_errno(ifd_get_dirty(f.fd, f.hwpt, 0, 0, 2048, bm, 0), EINVAL);
	/* A bitmap whose end passes the end of the address space. */
	assert_errno(ifd_get_dirty(f.fd, f.hwpt, f.iova, 2 * DIRTY_LEN, 2048,
				   (void *)(uintptr_t)-8, 0), EOVERFLOW);
	/* Nothing read so far: the marks are still there. */

	/* A bitmap that cannot be written: EFAULT, nothing lost. */
	bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(bad != MAP_FAILED);
	assert_errno(ifd_get_dirty(f.fd, f.hwpt, f.iova, DIRTY_LEN, 2048, bad,
				   0), EFAULT);
	munmap(bad, 4096);

	/* At an odd user address; set-only: a bit already set stays. */
	ubm = bm + 1;
	memset(bm, 0, 64);
	ubm[1] = 0x80;	/* bit 15, clean */
	assert_ok(ifd_get_dirty(f.fd, f.hwpt, f.iova, DIRTY_LEN, 2048, ubm, 0));
	for (i = 0; i < DIRTY_PAGES; i++)
		assert_int_equal(bit_of(ubm, i),
				 i == 0 || i == 3 || i == 15 || i == 63);
	assert_int_equal(bm[0], 0);
	assert_int_equal(ubm[8], 0);
	/* Read and cleared. */
	memset(bm, 0, 64);
	assert_ok(ifd_get_dirty(f.fd, f.hwpt, f.iova, DIRTY_LEN, 2048, bm, 0));
	for (i = 0; i < 16; i++)
		assert_int_equal(bm[i], 0);

	/* page_size larger than the IO page: one bit for four. */
	assert_int_equal(ifd_mark(f.fd, f.hwpt, f.iova, marks, 3), 3);
	memset(words, 0, sizeof(words));
	assert_ok(ifd_get_dirty(f.fd, f.hwpt, f.iova, DIRTY_LEN, 8192, words,
				PVFIO_IFD_HWPT_GET_DIRTY_BITMAP_NO_CLEAR));
	assert_int_equal(words[0], 1ULL << 0 | 1ULL << 15);
	/* Smaller: two bits for one IO page; NO_CLEAR kept them. */
	memset(words, 0, sizeof(words));
	assert_ok(ifd_get_dirty(f.fd, f.hwpt, f.iova, DIRTY_LEN, 1024, words,
				0));
	assert_int_equal(words[0], 3ULL << 0 | 3ULL << 6);
	assert_int_equal(words[1], 3ULL << 62);
	/* A window of the range: bit 0 stands for its first page. */
	assert_int_equal(ifd_mark(f.fd, f.hwpt, f.iova, marks, 3), 3);
	memset(words, 0, sizeof(words));
	assert_ok(ifd_get_dirty(f.fd, f.hwpt, f.iova + 3 * 2048, 2048, 2048,
				words, 0));
	assert_int_equal(words[0], 1);

	/* Enabling again starts clean. */
	assert_ok(ifd_set_dirty(f.fd, f.hwpt, 1));
	memset(words, 0, sizeof(words));
	assert_ok(ifd_get_dirty(f.fd, f.hwpt, f.iova, DIRTY_LEN, 2048, words,
				0));
	assert_int_equal(words[0], 0);
	/* Disabling keeps nothing readable. */
	assert_int_equal(ifd_mark(f.fd, f.hwpt, f.iova, marks, 1), 1);
	assert_ok(ifd_set_dirty(f.fd, f.hwpt, 0));
	assert_errno(ifd_get_dirty(f.fd, f.hwpt, f.iova, DIRTY_LEN, 2048,
				   words, 0), EINVAL);
	free(bm);
	dirty_teardown(&f);
}

/*
 * UNMAP of a dirty IOPTE: its state goes with it, as in iommufd (read
 * before unmapping, with NO_CLEAR, to keep it); a bitmap over a vast range
 * needs no memory for it.
 */
static void test_ifd_dirty_unmap(void **state)
{
	struct pvfio_ifd_ioas_unmap unmap = { .size = sizeof(unmap) };
	struct pvfio_ifd_ioas_map map = { .size = sizeof(map) };
	const unsigned int marks[] = { 1, 2 };
	/* Past the first page of bits of a 2 KiB-a-bit bitmap from f.iova. */
	const uint64_t off = (32768 + 5) * 2048;
	uint64_t words[2], *big;
	struct dirty_fx f;

	(void)state;
	dirty_setup(&f);
	assert_ok(ifd_set_dirty(f.fd, f.hwpt, 1));
	assert_int_equal(ifd_mark(f.fd, f.hwpt, f.iova, marks, 2), 2);
	unmap.ioas_id = f.ioas;
	unmap.iova = f.iova;
	unmap.length = DIRTY_LEN;
	assert_ok(pvfio_ioctl(f.fd, PVFIO_IFD_IOAS_UNMAP, &unmap));
	map.ioas_id = f.ioas;
	map.flags = PVFIO_IFD_IOAS_MAP_FIXED_IOVA |
		    PVFIO_IFD_IOAS_MAP_READABLE | PVFIO_IFD_IOAS_MAP_WRITEABLE;
	map.user_va = (uintptr_t)f.buf;
	map.length = DIRTY_LEN;
	map.iova = f.iova + off;
	assert_ok(pvfio_ioctl(f.fd, PVFIO_IFD_IOAS_MAP, &map));
	memset(words, 0, sizeof(words));
	assert_ok(ifd_get_dirty(f.fd, f.hwpt, f.iova, DIRTY_LEN, 2048, words,
				0));
	assert_ok(ifd_get_dirty(f.fd, f.hwpt, f.iova + off, DIRTY_LEN, 2048,
				words, 0));
	assert_int_equal(words[0], 0);

	/* The mock's whole aperture at 2 KiB a bit: 128 KiB of bitmap. */
	assert_int_equal(ifd_mark(f.fd, f.hwpt, f.iova + off, marks, 2), 2);
	big = mmap(NULL, 128 << 10, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(big != MAP_FAILED);
	assert_ok(ifd_get_dirty(f.fd, f.hwpt, PVFIO_IFD_MOCK_APERTURE_START,
				(uint64_t)PVFIO_IFD_MOCK_APERTURE_LAST + 1 -
				PVFIO_IFD_MOCK_APERTURE_START, 2048, big, 0));
	assert_int_equal(big[0], 0);
	assert_int_equal(big[511], 0);
	assert_int_equal(big[512], 3ULL << 6);
	assert_int_equal(big[513], 0);
	munmap(big, 128 << 10);
	/* The lower half of the 64-bit space at 1 TiB a bit. */
	assert_int_equal(ifd_mark(f.fd, f.hwpt, f.iova + off, marks, 1), 1);
	memset(words, 0, sizeof(words));
	assert_ok(ifd_get_dirty(f.fd, f.hwpt, 0, 1ULL << 63, 1ULL << 40, words,
				0));
	assert_int_equal(words[0], 1);
	assert_int_equal(words[1], 0);
	dirty_teardown(&f);
}

/*
 * The "huge" mock type maps 1 MiB IOPTEs where memory and IOVA allow:
 * dirty as a whole (one TEST_OP_DIRTY bit marks 256 pages), reported whole
 * (clipped to the bitmap) and cleared whole by a read of any part of it,
 * as a hardware IOPTE's dirty bit.
 */
static void test_ifd_dirty_huge(void **state)
{
	struct pvfio_ifd_hwpt_selftest data = {
		.pagetable_type = PVFIO_IFD_MOCK_IOMMUPT_HUGE,
	};
	struct pvfio_ifd_hwpt_alloc alloc = {
		.size = sizeof(alloc), .data_type = PVFIO_IFD_HWPT_DATA_SELFTEST,
		.data_len = sizeof(data), .data_uptr = (uintptr_t)&data,
		.flags = PVFIO_IFD_HWPT_ALLOC_DIRTY_TRACKING,
	};
	struct pvfio_ifd_ioas_map map = { .size = sizeof(map) };
	struct pvfio_ifd_test_cmd mock = {}, cmd = {};
	const uint64_t iova = 1ULL << 30, len = 2 * MiB;
	uint64_t words[8], bits = 1;
	uint32_t ioas, ioas0;
	unsigned int i;
	char *big;
	int fd;

	(void)state;
	big = pvfio_alloc_hugetlb(len);
	assert_non_null(big);
	memset(big, 1, len);
	fd = ifd_open();
	assert_true(fd >= 0);
	assert_ok(ifd_ioas_alloc(fd, &ioas0));
	assert_ok(ifd_test_cmd(fd, &mock, PVFIO_IFD_TEST_OP_MOCK_DOMAIN,
			       ioas0));
	assert_ok(ifd_ioas_alloc(fd, &ioas));
	map.ioas_id = ioas;
	map.flags = PVFIO_IFD_IOAS_MAP_FIXED_IOVA |
		    PVFIO_IFD_IOAS_MAP_READABLE | PVFIO_IFD_IOAS_MAP_WRITEABLE;
	map.user_va = (uintptr_t)big;
	map.length = len;
	map.iova = iova;
	assert_ok(pvfio_ioctl(fd, PVFIO_IFD_IOAS_MAP, &map));
	alloc.dev_id = mock.mock_domain.out_idev_id;
	alloc.pt_id = ioas;
	assert_ok(pvfio_ioctl(fd, PVFIO_IFD_HWPT_ALLOC, &alloc));
	assert_ok(ifd_set_dirty(fd, alloc.out_hwpt_id, 1));

	/* One bit, at page 3 of the first IOPTE: all 256 pages read dirty. */
	cmd.dirty.iova = iova + 3 * PAGE;
	cmd.dirty.length = PAGE;
	cmd.dirty.page_size = PAGE;
	cmd.dirty.uptr = (uintptr_t)&bits;
	assert_ok(ifd_test_cmd(fd, &cmd, PVFIO_IFD_TEST_OP_DIRTY,
			       alloc.out_hwpt_id));
	assert_int_equal(cmd.dirty.out_nr_dirty, 1);
	memset(words, 0, sizeof(words));
	assert_ok(ifd_get_dirty(fd, alloc.out_hwpt_id, iova, len, PAGE, words,
				PVFIO_IFD_HWPT_GET_DIRTY_BITMAP_NO_CLEAR));
	for (i = 0; i < 8; i++)
		assert_int_equal(words[i], i < 4 ? UINT64_MAX : 0);
	/* A window inside it: its part only, and the whole IOPTE is clean. */
	memset(words, 0, sizeof(words));
	assert_ok(ifd_get_dirty(fd, alloc.out_hwpt_id, iova + 64 * PAGE,
				64 * PAGE, PAGE, words, 0));
	assert_int_equal(words[0], UINT64_MAX);
	assert_int_equal(words[1], 0);
	memset(words, 0, sizeof(words));
	assert_ok(ifd_get_dirty(fd, alloc.out_hwpt_id, iova, len, PAGE, words,
				0));
	for (i = 0; i < 8; i++)
		assert_int_equal(words[i], 0);
	/* The second IOPTE, by its last page; a 1 MiB bit for both. */
	cmd.dirty.iova = iova + len - PAGE;
	assert_ok(ifd_test_cmd(fd, &cmd, PVFIO_IFD_TEST_OP_DIRTY,
			       alloc.out_hwpt_id));
	memset(words, 0, sizeof(words));
	assert_ok(ifd_get_dirty(fd, alloc.out_hwpt_id, iova, len, MiB, words,
				0));
	assert_int_equal(words[0], 2);
	close(fd);
	munmap(big, len);
}

int main(void)
{
	const struct CMUnitTest node_tests[] = {
		cmocka_unit_test(test_ifd_node),
	};
	const struct CMUnitTest core_tests[] = {
		cmocka_unit_test(test_ifd_one_core),
		cmocka_unit_test(test_ifd_mock_types),
		cmocka_unit_test(test_ifd_auto_hwpt_race),
		cmocka_unit_test(test_ifd_check_map_race),
		cmocka_unit_test(test_ifd_dirty_setup),
		cmocka_unit_test(test_ifd_dirty_bitmap),
		cmocka_unit_test(test_ifd_dirty_unmap),
		cmocka_unit_test(test_ifd_dirty_huge),
	};
	int ret;

	ret = cmocka_run_group_tests_name("ifd_node", node_tests, NULL, NULL);
	ret |= cmocka_run_group_tests_name("ifd_core", core_tests,
					   pvfio_group_setup_test_ops,
					   pvfio_group_teardown_test_ops);
	return ret;
}
