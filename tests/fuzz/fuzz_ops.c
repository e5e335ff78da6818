// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's operations: one function per kind of command or race.
 *
 * Each op draws every parameter from t->op (a PRNG seeded from the thread's
 * stream), builds a well-formed command from what the shared tables say
 * exists (IDs, mappings, access fds, pins; possibly stale, which is the
 * point), and with probability MUT_PCT replaces one field by a malformed
 * value: an unknown flag, a non-zero reserved field, a stale / foreign /
 * random / wrong-kind ID, an IOVA or length at an edge of the space, a bad
 * user pointer.  fz_ioctl() may also mutate the size field.
 *
 * User memory the kernel is given always lies in the buffer region set up
 * here (or is plainly invalid): the fuzzer never hands the kernel its own
 * live memory for writing, so a mapping that outlives a munmap cannot
 * corrupt the fuzzer itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "fuzz.h"

#define MUT_PCT 12		/* chance an op malforms one field */
#define PAGE FZ_PAGE
#define RW_FLAGS (PVFIO_IOAS_MAP_READABLE | PVFIO_IOAS_MAP_WRITEABLE)
#define SZ(s, last) sizeof(s), (offsetof(__typeof__(s), last) + sizeof((s).last))

#define REGION_LEN (96 * FZ_MiB)
static uintptr_t region;	/* PROT_NONE reservation holding the buffers */
static long saved_nr_hugepages = -1;

/* ----------------------------------------------------------- choosers */

static bool bad(struct fz_thread *t, int *which, int nfields)
{
	if (!fz_pct(t->op, MUT_PCT)) {
		*which = 0;
		return false;
	}
	*which = 1 + fz_below(t->op, nfields);
	return true;
}

static int pick_ctx(struct fz_thread *t)
{
	return fz_below(t->op, FZ_NCTX);
}

static int ctx_fd(int ci)
{
	return LD(W.ctx[ci].fd);
}

static void put_id(struct fz_thread *t, int ci, int kind, uint32_t id)
{
	ST(W.ctx[ci].ids[kind][fz_below(t->op, FZ_NSLOT)], id);
}

/* A live-looking ID of @kind in context @ci (often stale anyway). */
static uint32_t some_id(struct fz_thread *t, int ci, int kind)
{
	uint32_t id = 0;
	int i;

	for (i = 0; i < 4 && !id; i++)
		id = LD(W.ctx[ci].ids[kind][fz_below(t->op, FZ_NSLOT)]);
	return id ? id : 1 + fz_below(t->op, 8);
}

/* A malformed ID: another context's, another kind, random, edges. */
static uint32_t bad_id(struct fz_thread *t, int ci, int kind)
{
	switch (fz_below(t->op, 6)) {
	case 0: return some_id(t, (ci + 1 + fz_below(t->op, FZ_NCTX - 1)) % FZ_NCTX, kind);
	case 1: return some_id(t, ci, (kind + 1 + fz_below(t->op, K_NKIND - 1)) % K_NKIND);
	case 2: return 0;
	case 3: return UINT32_MAX - fz_below(t->op, 2);
	case 4: return 1 + fz_below(t->op, 4096);
	default: return fz_next(t->op);
	}
}

static uint32_t pick_id(struct fz_thread *t, int ci, int kind, bool mutate)
{
	return mutate ? bad_id(t, ci, kind) : some_id(t, ci, kind);
}

static void put_map(struct fz_thread *t, int ci, uint32_t ioas, uint64_t iova,
		    uint64_t len)
{
	unsigned int i = ADD(W.ctx[ci].map_next, 1) % FZ_NMAPREC;
	struct fz_maprec *m = &W.ctx[ci].maps[i];

	(void)t;
	ST(m->ioas, ioas);
	ST(m->iova, iova);
	ST(m->len, len);
}

static struct fz_maprec load_map(int ci, unsigned int i)
{
	struct fz_maprec *m = &W.ctx[ci].maps[i % FZ_NMAPREC], r;

	r.ioas = LD(m->ioas);
	r.iova = LD(m->iova);
	r.len = LD(m->len);
	return r;
}

/*
 * A recorded mapping of context @ci, on IOAS @ioas if one is recorded
 * (@ioas 0: any), mostly one of the latest (the likeliest to exist).
 */
static struct fz_maprec get_map_on(struct fz_thread *t, int ci, uint32_t ioas)
{
	unsigned int last = LD(W.ctx[ci].map_next), i;
	struct fz_maprec r = { 0 }, any = { 0 };

	for (i = 0; i < 8; i++) {
		r = load_map(ci, fz_pct(t->op, 60) ? last - fz_below(t->op, 4) :
						    fz_below(t->op, FZ_NMAPREC));
		if (!r.len)
			continue;
		if (!ioas || r.ioas == ioas)
			return r;
		any = r;
	}
	if (any.len && !fz_pct(t->op, 80))
		return any;
	r.ioas = ioas ? ioas : some_id(t, ci, K_IOAS);
	r.iova = FZ_WIN_BASE + fz_below(t->op, FZ_WIN_PAGES) * PAGE;
	r.len = PAGE;
	return r;
}

static struct fz_maprec get_map(struct fz_thread *t, int ci)
{
	return get_map_on(t, ci, 0);
}

/* A sub-range of @r, page aligned, mostly a few pages. */
static void sub_range(struct fz_thread *t, const struct fz_maprec *r,
		      __u64 *iova, __u64 *len)
{
	uint64_t pages = r->len / PAGE, off, n;

	if (pages == 0 || fz_pct(t->op, 25)) {
		*iova = r->iova;
		*len = r->len;
		return;
	}
	off = fz_below(t->op, pages);
	n = 1 + fz_below(t->op, fz_pct(t->op, 70) ? 4 : pages - off);
	if (off + n > pages)
		n = pages - off;
	*iova = r->iova + off * PAGE;
	*len = n * PAGE;
}

/* IOVA edges: both ends of the space, alignment edges, MSI, edu's limit. */
static uint64_t edge_iova(struct fz_thread *t, uint64_t len)
{
	static const uint64_t edges[] = {
		0, PAGE, 0xfee00000, (1UL << 28) - PAGE, (1UL << 32) - PAGE,
		1UL << 32, 1UL << 39, 1UL << 47, 1UL << 48, 1UL << 57,
		1UL << 63, UINT64_MAX & ~(PAGE - 1), UINT64_MAX - PAGE,
		UINT64_MAX, 2 * FZ_MiB,
	};
	uint64_t v;

	switch (fz_below(t->op, 5)) {
	case 0:	/* the very top: the last @len bytes of the space */
		return len ? (0 - len) & ~(PAGE - 1) : UINT64_MAX & ~(PAGE - 1);
	case 1:	/* ULONG_MAX - small */
		return UINT64_MAX - fz_below(t->op, 4 * PAGE);
	case 2: /* misaligned inside the window */
		return FZ_WIN_BASE + fz_below(t->op, FZ_WIN_PAGES) * PAGE +
		       1 + fz_below(t->op, PAGE - 1);
	case 3:
		v = edges[fz_below(t->op, sizeof(edges) / sizeof(edges[0]))];
		return fz_pct(t->op, 30) ? v + 1 : v;
	default:
		return fz_next(t->op) & ~(PAGE - 1);
	}
}

static uint64_t edge_len(struct fz_thread *t, uint64_t iova, uint64_t len)
{
	uint64_t big = (W.cfg.avoid & KNOWN_HUGEMAP) ? 64 * FZ_MiB : 1UL << 38;

	switch (fz_below(t->op, 9)) {
	case 0: return 0;
	case 1: return 1 + fz_below(t->op, PAGE - 1);
	case 2: return len + 1;
	case 3: return len + PAGE;
	case 4: return 0 - iova;		/* exactly to the top */
	case 5: return 0 - iova + PAGE;		/* wraps */
	case 6: return UINT64_MAX - fz_below(t->op, 2);
	case 7: return big;
	default: return (1 + fz_below(t->op, 1 << 18)) * PAGE;
	}
}

static uint64_t window_iova(struct fz_thread *t, uint64_t len)
{
	uint64_t pages = len / PAGE, room;

	room = pages < FZ_WIN_PAGES ? FZ_WIN_PAGES - pages : 1;
	/* Half the time a crowded 1 MiB corner: overlaps, EEXIST, unmaps. */
	if (fz_pct(t->op, 50) && room > 256)
		room = 256;
	return FZ_WIN_BASE + fz_below(t->op, room) * PAGE;
}

