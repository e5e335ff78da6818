// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty tracking.
 *
 * Two things live here:
 *
 * - struct pvfio_bitmap, which writes a user's dirty bitmap one chunk (one
 *   page of bits) at a time, setting bits only in the words of chunks that
 *   hold some.  The IOAS tracker below and the iommufd node's mock page
 *   tables (ifd_test.c) both report through it, so that any range, up to
 *   the whole 64-bit space, is read in two pages of kernel memory.
 *
 * - The IOAS's own tracker (/dev/pvfio's SET_DIRTY_TRACKING,
 *   GET_DIRTY_BITMAP and UNMAP with a bitmap).  What an access wrote is
 *   recorded exactly, by page, in an xarray; what a device whose page
 *   table has no dirty bits may have written is recorded as IOVA ranges
 *   (pessimistic).  Pins for write and writeable mappings in such page
 *   tables are not recorded while they last: a read reports them from the
 *   access pins and the areas themselves, and they are recorded when they
 *   end (unpin, unmap, the last page table going away).
 *
 * Locking: pvfio_dirty.lock nests inside pvfio_iopt.iova_rwsem (read or
 * write) and outside every access's pins_lock.  A read holds, outermost
 * first, pvfio_ioas.access_lock, iova_rwsem for read and the dirty lock
 * while it looks at one chunk; whatever ends a pin or a mapping records it
 * under the dirty lock before the pin or mapping disappears, so each
 * write is seen by exactly the read that clears it or a later one.
 */
#include <linux/bitmap.h>
#include <linux/highmem.h>
#include <linux/iommu.h>
#include <linux/log2.h>
#include <linux/mm.h>

#include "pvfio_private.h"

/* Bits of one chunk of a user bitmap: one page of them. */
#define PVFIO_BITMAP_CHUNK_BITS (PAGE_SIZE * BITS_PER_BYTE)

/* Word @i of a chunk, in the user bitmap's u64 layout. */
static u64 pvfio_chunk_word(const unsigned long *buf, unsigned long i)
{
	if (BITS_PER_LONG == 64)
		return buf[i];
	return buf[2 * i] | (u64)buf[2 * i + 1] << 32;
}

/**
 * pvfio_bitmap_init() - check a dirty-bitmap request and prepare to write it
 * @bm: the writer
 * @data: user pointer to the bitmap (u64 words, bit n of word w for
 *        @iova + (64 * w + n) * @page_size)
 * @iova: first IOVA, a multiple of @page_size
 * @length: bytes, a non-zero multiple of @page_size
 * @page_size: bytes per bit: a power of two
 * @min_page_size: the smallest @page_size the caller can report
 *
 * Return: 0, -EINVAL a bad @page_size or a zero or unaligned range,
 * -EOVERFLOW the range or the bitmap passes the end of the address space,
 * -ENOMEM.
 */
int pvfio_bitmap_init(struct pvfio_bitmap *bm, u64 data, u64 iova,
		      u64 length, u64 page_size, unsigned long min_page_size)
{
	u64 last, nbits, end;

	memset(bm, 0, sizeof(*bm));
	if (!page_size || !is_power_of_2(page_size) ||
	    page_size < min_page_size || page_size > ULONG_MAX / 2 + 1)
		return -EINVAL;
	if (!length || (iova & (page_size - 1)) || (length & (page_size - 1)))
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last) || last > ULONG_MAX)
		return -EOVERFLOW;
	bm->pgshift = ilog2(page_size);
	nbits = ((last - iova) >> bm->pgshift) + 1;
	/* The words the bitmap spans must exist as user addresses. */
	if (check_add_overflow(data, DIV_ROUND_UP(nbits, 64) * sizeof(u64) - 1,
			       &end))
		return -EOVERFLOW;
	bm->buf = pvfio_kzalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	if (!bm->buf)
		return -ENOMEM;
	bm->pess = pvfio_kzalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	if (!bm->pess) {
		kfree(bm->buf);
		bm->buf = NULL;
		return -ENOMEM;
	}
	bm->data = data;
	bm->iova = iova;
	bm->last = last;
	bm->started = false;
	return 0;
}

/**
 * pvfio_bitmap_destroy() - free what pvfio_bitmap_init() allocated
 * @bm: the writer
 */
