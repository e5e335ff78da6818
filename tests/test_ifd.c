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
#include <stdlib.h>
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
	map.flags = PVFIO_IFD_IOAS_MAP_READABLE | PVFIO_IFD_IOAS_MAP_WRITEABLE;
	map.user_va = (uintptr_t)buf;
	map.length = len;
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

int main(void)
{
	const struct CMUnitTest node_tests[] = {
		cmocka_unit_test(test_ifd_node),
	};
	const struct CMUnitTest core_tests[] = {
		cmocka_unit_test(test_ifd_one_core),
	};
	int ret;

	ret = cmocka_run_group_tests_name("ifd_node", node_tests, NULL, NULL);
	ret |= cmocka_run_group_tests_name("ifd_core", core_tests,
					   pvfio_group_setup_test_ops,
					   pvfio_group_teardown_test_ops);
	return ret;
}