/* A buffer and a page range of it. */
static const struct fz_buf *pick_buf(struct fz_thread *t, uint64_t *va,
				     uint64_t *len)
{
	const struct fz_buf *b;
	uint64_t pages, off, n;

	/* Mostly usable memory; read-only and PROT_NONE now and then. */
	do {
		b = &W.buf[fz_below(t->op, FZ_NBUF)];
	} while ((b->kind == B_RDONLY || b->kind == B_NONE) &&
		 !fz_pct(t->op, 25));
	pages = b->len / PAGE;
	if (fz_pct(t->op, 20)) {
		off = 0;
		n = pages;
	} else {
		off = fz_below(t->op, pages);
		n = 1 + fz_below(t->op, fz_pct(t->op, 60) ? 8 : pages - off);
		if (off + n > pages)
			n = pages - off;
	}
	/* Keep 2 MiB alignment whole now and then: huge IOPTEs. */
	if (b->kind == B_THP || b->kind == B_HUGETLB) {
		if (fz_pct(t->op, 40)) {
			off = 0;
			n = pages;
		}
	}
	*va = b->addr + off * PAGE;
	*len = n * PAGE;
	return b;
}

static uint64_t bad_uptr(struct fz_thread *t)
{
	static const uint64_t ptrs[] = {
		0, 8, PAGE, 0x7ffffffff000UL, 0x800000000000UL,
		0xffff888000000000UL, 0xffffffffff600000UL, UINT64_MAX & ~0xfffUL,
	};

	switch (fz_below(t->op, 4)) {
	case 0: return ptrs[fz_below(t->op, sizeof(ptrs) / sizeof(ptrs[0]))];
	case 1: return region + REGION_LEN - PAGE;	/* a hole in the region */
	case 2: return W.buf[fz_below(t->op, FZ_NBUF)].addr + 1 + fz_below(t->op, PAGE - 1);
	default: return W.buf[fz_below(t->op, FZ_NBUF)].addr;
	}
}

static uint32_t map_flags(struct fz_thread *t, bool mutate)
{
	static const uint32_t ok[] = {
		RW_FLAGS, RW_FLAGS, RW_FLAGS, PVFIO_IOAS_MAP_READABLE,
		PVFIO_IOAS_MAP_WRITEABLE,
	};

	if (mutate)
		return fz_pct(t->op, 50) ? 0 : (1u << (3 + fz_below(t->op, 29))) |
					       RW_FLAGS;
	return ok[fz_below(t->op, sizeof(ok) / sizeof(ok[0]))];
}

/* ------------------------------------------------------- IOAS commands */

static bool real_device_ops(void)
{
	return W.have_edu && !(W.cfg.avoid & KNOWN_RACEDETACH);
}

static void op_ioas_alloc(struct fz_thread *t)
{
	struct pvfio_ioas_alloc c = { .size = sizeof(c) };
	int ci = pick_ctx(t), m;

	if (bad(t, &m, 1))
		c.flags = 1u << fz_below(t->op, 32);
	if (!fz_ioctl(t, ctx_fd(ci), PVFIO_IOAS_ALLOC, &c, SZ(c, out_ioas_id)))
		put_id(t, ci, K_IOAS, c.out_ioas_id);
}

static void op_destroy(struct fz_thread *t)
{
	struct pvfio_destroy c = { .size = sizeof(c) };
	int ci = pick_ctx(t), m, kind = fz_below(t->op, K_NKIND);

	/* The real device goes away only through close when avoiding races. */
	if (kind == K_DEV && (W.cfg.avoid & KNOWN_RACEDETACH))
		kind = K_MOCK;
	c.id = pick_id(t, ci, kind, bad(t, &m, 1));
	fz_ioctl(t, ctx_fd(ci), PVFIO_DESTROY, &c, SZ(c, id));
}

/*
 * A third of the IOAS commands go to the IOAS edu was last attached to, in
 * its context: map and unmap racing attach, replace, detach and unbind of a
 * real domain.
 */
static bool edu_focus(struct fz_thread *t, int *ci, uint32_t *ioas)
{
	if (!real_device_ops() || !LD(W.edu_ioas) || !fz_pct(t->op, 33))
		return false;
	*ci = LD(W.edu_ctx);
	*ioas = LD(W.edu_ioas);
	return true;
}

static void op_map(struct fz_thread *t)
{
	struct pvfio_ioas_map c = { .size = sizeof(c) };
	int ci = pick_ctx(t), m;
	uint64_t va, len;
	uint32_t focus;

	bad(t, &m, 7);
	pick_buf(t, &va, &len);
	c.ioas_id = pick_id(t, ci, K_IOAS, m == 1);
	if (!m && edu_focus(t, &ci, &focus))
		c.ioas_id = focus;
	c.flags = map_flags(t, m == 2);
	c.user_va = m == 3 ? bad_uptr(t) : va;
	c.length = m == 4 ? edge_len(t, va, len) : len;
	if (fz_pct(t->op, 70)) {
		c.flags |= PVFIO_IOAS_MAP_FIXED_IOVA;
		c.iova = m == 5 ? edge_iova(t, c.length) : window_iova(t, len);
	}
	if (m == 6)
		c.__reserved = 1 + fz_below(t->op, 0xffff);
	if (m == 7)	/* a fixed mapping at the very top of the space */
		c.flags |= PVFIO_IOAS_MAP_FIXED_IOVA, c.iova = 0 - len;
	if (!fz_ioctl(t, ctx_fd(ci), PVFIO_IOAS_MAP, &c, SZ(c, iova)))
		put_map(t, ci, c.ioas_id, c.iova, c.length);
}

static void op_map_file(struct fz_thread *t)
{
	struct pvfio_ioas_map_file c = { .size = sizeof(c) };
	int ci = pick_ctx(t), m, fi;
	uint64_t len;

	bad(t, &m, 6);
	fi = fz_below(t->op, W.nfiles);
	c.ioas_id = pick_id(t, ci, K_IOAS, m == 1);
	c.flags = map_flags(t, m == 2);
	c.fd = LD(W.files[fi]);
	if (m == 3) {
		switch (fz_below(t->op, 4)) {
		case 0: c.fd = -1; break;
		case 1: c.fd = ctx_fd(ci); break;	/* a pvfio fd */
		case 2: c.fd = LD(W.acc[fz_below(t->op, FZ_NACC)].fd); break;
		default: c.fd = 1000 + fz_below(t->op, 1000);
		}
	}
	len = (1 + fz_below(t->op, fz_pct(t->op, 70) ? 8 : 512)) * PAGE;
	c.start = fz_pct(t->op, 50) ? 0 : fz_below(t->op, 256) * PAGE;
	if (m == 4) {
		c.start = fz_pct(t->op, 50) ? c.start + 1 + fz_below(t->op, PAGE - 1) :
					       edge_iova(t, len);
	}
	c.length = m == 5 ? edge_len(t, c.start, len) : len;
	if (fz_pct(t->op, 70)) {
		c.flags |= PVFIO_IOAS_MAP_FIXED_IOVA;
		c.iova = m == 6 ? edge_iova(t, c.length) : window_iova(t, len);
	}
	if (!fz_ioctl(t, ctx_fd(ci), PVFIO_IOAS_MAP_FILE, &c, SZ(c, iova)))
		put_map(t, ci, c.ioas_id, c.iova, c.length);
}

/* A dirty bitmap to read into: 512 Ki bits, per thread. */
static __thread uint64_t fz_bits[8192];

static uint64_t dirty_page_size(struct fz_thread *t);
static uint64_t dirty_data(struct fz_thread *t, uint64_t len,
			   uint64_t page_size);