void pvfio_bitmap_destroy(struct pvfio_bitmap *bm)
{
	kfree(bm->buf);
	kfree(bm->pess);
	bm->buf = NULL;
	bm->pess = NULL;
}

/**
 * pvfio_bitmap_next_chunk() - move to the next chunk of the range
 * @bm: the writer
 *
 * Sets @bm->chunk_iova and @bm->chunk_last to the IOVA range the chunk's
 * bits stand for and empties it.
 *
 * Return: false once the whole range was covered.
 */
bool pvfio_bitmap_next_chunk(struct pvfio_bitmap *bm)
{
	unsigned long nbits;

	if (!bm->started) {
		bm->started = true;
		bm->chunk_iova = bm->iova;
	} else {
		if (bm->chunk_last == bm->last || bm->done)
			return false;
		bm->chunk_iova = bm->chunk_last + 1;
		/* Start at the 64-bit word holding the next IOVA of interest. */
		if (bm->next > bm->chunk_iova)
			bm->chunk_iova = bm->iova +
				((((bm->next - bm->iova) >> bm->pgshift) &
				  ~63UL) << bm->pgshift);
	}
	bm->next = 0;
	nbits = min_t(unsigned long, ((bm->last - bm->chunk_iova) >>
				      bm->pgshift) + 1,
		      PVFIO_BITMAP_CHUNK_BITS);
	/* Written so that a chunk ending at ULONG_MAX does not overflow. */
	bm->chunk_last = bm->chunk_iova + ((nbits - 1) << bm->pgshift) +
			 ((1UL << bm->pgshift) - 1);
	bm->chunk_nbits = nbits;
	bitmap_zero(bm->buf, PVFIO_BITMAP_CHUNK_BITS);
	return true;
}

/* Set the bits of @bits (laid out as the current chunk) for [start, last]. */
static void pvfio_bitmap_set_in(struct pvfio_bitmap *bm, unsigned long *bits,
				unsigned long start, unsigned long last)
{
	unsigned long first_bit, last_bit;

	start = max(start, bm->chunk_iova);
	last = min(last, bm->chunk_last);
	if (start > last)
		return;
	first_bit = (start - bm->chunk_iova) >> bm->pgshift;
	last_bit = (last - bm->chunk_iova) >> bm->pgshift;
	bitmap_set(bits, first_bit, last_bit - first_bit + 1);
}

/**
 * pvfio_bitmap_set() - mark an IOVA range dirty in the current chunk
 * @bm: the writer
 * @start: first IOVA
 * @last: last IOVA; only the part inside the chunk counts
 */
void pvfio_bitmap_set(struct pvfio_bitmap *bm, unsigned long start,
		      unsigned long last)
{
	pvfio_bitmap_set_in(bm, bm->buf, start, last);
}

/**
 * pvfio_bitmap_skip_to() - nothing is dirty before an IOVA
 * @bm: the writer
 * @iova: the first IOVA after the current chunk that may be dirty;
 *        ULONG_MAX with @none for none at all
 * @none: nothing after the current chunk is dirty
 *
 * Lets pvfio_bitmap_next_chunk() jump over empty parts of the range, so
 * that reading costs time by the chunks holding something, not by the
 * range's length.
 */
void pvfio_bitmap_skip_to(struct pvfio_bitmap *bm, unsigned long iova,
			  bool none)
{
	if (none || iova > bm->last)
		bm->done = true;
	else
		bm->next = iova;
}

/* User address of the current chunk's first word, and its length. */
static unsigned long pvfio_bitmap_chunk_uaddr(struct pvfio_bitmap *bm,
					      unsigned long *len)
{
	/* Bit 0 of the chunk is a multiple of 64 bits into the bitmap. */
	unsigned long base = ((bm->chunk_iova - bm->iova) >> bm->pgshift) / 64;

	*len = DIV_ROUND_UP(bm->chunk_nbits, 64) * sizeof(u64);
	return bm->data + base * sizeof(u64);
}

/**
 * pvfio_bitmap_pin() - pin the current chunk's part of the user's bitmap
 * @bm: the writer
 *
 * At most 4 KiB of the bitmap: two pages.  While they are pinned,
 * pvfio_bitmap_flush() cannot fail, so a caller can forget what it
 * reports once it knows it will arrive (iommufd pins its bitmap too).
 *
 * Return: 0 or -EFAULT.
 */
