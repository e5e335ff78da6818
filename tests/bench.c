// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark, not a test: pvfio beside VFIO type1 (the kernel's own vfio,
 * vfio_iommu_type1 and vfio-pci modules) in one guest, on the same buffers,
 * runs alternating pvfio, type1, pvfio, type1, ...  No time is asserted.
 *
 * The guest has two edu devices: the first is bound to pvfio-pci and
 * attached to an IOAS (pvfio's page table), the second to vfio-pci, its
 * group set to a type1v2 container (type1's page table).  A second IOAS
 * has no device: pvfio "without a page table" (type1 cannot map without
 * a group, so its column is n/a there, as for access pins, which type1
 * does not offer to userspace).
 *
 * Rows (see README "Benchmarks"):
 *   MAP and UNMAP of 256 MiB and 1 GiB backed by 4 KiB pages, THP and
 *   2 MiB hugetlbfs pages, with a page table and without (ms);
 *   access PIN+UNPIN of 1 page and of 2 MiB (us per pair);
 *   per-MAP cost filling one IOAS with 1k, 10k, 100k and 1M one-page
 *   mappings (us per MAP), and the UNMAP of all of them (ms);
 *   16384 one-page MAPs into one IOAS (with a page table and without) by
 *   1 thread and by 2 threads each
 *   mapping its own half of the IOVA range (ms);
 *   GET_DIRTY_BITMAP of a 64 GiB range at 4 KiB per bit, with NO_CLEAR and
 *   with the clear: nothing dirty, some pages written through ACCESS_RW,
 *   and pessimistic (edu attached), pvfio only (ms).
 *
 * Every buffer's backing is read from /proc/self/smaps after it was
 * faulted in and again after its runs; a buffer that is not what its row
 * says fails the benchmark (exit 1) rather than print a wrong label.
 *
 * Usage: bench [quick]    quick: every row at small sizes, 3 rounds (what
 *                         `make check` runs to prove the benchmark works)
 * Output: one "PVFIO-BENCH id=... unit=... pvfio=... type1=... ratio=...
 * n=... label=..." line per row, then the table.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/vfio.h>

#include "bench_util.h"
#include "edu.h"
#include "pvfio_test.h"

#define IOVA_BASE (4UL << 30)	/* above the 32-bit MSI window */
#define MAX_ROUNDS 5
#define MAX_ROWS 64
#define SMALL_LEN (64 * MiB)	/* the one-page mappings cycle through it */
#define TYPE1_ENTRY_LIMIT (2U << 20)

static bool quick;

/* ------------------------------------------------------------- backends */

struct backend {
	const char *name;
	bool type1;
	int fd;			/* /dev/pvfio, or the type1 container */
	uint32_t ioas;
};

static int be_map(struct backend *be, const void *va, uint64_t len,
		  uint64_t iova)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)va, .iova = iova, .size = len,
	};

	if (!be->type1)
		return pvfio_map(be->fd, be->ioas, (void *)va, len, &iova,
				 FIXED | RW);
	return ioctl(be->fd, VFIO_IOMMU_MAP_DMA, &map) ? -errno : 0;
}

/* Unmaps [iova, iova + len), or everything when @len is 0. */
static int be_unmap(struct backend *be, uint64_t iova, uint64_t len)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap), .iova = iova, .size = len,
	};
	uint64_t done;
	int ret;

	if (!be->type1) {
		ret = pvfio_unmap(be->fd, be->ioas, len ? iova : 0,
				  len ? len : UINT64_MAX, &done);
	} else {
		if (!len)
			unmap.flags = VFIO_DMA_UNMAP_FLAG_ALL;
		ret = ioctl(be->fd, VFIO_IOMMU_UNMAP_DMA, &unmap) ? -errno : 0;
		done = unmap.size;
	}
	if (!ret && len && done != len) {
		fprintf(stderr, "# bench: %s: unmapped %llu bytes, not %llu\n",
			be->name, (unsigned long long)done,
			(unsigned long long)len);
		ret = -EIO;
	}
	return ret;
}

static struct backend pv_pt = { .name = "pvfio" };	/* edu attached */
static struct backend pv_nopt = { .name = "pvfio" };	/* no device */
static struct backend type1 = { .name = "type1", .type1 = true };
static unsigned int type1_entry_limit;

/* ----------------------------------------------------------------- rows */

struct row {
	char id[48];
	char label[96];
	const char *unit;
	double v[2][MAX_ROUNDS];	/* [0] pvfio, [1] type1 */
	int n[2];
	bool na[2];
};