static void op_unmap(struct fz_thread *t)
{
	struct pvfio_ioas_unmap c = { .size = sizeof(c) };
	int ci = pick_ctx(t), m;
	uint32_t focus = 0;
	struct fz_maprec r;

	edu_focus(t, &ci, &focus);
	r = get_map_on(t, ci, focus);
	bad(t, &m, 3);
	c.ioas_id = m == 1 ? bad_id(t, ci, K_IOAS) : r.ioas;
	switch (fz_below(t->op, 10)) {
	case 0:	/* everything */
		c.iova = 0;
		c.length = UINT64_MAX;
		break;
	case 1: /* a window that may cut mappings */
		c.iova = window_iova(t, PAGE);
		c.length = (1 + fz_below(t->op, 64)) * PAGE;
		break;
	case 2: /* part of one mapping: must fail, change nothing */
		sub_range(t, &r, &c.iova, &c.length);
		break;
	default:
		c.iova = r.iova;
		c.length = r.len;
	}
	if (m == 2)
		c.iova = edge_iova(t, c.length);
	if (m == 3)
		c.length = edge_len(t, c.iova, c.length);
	/* A third of the time, with the range's dirty bits. */
	if (fz_pct(t->op, 33)) {
		c.flags = PVFIO_IOAS_UNMAP_DIRTY_BITMAP;
		c.page_size = fz_pct(t->op, 70) ? PAGE : dirty_page_size(t);
		c.dirty_bitmap = dirty_data(t, c.length, c.page_size);
		memset(fz_bits, 0, sizeof(fz_bits));
		if (fz_pct(t->op, 5))
			c.flags |= 1U << fz_below(t->op, 32);
		/* The mandatory part still ends at @length. */
		fz_ioctl(t, ctx_fd(ci), PVFIO_IOAS_UNMAP, &c, SZ(c, length));
		return;
	}
	fz_ioctl(t, ctx_fd(ci), PVFIO_IOAS_UNMAP, &c, SZ(c, length));
}

static void op_copy(struct fz_thread *t)
{
	struct pvfio_ioas_copy c = { .size = sizeof(c) };
	int ci = pick_ctx(t), m;
	struct fz_maprec r = get_map(t, ci);

	bad(t, &m, 6);
	c.src_ioas_id = m == 1 ? bad_id(t, ci, K_IOAS) : r.ioas;
	c.dst_ioas_id = pick_id(t, ci, K_IOAS, m == 2);
	sub_range(t, &r, &c.src_iova, &c.length);
	c.flags = map_flags(t, m == 3);
	if (fz_pct(t->op, 60)) {
		c.flags |= PVFIO_IOAS_MAP_FIXED_IOVA;
		c.dst_iova = m == 4 ? edge_iova(t, c.length) :
				      window_iova(t, c.length);
	}
	if (m == 5)
		c.src_iova = edge_iova(t, c.length);
	if (m == 6)
		c.length = edge_len(t, c.src_iova, c.length);
	if (!fz_ioctl(t, ctx_fd(ci), PVFIO_IOAS_COPY, &c, SZ(c, src_iova)))
		put_map(t, ci, c.dst_ioas_id, c.dst_iova, c.length);
}

/*
 * Known defect 1: COPY of an IOAS onto itself at doubling ranges.  With
 * "copychain" avoided the chain stops after a few links.
 */
static void op_copy_chain(struct fz_thread *t)
{
	struct pvfio_ioas_map mc = { .size = sizeof(mc) };
	struct pvfio_ioas_unmap uc = { .size = sizeof(uc) };
	int ci = pick_ctx(t), fd = ctx_fd(ci), i, links;
	uint64_t base = (1UL << 40) + fz_below(t->op, 1 << 16) * 2 * FZ_MiB;
	uint64_t len = PAGE;

	/*
	 * ~18 links reached the krealloc WARN.  Not more than 18: every
	 * domain on the IOAS maps each page of the chain (a 2^23-page chain
	 * into a mock domain OOMed a 1 GiB guest, see the report of issue 7).
	 */
	links = (W.cfg.avoid & KNOWN_COPYCHAIN) ? 4 : 8 + fz_below(t->op, 11);
	/* The debug kernel maps a 2^18-page chain for minutes. */
	if (W.cfg.slowdown > 1 && links > 12)
		links = 12;
	mc.flags = RW_FLAGS | PVFIO_IOAS_MAP_FIXED_IOVA;
	mc.ioas_id = some_id(t, ci, K_IOAS);
	mc.user_va = W.buf[0].addr;
	mc.length = PAGE;
	mc.iova = base;
	if (fz_ioctl(t, fd, PVFIO_IOAS_MAP, &mc, SZ(mc, iova)))
		return;
	for (i = 0; i < links; i++) {
		struct pvfio_ioas_copy c = {
			.size = sizeof(c),
			.flags = RW_FLAGS | PVFIO_IOAS_MAP_FIXED_IOVA,
			.dst_ioas_id = mc.ioas_id, .src_ioas_id = mc.ioas_id,
			.length = len, .src_iova = base, .dst_iova = base + len,
		};

		if (fz_ioctl(t, fd, PVFIO_IOAS_COPY, &c, SZ(c, src_iova)))
			break;
		len *= 2;
	}
	/* Others copy and pin from its head only; a long chain goes at once. */
	put_map(t, ci, mc.ioas_id, base, len < FZ_MiB ? len : FZ_MiB);
	if (len > 64 * FZ_MiB || fz_pct(t->op, 70)) {
		uc.ioas_id = mc.ioas_id;
		uc.iova = base;
		uc.length = len;
		fz_ioctl(t, fd, PVFIO_IOAS_UNMAP, &uc, SZ(uc, length));
	}
}

static void op_iova_ranges(struct fz_thread *t)
{
	struct pvfio_ioas_iova_ranges c = { .size = sizeof(c) };
	int ci = pick_ctx(t), m;

	bad(t, &m, 3);
	c.ioas_id = pick_id(t, ci, K_IOAS, m == 1);
	if (fz_pct(t->op, 30)) {
		c.num_iovas = 0;
	} else {
		c.num_iovas = fz_pct(t->op, 30) ? 1 : 64;
		c.allowed_iovas = (uintptr_t)t->data;
	}
	if (m == 2)
		c.allowed_iovas = bad_uptr(t), c.num_iovas = 1 + fz_below(t->op, 1000);
	if (m == 3)
		c.__reserved = 1;
	fz_ioctl(t, ctx_fd(ci), PVFIO_IOAS_IOVA_RANGES, &c,
		 SZ(c, out_iova_alignment));
}

static void op_allow_iovas(struct fz_thread *t)
{
	struct pvfio_ioas_allow_iovas c = { .size = sizeof(c) };
	struct pvfio_iova_range *rg = (void *)t->data;
	int ci = pick_ctx(t), m;
	uint32_t i, n;

	bad(t, &m, 4);
	c.ioas_id = pick_id(t, ci, K_IOAS, m == 1);
	n = fz_pct(t->op, 30) ? 0 : 1 + fz_below(t->op, 3);
	for (i = 0; i < n; i++) {
		/* Mostly the whole window, or disjoint slices of it. */
		rg[i].start = FZ_WIN_BASE + i * (FZ_WIN_PAGES / 4) * PAGE;
		rg[i].last = rg[i].start + (FZ_WIN_PAGES / 4) * PAGE - 1;
		if (n == 1 && fz_pct(t->op, 50))
			rg[i].last = UINT64_MAX;
	}
	c.num_iovas = n;
	c.allowed_iovas = (uintptr_t)rg;
	if (m == 2) {	/* overlapping, reversed, or too many */
		switch (fz_below(t->op, 3)) {
		case 0: rg[0].start = 0; rg[0].last = 2 * PAGE; rg[1].start = PAGE;
			rg[1].last = 3 * PAGE; c.num_iovas = 2; break;
		case 1: rg[0].start = 2 * PAGE; rg[0].last = PAGE; c.num_iovas = 1; break;
		default: c.num_iovas = 4097 + fz_below(t->op, 1 << 20);
		}
	}
	if (m == 3)
		c.allowed_iovas = bad_uptr(t), c.num_iovas = 1 + fz_below(t->op, 8);
	if (m == 4)
		c.__reserved = 1 + fz_below(t->op, 100);
	fz_ioctl(t, ctx_fd(ci), PVFIO_IOAS_ALLOW_IOVAS, &c,
		 SZ(c, allowed_iovas));
}

