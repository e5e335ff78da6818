// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark, not a test: the time to MAP and to UNMAP 256 MiB backed by
 * 4 KiB pages and by transparent huge pages, into an IOAS with the edu
 * device attached (a real IOMMU domain) and into one with no domain.
 * Prints one PVFIO-BENCH line per measurement.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "edu.h"
#include "pvfio_test.h"

#define LEN (256 * MiB)
#define ROUNDS 3

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int bench(int fd, uint32_t ioas, const char *name, bool thp,
		 const char *domain)
{
	double map_ms = 1e12, unmap_ms = 1e12, t, fill_ms;
	char *buf = pvfio_alloc(LEN, 2 * MiB);
	uint64_t iova, unmapped;
	int i, ret;

	if (!buf)
		return -ENOMEM;
	madvise(buf, LEN, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	fill_ms = now_ms();
	memset(buf, 1, LEN);
	fill_ms = now_ms() - fill_ms;
	for (i = 0; i < ROUNDS; i++) {
		iova = 0x10000000;
		t = now_ms();
		ret = pvfio_map(fd, ioas, buf, LEN, &iova, FIXED | RW);
		if (ret)
			return ret;
		t = now_ms() - t;
		/* Every page really is pinned while mapped. */
		if (pvfio_pinned_pages() != LEN / PAGE)
			return -EIO;
		map_ms = t < map_ms ? t : map_ms;
		t = now_ms();
		ret = pvfio_unmap(fd, ioas, iova, LEN, &unmapped);
		if (ret)
			return ret;
		if (unmapped != LEN || pvfio_pinned_pages() != 0)
			return -EIO;
		t = now_ms() - t;
		unmap_ms = t < unmap_ms ? t : unmap_ms;
	}
	printf("PVFIO-BENCH %s domain=%s map_ms=%.1f unmap_ms=%.1f (best of %d; first touch of the buffer took %.0f ms)\n",
	       name, domain, map_ms, unmap_ms, ROUNDS, fill_ms);
	munmap(buf, LEN);
	return 0;
}

int main(void)
{
	struct pvfio_device_bind bind = { .size = sizeof(bind) };
	struct pvfio_device_attach att = { .size = sizeof(att) };
	uint32_t plain, dev_ioas;
	struct edu edu;
	int fd, ret = 0;

	if (pvfio_fixture_load("enable_test_ops=1"))
		return 1;
	fd = pvfio_open();
	if (fd < 0 || pvfio_ioas_alloc(fd, &plain) ||
	    pvfio_ioas_alloc(fd, &dev_ioas) || edu_open(&edu))
		return 1;
	bind.pci_domain = edu.pci_domain;
	bind.pci_bdf = edu.pci_bdf;
	att.pt_id = dev_ioas;
	if (pvfio_ioctl(fd, PVFIO_DEVICE_BIND, &bind))
		return 1;
	att.dev_id = bind.out_dev_id;
	if (pvfio_ioctl(fd, PVFIO_DEVICE_ATTACH, &att))
		return 1;

	ret |= bench(fd, plain, "map-256MiB-4KiB", false, "none");
	ret |= bench(fd, plain, "map-256MiB-THP", true, "none");
	ret |= bench(fd, dev_ioas, "map-256MiB-4KiB", false, edu_iommu_kind());
	ret |= bench(fd, dev_ioas, "map-256MiB-THP", true, edu_iommu_kind());
	close(fd);
	edu_close(&edu);
	ret |= pvfio_fixture_unload(true);
	return ret ? 1 : 0;
}