static struct row rows[MAX_ROWS];
static int nrows;
static int failed;

static struct row *row_new(const char *unit, bool type1_na, const char *id,
			   const char *label)
{
	struct row *r = &rows[nrows < MAX_ROWS - 1 ? nrows++ : nrows];

	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->label, sizeof(r->label), "%s", label);
	r->unit = unit;
	r->na[1] = type1_na;
	return r;
}

static void row_add(struct row *r, struct backend *be, double v)
{
	int i = be->type1;

	if (r->n[i] < MAX_ROUNDS)
		r->v[i][r->n[i]++] = v;
}

static double row_median(struct row *r, int i, double *lo, double *hi)
{
	double v[MAX_ROUNDS];

	memcpy(v, r->v[i], sizeof(v));
	bench_median(v, r->n[i]);
	*lo = v[0];
	*hi = v[r->n[i] - 1];
	return bench_median(v, r->n[i]);
}

/* Three significant digits at most, never an exponent. */
static void fmt_num(char *s, size_t n, double v)
{
	snprintf(s, n, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : v >= 1 ? "%.2f" :
		 "%.3f", v);
}

static void fmt_val(char *s, size_t n, struct row *r, int i)
{
	double lo, hi;

	if (r->na[i] || !r->n[i])
		snprintf(s, n, "n/a");
	else
		fmt_num(s, n, row_median(r, i, &lo, &hi));
}

/* The machine-readable line of a finished row (bench.sh collects them). */
static void row_print(struct row *r)
{
	double lo[2] = { 0 }, hi[2] = { 0 }, med[2] = { 0 };
	char val[2][32], ratio[32] = "n/a", range[2][64];
	int i;

	for (i = 0; i < 2; i++) {
		fmt_val(val[i], sizeof(val[i]), r, i);
		snprintf(range[i], sizeof(range[i]), "n/a");
		if (r->na[i] || !r->n[i])
			continue;
		med[i] = row_median(r, i, &lo[i], &hi[i]);
		fmt_num(range[i], sizeof(range[i]) / 2, lo[i]);
		strcat(range[i], "..");
		fmt_num(range[i] + strlen(range[i]), sizeof(range[i]) / 2 - 2,
			hi[i]);
	}
	if (!r->na[0] && !r->na[1] && r->n[0] && r->n[1] && med[1] > 0)
		snprintf(ratio, sizeof(ratio), "%.2f", med[0] / med[1]);
	printf("PVFIO-BENCH id=%s unit=%s pvfio=%s type1=%s ratio=%s n=%d pvfio_range=%s type1_range=%s label=%s\n",
	       r->id, r->unit, val[0], val[1], ratio, r->n[0], range[0],
	       range[1], r->label);
	fflush(stdout);
}

static void table_print(void)
{
	char val[2][32], ratio[32];
	double lo, hi;
	int k;

	printf("# pvfio vs VFIO type1 under %s (medians; %s)\n",
	       edu_iommu_kind(), quick ? "quick mode: small sizes" : "full");
	printf("# %-56s %4s %10s %10s %12s\n", "case", "unit", "pvfio",
	       "type1", "pvfio/type1");
	for (k = 0; k < nrows; k++) {
		struct row *r = &rows[k];

		fmt_val(val[0], sizeof(val[0]), r, 0);
		fmt_val(val[1], sizeof(val[1]), r, 1);
		snprintf(ratio, sizeof(ratio), "n/a");
		if (!r->na[0] && !r->na[1] && r->n[0] && r->n[1])
			snprintf(ratio, sizeof(ratio), "%.2f",
				 row_median(r, 0, &lo, &hi) /
				 row_median(r, 1, &lo, &hi));
		printf("# %-56s %4s %10s %10s %12s\n", r->label, r->unit,
		       val[0], val[1], ratio);
	}
	fflush(stdout);
}

#define CHECK(expr, what) do {						\
	int __r = (expr);						\
	if (__r) {							\
		fprintf(stderr, "# bench: %s: %s\n", what, strerror(-__r)); \
		failed = 1;						\
		goto out;						\
	}								\
} while (0)

static const char *size_str(size_t len)
{
	static char s[4][24];
	static int i;

	i = (i + 1) % 4;
	if (len >= (1UL << 30) && !(len % (1UL << 30)))
		snprintf(s[i], sizeof(s[i]), "%zuGiB", len >> 30);
	else
		snprintf(s[i], sizeof(s[i]), "%zuMiB", len >> 20);
	return s[i];
}