static void op_option(struct fz_thread *t)
{
	struct pvfio_option c = { .size = sizeof(c) };
	int ci = pick_ctx(t), m;
	bool rlimit = fz_pct(t->op, 40);

	bad(t, &m, 4);
	c.option_id = m == 1 ? fz_next(t->op) % 5 + 1 :
		      rlimit ? PVFIO_OPTION_RLIMIT_MODE : PVFIO_OPTION_HUGE_PAGES;
	c.op = m == 2 ? 2 + fz_below(t->op, 100) : fz_below(t->op, 2);
	/* The accounting mode is the context's: object 0 (EBUSY mostly). */
	c.object_id = rlimit && m != 3 ? 0 : pick_id(t, ci, K_IOAS, m == 3);
	c.val64 = m == 4 ? fz_next(t->op) : fz_below(t->op, 2);
	fz_ioctl(t, ctx_fd(ci), PVFIO_OPTION, &c, SZ(c, val64));
}

/*
 * CHANGE_PROCESS: EINVAL while a context has user-VA mappings; from a
 * forked child (another mm) when it has only MAP_FILE ones.
 */
static void op_change_process(struct fz_thread *t)
{
	struct pvfio_ioas_change_process c = { .size = sizeof(c) };
	int ci = pick_ctx(t), m;

	if (bad(t, &m, 1))
		c.__reserved = 1 + fz_below(t->op, 0xffff);
	fz_ioctl(t, ctx_fd(ci), PVFIO_IOAS_CHANGE_PROCESS, &c,
		 SZ(c, __reserved));
}

/* ------------------------------------------------------ dirty tracking */

static uint64_t dirty_page_size(struct fz_thread *t)
{
	switch (fz_below(t->op, 8)) {
	case 0: return 0;
	case 1: return PAGE / 2 << fz_below(t->op, 2);	/* small, or odd */
	case 2: return 3 * PAGE;
	case 3: return 1ULL << (12 + fz_below(t->op, 52));
	default: return PAGE << fz_below(t->op, 10);
	}
}

/*
 * A bitmap pointer: ours, mostly, when the range's bits fit in it (the
 * kernel writes wherever a dirty page's bit lies); else NULL, unmapped,
 * kernel or the top.
 */
static uint64_t dirty_data(struct fz_thread *t, uint64_t len,
			   uint64_t page_size)
{
	static const uint64_t wild[] = {
		0, 8, 0xffff800000000000ULL, UINT64_MAX - 7, UINT64_MAX,
	};
	bool fits = page_size && !(page_size & (page_size - 1)) &&
		    len / page_size <= sizeof(fz_bits) * 8 - 64;

	if (fits && fz_pct(t->op, 90))
		return (uintptr_t)fz_bits;
	return wild[fz_below(t->op, sizeof(wild) / sizeof(wild[0]))];
}

static void op_dirty_track(struct fz_thread *t)
{
	struct pvfio_ioas_set_dirty_tracking c = { .size = sizeof(c) };
	int ci = pick_ctx(t), m;
	uint32_t focus = 0;
	struct fz_maprec r;

	edu_focus(t, &ci, &focus);
	r = get_map_on(t, ci, focus);
	c.ioas_id = r.ioas;
	c.flags = fz_pct(t->op, 80) ? PVFIO_DIRTY_TRACKING_ENABLE : 0;
	if (bad(t, &m, 3)) {
		if (m == 1)
			c.ioas_id = bad_id(t, ci, K_IOAS);
		else if (m == 2)
			c.flags = fz_next(t->op);
		else
			c.__reserved = 1 + fz_below(t->op, 0xffff);
	}
	fz_ioctl(t, ctx_fd(ci), PVFIO_IOAS_SET_DIRTY_TRACKING, &c,
		 SZ(c, __reserved));
}

/*
 * GET_DIRTY_BITMAP over a mapping, a window, or edges up to the whole
 * space, at any page size, into our bitmap or a wild pointer.
 */
static void op_dirty_read(struct fz_thread *t)
{
	struct pvfio_iova_range ranges[4];
	struct pvfio_ioas_get_dirty_bitmap c = { .size = sizeof(c) };
	int ci = pick_ctx(t), m;
	uint32_t focus = 0;
	struct fz_maprec r;

	edu_focus(t, &ci, &focus);
	r = get_map_on(t, ci, focus);
	c.ioas_id = r.ioas;
	c.page_size = fz_pct(t->op, 60) ? PAGE : dirty_page_size(t);
	c.flags = fz_pct(t->op, 30) ? PVFIO_DIRTY_BITMAP_NO_CLEAR : 0;
	c.pessimistic = (uintptr_t)ranges;
	c.num_pessimistic = fz_below(t->op, 5);
	switch (fz_below(t->op, 4)) {
	case 0:	/* the whole space below the top page */
		c.iova = 0;
		c.length = UINT64_MAX & ~(PAGE - 1);
		break;
	case 1:
		c.iova = window_iova(t, PAGE);
		c.length = (1 + fz_below(t->op, 4096)) * PAGE;
		break;
	default:
		c.iova = r.iova;
		c.length = r.len;
	}
	if (c.page_size && c.page_size > PAGE && fz_pct(t->op, 70)) {
		c.iova &= ~(c.page_size - 1);
		c.length = (c.length + c.page_size - 1) & ~(c.page_size - 1);
		if (!c.length)
			c.length = c.page_size;
	}
	memset(fz_bits, 0, sizeof(fz_bits));
	if (bad(t, &m, 4)) {
		if (m == 1)
			c.ioas_id = bad_id(t, ci, K_IOAS);
		else if (m == 2)
			c.iova = edge_iova(t, c.length);
		else if (m == 3)
			c.length = edge_len(t, c.iova, c.length);
		else
			c.flags = fz_next(t->op);
	}
	/* Chosen last: only a range whose bits fit gets our bitmap. */
	c.data = dirty_data(t, c.length, c.page_size);
	fz_ioctl(t, ctx_fd(ci), PVFIO_IOAS_GET_DIRTY_BITMAP, &c,
		 SZ(c, pessimistic));
}

/* ----------------------------------------------------------- devices */

/* The context and ID edu was last bound as, most of the time. */
static uint32_t pick_dev(struct fz_thread *t, int *ci, int kind, bool mutate)
{
	if (kind == K_DEV && !mutate && LD(W.edu_dev) && fz_pct(t->op, 75)) {
		*ci = LD(W.edu_ctx);
		return LD(W.edu_dev);
	}
	return pick_id(t, *ci, kind, mutate);
}

static void op_hwpt_alloc(struct fz_thread *t)
{
	struct pvfio_hwpt_alloc c = { .size = sizeof(c) };
	int ci = pick_ctx(t), m;

	bad(t, &m, 4);
	c.dev_id = pick_dev(t, &ci, fz_pct(t->op, 80) ? K_DEV : K_MOCK, m == 1);
	c.pt_id = pick_id(t, ci, K_IOAS, m == 2);
	if (m == 3)
		c.flags = 1u << fz_below(t->op, 32);
	if (m == 4)
		c.__reserved = 1;
	if (!fz_ioctl(t, ctx_fd(ci), PVFIO_HWPT_ALLOC, &c, SZ(c, __reserved)))
		put_id(t, ci, K_HWPT, c.out_hwpt_id);
}

static void op_dev_bind(struct fz_thread *t)
{
	struct pvfio_device_bind c = { .size = sizeof(c) };
	int ci = pick_ctx(t), m;

	if (!real_device_ops())
		return;
	bad(t, &m, 3);
	c.pci_domain = W.edu.pci_domain;
	c.pci_bdf = W.edu.pci_bdf;
	if (m == 1)	/* another device, or none */
		c.pci_bdf = fz_below(t->op, 0x10000), c.pci_domain = fz_below(t->op, 2);
	if (m == 2)
		c.flags = 1u << fz_below(t->op, 32);
	if (m == 3)
		c.__reserved = 1;
	if (!fz_ioctl(t, ctx_fd(ci), PVFIO_DEVICE_BIND, &c, SZ(c, __reserved))) {
		put_id(t, ci, K_DEV, c.out_dev_id);
		ST(W.edu_ctx, ci);
		ST(W.edu_dev, c.out_dev_id);
	}
}

static void op_dev_info(struct fz_thread *t)
{
	struct pvfio_device_info c = { .size = sizeof(c) };
	int ci = pick_ctx(t), m;

	bad(t, &m, 2);
	c.dev_id = pick_dev(t, &ci, fz_pct(t->op, 70) ? K_DEV : K_MOCK, m == 1);
	c.num_reserved = fz_pct(t->op, 30) ? 0 : 1 + fz_below(t->op, 16);
	c.reserved_regions = c.num_reserved ? (uintptr_t)t->data : 0;
	if (m == 2)
		c.reserved_regions = bad_uptr(t), c.num_reserved = 1 + fz_below(t->op, 64);
	fz_ioctl(t, ctx_fd(ci), PVFIO_DEVICE_INFO, &c, SZ(c, out_iommu_name));
}