int pvfio_bitmap_pin(struct pvfio_bitmap *bm)
{
	unsigned long len, uaddr = pvfio_bitmap_chunk_uaddr(bm, &len);
	unsigned long first = uaddr & PAGE_MASK;
	int n = (PAGE_ALIGN(uaddr + len) - first) >> PAGE_SHIFT, got;

	if (WARN_ON_ONCE(bm->npages || n > ARRAY_SIZE(bm->pages)))
		return -EFAULT;
	got = pvfio_fail_point() ? -EFAULT :
	      pin_user_pages_fast(first, n, FOLL_WRITE, bm->pages);
	if (got == n) {
		bm->npages = n;
		return 0;
	}
	if (got > 0)
		unpin_user_pages(bm->pages, got);
	return -EFAULT;
}

/**
 * pvfio_bitmap_unpin() - release what pvfio_bitmap_pin() pinned
 * @bm: the writer
 */
void pvfio_bitmap_unpin(struct pvfio_bitmap *bm)
{
	if (bm->npages)
		unpin_user_pages_dirty_lock(bm->pages, bm->npages, true);
	bm->npages = 0;
}

/* Set @bits in byte @off of the pinned span (from its first page). */
static void pvfio_bitmap_or_byte(struct pvfio_bitmap *bm, unsigned long off,
				 u8 bits)
{
	u8 *va = kmap_local_page(bm->pages[off >> PAGE_SHIFT]);

	va[off & ~PAGE_MASK] |= bits;
	kunmap_local(va);
}

/**
 * pvfio_bitmap_flush() - set the current chunk's bits in the user's bitmap
 * @bm: the writer, its chunk's part of the bitmap pinned by
 *      pvfio_bitmap_pin()
 *
 * Only the bytes between the chunk's first and last set bit that hold set
 * bits are written, through the pinned pages: it cannot fail.
 */
void pvfio_bitmap_flush(struct pvfio_bitmap *bm)
{
	unsigned long first, last, i, len, uaddr;

	if (WARN_ON_ONCE(!bm->npages))
		return;
	first = find_first_bit(bm->buf, bm->chunk_nbits);
	if (first >= bm->chunk_nbits)
		return;
	last = find_last_bit(bm->buf, bm->chunk_nbits);
	uaddr = pvfio_bitmap_chunk_uaddr(bm, &len);
	for (i = first / 64; i <= last / 64; i++) {
		u64 bits = pvfio_chunk_word(bm->buf, i);
		unsigned long off = (uaddr & ~PAGE_MASK) + i * sizeof(u64);
		u8 bytes[sizeof(u64)];
		unsigned int k;

		/* Byte by byte: the user's words need no alignment. */
		memcpy(bytes, &bits, sizeof(bytes));
		for (k = 0; k < sizeof(bytes); k++)
			if (bytes[k])
				pvfio_bitmap_or_byte(bm, off + k, bytes[k]);
	}
}

/*
 * The IOAS's tracker.
 *
 * Exact records (RW writes, write pins at unpin) are bits in an xarray,
 * PVFIO_DIRTY_GROUP pages per entry: their number is bounded by what was
 * written.  Pessimistic records (a page table without dirty bits leaving,
 * a mapping going while one is there) are ranges, merged, in an interval
 * tree: their number is bounded by the mappings, not by their length.
 */

#define PVFIO_DIRTY_GROUP_SHIFT 4
#define PVFIO_DIRTY_GROUP BIT(PVFIO_DIRTY_GROUP_SHIFT)

/* The xarray index of the group holding @iova's page. */
static unsigned long pvfio_dirty_index(unsigned long iova)
{
	return iova >> (PAGE_SHIFT + PVFIO_DIRTY_GROUP_SHIFT);
}

/* The bits of group @index that pages inside [start, last] occupy. */
static unsigned long pvfio_dirty_mask(unsigned long index,
				      unsigned long start, unsigned long last)
{
	unsigned long first_pg = index << PVFIO_DIRTY_GROUP_SHIFT;
	unsigned long from = 0, to = PVFIO_DIRTY_GROUP - 1;

	if (pvfio_dirty_index(start) == index)
		from = (start >> PAGE_SHIFT) - first_pg;
	if (pvfio_dirty_index(last) == index)
		to = (last >> PAGE_SHIFT) - first_pg;
	return GENMASK(to, from);
}