static const char *count_str(unsigned long n)
{
	static char s[4][24];
	static int i;

	i = (i + 1) % 4;
	if (n >= 1000000 && !(n % 1000000))
		snprintf(s[i], sizeof(s[i]), "%luM", n / 1000000);
	else if (n >= 1000 && !(n % 1000))
		snprintf(s[i], sizeof(s[i]), "%luk", n / 1000);
	else
		snprintf(s[i], sizeof(s[i]), "%lu", n);
	return s[i];
}

/* --------------------------------------------------- MAP/UNMAP a buffer */

static void bench_buffer(size_t len, enum bench_backing bk, int rounds)
{
	struct backend *order[] = { &pv_pt, &type1, &pv_nopt };
	struct row *map[2], *unmap[2];
	const char *sz = size_str(len), *bn = bench_backing_name(bk);
	char id[48], label[96];
	struct bench_buf b = { 0 };
	bool huge = bk == BACKING_HUGETLB;
	double t;
	int r, k, pt;

	for (pt = 1; pt >= 0; pt--) {
		const char *pts = pt ? "pt" : "nopt";

		snprintf(id, sizeof(id), "map-%s-%s-%s", sz, bn, pts);
		snprintf(label, sizeof(label), "MAP %s %s, %s", sz, bn,
			 pt ? "page table" : "no page table");
		map[pt] = row_new("ms", !pt, id, label);
		snprintf(id, sizeof(id), "unmap-%s-%s-%s", sz, bn, pts);
		snprintf(label, sizeof(label), "UNMAP %s %s, %s", sz, bn,
			 pt ? "page table" : "no page table");
		unmap[pt] = row_new("ms", !pt, id, label);
	}
	if (huge)
		CHECK(bench_hugetlb_pool(len / (2 * MiB)), "hugetlb pool");
	CHECK(bench_buf_alloc(&b, len, bk), "buffer");
	printf("PVFIO-BENCH-BACKING %s %s: %s; first touch %.0f ms\n", sz, bn,
	       bench_smaps_str(&b.smaps), b.fill_ms);
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < 3; k++) {
			struct backend *be = order[k];

			pt = be != &pv_nopt;
			t = bench_now_ms();
			CHECK(be_map(be, b.buf, len, IOVA_BASE), "MAP");
			row_add(map[pt], be, bench_now_ms() - t);
			t = bench_now_ms();
			CHECK(be_unmap(be, IOVA_BASE, len), "UNMAP");
			row_add(unmap[pt], be, bench_now_ms() - t);
		}
	}
	CHECK(bench_buf_verify(&b), "backing after the runs");
out:
	bench_buf_free(&b);
	if (huge)
		bench_hugetlb_pool(0);
	for (pt = 1; pt >= 0; pt--) {
		row_print(map[pt]);
		row_print(unmap[pt]);
	}
}

/* ------------------------------------------------------- access pinning */

static void bench_access(struct bench_buf *small, int rounds)
{
	static const uint64_t lens[] = { PAGE, 2 * MiB };
	int iters[] = { quick ? 50 : 1000, quick ? 5 : 100 };
	struct row *row[2];
	uint32_t pin;
	double t;
	int afd = -1, r, i, k;

	row[0] = row_new("us", true, "access-pin-unpin-1page",
			 "access PIN+UNPIN 1 page (4KiB), no page table");
	row[1] = row_new("us", true, "access-pin-unpin-2MiB",
			 "access PIN+UNPIN 2MiB (4KiB pages), no page table");
	CHECK(be_map(&pv_nopt, small->buf, 4 * MiB, IOVA_BASE), "MAP");
	afd = pvfio_access_create(pv_nopt.fd, pv_nopt.ioas, 0, 0);
	CHECK(afd < 0 ? afd : 0, "ACCESS_CREATE");
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < 2; k++) {
			t = bench_now_ms();
			for (i = 0; i < iters[k]; i++) {
				CHECK(pvfio_access_pin(afd, IOVA_BASE, lens[k],
						       PVFIO_ACCESS_RW_WRITE,
						       &pin), "ACCESS_PIN");
				CHECK(pvfio_access_unpin(afd, pin),
				      "ACCESS_UNPIN");
			}
			row_add(row[k], &pv_nopt,
				(bench_now_ms() - t) * 1000 / iters[k]);
		}
	}
out:
	if (afd >= 0)
		close(afd);
	be_unmap(&pv_nopt, IOVA_BASE, 4 * MiB);
	row_print(row[0]);
	row_print(row[1]);
}

/* ------------------------------------------- many one-page mappings */

/* Page @i of @n maps the buffer's page i % its pages at IOVA_BASE + i pages. */
/*
 * MAPs number @first to @first + @n - 1 of @chunk pages each, at
 * consecutive IOVAs; the memory cycles through @small.
 */