static void op_dev_attach(struct fz_thread *t)
{
	struct pvfio_device_attach c = { .size = sizeof(c) };
	int ci = pick_ctx(t), m, kind;
	uint32_t pt;

	bad(t, &m, 3);
	kind = real_device_ops() && fz_pct(t->op, 75) ? K_DEV : K_MOCK;
	c.dev_id = pick_dev(t, &ci, kind, m == 1);
	c.pt_id = m == 2 ? bad_id(t, ci, K_IOAS) :
		  fz_pct(t->op, 40) ? get_map(t, ci).ioas :
		  some_id(t, ci, fz_pct(t->op, 50) ? K_IOAS : K_HWPT);
	if (m == 3)
		c.__reserved = 1 + fz_below(t->op, 1000);
	pt = c.pt_id;
	if (!fz_ioctl(t, ctx_fd(ci), PVFIO_DEVICE_ATTACH, &c, SZ(c, __reserved)) &&
	    kind == K_DEV && c.dev_id == LD(W.edu_dev))
		ST(W.edu_ioas, pt);	/* an IOAS, or a HWPT (then ENOENT) */
}

static void op_dev_detach(struct fz_thread *t)
{
	struct pvfio_device_detach c = { .size = sizeof(c) };
	int ci = pick_ctx(t), m, kind;

	bad(t, &m, 1);
	kind = real_device_ops() && fz_pct(t->op, 80) ? K_DEV : K_MOCK;
	c.dev_id = pick_dev(t, &ci, kind, m == 1);
	fz_ioctl(t, ctx_fd(ci), PVFIO_DEVICE_DETACH, &c, SZ(c, dev_id));
}

/* ------------------------------------------------------------ accesses */

/* An access slot, mostly a live one (open, its context not closed). */
static int acc_slot(struct fz_thread *t, int *ci)
{
	int ai = fz_below(t->op, FZ_NACC), i;

	for (i = 0; i < 3 && fz_pct(t->op, 85); i++) {
		struct fz_acc *a = &W.acc[ai];

		if (LD(a->fd) >= 0 && LD(a->gen) == LD(W.ctx[LD(a->ctx)].gen))
			break;
		ai = fz_below(t->op, FZ_NACC);
	}

	*ci = LD(W.acc[ai].ctx);
	return ai;
}

static void op_acc_create(struct fz_thread *t)
{
	struct pvfio_access_create c = { .size = sizeof(c) };
	int ci = pick_ctx(t), m, ai, old, i;
	static const uint32_t aligns[] = { 0, 0, 0, PAGE, 16 * PAGE, 2 * FZ_MiB };

	bad(t, &m, 5);
	c.ioas_id = fz_pct(t->op, 15) ? 0 : m == 1 ? bad_id(t, ci, K_IOAS) :
		    fz_pct(t->op, 70) ? get_map(t, ci).ioas : some_id(t, ci, K_IOAS);
	c.iova_alignment = aligns[fz_below(t->op, 6)];
	if (m == 2)
		c.iova_alignment = fz_pct(t->op, 50) ? 3 * PAGE : 1u << fz_below(t->op, 32);
	c.event_queue_len = fz_pct(t->op, 60) ? 0 : 1 + fz_below(t->op, 64);
	if (m == 3)
		c.event_queue_len = 4097 + fz_below(t->op, 1 << 30);
	if (m == 4)
		c.flags = 1u << fz_below(t->op, 32);
	if (m == 5)
		c.out_fd = -1 - fz_below(t->op, 100);	/* output: ignored */
	if (fz_ioctl(t, ctx_fd(ci), PVFIO_ACCESS_CREATE, &c, SZ(c, out_fd)) ||
	    c.out_fd < 0)
		return;
	fcntl(c.out_fd, F_SETFL, O_NONBLOCK);
	/* An empty slot, or one whose context was closed, else any. */
	ai = fz_below(t->op, FZ_NACC);
	for (i = 0; i < FZ_NACC; i++) {
		struct fz_acc *a = &W.acc[(ai + i) % FZ_NACC];

		if (LD(a->fd) < 0 || LD(a->gen) != LD(W.ctx[LD(a->ctx)].gen)) {
			ai = (ai + i) % FZ_NACC;
			break;
		}
	}
	/* Replace the slot's access: closed while others may use it. */
	old = XCHG(W.acc[ai].fd, -1);
	if (old >= 0)
		close(old);
	ST(W.acc[ai].ctx, ci);
	ST(W.acc[ai].gen, LD(W.ctx[ci].gen));
	ST(W.acc[ai].ioas, c.ioas_id);
	memset(W.acc[ai].pins, 0, sizeof(W.acc[ai].pins));
	/* Another create may have filled the slot meanwhile. */
	old = XCHG(W.acc[ai].fd, c.out_fd);
	if (old >= 0)
		close(old);
}

static void op_acc_pin(struct fz_thread *t)
{
	struct pvfio_access_pin c = { .size = sizeof(c) };
	int ci, ai = acc_slot(t, &ci), m;
	struct fz_maprec r = get_map_on(t, ci, LD(W.acc[ai].ioas));

	bad(t, &m, 4);
	sub_range(t, &r, &c.iova, &c.length);
	c.flags = fz_pct(t->op, 50) ? PVFIO_ACCESS_RW_WRITE : 0;
	if (m == 1)
		c.flags = 2u << fz_below(t->op, 31);
	if (m == 2)
		c.iova = fz_pct(t->op, 50) ? c.iova + 1 + fz_below(t->op, PAGE - 1) :
					      edge_iova(t, c.length);
	if (m == 3)
		c.length = fz_pct(t->op, 30) ? (1UL << 30) + PAGE :
					       edge_len(t, c.iova, c.length);
	if (m == 4)
		c.__reserved = 1;
	if (!fz_ioctl(t, LD(W.acc[ai].fd), PVFIO_ACCESS_PIN, &c,
		      SZ(c, __reserved)))
		ST(W.acc[ai].pins[ADD(W.acc[ai].pin_next, 1) % FZ_NPIN],
		   c.out_pin_id);
}

static void op_acc_unpin(struct fz_thread *t)
{
	struct pvfio_access_unpin c = { .size = sizeof(c) };
	int ci, ai = acc_slot(t, &ci), m;

	bad(t, &m, 1);
	/* Mostly one of the latest pins (older ones are often revoked). */
	c.pin_id = LD(W.acc[ai].pins[(LD(W.acc[ai].pin_next) -
				      (fz_pct(t->op, 60) ? fz_below(t->op, 3) :
							   fz_below(t->op, FZ_NPIN))) %
				     FZ_NPIN]);
	if (m == 1)
		c.pin_id = fz_pct(t->op, 50) ?
			LD(W.acc[(ai + 1) % FZ_NACC].pins[fz_below(t->op, FZ_NPIN)]) :
			(uint32_t)fz_next(t->op);
	fz_ioctl(t, LD(W.acc[ai].fd), PVFIO_ACCESS_UNPIN, &c, SZ(c, pin_id));
}

static void op_acc_rw(struct fz_thread *t)
{
	struct pvfio_access_rw c = { .size = sizeof(c) };
	int ci, ai = acc_slot(t, &ci), m;
	struct fz_maprec r = get_map_on(t, ci, LD(W.acc[ai].ioas));
	uint64_t off, max;

	bad(t, &m, 4);
	/* Any byte alignment, inside one recorded mapping mostly. */
	off = fz_below(t->op, r.len ? r.len : 1);
	max = r.len - off;
	if (fz_pct(t->op, 20))
		max += PAGE;		/* across into the next mapping, or not */
	c.iova = r.iova + off;
	c.length = 1 + fz_below(t->op, max < 65536 ? max : 65536);
	if (fz_pct(t->op, 3))
		c.length = FZ_MiB;
	c.flags = fz_pct(t->op, 50) ? PVFIO_ACCESS_RW_WRITE : 0;
	c.data = (uintptr_t)t->data + fz_below(t->op, FZ_DATA_LEN - c.length);
	if (m == 1)
		c.flags = 2u << fz_below(t->op, 31);
	if (m == 2)
		c.iova = edge_iova(t, c.length);
	if (m == 3)
		c.length = fz_pct(t->op, 50) ? FZ_MiB + 1 : edge_len(t, c.iova, c.length);
	if (m == 4)
		c.data = bad_uptr(t);
	/*
	 * Never let the kernel write past our data buffer into live memory:
	 * lengths up to 2 MiB are clamped (a guard follows the buffer),
	 * longer ones must be refused by the kernel.
	 */
	if (m != 4 && c.length <= 2 * FZ_MiB &&
	    c.data + c.length > (uintptr_t)t->data + FZ_DATA_LEN)
		c.length = (uintptr_t)t->data + FZ_DATA_LEN - c.data;
	if (!c.length)
		c.length = 1;
	fz_ioctl(t, LD(W.acc[ai].fd), PVFIO_ACCESS_RW, &c, SZ(c, data));
}

