// SPDX-License-Identifier: GPL-2.0
/*
 * `make demo`, second part: a program written against iommufd's ABI (the
 * layouts and numbers of uapi/pvfio_iommufd.h are iommufd's own) that opens
 * /dev/iommu, which on a stock Debian kernel is pvfio's /dev/pvfio-iommufd
 * (the udev rule links it there where the kernel has no iommufd).  It uses
 * iommufd's test interface for a mock device and an access, the way
 * iommufd's own selftest does; every value printed is read back from the
 * kernel or from memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../uapi/pvfio_iommufd.h"

#define BUF_SIZE (64 * 1024)

static int fd;

static void step(const char *what)
{
	printf("\n== %s\n", what);
}

static int fail(const char *what)
{
	printf("!! %s: %s\n", what, strerror(errno));
	return 1;
}

static int test_cmd(struct pvfio_ifd_test_cmd *cmd, uint32_t op, uint32_t id)
{
	cmd->size = sizeof(*cmd);
	cmd->op = op;
	cmd->id = id;
	return ioctl(fd, PVFIO_IFD_TEST_CMD, cmd);
}

static int check_refs(void *buf, unsigned int refs)
{
	struct pvfio_ifd_test_cmd cmd = {
		.check_refs = { .length = BUF_SIZE,
				.uptr = (uintptr_t)buf, .refs = refs },
	};

	return test_cmd(&cmd, PVFIO_IFD_TEST_OP_MD_CHECK_REFS, 0);
}

int main(void)
{
	struct pvfio_ifd_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct pvfio_ifd_iova_range ranges[4];
	struct pvfio_ifd_ioas_iova_ranges rcmd = { .size = sizeof(rcmd) };
	struct pvfio_ifd_ioas_map map = { .size = sizeof(map) };
	struct pvfio_ifd_ioas_unmap unmap = { .size = sizeof(unmap) };
	struct pvfio_ifd_destroy destroy = { .size = sizeof(destroy) };
	struct pvfio_ifd_test_cmd mock = {}, chk = {}, acc = {}, rw = {};
	char *buf, readback[64];
	uint32_t i, stdev_id;
	int afd;

	step("open(\"/dev/iommu\"): iommufd's node, here pvfio's");
	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0)
		return fail("open /dev/iommu");
	printf("   opened; every ioctl below is iommufd's number and struct\n");

	step("IOMMU_IOAS_ALLOC");
	if (ioctl(fd, PVFIO_IFD_IOAS_ALLOC, &alloc))
		return fail("IOMMU_IOAS_ALLOC");
	printf("   IOAS id %u\n", alloc.out_ioas_id);

	step("IOMMU_TEST_CMD MOCK_DOMAIN: a mock device attached to the IOAS");
	if (test_cmd(&mock, PVFIO_IFD_TEST_OP_MOCK_DOMAIN, alloc.out_ioas_id))
		return fail("MOCK_DOMAIN");
	stdev_id = mock.mock_domain.out_stdev_id;
	printf("   selftest object %u, device %u, page table %u\n", stdev_id,
	       mock.mock_domain.out_idev_id, mock.mock_domain.out_hwpt_id);

	step("IOMMU_IOAS_IOVA_RANGES: the page table's aperture");
	rcmd.ioas_id = alloc.out_ioas_id;
	rcmd.num_iovas = 4;
	rcmd.allowed_iovas = (uintptr_t)ranges;
	if (ioctl(fd, PVFIO_IFD_IOAS_IOVA_RANGES, &rcmd))
		return fail("IOMMU_IOAS_IOVA_RANGES");
	for (i = 0; i < rcmd.num_iovas && i < 4; i++)
		printf("   usable [%#llx, %#llx]\n",
		       (unsigned long long)ranges[i].start,
		       (unsigned long long)ranges[i].last);
	printf("   IOVA alignment %llu bytes (the mock's 2 KiB IO page)\n",
	       (unsigned long long)rcmd.out_iova_alignment);

	step("IOMMU_IOAS_MAP 64 KiB of this process, IOVA chosen by the kernel");
	buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED)
		return fail("mmap");
	snprintf(buf, BUF_SIZE, "bytes from the CPU, read through the IOAS");
	map.ioas_id = alloc.out_ioas_id;
	map.flags = PVFIO_IFD_IOAS_MAP_READABLE | PVFIO_IFD_IOAS_MAP_WRITEABLE;
	map.user_va = (uintptr_t)buf;
	map.length = BUF_SIZE;
	if (ioctl(fd, PVFIO_IFD_IOAS_MAP, &map))
		return fail("IOMMU_IOAS_MAP");
	printf("   mapped at IOVA %#llx\n", (unsigned long long)map.iova);

	step("MD_CHECK_MAP and MD_CHECK_REFS: the mock page table holds exactly these pages, each pinned once");
	chk.check_map.iova = map.iova;
	chk.check_map.length = BUF_SIZE;
	chk.check_map.uptr = (uintptr_t)buf;
	if (test_cmd(&chk, PVFIO_IFD_TEST_OP_MD_CHECK_MAP,
		     mock.mock_domain.out_hwpt_id))
		return fail("MD_CHECK_MAP");
	if (check_refs(buf, 1))
		return fail("MD_CHECK_REFS 1");
	printf("   every 2 KiB IO page translates to this buffer; 1 pin per page\n");

	step("CREATE_ACCESS and ACCESS_RW: an emulated device reads the IOVA through pvfio's access API");
	acc.create_access.flags =
		PVFIO_IFD_MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES;
	if (test_cmd(&acc, PVFIO_IFD_TEST_OP_CREATE_ACCESS, alloc.out_ioas_id))
		return fail("CREATE_ACCESS");
	afd = acc.create_access.out_access_fd;
	memset(readback, 0, sizeof(readback));
	rw.access_rw.iova = map.iova;
	rw.access_rw.length = sizeof(readback) - 1;
	rw.access_rw.uptr = (uintptr_t)readback;
	if (test_cmd(&rw, PVFIO_IFD_TEST_OP_ACCESS_RW, afd))
		return fail("ACCESS_RW read");
	printf("   read at IOVA %#llx: \"%s\"\n",
	       (unsigned long long)map.iova, readback);
	if (strcmp(readback, buf)) {
		printf("!! the bytes differ from the buffer\n");
		return 1;
	}
	snprintf(readback, sizeof(readback), "written by the access");
	rw.access_rw.flags = PVFIO_IFD_MOCK_ACCESS_RW_WRITE;
	rw.access_rw.iova = map.iova + 4096;
	if (test_cmd(&rw, PVFIO_IFD_TEST_OP_ACCESS_RW, afd))
		return fail("ACCESS_RW write");
	printf("   wrote at IOVA %#llx; the buffer now holds \"%s\"\n",
	       (unsigned long long)map.iova + 4096, buf + 4096);
	if (strcmp(buf + 4096, readback)) {
		printf("!! the write did not reach the buffer\n");
		return 1;
	}
	close(afd);

	step("IOMMU_IOAS_UNMAP everything; the pins go with it");
	unmap.ioas_id = alloc.out_ioas_id;
	unmap.iova = 0;
	unmap.length = UINT64_MAX;
	if (ioctl(fd, PVFIO_IFD_IOAS_UNMAP, &unmap))
		return fail("IOMMU_IOAS_UNMAP");
	printf("   %llu bytes unmapped\n", (unsigned long long)unmap.length);
	if (check_refs(buf, 0))
		return fail("MD_CHECK_REFS 0");
	printf("   MD_CHECK_REFS: no page of the buffer is pinned any more\n");

	step("IOMMU_DESTROY the IOAS while the device uses it: EBUSY, as iommufd");
	destroy.id = alloc.out_ioas_id;
	if (!ioctl(fd, PVFIO_IFD_DESTROY, &destroy) || errno != EBUSY) {
		printf("!! expected EBUSY\n");
		return 1;
	}
	printf("   %s\n", strerror(errno));
	destroy.id = stdev_id;
	if (ioctl(fd, PVFIO_IFD_DESTROY, &destroy))
		return fail("IOMMU_DESTROY device");
	destroy.id = alloc.out_ioas_id;
	if (ioctl(fd, PVFIO_IFD_DESTROY, &destroy))
		return fail("IOMMU_DESTROY IOAS");
	printf("   device, then IOAS destroyed\n");
	close(fd);
	return 0;
}