static int map_chunks(struct backend *be, struct bench_buf *small,
		      unsigned long first, unsigned long n, unsigned long chunk)
{
	unsigned long chunks = small->len / (chunk * PAGE), i;
	int ret;

	for (i = first; i < first + n; i++) {
		ret = be_map(be, small->buf + (i % chunks) * chunk * PAGE,
			     chunk * PAGE, IOVA_BASE + i * chunk * PAGE);
		if (ret)
			return ret;
	}
	return 0;
}

static int map_pages(struct backend *be, struct bench_buf *small,
		     unsigned long first, unsigned long n)
{
	return map_chunks(be, small, first, n, 1);
}

static void bench_many(struct bench_buf *small, unsigned long n, int rounds,
		       bool with_pt)
{
	struct backend *order[] = { &pv_pt, &type1, &pv_nopt };
	char id[48], label[96];
	struct row *map[2], *unmap[2];
	double t;
	int r, k, pt;

	for (pt = 1; pt >= 0; pt--) {
		const char *pts = pt ? "pt" : "nopt";
		bool t1_na = !pt || n > type1_entry_limit;

		snprintf(id, sizeof(id), "permap-%s-%s", count_str(n), pts);
		snprintf(label, sizeof(label), "per MAP, %s one-page maps, %s",
			 count_str(n), pt ? "page table" : "no page table");
		map[pt] = row_new("us", t1_na, id, label);
		snprintf(id, sizeof(id), "unmapall-%s-%s", count_str(n), pts);
		snprintf(label, sizeof(label), "UNMAP all %s one-page maps, %s",
			 count_str(n), pt ? "page table" : "no page table");
		unmap[pt] = row_new("ms", t1_na, id, label);
		if (pt && !with_pt)
			map[pt]->na[0] = map[pt]->na[1] =
			unmap[pt]->na[0] = unmap[pt]->na[1] = true;
	}
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < 3; k++) {
			struct backend *be = order[k];

			pt = be != &pv_nopt;
			if (map[pt]->na[be->type1])
				continue;
			t = bench_now_ms();
			CHECK(map_pages(be, small, 0, n), "MAP");
			row_add(map[pt], be, (bench_now_ms() - t) * 1000 / n);
			t = bench_now_ms();
			CHECK(be_unmap(be, 0, 0), "UNMAP all");
			row_add(unmap[pt], be, bench_now_ms() - t);
		}
	}
out:
	for (pt = 1; pt >= 0; pt--) {
		row_print(map[pt]);
		row_print(unmap[pt]);
	}
}

/* ------------------------------------------------------------- threads */

struct mapper {
	pthread_t thread;
	struct backend *be;
	struct bench_buf *small;
	unsigned long first, n, chunk;
	int ret;
};

static void *mapper_fn(void *arg)
{
	struct mapper *m = arg;

	m->ret = map_chunks(m->be, m->small, m->first, m->n, m->chunk);
	return NULL;
}

/* @n MAPs of @chunk pages each, by 1 thread and by 2 (half each). */
static void bench_threads(struct bench_buf *small, unsigned long n,
			  unsigned long chunk, int rounds)
{
	struct backend *order[] = { &pv_pt, &type1, &pv_nopt };
	struct row *row[2][3];
	struct mapper m[2];
	char id[48], label[96];
	int r, k, nt, i, pt;
	double t;

	for (pt = 1; pt >= 0; pt--) {
		for (nt = 1; nt <= 2; nt++) {
			snprintf(id, sizeof(id), "threads%d-%sx%luKiB-%s", nt,
				 count_str(n), chunk * PAGE / 1024,
				 pt ? "pt" : "nopt");
			snprintf(label, sizeof(label),
				 "%s %lu KiB MAPs by %d thread%s, %s",
				 count_str(n), chunk * PAGE / 1024, nt,
				 nt > 1 ? "s (disjoint)" : "",
				 pt ? "page table" : "no page table");
			row[pt][nt] = row_new("ms", !pt, id, label);
		}
	}
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < 3; k++) {
			pt = order[k] != &pv_nopt;
			for (nt = 1; nt <= 2; nt++) {
				t = bench_now_ms();
				for (i = 0; i < nt; i++) {
					m[i] = (struct mapper){
						.be = order[k], .small = small,
						.first = i * n / nt, .n = n / nt,
						.chunk = chunk,
					};
					if (pthread_create(&m[i].thread, NULL,
							   mapper_fn, &m[i]))
						m[i].ret = -EAGAIN;
				}
				for (i = 0; i < nt; i++)
					pthread_join(m[i].thread, NULL);
				t = bench_now_ms() - t;
				for (i = 0; i < nt; i++)
					CHECK(m[i].ret, "MAP (threads)");
				row_add(row[pt][nt], order[k], t);
				CHECK(be_unmap(order[k], 0, 0), "UNMAP all");
			}
		}
	}