static void op_acc_ioas(struct fz_thread *t, unsigned long nr)
{
	struct pvfio_access_ioas c = { .size = sizeof(c) };
	int ci, ai = acc_slot(t, &ci), m;

	bad(t, &m, 1);
	/* Mostly an IOAS with mappings recorded. */
	c.ioas_id = m == 1 ? bad_id(t, ci, K_IOAS) :
		    fz_pct(t->op, 70) ? get_map(t, ci).ioas : some_id(t, ci, K_IOAS);
	if (!fz_ioctl(t, LD(W.acc[ai].fd), nr, &c, SZ(c, ioas_id)))
		ST(W.acc[ai].ioas, c.ioas_id);
}

static void op_acc_attach(struct fz_thread *t)
{
	op_acc_ioas(t, PVFIO_ACCESS_ATTACH);
}

static void op_acc_replace(struct fz_thread *t)
{
	op_acc_ioas(t, PVFIO_ACCESS_REPLACE);
}

static void op_acc_detach(struct fz_thread *t)
{
	struct pvfio_access_detach c = { .size = sizeof(c) };
	int ci, ai = acc_slot(t, &ci), m;

	if (bad(t, &m, 1))
		c.__reserved = 1 + fz_below(t->op, 100);
	fz_ioctl(t, LD(W.acc[ai].fd), PVFIO_ACCESS_DETACH, &c,
		 SZ(c, __reserved));
}

/* poll() and read() the unmap events, never blocking. */
static void op_acc_events(struct fz_thread *t)
{
	int ci, ai = acc_slot(t, &ci), m, fd = LD(W.acc[ai].fd);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = sizeof(struct pvfio_access_event) * (1 + fz_below(t->op, 16));
	void *buf = t->data;
	ssize_t n;
	int ret;

	bad(t, &m, 2);
	ret = poll(&pfd, 1, 0);
	fz_count(t, ret < 0 ? -errno : 0);
	if (ret != 1 && !m)
		return;
	if (m == 1)
		len = fz_below(t->op, sizeof(struct pvfio_access_event));
	if (m == 2)
		buf = (void *)(uintptr_t)bad_uptr(t);
	n = read(fd, buf, len);
	/* Reading zero bytes may be ok or EINVAL: both are fine. */
	fz_count(t, n < 0 ? -errno : 0);
}

/* ------------------------------------------------------------ test ops */

static void op_mock_device(struct fz_thread *t)
{
	struct pvfio_test_cmd c = { .size = sizeof(c),
				    .op = PVFIO_TEST_OP_MOCK_DEVICE };
	int ci = pick_ctx(t), m;

	bad(t, &m, 2);
	c.id = pick_id(t, ci, K_IOAS, m == 1);
	if (m == 2)
		c.mock_device.__reserved = 1;
	if (!fz_ioctl(t, ctx_fd(ci), PVFIO_TEST, &c, SZ(c, __reserved)))
		put_id(t, ci, K_MOCK, c.mock_device.out_device_id);
}

static void op_test_misc(struct fz_thread *t)
{
	struct pvfio_test_cmd c = { .size = sizeof(c) };
	int ci = pick_ctx(t), m;
	struct fz_maprec r = get_map(t, ci);
	uint64_t va, len;

	bad(t, &m, 2);
	switch (fz_below(t->op, 10)) {
	case 0:
		c.op = PVFIO_TEST_OP_STATS;
		break;
	case 8: {
		/* Batches of one page, a few, or the default. */
		static const uint32_t limits[] = { 0, 0, 1, 16, 24, 4096 };

		c.op = PVFIO_TEST_OP_SET_TEMP_MEMORY_LIMIT;
		c.temp_memory_limit.limit =
			limits[fz_below(t->op, sizeof(limits) / sizeof(limits[0]))];
		if (m == 2)
			c.temp_memory_limit.__reserved = 1;
		break;
	}
	case 1: case 2:
		c.op = PVFIO_TEST_OP_CHECK_MAP;
		c.id = some_id(t, ci, K_MOCK);
		sub_range(t, &r, &c.check_map.iova, &c.check_map.length);
		pick_buf(t, &va, &len);
		c.check_map.uptr = va;
		break;
	case 3:
		c.op = PVFIO_TEST_OP_CHECK_REFS;
		pick_buf(t, &va, &len);
		c.check_refs.uptr = va;
		c.check_refs.length = len;
		c.check_refs.pinned = fz_below(t->op, 2);
		break;
	case 4:
		c.op = PVFIO_TEST_OP_ADD_RESERVED;
		c.id = some_id(t, ci, K_IOAS);
		c.add_reserved.start = window_iova(t, PAGE);
		c.add_reserved.length = (1 + fz_below(t->op, 4)) * PAGE;
		break;
	case 5:
		c.op = PVFIO_TEST_OP_MEMLIMIT;
		c.memlimit.limit_pages = fz_pct(t->op, 50) ? 0 : 1 + fz_below(t->op, 4096);
		break;
	case 6:
		c.op = PVFIO_TEST_OP_MOCK_MAP_CALLS;
		c.id = some_id(t, ci, K_MOCK);
		break;
	case 7:
		c.op = PVFIO_TEST_OP_ACCESS_KEEP_PINS;
		c.access_keep_pins.access_fd = LD(W.acc[fz_below(t->op, FZ_NACC)].fd);
		/* Mostly back to normal: a kept pin makes unmaps retry. */
		c.access_keep_pins.keep_pins = fz_pct(t->op, 25);
		break;
	default:
		c.op = 9 + fz_below(t->op, 1000);	/* unknown */
	}
	if (m == 1)
		c.id = bad_id(t, ci, fz_below(t->op, K_NKIND));
	if (m == 2)
		c.__reserved = 1;
	fz_ioctl(t, ctx_fd(ci), PVFIO_TEST, &c, SZ(c, __reserved));
}

/* Unknown numbers, other magics, directions, a command on the wrong fd. */
static void op_bad_ioctl(struct fz_thread *t)
{
	int ci = pick_ctx(t), fd, ret;
	unsigned long nr;
	uint32_t *cmd = (uint32_t *)t->data;

	fd = fz_pct(t->op, 50) ? ctx_fd(ci) : LD(W.acc[fz_below(t->op, FZ_NACC)].fd);
	switch (fz_below(t->op, 4)) {
	case 0: nr = _IO(PVFIO_TYPE, fz_below(t->op, 256)); break;
	case 1: nr = _IOWR(PVFIO_TYPE, PVFIO_CMD_BASE + fz_below(t->op, 0x40), uint64_t); break;
	case 2: nr = _IO(fz_below(t->op, 256), PVFIO_CMD_BASE + fz_below(t->op, 0x40)); break;
	default: nr = fz_next(t->op) & 0xffffffff;
	}
	memset(cmd, 0, 256);
	cmd[0] = 8 + fz_below(t->op, 120);
	ret = ioctl(fd, nr, cmd) ? -errno : 0;
	fz_count(t, ret);
}

/* ------------------------------------------------------------ races */

static void op_ctx_cycle(struct fz_thread *t)
{
	int ci = pick_ctx(t), fd;

	fd = XCHG(W.ctx[ci].fd, -1);
	if (fd >= 0) {
		/* Closed under the other threads' feet; mostly reopened. */
		ADD(W.ctx[ci].gen, 1);
		fz_count(t, close(fd) ? -errno : 0);
		if (fz_pct(t->op, 10))
			return;
	}
	fd = open("/dev/pvfio", O_RDWR | O_CLOEXEC);
	fz_count(t, fd < 0 ? -errno : 0);
	if (fd < 0)
		return;
	fd = XCHG(W.ctx[ci].fd, fd);
	if (fd >= 0)
		close(fd);
}