/* A pessimistic range. */
struct pvfio_dirty_range {
	struct interval_tree_node node;
};

void pvfio_dirty_init(struct pvfio_dirty *dirty)
{
	mutex_init(&dirty->lock);
	xa_init(&dirty->bits);
	dirty->ranges = RB_ROOT_CACHED;
}

/* Under the dirty lock (or with the IOAS gone): drop every record. */
static void pvfio_dirty_clear_all(struct pvfio_dirty *dirty)
{
	struct interval_tree_node *node;

	xa_destroy(&dirty->bits);
	while ((node = interval_tree_iter_first(&dirty->ranges, 0,
						ULONG_MAX))) {
		interval_tree_remove(node, &dirty->ranges);
		kfree(container_of(node, struct pvfio_dirty_range, node));
	}
}

void pvfio_dirty_destroy(struct pvfio_dirty *dirty)
{
	pvfio_dirty_clear_all(dirty);
	mutex_destroy(&dirty->lock);
}

/* Set or clear bits of an exact group. */
static void pvfio_dirty_update(struct pvfio_dirty *dirty, unsigned long index,
			       unsigned long set, unsigned long clear)
{
	unsigned long old = 0, val;
	void *entry;

	lockdep_assert_held(&dirty->lock);
	entry = xa_load(&dirty->bits, index);
	if (entry)
		old = xa_to_value(entry);
	val = (old & ~clear) | set;
	if (val == old)
		return;
	if (!val) {
		xa_erase(&dirty->bits, index);
		return;
	}
	/* Replacing an entry never allocates; a new one may fail. */
	if (pvfio_fail_point() ||
	    xa_is_err(xa_store(&dirty->bits, index, xa_mk_value(val),
			       GFP_KERNEL_ACCOUNT)))
		dirty->lost = true;
}

/* Under the dirty lock: add [start, last] to the pessimistic ranges. */
static void pvfio_dirty_add_range(struct pvfio_dirty *dirty,
				  unsigned long start, unsigned long last)
{
	unsigned long from = start ? start - 1 : 0;
	unsigned long to = last == ULONG_MAX ? last : last + 1;
	struct pvfio_dirty_range *range = NULL;
	struct interval_tree_node *node;

	lockdep_assert_held(&dirty->lock);
	/* Swallow every range it touches or meets, reusing one of them. */
	while ((node = interval_tree_iter_first(&dirty->ranges, from, to))) {
		interval_tree_remove(node, &dirty->ranges);
		start = min(start, node->start);
		last = max(last, node->last);
		if (range)
			kfree(container_of(node, struct pvfio_dirty_range,
					   node));
		else
			range = container_of(node, struct pvfio_dirty_range,
					     node);
	}
	if (!range)
		range = pvfio_kzalloc(sizeof(*range), GFP_KERNEL_ACCOUNT);
	if (!range) {
		dirty->lost = true;
		return;
	}
	range->node.start = start;
	range->node.last = last;
	interval_tree_insert(&range->node, &dirty->ranges);
}

/*
 * Under the dirty lock: take [start, last] out of the pessimistic ranges.
 * Cutting the middle out of one range needs a node: @spare if given (then
 * consumed, *@spare set to NULL), else one allocated now.
 */
static void pvfio_dirty_cut_ranges(struct pvfio_dirty *dirty,
				   unsigned long start, unsigned long last,
				   struct pvfio_dirty_range **spare)
{
	struct interval_tree_node *node;
	struct pvfio_dirty_range *right;

	lockdep_assert_held(&dirty->lock);
	while ((node = interval_tree_iter_first(&dirty->ranges, start,
						last))) {
		interval_tree_remove(node, &dirty->ranges);
		if (node->start < start && node->last > last) {
			right = spare ? *spare : NULL;
			if (spare)
				*spare = NULL;
			else
				right = pvfio_kzalloc(sizeof(*right),
						      GFP_KERNEL_ACCOUNT);
			if (right) {
				right->node.start = last + 1;
				right->node.last = node->last;
				interval_tree_insert(&right->node,
						     &dirty->ranges);
			} else {
				dirty->lost = true;
			}
			node->last = start - 1;
			interval_tree_insert(node, &dirty->ranges);
			return;
		}
		if (node->start < start) {
			node->last = start - 1;
			interval_tree_insert(node, &dirty->ranges);
		} else if (node->last > last) {
			node->start = last + 1;
			interval_tree_insert(node, &dirty->ranges);
		} else {
			kfree(container_of(node, struct pvfio_dirty_range,
					   node));
		}
	}
}