out:
	for (pt = 1; pt >= 0; pt--) {
		row_print(row[pt][1]);
		row_print(row[pt][2]);
	}
}

/* ---------------------------------------------------- dirty bitmap reads */

/*
 * Reading a dirty bitmap of a large IOVA range, as a VMM does every
 * migration round: GET_DIRTY_BITMAP of 64 GiB at 4 KiB per bit (16M bits,
 * a 2 MiB bitmap), with NO_CLEAR and with the clear.  The range is mapped
 * whole, by one hugetlb buffer mapped again and again at consecutive IOVAs
 * (the same pages: no memory beyond the buffer, and with a page table 2 MiB
 * IOPTEs).  Three states: nothing dirty and some pages written through
 * ACCESS_RW (the IOAS with no page table: exact), and the pessimistic one
 * (the IOAS with edu attached: every page is reported).  Only the ioctl is
 * timed: the bitmap is zeroed before it, and every bitmap read is counted
 * after it and must be exactly what its row says (or the benchmark
 * fails, its figures still printed).  type1's column is n/a.
 */
static int dirty_tracking(struct backend *be, bool on)
{
	struct pvfio_ioas_set_dirty_tracking cmd = {
		.size = sizeof(cmd), .ioas_id = be->ioas,
		.flags = on ? PVFIO_DIRTY_TRACKING_ENABLE : 0,
	};

	return pvfio_ioctl(be->fd, PVFIO_IOAS_SET_DIRTY_TRACKING, &cmd);
}

struct dirty_read {
	uint64_t *bitmap;
	uint64_t range;		/* bytes of IOVA from IOVA_BASE */
	struct pvfio_iova_range pess[4];
	uint32_t npess;
};

/* One timed GET_DIRTY_BITMAP of the whole range; 0 or -errno. */
static int dirty_read(struct backend *be, struct dirty_read *d, bool clear,
		      double *ms)
{
	struct pvfio_ioas_get_dirty_bitmap get = {
		.size = sizeof(get), .ioas_id = be->ioas,
		.flags = clear ? 0 : PVFIO_DIRTY_BITMAP_NO_CLEAR,
		.num_pessimistic = 4, .iova = IOVA_BASE, .length = d->range,
		.page_size = PAGE, .data = (uintptr_t)d->bitmap,
		.pessimistic = (uintptr_t)d->pess,
	};
	double t;
	int ret;

	memset(d->bitmap, 0, d->range / PAGE / 8);
	t = bench_now_ms();
	ret = pvfio_ioctl(be->fd, PVFIO_IOAS_GET_DIRTY_BITMAP, &get);
	*ms = bench_now_ms() - t;
	d->npess = get.num_pessimistic;
	return ret;
}

/*
 * The read must be exactly: with @pess, every bit set and one pessimistic
 * range, the whole range; else the bit of the first page of every @stride
 * bytes (none if @stride is 0) and no pessimistic range.  A wrong bitmap
 * fails the benchmark, said once per row, but the row is still timed: its
 * figures are printed and the failure says what was wrong.
 */
static void dirty_verify(struct dirty_read *d, uint64_t stride, uint32_t pess,
			 struct row *r, bool *said)
{
	uint64_t i, nbits = d->range / PAGE, n = 0, wrong = 0, want;

	for (i = 0; i < nbits / 64; i++) {
		if (pess)
			want = ~0ULL;
		else if (stride)
			want = (i * 64) % (stride / PAGE) ? 0 : 1;
		else
			want = 0;
		/* With @stride at least 64 pages, one bit per word at most. */
		n += __builtin_popcountll(d->bitmap[i]);
		wrong += d->bitmap[i] != want;
	}
	if (!wrong && d->npess == pess &&
	    (!pess || (d->pess[0].start == IOVA_BASE &&
		       d->pess[0].last == IOVA_BASE + d->range - 1)))
		return;
	failed = 1;
	if (*said)
		return;
	*said = true;
	fprintf(stderr, "# bench: %s: the dirty bitmap is wrong: %llu bits set, %llu words not as expected, %u pessimistic ranges (expected %llu bits, %u range)\n",
		r->label, (unsigned long long)n, (unsigned long long)wrong,
		d->npess,
		(unsigned long long)(pess ? nbits : stride ? nbits / (stride / PAGE) : 0),
		pess);
	printf("PVFIO-BENCH-DIRTY-WRONG id=%s bits=%llu wrong_words=%llu pessimistic=%u\n",
	       r->id, (unsigned long long)n, (unsigned long long)wrong,
	       d->npess);
}