static void op_acc_close(struct fz_thread *t)
{
	int ai = fz_below(t->op, FZ_NACC), fd = XCHG(W.acc[ai].fd, -1);

	if (fd >= 0)
		fz_count(t, close(fd) ? -errno : 0);
}

static void child_ops(struct fz_thread *t, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		fz_run_one(t);
}

/* Close some inherited fds (the child's copies), then exit. */
static void __attribute__((noreturn)) child_exit(struct fz_thread *t)
{
	int i;

	for (i = 0; i < FZ_NCTX; i++)
		if (fz_pct(&t->rng, 40))
			close(W.ctx[i].fd);
	for (i = 0; i < FZ_NACC; i++)
		if (fz_pct(&t->rng, 40))
			close(W.acc[i].fd);
	_exit(0);
}

static void wait_child(struct fz_thread *t, pid_t pid)
{
	int status;

	/* EINTR: the watchdog thinks we are stuck; kill it and go on. */
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return;
		kill(pid, SIGKILL);
	}
	(void)t;
}

static void op_fork(struct fz_thread *t)
{
	uint64_t seed = fz_next(t->op);
	unsigned int n = 1 + fz_below(t->op, 40);
	pid_t pid;

	pid = fork();
	fz_count(t, pid < 0 ? -errno : 0);
	if (pid < 0)
		return;
	if (pid == 0) {
		alarm(5);
		t->child = true;
		fz_rng_seed(&t->rng, seed, 0xc417d);
		child_ops(t, n);
		child_exit(t);
	}
	wait_child(t, pid);
}

static void op_kill_child(struct fz_thread *t)
{
	uint64_t seed = fz_next(t->op);
	struct timespec ts = { 0, fz_below(t->op, 20 * 1000 * 1000) };
	pid_t pid;

	pid = fork();
	fz_count(t, pid < 0 ? -errno : 0);
	if (pid < 0)
		return;
	if (pid == 0) {
		alarm(5);
		t->child = true;
		fz_rng_seed(&t->rng, seed, 0x4111);
		for (;;)
			fz_run_one(t);
	}
	nanosleep(&ts, NULL);
	kill(pid, SIGKILL);
	wait_child(t, pid);
}

static int buf_prot(const struct fz_buf *b)
{
	return b->kind == B_RDONLY ? PROT_READ :
	       b->kind == B_NONE ? PROT_NONE : PROT_READ | PROT_WRITE;
}

/* (Re)create buffer @b at its fixed address.  @flags: MAP_FIXED or NOREPLACE. */
static int buf_mmap(const struct fz_buf *b, int fixed)
{
	void *p;

	if (b->kind == B_SHARED)
		p = mmap((void *)b->addr, b->len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | fixed, b->memfd, 0);
	else if (b->kind == B_HUGETLB)
		p = mmap((void *)b->addr, b->len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | fixed, -1, 0);
	else
		p = mmap((void *)b->addr, b->len, buf_prot(b),
			 MAP_PRIVATE | MAP_ANONYMOUS | fixed, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (p != (void *)b->addr)
		return -EEXIST;
	if (b->kind == B_THP)
		madvise(p, b->len, MADV_HUGEPAGE);
	if (b->kind == B_ANON4K)
		madvise(p, b->len, MADV_NOHUGEPAGE);
	return 0;
}

/* munmap / remap / mprotect / MADV_DONTNEED of mapped memory; memfd resize. */
static void op_mem_churn(struct fz_thread *t)
{
	const struct fz_buf *b = &W.buf[fz_below(t->op, FZ_NBUF)];
	int ret = 0, fd;

	if (b->kind == B_NONE)
		return;
	switch (fz_below(t->op, 6)) {
	case 0:	/* munmap, then the same address again (no one else mmaps) */
		if (b->kind == B_HUGETLB)
			break;
		ret = munmap((void *)b->addr, b->len) ? -errno : 0;
		if (!ret)
			ret = buf_mmap(b, MAP_FIXED_NOREPLACE);
		break;
	case 1:	/* atomic replace */
		if (b->kind != B_HUGETLB)
			ret = buf_mmap(b, MAP_FIXED);
		break;
	case 2:
		if (b->kind == B_RDONLY)
			break;
		ret = mprotect((void *)b->addr, b->len, PROT_READ) ? -errno : 0;
		sched_yield();
		mprotect((void *)b->addr, b->len, buf_prot(b));
		break;
	case 3:
		ret = madvise((void *)b->addr, b->len, MADV_DONTNEED) ? -errno : 0;
		break;
	case 4:	/* shrink a memfd under its mappings, grow it back */
		fd = LD(W.files[W.memfd_trunc]);
		ret = ftruncate(fd, fz_below(t->op, 4) * FZ_MiB / 2) ? -errno : 0;
		sched_yield();
		ftruncate(fd, 2 * FZ_MiB);
		break;
	default: /* punch a hole in a memfd */
		fd = LD(W.files[fz_below(t->op, 2)]);
		ret = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				fz_below(t->op, 256) * PAGE,
				(1 + fz_below(t->op, 16)) * PAGE) ? -errno : 0;
	}
	fz_count(t, ret == -EEXIST ? -EBUSY : ret);
}

static int sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Unbind edu from pvfio-pci under the contexts using it, rebind it. */
static void op_sysfs_rebind(struct fz_thread *t)
{
	struct timespec ts = { 0, fz_below(t->op, 3 * 1000 * 1000) };
	int ret;

	if (!real_device_ops() || t->child || XCHG(W.sysfs_busy, 1))
		return;
	if (!LD(W.edu_unbound)) {
		ret = sysfs_write("/sys/bus/pci/drivers/pvfio-pci/unbind", W.edu.bdf);
		/* ENODEV: not bound (a probe failed); rebind below. */
		fz_count(t, ret == -ENODEV ? 0 : ret);
		ST(W.edu_unbound, 1);
		/* Sometimes leave it unbound for a while. */
		if (fz_pct(t->op, 30))
			goto out;
		nanosleep(&ts, NULL);
	}
	ret = sysfs_write("/sys/bus/pci/drivers_probe", W.edu.bdf);
	fz_count(t, ret);
	ST(W.edu_unbound, 0);
out:
	ST(W.sysfs_busy, 0);
}

/* One edu DMA through whatever the IOMMU has for it now; bounded. */
static void op_edu_dma(struct fz_thread *t)
{
	volatile uint32_t *mmio = W.edu.mmio;
	int ci = LD(W.edu_dev) && fz_pct(t->op, 80) ? LD(W.edu_ctx) : pick_ctx(t);
	struct fz_maprec r = get_map(t, ci);
	uint64_t iova, start;
	uint32_t len;
	bool to_ram = fz_pct(t->op, 50);

	if (!W.have_edu || !mmio || t->child || XCHG(W.edu_busy, 1))
		return;
	iova = fz_pct(t->op, 80) ? r.iova : window_iova(t, PAGE);
	/* Not on a page's last byte (virtio-iommu), inside edu's 28 bits. */
	iova += fz_below(t->op, PAGE - 256);
	len = 1 + fz_below(t->op, 4095);	/* never edu's last byte */
	if (iova + len > (1UL << 28) || mmio[0] != 0x010000ed)
		goto out;
	if (fz_pct(t->op, 10))
		edu_enable_bus_master(&W.edu);
	mmio[0x80 / 4] = to_ram ? 0x40000 : iova;
	mmio[0x88 / 4] = to_ram ? iova : 0x40000;
	mmio[0x90 / 4] = len;
	mmio[0x98 / 4] = 1 | (to_ram ? 2 : 0);
	start = fz_now_ns();
	while ((mmio[0x98 / 4] & 1) && fz_now_ns() - start < 1500000000ULL)
		usleep(2000);
	fz_count(t, (mmio[0x98 / 4] & 1) ? -EBUSY : 0);
out:
	ST(W.edu_busy, 0);
}

/* --------------------------------------------------------- the op table */

