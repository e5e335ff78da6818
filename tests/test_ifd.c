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
	};
	int ret;

	ret = cmocka_run_group_tests_name("ifd_node", node_tests, NULL, NULL);
	ret |= cmocka_run_group_tests_name("ifd_core", core_tests,
					   pvfio_group_setup_test_ops,
					   pvfio_group_teardown_test_ops);
	return ret;
}