static int map_repeated(struct backend *be, struct bench_buf *b, uint64_t range)
{
	uint64_t off;
	int ret;

	for (off = 0; off < range; off += b->len) {
		ret = be_map(be, b->buf, b->len, IOVA_BASE + off);
		if (ret)
			return ret;
	}
	return 0;
}

static void bench_dirty(int rounds)
{
	static const char * const states[] = { "nothing dirty", NULL,
					       "pessimistic" };
	const uint64_t range = quick ? 256 * MiB : 64UL << 30;
	const uint64_t stride = 16 * MiB;	/* one page dirtied in each */
	const uint64_t ndirty = range / stride, nbits = range / PAGE;
	const size_t len = quick ? 4 * MiB : 256 * MiB;
	struct dirty_read d = { .range = range };
	struct bench_buf b = { 0 };
	struct row *row[3][2];
	bool said[3][2] = { { false } };
	char id[48], label[96], rw_state[48];
	double ms, t_map, t_all = bench_now_ms();
	int afd = -1, r, s, c;
	uint64_t off;

	snprintf(rw_state, sizeof(rw_state), "%llu pages RW",
		 (unsigned long long)ndirty);
	for (s = 0; s < 3; s++) {
		for (c = 0; c < 2; c++) {
			snprintf(id, sizeof(id), "dirty-%s-%s-%s",
				 size_str(range),
				 s == 0 ? "none" : s == 1 ? "rw" : "pess",
				 c ? "clear" : "noclear");
			snprintf(label, sizeof(label),
				 "read %s dirty bitmap @4KiB: %s, %s",
				 size_str(range), s == 1 ? rw_state : states[s],
				 c ? "clear" : "NO_CLEAR");
			row[s][c] = row_new("ms", true, id, label);
		}
	}
	d.bitmap = pvfio_alloc(nbits / 8, PAGE);
	CHECK(d.bitmap ? 0 : -ENOMEM, "bitmap");
	CHECK(bench_hugetlb_pool(len / (2 * MiB)), "hugetlb pool");
	CHECK(bench_buf_alloc(&b, len, BACKING_HUGETLB), "buffer");
	printf("PVFIO-BENCH-BACKING %s %s (dirty bitmap rows, mapped %llu times): %s; first touch %.0f ms\n",
	       size_str(len), bench_backing_name(BACKING_HUGETLB),
	       (unsigned long long)(range / len), bench_smaps_str(&b.smaps),
	       b.fill_ms);

	/* Exact tracking: the IOAS without a page table, an access writing. */
	CHECK(map_repeated(&pv_nopt, &b, range), "MAP");
	CHECK(dirty_tracking(&pv_nopt, true), "SET_DIRTY_TRACKING");
	afd = pvfio_access_create(pv_nopt.fd, pv_nopt.ioas, 0, 0);
	CHECK(afd < 0 ? afd : 0, "ACCESS_CREATE");
	for (r = 0; r < rounds; r++) {
		for (c = 0; c < 2; c++) {
			CHECK(dirty_read(&pv_nopt, &d, c, &ms),
			      "GET_DIRTY_BITMAP");
			dirty_verify(&d, 0, 0, row[0][c], &said[0][c]);
			row_add(row[0][c], &pv_nopt, ms);
		}
		/* Written again each round: the clear took them. */
		for (off = 0; off < range; off += stride)
			CHECK(pvfio_access_rw(afd, IOVA_BASE + off, &off,
					      sizeof(off), true), "ACCESS_RW");
		for (c = 0; c < 2; c++) {
			CHECK(dirty_read(&pv_nopt, &d, c, &ms),
			      "GET_DIRTY_BITMAP");
			dirty_verify(&d, stride, 0, row[1][c], &said[1][c]);
			row_add(row[1][c], &pv_nopt, ms);
		}
	}
	close(afd);
	afd = -1;
	CHECK(dirty_tracking(&pv_nopt, false), "SET_DIRTY_TRACKING");
	CHECK(be_unmap(&pv_nopt, 0, 0), "UNMAP all");

	/* Pessimistic: every page mapped writeable in edu's page table. */
	t_map = bench_now_ms();
	CHECK(map_repeated(&pv_pt, &b, range), "MAP");
	printf("PVFIO-BENCH-DIRTY %s mapped writeable with edu attached as %llu MAPs of %s: %.0f ms\n",
	       size_str(range), (unsigned long long)(range / len),
	       size_str(len), bench_now_ms() - t_map);
	CHECK(dirty_tracking(&pv_pt, true), "SET_DIRTY_TRACKING");
	for (r = 0; r < rounds; r++) {
		for (c = 0; c < 2; c++) {
			CHECK(dirty_read(&pv_pt, &d, c, &ms),
			      "GET_DIRTY_BITMAP");
			dirty_verify(&d, 0, 1, row[2][c], &said[2][c]);
			row_add(row[2][c], &pv_pt, ms);
		}
	}
out:
	if (afd >= 0)
		close(afd);
	dirty_tracking(&pv_nopt, false);
	dirty_tracking(&pv_pt, false);
	be_unmap(&pv_nopt, 0, 0);
	be_unmap(&pv_pt, 0, 0);
	if (b.buf && bench_buf_verify(&b))
		failed = 1;
	bench_buf_free(&b);
	bench_hugetlb_pool(0);
	if (d.bitmap)
		munmap(d.bitmap, nbits / 8);
	printf("PVFIO-BENCH-DIRTY these rows took %.0f s with their setup, writes and checks\n",
	       (bench_now_ms() - t_all) / 1000);
	for (s = 0; s < 3; s++)
		for (c = 0; c < 2; c++)
			row_print(row[s][c]);
}