/* Under the dirty lock: record [start, last] written. */
static void __pvfio_dirty_record(struct pvfio_dirty *dirty,
				 unsigned long start, unsigned long last,
				 bool pessimistic)
{
	unsigned long index;

	lockdep_assert_held(&dirty->lock);
	if (pessimistic) {
		pvfio_dirty_add_range(dirty, start & PAGE_MASK,
				      last | ~PAGE_MASK);
		return;
	}
	for (index = pvfio_dirty_index(start);
	     index <= pvfio_dirty_index(last); index++) {
		pvfio_dirty_update(dirty, index,
				   pvfio_dirty_mask(index, start, last), 0);
		if (index == ULONG_MAX)
			break;
		cond_resched();
	}
}

/**
 * pvfio_dirty_record() - record that an IOVA range was written
 * @iopt: the IOVA space, its iova_rwsem held (read or write)
 * @start: first IOVA
 * @last: last IOVA
 * @pessimistic: by a device whose page table has no dirty bits: it may have
 *               been written
 *
 * Does nothing unless the IOAS tracks.  An exact record costs memory by
 * the pages written, a pessimistic one a range at most.  If a record
 * cannot be stored, the tracker goes pessimistic as a whole
 * (pvfio_dirty.lost).
 */
void pvfio_dirty_record(struct pvfio_iopt *iopt, unsigned long start,
			unsigned long last, bool pessimistic)
{
	struct pvfio_dirty *dirty = &iopt->dirty;

	lockdep_assert_held(&iopt->iova_rwsem);
	if (!READ_ONCE(dirty->tracking))
		return;
	mutex_lock(&dirty->lock);
	if (dirty->tracking)
		__pvfio_dirty_record(dirty, start, last, pessimistic);
	mutex_unlock(&dirty->lock);
}

/*
 * Under the dirty lock: forget what was recorded of the pages wholly
 * inside [start, last] (a neighbour sharing an edge page keeps it).
 */
static void __pvfio_dirty_forget(struct pvfio_dirty *dirty,
				 unsigned long start, unsigned long last)
{
	unsigned long index;
	void *entry;

	lockdep_assert_held(&dirty->lock);
	if (start & ~PAGE_MASK) {
		if (start > ULONG_MAX - PAGE_SIZE)
			return;
		start = ALIGN(start, PAGE_SIZE);
	}
	if (~last & ~PAGE_MASK) {
		if (last < PAGE_SIZE)
			return;
		last = (last & PAGE_MASK) - 1;
	}
	if (start > last)
		return;
	xa_for_each_range(&dirty->bits, index, entry, pvfio_dirty_index(start),
			  pvfio_dirty_index(last)) {
		pvfio_dirty_update(dirty, index, 0,
				   pvfio_dirty_mask(index, start, last));
		cond_resched();
	}
	pvfio_dirty_cut_ranges(dirty, start, last, NULL);
}

/**
 * pvfio_dirty_forget() - drop the dirty state of an IOVA range
 * @iopt: the IOVA space, its iova_rwsem held
 * @start: first IOVA
 * @last: last IOVA
 */
void pvfio_dirty_forget(struct pvfio_iopt *iopt, unsigned long start,
			unsigned long last)
{
	struct pvfio_dirty *dirty = &iopt->dirty;

	lockdep_assert_held(&iopt->iova_rwsem);
	if (!READ_ONCE(dirty->tracking))
		return;
	mutex_lock(&dirty->lock);
	__pvfio_dirty_forget(dirty, start, last);
	mutex_unlock(&dirty->lock);
}

/**
 * pvfio_dirty_area_gone() - an area is being unmapped
 * @iopt: the IOVA space, its iova_rwsem held for write
 * @area: the area, still in the IOVA tree
 * @keep: the UNMAP reports the range's dirty state (keep it, and record
 *        what a page table without dirty bits may have written, or
 *        everything writeable once a record was lost); else the state goes
 *        with the mapping
 */
