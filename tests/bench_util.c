// SPDX-License-Identifier: GPL-2.0
/* Helpers of the benchmark: see bench_util.h. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include "bench_util.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << 26)
#endif

#define HUGE_SZ (2UL << 20)
/* Allocations of a THP buffer tried before giving up. */
#define THP_TRIES 3

double bench_now_ms(void)
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

double bench_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

const char *bench_backing_name(enum bench_backing b)
{
	switch (b) {
	case BACKING_4K:
		return "4KiB";
	case BACKING_THP:
		return "THP";
	case BACKING_HUGETLB:
		return "hugetlb2M";
	}
	return "?";
}

static int write_proc(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int ret = 0;

	if (!f)
		return -errno;
	if (fputs(val, f) < 0)
		ret = -EIO;
	if (fclose(f))
		ret = -errno;
	return ret;
}

void bench_compact_memory(void)
{
	write_proc("/proc/sys/vm/compact_memory", "1");
}

int bench_hugetlb_pool(unsigned long pages)
{
	unsigned long got = 0;
	char val[32];
	FILE *f;
	int ret;

	if (pages)
		bench_compact_memory();
	snprintf(val, sizeof(val), "%lu", pages);
	ret = write_proc("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", val);
	if (ret)
		return ret;
	f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "r");
	if (!f)
		return -errno;
	if (fscanf(f, "%lu", &got) != 1)
		got = 0;
	fclose(f);
	if (got != pages) {
		fprintf(stderr, "# bench: asked for %lu 2 MiB hugetlb pages, the pool has %lu\n",
			pages, got);
		return -ENOMEM;
	}
	return 0;
}

/*
 * The smaps fields of the VMA that is exactly [buf, buf + len).  Anonymous
 * buffers sit between PROT_NONE guards and a hugetlb VMA never merges, so
 * the buffer is one VMA of its own.  0, or -1 when no such VMA exists.
 */
static int read_smaps(const void *buf, size_t len, struct bench_smaps *s)
{
	unsigned long start, end, kb, want = (uintptr_t)buf;
	bool in_vma = false, found = false;
	char line[512];
	FILE *f;

	memset(s, 0, sizeof(*s));
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
			s->rss_kb = kb;
		else if (sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			s->anon_huge_kb = kb;
		else if (sscanf(line, "Private_Hugetlb: %lu kB", &kb) == 1)
			s->private_hugetlb_kb = kb;
		else if (sscanf(line, "KernelPageSize: %lu kB", &kb) == 1)
			s->kernel_page_kb = kb;
	}
	fclose(f);
	return found ? 0 : -1;
}

const char *bench_smaps_str(const struct bench_smaps *s)
{
	static char str[160];

	snprintf(str, sizeof(str),
		 "Rss=%lu kB AnonHugePages=%lu kB Private_Hugetlb=%lu kB KernelPageSize=%lu kB",
		 s->rss_kb, s->anon_huge_kb, s->private_hugetlb_kb,
		 s->kernel_page_kb);
	return str;
}

/* Whether @s is what @backing says for @len bytes, every byte resident. */
static bool smaps_ok(const struct bench_smaps *s, size_t len,
		     enum bench_backing backing)
{
	unsigned long kb = len / 1024;

	switch (backing) {
	case BACKING_4K:
		return s->kernel_page_kb == 4 && s->rss_kb == kb &&
		       s->anon_huge_kb == 0;
	case BACKING_THP:
		return s->kernel_page_kb == 4 && s->rss_kb == kb &&
		       s->anon_huge_kb == kb;
	case BACKING_HUGETLB:
		return s->kernel_page_kb == 2048 && s->private_hugetlb_kb == kb;
	}
	return false;
}

/* One try at allocating and faulting in @b->len bytes of @b->backing. */
static int buf_try(struct bench_buf *b)
{
	size_t len = b->len;
	char *p;

	if (b->backing == BACKING_HUGETLB) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB,
			 -1, 0);
		if (p == MAP_FAILED)
			return -errno;
		b->region = p;
		b->region_len = len;
		b->buf = p;
	} else {
		b->region_len = len + 2 * HUGE_SZ;
		p = mmap(NULL, b->region_len, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return -errno;
		b->region = p;
		b->buf = (char *)(((uintptr_t)p + 2 * HUGE_SZ - 1) &
				  ~(uintptr_t)(HUGE_SZ - 1));
		/* Advised before the first touch: after it, it is too late. */
		if (mprotect(b->buf, len, PROT_READ | PROT_WRITE) ||
		    madvise(b->buf, len, b->backing == BACKING_THP ?
			    MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
			fprintf(stderr, "# bench: mprotect/madvise: %m\n");
			return -errno;
		}
	}
	b->fill_ms = bench_now_ms();
	memset(b->buf, 1, len);
	b->fill_ms = bench_now_ms() - b->fill_ms;
	if (read_smaps(b->buf, len, &b->smaps))
		return -EIO;
	return smaps_ok(&b->smaps, len, b->backing) ? 0 : -EAGAIN;
}

int bench_buf_alloc(struct bench_buf *b, size_t len, enum bench_backing backing)
{
	int try, ret = -EAGAIN;

	memset(b, 0, sizeof(*b));
	b->len = len;
	b->backing = backing;
	for (try = 0; try < (backing == BACKING_THP ? THP_TRIES : 1); try++) {
		if (b->region)
			munmap(b->region, b->region_len);
		b->region = NULL;
		if (backing == BACKING_THP)
			bench_compact_memory();
		ret = buf_try(b);
		if (ret != -EAGAIN)
			break;
		fprintf(stderr, "# bench: %zu MiB %s: try %d: %s: not what the label says\n",
			len >> 20, bench_backing_name(backing), try + 1,
			bench_smaps_str(&b->smaps));
	}
	if (ret) {
		fprintf(stderr, "# bench: %zu MiB %s buffer: %s\n", len >> 20,
			bench_backing_name(backing), strerror(-ret));
		bench_buf_free(b);
	}
	return ret;
}

int bench_buf_verify(struct bench_buf *b)
{
	struct bench_smaps s;

	if (read_smaps(b->buf, b->len, &s))
		return -EIO;
	if (!smaps_ok(&s, b->len, b->backing)) {
		fprintf(stderr, "# bench: %zu MiB %s buffer changed: %s\n",
			b->len >> 20, bench_backing_name(b->backing),
			bench_smaps_str(&s));
		return -EAGAIN;
	}
	return 0;
}

void bench_buf_free(struct bench_buf *b)
{
	if (b->region)
		munmap(b->region, b->region_len);
	b->region = NULL;
	b->buf = NULL;
}