/* --------------------------------------------------------------- setup */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

/* The first two edu devices, by PCI address. */
static int find_edus(struct edu *e0, struct edu *e1)
{
	char *names[16], path[300], buf[32];
	struct edu *e[2] = { e0, e1 };
	int n = 0, i, ret = -ENODEV;
	struct dirent *de;
	DIR *d;

	d = opendir("/sys/bus/pci/devices");
	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < 16) {
		FILE *f;
		bool edu = false;

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
			 de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		edu = fgets(buf, sizeof(buf), f) && !strncmp(buf, "0x1234", 6);
		fclose(f);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		edu = edu && fgets(buf, sizeof(buf), f) &&
		      !strncmp(buf, "0x11e8", 6);
		fclose(f);
		if (edu)
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (i = 0; i < n; i++) {
		unsigned int dom, bus, dev, fn;

		if (i < 2 && sscanf(names[i], "%x:%x:%x.%x", &dom, &bus, &dev,
				    &fn) == 4) {
			memset(e[i], 0, sizeof(*e[i]));
			snprintf(e[i]->bdf, sizeof(e[i]->bdf), "%s", names[i]);
			e[i]->pci_domain = dom;
			e[i]->pci_bdf = bus << 8 | dev << 3 | fn;
			if (i == 1)
				ret = 0;
		}
		free(names[i]);
	}
	if (ret)
		fprintf(stderr, "# bench: needs two edu devices, found %d\n", n);
	return ret;
}

/* pvfio: edu @e bound to pvfio-pci and attached to pv_pt's IOAS. */
static int setup_pvfio(struct edu *e, uint32_t *dev)
{
	uint32_t pt;
	int ret;

	ret = pvfio_fixture_load("enable_test_ops=1");
	if (ret)
		return -EIO;
	pv_pt.fd = pv_nopt.fd = pvfio_open();
	if (pv_pt.fd < 0)
		return -EIO;
	ret = pvfio_ioas_alloc(pv_pt.fd, &pv_pt.ioas);
	ret = ret ?: pvfio_ioas_alloc(pv_pt.fd, &pv_nopt.ioas);
	ret = ret ?: edu_bind_driver(e);
	ret = ret ?: pvfio_device_bind(pv_pt.fd, e->pci_domain, e->pci_bdf, dev);
	pt = pv_pt.ioas;	/* in: the IOAS; out: the page table */
	ret = ret ?: pvfio_device_attach(pv_pt.fd, *dev, &pt);
	return ret;
}