void pvfio_dirty_area_gone(struct pvfio_iopt *iopt, struct pvfio_area *area,
			   bool keep)
{
	lockdep_assert_held_write(&iopt->iova_rwsem);
	if (!keep)
		pvfio_dirty_forget(iopt, area->node.start, area->node.last);
	else if ((area->prot & IOMMU_WRITE) &&
		 (!list_empty(&iopt->domains) || READ_ONCE(iopt->dirty.lost)))
		pvfio_dirty_record(iopt, area->node.start, area->node.last,
				   true);
}

/**
 * pvfio_dirty_domains_gone() - the IOAS's last page table is leaving
 * @iopt: the IOVA space, its iova_rwsem held for write, the page table
 *        still on its list
 *
 * What the devices of the page tables may have written stays recorded:
 * every writeable mapping, pessimistically (a range per mapping at most).
 */
void pvfio_dirty_domains_gone(struct pvfio_iopt *iopt)
{
	struct interval_tree_node *node;

	lockdep_assert_held_write(&iopt->iova_rwsem);
	if (!READ_ONCE(iopt->dirty.tracking))
		return;
	for (node = interval_tree_iter_first(&iopt->area_itree, 0, ULONG_MAX);
	     node; node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		struct pvfio_area *area = container_of(node, struct pvfio_area,
						       node);

		if (area->prot & IOMMU_WRITE)
			pvfio_dirty_record(iopt, node->start, node->last, true);
		cond_resched();
	}
}

/* What one chunk of a read collects. */
struct pvfio_dirty_read {
	struct pvfio_bitmap *bm;
	unsigned long *pess;		/* the chunk's pessimistic bits */
	struct pvfio_iova_range run;	/* the pessimistic range being built */
	bool in_run;
	struct pvfio_iova_range __user *uranges;
	u32 capacity;
	u32 found;
	struct pvfio_dirty_range *spare; /* for cutting a range in two */
};

/*
 * Under the read's locks: the first IOVA after @after that may read dirty,
 * or false if none does.
 */
static bool pvfio_dirty_next(struct pvfio_ioas *ioas, unsigned long after,
			     bool mappings, unsigned long *next)
{
	struct pvfio_iopt *iopt = &ioas->iopt;
	unsigned long index = pvfio_dirty_index(after);
	unsigned long first = ULONG_MAX;
	struct interval_tree_node *node;
	struct pvfio_access *access;
	bool found = false;

	*next = ULONG_MAX;
	if (after == ULONG_MAX)
		return false;
	/* The group holding @after may reach past it. */
	if (xa_find(&iopt->dirty.bits, &index, ULONG_MAX, XA_PRESENT)) {
		first = max(index << (PAGE_SHIFT + PVFIO_DIRTY_GROUP_SHIFT),
			    after + 1);
		found = true;
	}
	node = interval_tree_iter_first(&iopt->dirty.ranges, after + 1,
					ULONG_MAX);
	if (node) {
		first = min(first, max(node->start, after + 1));
		found = true;
	}
	if (mappings) {
		node = interval_tree_iter_first(&iopt->area_itree, after + 1,
						ULONG_MAX);
		if (node) {
			first = min(first, max(node->start, after + 1));
			found = true;
		}
	}
	xa_for_each(&ioas->accesses, index, access) {
		unsigned long pin = ULONG_MAX;

		pvfio_access_write_pins(access, ioas, after + 1, ULONG_MAX,
					NULL, &pin);
		if (pin != ULONG_MAX) {
			first = min(first, max(pin, after + 1));
			found = true;
		}
	}
	*next = first;
	return found;
}

/* Pessimistic bits of the chunk: set them in both bitmaps. */
static void pvfio_dirty_read_pess(struct pvfio_dirty_read *r,
				  unsigned long start, unsigned long last)
{
	pvfio_bitmap_set(r->bm, start, last);
	pvfio_bitmap_set_in(r->bm, r->pess, start, last);
}

/* Close the current pessimistic range: count it, and copy it if it fits. */
static int pvfio_dirty_read_emit(struct pvfio_dirty_read *r)
{
	if (!r->in_run)
		return 0;
	r->in_run = false;
	if (r->found++ >= r->capacity)
		return 0;
	if (pvfio_copy_to_user(&r->uranges[r->found - 1], &r->run,
			       sizeof(r->run)))
		return -EFAULT;
	return 0;
}