const struct fz_opdesc fz_ops[] = {
	{ "ioas_alloc",    6, op_ioas_alloc,    true },
	{ "destroy",       4, op_destroy,       true },
	{ "map",          14, op_map,           true },
	{ "map_file",      4, op_map_file,      true },
	{ "unmap",         8, op_unmap,         true },
	{ "copy",          5, op_copy,          true },
	{ "copy_chain",    1, op_copy_chain,    true },
	{ "iova_ranges",   3, op_iova_ranges,   true },
	{ "allow_iovas",   2, op_allow_iovas,   true },
	{ "option",        2, op_option,        true },
	{ "change_process", 1, op_change_process, true },
	{ "dirty_track",   2, op_dirty_track,   true },
	{ "dirty_read",    3, op_dirty_read,    true },
	{ "hwpt_alloc",    3, op_hwpt_alloc,    true },
	{ "dev_bind",      3, op_dev_bind,      true },
	{ "dev_info",      2, op_dev_info,      true },
	{ "dev_attach",    6, op_dev_attach,    true },
	{ "dev_detach",    3, op_dev_detach,    true },
	{ "acc_create",    4, op_acc_create,    true },
	{ "acc_pin",       8, op_acc_pin,       true },
	{ "acc_unpin",     5, op_acc_unpin,     true },
	{ "acc_rw",        6, op_acc_rw,        true },
	{ "acc_attach",    2, op_acc_attach,    true },
	{ "acc_replace",   3, op_acc_replace,   true },
	{ "acc_detach",    2, op_acc_detach,    true },
	{ "acc_events",    3, op_acc_events,    true },
	{ "mock_device",   4, op_mock_device,   true },
	{ "test_misc",     4, op_test_misc,     true },
	{ "bad_ioctl",     1, op_bad_ioctl,     true },
	{ "ctx_cycle",     1, op_ctx_cycle,     true },
	{ "acc_close",     1, op_acc_close,     true },
	{ "mem_churn",     2, op_mem_churn,     true },
	{ "fork",          1, op_fork,          false },
	{ "kill_child",    1, op_kill_child,    false },
	{ "sysfs_rebind",  1, op_sysfs_rebind,  false },
	{ "edu_dma",       1, op_edu_dma,       false },
};
const unsigned int fz_nops = sizeof(fz_ops) / sizeof(fz_ops[0]);

void fz_run_one(struct fz_thread *t)
{
	static unsigned int total;
	struct fz_rng op;
	unsigned int i, pick;
	uint64_t seed;

	if (!total) {
		unsigned int sum = 0;

		for (i = 0; i < fz_nops; i++)
			sum += fz_ops[i].weight;
		total = sum;
	}
	pick = fz_below(&t->rng, total);
	seed = fz_next(&t->rng);
	for (i = 0; i < fz_nops - 1 && pick >= fz_ops[i].weight; i++)
		pick -= fz_ops[i].weight;
	if (t->child && !fz_ops[i].child_ok)
		return;
	fz_rng_seed(&op, seed, t->idx);
	t->op = &op;
	t->cur_op = i;
	fz_ops[i].fn(t);
	t->op = NULL;
}

/* ------------------------------------------------------- world setup */

static int add_file(int fd)
{
	if (fd < 0 || W.nfiles >= FZ_NFILE)
		return -1;
	W.files[W.nfiles++] = fd;
	return W.nfiles - 1;
}

static int new_memfd(const char *name, size_t len, unsigned int flags)
{
	int fd = memfd_create(name, MFD_CLOEXEC | flags);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void set_nr_hugepages(long n)
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "r+");

	if (!f)
		return;
	if (saved_nr_hugepages < 0 && fscanf(f, "%ld", &saved_nr_hugepages) != 1)
		saved_nr_hugepages = 0;
	rewind(f);
	fprintf(f, "%ld", n);
	fclose(f);
}

int fz_world_setup(void)
{
	static const struct { int kind; size_t len; } layout[FZ_NBUF] = {
		{ B_ANON4K, 64 * 1024 }, { B_ANON4K, 64 * 1024 },
		{ B_ANON4K, 256 * 1024 }, { B_ANON4K, 1 * FZ_MiB },
		{ B_THP, 2 * FZ_MiB }, { B_THP, 2 * FZ_MiB },
		{ B_THP, 8 * FZ_MiB }, { B_SHARED, 1 * FZ_MiB },
		{ B_SHARED, 512 * 1024 }, { B_RDONLY, 64 * 1024 },
		{ B_NONE, 64 * 1024 }, { B_HUGETLB, 2 * FZ_MiB },
	};
	uintptr_t at;
	void *p;
	int i, fd, shared_fd;
	char path[64];

	for (i = 0; i < FZ_NCTX; i++) {
		W.ctx[i].fd = open("/dev/pvfio", O_RDWR | O_CLOEXEC);
		if (W.ctx[i].fd < 0)
			return -1;
	}
	for (i = 0; i < FZ_NACC; i++)
		W.acc[i].fd = -1;

	/* Files MAP_FILE works on: memfds, a tmpfs file, a hugetlb memfd. */
	shared_fd = add_file(new_memfd("fz-a", 2 * FZ_MiB, 0));
	W.memfd_trunc = add_file(new_memfd("fz-b", 2 * FZ_MiB, 0));
	if (shared_fd < 0 || W.memfd_trunc < 0)
		return -1;
	snprintf(path, sizeof(path), "/tmp/pvfio-fuzz.%d", getpid());
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		unlink(path);
		if (ftruncate(fd, FZ_MiB))
			close(fd), fd = -1;
	}
	add_file(fd);
	set_nr_hugepages(8);	/* fork copies pinned private huge pages */
	add_file(new_memfd("fz-huge", 2 * FZ_MiB, MFD_HUGETLB));
	/* Files it must refuse (known defect 6 when it does not). */
	if (!(W.cfg.avoid & KNOWN_MAPFILE)) {
		add_file(open("/dev/zero", O_RDWR | O_CLOEXEC));
		if (W.have_edu) {
			snprintf(path, sizeof(path),
				 "/sys/bus/pci/devices/%s/resource0", W.edu.bdf);
			add_file(open(path, O_RDWR | O_CLOEXEC));
		} else {
			add_file(open("/proc/self/maps", O_RDONLY | O_CLOEXEC));
		}
	}

	/* The buffers, at fixed addresses in a reservation, with gaps. */
	p = mmap(NULL, REGION_LEN + 2 * FZ_MiB, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	region = ((uintptr_t)p + 2 * FZ_MiB - 1) & ~(2 * FZ_MiB - 1);
	at = region;
	for (i = 0; i < FZ_NBUF; i++) {
		struct fz_buf *b = &W.buf[i];

		b->kind = layout[i].kind;
		b->len = layout[i].len;
		b->addr = at;
		b->memfd = LD(W.files[shared_fd]);
		at += (b->len + 4 * FZ_MiB - 1) & ~(2 * FZ_MiB - 1);
		if (b->kind == B_NONE)
			continue;
		if (buf_mmap(b, MAP_FIXED)) {
			if (b->kind != B_HUGETLB)
				return -1;
			b->kind = B_THP;	/* no huge pages reserved */
			if (buf_mmap(b, MAP_FIXED))
				return -1;
		}
		if (b->kind != B_RDONLY)
			memset((void *)b->addr, 0x5a ^ i, b->len);
	}
	if (at > region + REGION_LEN - 2 * FZ_MiB)
		return -1;
	return 0;
}

void fz_world_teardown(void)
{
	int i, fd;
	struct pvfio_test_cmd c = {
		.size = sizeof(c), .op = PVFIO_TEST_OP_SET_TEMP_MEMORY_LIMIT,
	};

	/* The batch limit is module wide: back to the default. */
	for (i = 0; i < FZ_NCTX; i++)
		if (W.ctx[i].fd >= 0 && !ioctl(W.ctx[i].fd, PVFIO_TEST, &c))
			break;

	for (i = 0; i < FZ_NACC; i++) {
		fd = XCHG(W.acc[i].fd, -1);
		if (fd >= 0)
			close(fd);
	}
	for (i = 0; i < FZ_NCTX; i++) {
		fd = XCHG(W.ctx[i].fd, -1);
		if (fd >= 0)
			close(fd);
	}
	for (i = 0; i < W.nfiles; i++)
		close(W.files[i]);
	W.nfiles = 0;
	munmap((void *)region, REGION_LEN);
	if (saved_nr_hugepages >= 0)
		set_nr_hugepages(saved_nr_hugepages);
}