/* type1: edu @e bound to vfio-pci, its group in a type1v2 container. */
static int setup_type1(struct edu *e, int *group_fd)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[300], link[300], val[32];
	ssize_t n;
	int ret;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 e->bdf);
	ret = edu_sysfs_write(path, "vfio-pci");
	ret = ret ?: edu_sysfs_write("/sys/bus/pci/drivers_probe", e->bdf);
	if (ret) {
		fprintf(stderr, "# bench: %s to vfio-pci: %s\n", e->bdf,
			strerror(-ret));
		return ret;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 e->bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = 0;
	/*
	 * type1 refuses more than dma_entry_limit mappings per container
	 * (65535 by default): raised for the per-MAP rows, read back as set.
	 */
	snprintf(val, sizeof(val), "%u", TYPE1_ENTRY_LIMIT);
	type1_entry_limit = 65535;
	if (!edu_sysfs_write("/sys/module/vfio_iommu_type1/parameters/dma_entry_limit",
			 val))
		type1_entry_limit = TYPE1_ENTRY_LIMIT;
	printf("PVFIO-BENCH-TYPE1 device %s group %s dma_entry_limit %u\n",
	       e->bdf, strrchr(link, '/') + 1, type1_entry_limit);
	type1.fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (type1.fd < 0)
		return -errno;
	if (ioctl(type1.fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(type1.fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) != 1)
		return -EOPNOTSUPP;
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(link, '/') + 1);
	*group_fd = open(path, O_RDWR | O_CLOEXEC);
	if (*group_fd < 0)
		return -errno;
	if (ioctl(*group_fd, VFIO_GROUP_GET_STATUS, &st))
		return -errno;
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		return -EBUSY;
	if (ioctl(*group_fd, VFIO_GROUP_SET_CONTAINER, &type1.fd))
		return -errno;
	if (!ioctl(type1.fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return 0;
	/*
	 * EPERM: no MSI isolation (virtio-iommu on x86 has no interrupt
	 * remapping); type1 then wants allow_unsafe_interrupts, which
	 * changes nothing of what is measured here.
	 */
	if (errno != EPERM ||
	    edu_sysfs_write("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts",
			"1"))
		return -errno;
	printf("PVFIO-BENCH-TYPE1 no interrupt remapping: allow_unsafe_interrupts=1\n");
	return ioctl(type1.fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) ? -errno : 0;
}

int main(int argc, char **argv)
{
	static const size_t full_sizes[] = { 256 * MiB, 1024 * MiB };
	static const unsigned long full_counts[] = { 1000, 10000, 100000,
						     1000000 };
	static const size_t quick_sizes[] = { 4 * MiB };
	static const unsigned long quick_counts[] = { 1000 };
	const size_t *sizes = full_sizes;
	const unsigned long *counts = full_counts;
	int nsizes = 2, ncounts = 4, i, bk, group_fd = -1, ret;
	struct bench_buf small = { 0 };
	struct edu e0, e1;
	uint32_t dev = 0;
	double start = bench_now_ms();

	quick = argc > 1 && !strcmp(argv[1], "quick");
	if (quick) {
		sizes = quick_sizes;
		counts = quick_counts;
		nsizes = ncounts = 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (find_edus(&e0, &e1))
		return 1;
	ret = setup_pvfio(&e0, &dev);
	if (ret) {
		fprintf(stderr, "# bench: pvfio setup: %s\n", strerror(-ret));
		return 1;
	}
	ret = setup_type1(&e1, &group_fd);
	if (ret) {
		fprintf(stderr, "# bench: type1 setup: %s\n", strerror(-ret));
		return 1;
	}
	printf("PVFIO-BENCH-SETUP iommu=%s pvfio=%s type1=%s mode=%s\n",
	       edu_iommu_kind(), e0.bdf, e1.bdf, quick ? "quick" : "full");

	for (i = 0; i < nsizes; i++)
		for (bk = BACKING_4K; bk <= BACKING_HUGETLB; bk++)
			bench_buffer(sizes[i], bk, 3);

	if (bench_buf_alloc(&small, quick ? 4 * MiB : SMALL_LEN, BACKING_4K)) {
		failed = 1;
	} else {
		bench_access(&small, quick ? 3 : 5);
		for (i = 0; i < ncounts; i++)
			bench_many(&small, counts[i],
				   counts[i] <= 10000 ? (quick ? 3 : 5) : 3,
				   true);
		bench_threads(&small, quick ? 1024 : 16384, 1, quick ? 3 : 5);
		/* A VMM maps guest memory in large pieces. */
		bench_threads(&small, quick ? 8 : 128, 512, quick ? 3 : 5);
		if (bench_buf_verify(&small))
			failed = 1;
		bench_buf_free(&small);
	}
	bench_dirty(quick ? 3 : 5);
	table_print();
	printf("PVFIO-BENCH-TIME %.0f s\n", (bench_now_ms() - start) / 1000);

	if (group_fd >= 0)
		close(group_fd);
	close(type1.fd);
	close(pv_pt.fd);
	edu_unbind_driver(&e0);
	edu_close(&e0);
	if (pvfio_fixture_unload(true))
		failed = 1;
	return failed;
}
