/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the benchmark (bench.c): clocks, medians, and buffers whose
 * backing (4 KiB pages, transparent huge pages, 2 MiB hugetlbfs pages) is
 * read back from /proc/self/smaps rather than assumed.
 */
#ifndef PVFIO_BENCH_UTIL_H
#define PVFIO_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>

enum bench_backing {
	BACKING_4K,		/* anonymous, MADV_NOHUGEPAGE */
	BACKING_THP,		/* anonymous, MADV_HUGEPAGE, all huge */
	BACKING_HUGETLB,	/* MAP_HUGETLB | MAP_HUGE_2MB */
};

/* What smaps says of the buffer's VMA, in kB. */
struct bench_smaps {
	unsigned long rss_kb;
	unsigned long anon_huge_kb;
	unsigned long private_hugetlb_kb;
	unsigned long kernel_page_kb;
};

struct bench_buf {
	char *buf;		/* @len bytes, 2 MiB aligned */
	size_t len;
	enum bench_backing backing;
	void *region;		/* what to munmap */
	size_t region_len;
	double fill_ms;		/* first touch of every byte */
	struct bench_smaps smaps;	/* as allocated */
};

double bench_now_ms(void);
/* Sorts @v (v[0] and v[n - 1] are then the range) and returns the median. */
double bench_median(double *v, int n);
const char *bench_backing_name(enum bench_backing b);

/*
 * Allocates, advises, faults in and verifies a buffer; THP is tried a few
 * times after compacting memory.  hugetlb needs free 2 MiB pages in the
 * pool (bench_hugetlb_pool()).  0, or -errno with a "# bench:" line on
 * stderr saying what the backing was instead.
 */
int bench_buf_alloc(struct bench_buf *b, size_t len, enum bench_backing backing);
/* Whether the buffer is still backed as its label says (re-reads smaps). */
int bench_buf_verify(struct bench_buf *b);
void bench_buf_free(struct bench_buf *b);
/* "Rss=... kB AnonHugePages=... kB ..." of @s, for the output. */
const char *bench_smaps_str(const struct bench_smaps *s);

/* Sets the 2 MiB hugetlb pool to @pages pages; 0 or -errno. */
int bench_hugetlb_pool(unsigned long pages);
void bench_compact_memory(void);

#endif /* PVFIO_BENCH_UTIL_H */