/* Turn the chunk's pessimistic bits into merged ranges. */
static int pvfio_dirty_read_runs(struct pvfio_dirty_read *r)
{
	struct pvfio_bitmap *bm = r->bm;
	unsigned long rs, re;
	int ret;

	for_each_set_bitrange(rs, re, r->pess, bm->chunk_nbits) {
		unsigned long start = bm->chunk_iova + (rs << bm->pgshift);
		unsigned long last = bm->chunk_iova + ((re - 1) << bm->pgshift) +
				     ((1UL << bm->pgshift) - 1);

		if (r->in_run && r->run.last + 1 == start) {
			r->run.last = last;
			continue;
		}
		ret = pvfio_dirty_read_emit(r);
		if (ret)
			return ret;
		r->in_run = true;
		r->run.start = start;
		r->run.last = last;
	}
	return 0;
}

/*
 * Collect the chunk's dirty bits: the exact records, the pessimistic
 * ranges, the write pins of the IOAS's accesses and, with a page table
 * without dirty bits (or after a lost record), every writeable mapping.
 * Forget the records of the chunk if @clear.
 */
static int pvfio_dirty_read_chunk(struct pvfio_ioas *ioas,
				  struct pvfio_dirty_read *r, bool clear)
{
	struct pvfio_iopt *iopt = &ioas->iopt;
	struct pvfio_dirty *dirty = &iopt->dirty;
	struct pvfio_bitmap *bm = r->bm;
	unsigned long cs = bm->chunk_iova, ce = bm->chunk_last;
	struct interval_tree_node *node;
	struct pvfio_access *access;
	unsigned long index, next;
	bool mappings, found;
	void *entry;
	int ret = 0;

	bitmap_zero(bm->buf, PVFIO_BITMAP_CHUNK_BITS);
	bitmap_zero(r->pess, PVFIO_BITMAP_CHUNK_BITS);
	mutex_lock(&ioas->access_lock);
	down_read(&iopt->iova_rwsem);
	mutex_lock(&dirty->lock);
	if (!dirty->tracking) {
		ret = -EINVAL;
		goto out_unlock;
	}

	xa_for_each_range(&dirty->bits, index, entry, pvfio_dirty_index(cs),
			  pvfio_dirty_index(ce)) {
		unsigned long mask = pvfio_dirty_mask(index, cs, ce);
		unsigned long val = xa_to_value(entry) & mask;
		unsigned long bit;

		for_each_set_bit(bit, &val, PVFIO_DIRTY_GROUP) {
			unsigned long pg = ((index << PVFIO_DIRTY_GROUP_SHIFT) +
					    bit) << PAGE_SHIFT;

			pvfio_bitmap_set(bm, pg, pg + PAGE_SIZE - 1);
		}
		if (clear)
			pvfio_dirty_update(dirty, index, 0, mask);
		cond_resched();
	}
	for (node = interval_tree_iter_first(&dirty->ranges, cs, ce); node;
	     node = interval_tree_iter_next(node, cs, ce))
		pvfio_dirty_read_pess(r, node->start, node->last);
	if (clear)
		pvfio_dirty_cut_ranges(dirty, cs, ce, &r->spare);

	xa_for_each(&ioas->accesses, index, access)
		pvfio_access_write_pins(access, ioas, cs, ce, bm, NULL);

	mappings = !list_empty(&iopt->domains) || dirty->lost;
	if (mappings) {
		for (node = interval_tree_iter_first(&iopt->area_itree, cs, ce);
		     node; node = interval_tree_iter_next(node, cs, ce)) {
			struct pvfio_area *area =
				container_of(node, struct pvfio_area, node);

			if (area->prot & IOMMU_WRITE)
				pvfio_dirty_read_pess(r, node->start,
						      node->last);
			cond_resched();
		}
	}
	found = pvfio_dirty_next(ioas, ce, mappings, &next);
	pvfio_bitmap_skip_to(bm, next, !found);
out_unlock:
	mutex_unlock(&dirty->lock);
	up_read(&iopt->iova_rwsem);
	mutex_unlock(&ioas->access_lock);
	return ret;
}

