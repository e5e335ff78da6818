// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark, not a test: the time to MAP and to UNMAP 256 MiB backed by
 * 4 KiB pages and by transparent huge pages, into an IOAS with the edu
 * device attached (a real IOMMU domain) and into one with no domain.
 * Prints one PVFIO-BENCH line per measurement: the median of ROUNDS runs
 * and their range.  No time is ever asserted.
 *
 * What backs the buffer is checked, not assumed: THP is "always" in Debian's
 * kernels, so the 4 KiB buffer gets MADV_NOHUGEPAGE before its first touch
 * (after it, the huge pages are already there), and the THP buffer gets
 * MADV_HUGEPAGE on compacted memory.  Rss and AnonHugePages of the buffer's
 * VMA in /proc/self/smaps are printed with each row, before and after the
 * runs; a row whose backing is not what its label says fails the benchmark
 * (non-zero exit: the harness notes benchmark-failed).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "edu.h"
#include "pvfio_test.h"

#define LEN (256 * MiB)
#define HUGE (2 * MiB)
#define ROUNDS 5
/* Allocations of the THP buffer tried before its row gives up. */
#define THP_TRIES 3

struct backing {
	unsigned long rss_kb;
	unsigned long anon_huge_kb;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v: v[0] and v[n - 1] are then the range. */
static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Rss and AnonHugePages of the VMA that is exactly [buf, buf + len).  The
 * buffer sits between PROT_NONE guards, so it is one VMA of its own that
 * cannot merge with a neighbour.  0, or -1 when no such VMA exists.
 */
static int read_backing(void *buf, size_t len, struct backing *b)
{
	unsigned long start, end, kb, want = (uintptr_t)buf;
	bool in_vma = false, found = false;
	char line[512];
	FILE *f;

	memset(b, 0, sizeof(*b));
	f = fopen("/proc/self/smaps", "r");
	if (!f) {
		fprintf(stderr, "# bench: /proc/self/smaps: %m\n");
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in_vma = start <= want && want < end;
			if (in_vma) {
				found = true;
				if (start != want || end != want + len) {
					fprintf(stderr,
						"# bench: the buffer's VMA is %lx-%lx, not %lx-%lx\n",
						start, end, want, want + len);
					found = false;
				}
			}
			continue;
		}
		if (!in_vma)
			continue;
		if (sscanf(line, "Rss: %lu kB", &kb) == 1)
			b->rss_kb = kb;
		else if (sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			b->anon_huge_kb = kb;
	}
	fclose(f);
	return found ? 0 : -1;
}

/* Whether @b is what the row's label says: all 4 KiB pages, or all THP. */
static bool backing_ok(const struct backing *b, bool thp)
{
	if (b->rss_kb != LEN / 1024)
		return false;
	return b->anon_huge_kb == (thp ? LEN / 1024 : 0);
}

static void compact_memory(void)
{
	FILE *f = fopen("/proc/sys/vm/compact_memory", "w");

	if (f) {
		fputs("1", f);
		fclose(f);
	}
}

/*
 * A 2 MiB-aligned anonymous buffer of LEN bytes between PROT_NONE guards,
 * advised before anything touches it, then faulted in.  *@region and
 * *@region_len are what to munmap.
 */
static char *alloc_buffer(bool thp, void **region, size_t *region_len,
			  double *fill_ms)
{
	size_t total = LEN + 2 * HUGE;
	char *p, *buf;

	p = mmap(NULL, total, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	buf = (char *)(((uintptr_t)p + 2 * HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	if (mprotect(buf, LEN, PROT_READ | PROT_WRITE) ||
	    madvise(buf, LEN, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		fprintf(stderr, "# bench: mprotect/madvise: %m\n");
		munmap(p, total);
		return NULL;
	}
	*fill_ms = now_ms();
	memset(buf, 1, LEN);
	*fill_ms = now_ms() - *fill_ms;
	*region = p;
	*region_len = total;
	return buf;
}

static int bench(int fd, uint32_t ioas, const char *name, bool thp,
		 const char *domain)
{
	double map_ms[ROUNDS], unmap_ms[ROUNDS], t, fill_ms = 0;
	struct backing before = { 0 }, after = { 0 };
	uint64_t iova, unmapped, pinned = 0, p;
	size_t region_len = 0;
	void *region = NULL;
	char *buf = NULL;
	bool ok = false;
	int i, try, ret = 0;

	for (try = 0; try < (thp ? THP_TRIES : 1); try++) {
		if (buf)
			munmap(region, region_len);
		if (thp)
			compact_memory();
		buf = alloc_buffer(thp, &region, &region_len, &fill_ms);
		if (!buf)
			return -ENOMEM;
		if (read_backing(buf, LEN, &before)) {
			ret = -EIO;
			goto out;
		}
		ok = backing_ok(&before, thp);
		if (ok)
			break;
		fprintf(stderr,
			"# bench: %s: try %d: Rss=%lu kB AnonHugePages=%lu kB, not all %s\n",
			name, try + 1, before.rss_kb, before.anon_huge_kb,
			thp ? "THP" : "4 KiB pages");
	}

	for (i = 0; ok && i < ROUNDS; i++) {
		iova = 0x10000000;
		t = now_ms();
		ret = pvfio_map(fd, ioas, buf, LEN, &iova, FIXED | RW);
		if (ret)
			goto out;
		map_ms[i] = now_ms() - t;
		/*
		 * Every page is pinned while a page table is attached; with
		 * none, MAP may pin nothing (lazy pinning): say which.
		 */
		p = pvfio_pinned_pages();
		if (p != LEN / PAGE && !(p == 0 && !strcmp(domain, "none"))) {
			fprintf(stderr, "# bench: %s: %llu pages pinned while mapped\n",
				name, (unsigned long long)p);
			ret = -EIO;
			goto out;
		}
		pinned = p;
		t = now_ms();
		ret = pvfio_unmap(fd, ioas, iova, LEN, &unmapped);
		if (ret)
			goto out;
		unmap_ms[i] = now_ms() - t;
		if (unmapped != LEN || pvfio_pinned_pages() != 0) {
			ret = -EIO;
			goto out;
		}
	}
	if (read_backing(buf, LEN, &after)) {
		ret = -EIO;
		goto out;
	}
	ok = ok && backing_ok(&after, thp);

	if (ok) {
		double map_med = median(map_ms, ROUNDS);
		double unmap_med = median(unmap_ms, ROUNDS);

		printf("PVFIO-BENCH %s domain=%s map_ms=%.1f unmap_ms=%.1f (median of %d: map %.1f..%.1f, unmap %.1f..%.1f; %llu pages pinned while mapped; buffer Rss=%lu kB AnonHugePages=%lu kB; first touch %.0f ms)\n",
		       name, domain, map_med, unmap_med, ROUNDS, map_ms[0],
		       map_ms[ROUNDS - 1], unmap_ms[0], unmap_ms[ROUNDS - 1],
		       (unsigned long long)pinned, before.rss_kb,
		       before.anon_huge_kb, fill_ms);
	} else {
		/* Never print a figure under a label that is not true. */
		printf("PVFIO-BENCH %s domain=%s BACKING-MISMATCH: buffer Rss=%lu kB AnonHugePages=%lu kB before the runs, Rss=%lu kB AnonHugePages=%lu kB after; expected Rss=%lu kB AnonHugePages=%lu kB\n",
		       name, domain, before.rss_kb, before.anon_huge_kb,
		       after.rss_kb, after.anon_huge_kb, LEN / 1024,
		       thp ? LEN / 1024 : 0);
		ret = -EIO;
	}
out:
	if (ret)
		fprintf(stderr, "# bench: %s domain=%s: %s\n", name, domain,
			strerror(-ret));
	fflush(stdout);
	munmap(region, region_len);
	return ret;
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