/**
 * pvfio_ioas_read_dirty() - report an IOAS's dirty pages into a user bitmap
 * @ioas: the IOAS
 * @bm: the bitmap, from pvfio_bitmap_init()
 * @clear: forget what is reported
 * @uranges: where to copy the pessimistic ranges
 * @num_ranges: input: capacity of @uranges; output: ranges found
 *
 * A chunk holding bits has its page of the user's bitmap pinned before
 * anything of it is forgotten, so that the bits, once cleared, always
 * arrive: a bitmap that cannot be written fails the call with -EFAULT
 * before its chunk is touched (the chunks before it were written).
 *
 * Return: 0, -EINVAL the IOAS does not track, -EFAULT, -ENOMEM, -EINTR.
 */
int pvfio_ioas_read_dirty(struct pvfio_ioas *ioas, struct pvfio_bitmap *bm,
			  bool clear, struct pvfio_iova_range __user *uranges,
			  u32 *num_ranges)
{
	struct pvfio_dirty_read r = {
		.bm = bm, .uranges = uranges, .capacity = *num_ranges,
		.pess = bm->pess,
	};
	int ret = 0;

	while (pvfio_bitmap_next_chunk(bm)) {
		/* A first look, forgetting nothing: is there anything? */
		ret = pvfio_dirty_read_chunk(ioas, &r, false);
		if (ret)
			break;
		if (bitmap_empty(bm->buf, bm->chunk_nbits))
			goto next;
		ret = pvfio_bitmap_pin(bm);
		if (ret)
			break;
		if (clear && !r.spare)
			r.spare = pvfio_kzalloc(sizeof(*r.spare),
						GFP_KERNEL_ACCOUNT);
		/* Now for real: whatever is forgotten is written. */
		if (clear)
			ret = pvfio_dirty_read_chunk(ioas, &r, true);
		if (!ret)
			pvfio_bitmap_flush(bm);
		pvfio_bitmap_unpin(bm);
		if (ret)
			break;
		ret = pvfio_dirty_read_runs(&r);
		if (ret)
			break;
next:
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	if (!ret)
		ret = pvfio_dirty_read_emit(&r);
	kfree(r.spare);
	*num_ranges = r.found;
	return ret;
}

int pvfio_ioas_set_dirty_tracking(struct pvfio_ucmd *ucmd)
{
	struct pvfio_ioas_set_dirty_tracking *cmd = ucmd->cmd;
	struct pvfio_dirty *dirty;
	struct pvfio_ioas *ioas;

	if ((cmd->flags & ~PVFIO_DIRTY_TRACKING_ENABLE) || cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = pvfio_get_ioas(ucmd->ctx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	dirty = &ioas->iopt.dirty;
	/*
	 * iova_rwsem orders this against a page table leaving or a mapping
	 * going: each either records (tracking seen on) or finished before.
	 */
	down_read(&ioas->iopt.iova_rwsem);
	mutex_lock(&dirty->lock);
	/* Starting (again) begins clean; stopping drops the record. */
	pvfio_dirty_clear_all(dirty);
	dirty->lost = false;
	WRITE_ONCE(dirty->tracking, cmd->flags & PVFIO_DIRTY_TRACKING_ENABLE);
	mutex_unlock(&dirty->lock);
	up_read(&ioas->iopt.iova_rwsem);
	pvfio_object_put(&ioas->obj);
	return 0;
}

int pvfio_ioas_get_dirty_bitmap(struct pvfio_ucmd *ucmd)
{
	struct pvfio_ioas_get_dirty_bitmap *cmd = ucmd->cmd;
	u32 num = cmd->num_pessimistic;
	struct pvfio_ioas *ioas;
	struct pvfio_bitmap bm;
	int ret;

	if (cmd->flags & ~PVFIO_DIRTY_BITMAP_NO_CLEAR)
		return -EOPNOTSUPP;
	ioas = pvfio_get_ioas(ucmd->ctx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	if (!READ_ONCE(ioas->iopt.dirty.tracking)) {
		ret = -EINVAL;
		goto out_put;
	}
	ret = pvfio_bitmap_init(&bm, cmd->data, cmd->iova, cmd->length,
				cmd->page_size, PAGE_SIZE);
	if (ret)
		goto out_put;
	ret = pvfio_ioas_read_dirty(ioas, &bm,
				    !(cmd->flags & PVFIO_DIRTY_BITMAP_NO_CLEAR),
				    u64_to_user_ptr(cmd->pessimistic), &num);
	pvfio_bitmap_destroy(&bm);
	if (ret)
		goto out_put;
	cmd->num_pessimistic = num;
	ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	pvfio_object_put(&ioas->obj);
	return ret;
}
