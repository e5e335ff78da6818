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
 *   GET_DIRTY_BITMAP and UNMAP with a bitmap).  What was written is
 *   recorded by IOVA in an xarray, PVFIO_DIRTY_GROUP pages per entry: the
 *   low bits say a page was written through an access (exact), the high
 *   bits that it was written, as far as anyone can tell, by a device whose
 *   page table has no dirty bits (pessimistic).  Pins for write and
 *   writeable mappings in such page tables are not recorded while they
 *   last: a read reports them from the access pins and the areas
 *   themselves, and they are recorded when they end (unpin, unmap, the
 *   last page table going away).
 *
 * Locking: pvfio_dirty.lock nests inside pvfio_iopt.iova_rwsem (read or
 * write) and outside every access's pins_lock.  A read holds, outermost
 * first, pvfio_ioas.access_lock, iova_rwsem for read and the dirty lock
 * while it looks at one chunk; whatever ends a pin or a mapping records it
 * under the dirty lock before the pin or mapping disappears, so each
 * write is seen by exactly the read that clears it or a later one.
 */
#include <linux/bitmap.h>
#include <linux/iommu.h>
#include <linux/log2.h>

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
	    page_size < min_page_size)
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
	bm->buf = NULL;
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
		if (bm->chunk_last == bm->last)
			return false;
		bm->chunk_iova = bm->chunk_last + 1;
	}
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

/**
 * pvfio_bitmap_set() - mark an IOVA range dirty in the current chunk
 * @bm: the writer
 * @start: first IOVA
 * @last: last IOVA; only the part inside the chunk counts
 */
void pvfio_bitmap_set(struct pvfio_bitmap *bm, unsigned long start,
		      unsigned long last)
{
	unsigned long first_bit, last_bit;

	start = max(start, bm->chunk_iova);
	last = min(last, bm->chunk_last);
	if (start > last)
		return;
	first_bit = (start - bm->chunk_iova) >> bm->pgshift;
	last_bit = (last - bm->chunk_iova) >> bm->pgshift;
	bitmap_set(bm->buf, first_bit, last_bit - first_bit + 1);
}

/**
 * pvfio_bitmap_flush() - set the current chunk's bits in the user's bitmap
 * @bm: the writer
 *
 * Only the words between the chunk's first and last set bit are read and
 * written back; a chunk without bits touches no user memory.
 *
 * Return: 0 or -EFAULT.
 */
int pvfio_bitmap_flush(struct pvfio_bitmap *bm)
{
	unsigned long first, last, nwords, i, base;
	u64 __user *uwords;
	u64 word;

	first = find_first_bit(bm->buf, bm->chunk_nbits);
	if (first >= bm->chunk_nbits)
		return 0;
	last = find_last_bit(bm->buf, bm->chunk_nbits);
	/* Bit 0 of the chunk is a multiple of 64 bits into the bitmap. */
	base = ((bm->chunk_iova - bm->iova) >> bm->pgshift) / 64;
	uwords = (u64 __user *)u64_to_user_ptr(bm->data) + base;
	nwords = last / 64 - first / 64 + 1;
	for (i = first / 64; i < first / 64 + nwords; i++) {
		u64 bits = pvfio_chunk_word(bm->buf, i);

		if (!bits)
			continue;
		if (get_user(word, uwords + i))
			return -EFAULT;
		if (pvfio_fail_point() || put_user(word | bits, uwords + i))
			return -EFAULT;
	}
	return 0;
}

/*
 * The IOAS's tracker.
 */

#define PVFIO_DIRTY_GROUP_SHIFT 4
#define PVFIO_DIRTY_GROUP BIT(PVFIO_DIRTY_GROUP_SHIFT)
#define PVFIO_DIRTY_EXACT GENMASK(PVFIO_DIRTY_GROUP - 1, 0)

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

void pvfio_dirty_init(struct pvfio_dirty *dirty)
{
	mutex_init(&dirty->lock);
	xa_init(&dirty->bits);
}

void pvfio_dirty_destroy(struct pvfio_dirty *dirty)
{
	xa_destroy(&dirty->bits);
	mutex_destroy(&dirty->lock);
}

/* Set or clear @mask (exact bits, pessimistic ones shifted up) of a group. */
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
	if (xa_is_err(xa_store(&dirty->bits, index, xa_mk_value(val),
			       GFP_KERNEL_ACCOUNT)))
		dirty->lost = true;
}

/* Under the dirty lock: record [start, last] written. */
static void __pvfio_dirty_record(struct pvfio_dirty *dirty,
				 unsigned long start, unsigned long last,
				 bool pessimistic)
{
	unsigned long index;

	lockdep_assert_held(&dirty->lock);
	for (index = pvfio_dirty_index(start);
	     index <= pvfio_dirty_index(last); index++) {
		unsigned long mask = pvfio_dirty_mask(index, start, last);

		if (pessimistic)
			mask = mask | mask << PVFIO_DIRTY_GROUP;
		if (pvfio_fail_point())
			dirty->lost = true;
		else
			pvfio_dirty_update(dirty, index, mask, 0);
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
 * Does nothing unless the IOAS tracks.  If the record cannot be stored,
 * the tracker goes pessimistic as a whole (pvfio_dirty.lost).
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

/* Under the dirty lock: forget what was recorded of [start, last]. */
static void __pvfio_dirty_forget(struct pvfio_dirty *dirty,
				 unsigned long start, unsigned long last)
{
	unsigned long index;
	void *entry;

	lockdep_assert_held(&dirty->lock);
	xa_for_each_range(&dirty->bits, index, entry, pvfio_dirty_index(start),
			  pvfio_dirty_index(last)) {
		unsigned long mask = pvfio_dirty_mask(index, start, last);

		pvfio_dirty_update(dirty, index, 0,
				   mask | mask << PVFIO_DIRTY_GROUP);
	}
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
 *        what a page table without dirty bits may have written); else the
 *        state goes with the mapping
 */
void pvfio_dirty_area_gone(struct pvfio_iopt *iopt, struct pvfio_area *area,
			   bool keep)
{
	lockdep_assert_held_write(&iopt->iova_rwsem);
	if (!keep)
		pvfio_dirty_forget(iopt, area->node.start, area->node.last);
	else if ((area->prot & IOMMU_WRITE) && !list_empty(&iopt->domains))
		pvfio_dirty_record(iopt, area->node.start, area->node.last,
				   true);
}

/**
 * pvfio_dirty_domains_gone() - the IOAS's last page table is leaving
 * @iopt: the IOVA space, its iova_rwsem held for write, the page table
 *        still on its list
 *
 * What the devices of the page tables may have written stays recorded:
 * every writeable mapping, pessimistically.
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
};

static void pvfio_dirty_read_pin(void *arg, unsigned long start,
				 unsigned long last)
{
	pvfio_bitmap_set(arg, start, last);
}

/* Pessimistic bits of the chunk: set them in both bitmaps. */
static void pvfio_dirty_read_pess(struct pvfio_dirty_read *r,
				  unsigned long start, unsigned long last)
{
	struct pvfio_bitmap *bm = r->bm;
	unsigned long first_bit, last_bit;

	pvfio_bitmap_set(bm, start, last);
	start = max(start, bm->chunk_iova);
	last = min(last, bm->chunk_last);
	if (start > last)
		return;
	first_bit = (start - bm->chunk_iova) >> bm->pgshift;
	last_bit = (last - bm->chunk_iova) >> bm->pgshift;
	bitmap_set(r->pess, first_bit, last_bit - first_bit + 1);
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
 * Collect the chunk's dirty bits: what was recorded, the write pins of the
 * IOAS's accesses and, with a page table without dirty bits (or after a
 * lost record), every writeable mapping.  Clear the record if @clear.
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
	unsigned long index;
	void *entry;
	int ret = 0;

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
		unsigned long val = xa_to_value(entry);
		unsigned long bit;

		for_each_set_bit(bit, &mask, PVFIO_DIRTY_GROUP) {
			unsigned long pg = ((index << PVFIO_DIRTY_GROUP_SHIFT) +
					    bit) << PAGE_SHIFT;

			if (val & BIT(bit + PVFIO_DIRTY_GROUP))
				pvfio_dirty_read_pess(r, pg,
						      pg + PAGE_SIZE - 1);
			else if (val & BIT(bit))
				pvfio_bitmap_set(bm, pg, pg + PAGE_SIZE - 1);
		}
		if (clear)
			pvfio_dirty_update(dirty, index, 0,
					   mask | mask << PVFIO_DIRTY_GROUP);
	}

	xa_for_each(&ioas->accesses, index, access)
		pvfio_access_for_each_write_pin(access, ioas, cs, ce,
						pvfio_dirty_read_pin, bm);

	if (!list_empty(&iopt->domains) || dirty->lost) {
		for (node = interval_tree_iter_first(&iopt->area_itree, cs, ce);
		     node; node = interval_tree_iter_next(node, cs, ce)) {
			struct pvfio_area *area =
				container_of(node, struct pvfio_area, node);

			if (area->prot & IOMMU_WRITE)
				pvfio_dirty_read_pess(r, node->start,
						      node->last);
		}
	}
out_unlock:
	mutex_unlock(&dirty->lock);
	up_read(&iopt->iova_rwsem);
	mutex_unlock(&ioas->access_lock);
	return ret;
}

/*
 * A chunk's bits could not be written: keep them recorded, at the
 * bitmap's granularity, as pessimistic (nothing may be lost).
 */
static void pvfio_dirty_read_restore(struct pvfio_ioas *ioas,
				     struct pvfio_bitmap *bm)
{
	struct pvfio_iopt *iopt = &ioas->iopt;
	unsigned long rs, re;

	down_read(&iopt->iova_rwsem);
	for_each_set_bitrange(rs, re, bm->buf, bm->chunk_nbits)
		pvfio_dirty_record(iopt, bm->chunk_iova + (rs << bm->pgshift),
				   bm->chunk_iova + ((re - 1) << bm->pgshift) +
				   ((1UL << bm->pgshift) - 1), true);
	up_read(&iopt->iova_rwsem);
}

/**
 * pvfio_ioas_read_dirty() - report an IOAS's dirty pages into a user bitmap
 * @ioas: the IOAS
 * @bm: the bitmap, from pvfio_bitmap_init()
 * @clear: forget what is reported
 * @uranges: where to copy the pessimistic ranges
 * @num_ranges: input: capacity of @uranges; output: ranges found
 *
 * Return: 0, -EINVAL the IOAS does not track, -EFAULT (what was not
 * written stays recorded), -ENOMEM, -EINTR.
 */
int pvfio_ioas_read_dirty(struct pvfio_ioas *ioas, struct pvfio_bitmap *bm,
			  bool clear, struct pvfio_iova_range __user *uranges,
			  u32 *num_ranges)
{
	struct pvfio_dirty_read r = {
		.bm = bm, .uranges = uranges, .capacity = *num_ranges,
	};
	int ret = 0;

	r.pess = pvfio_kzalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	if (!r.pess)
		return -ENOMEM;
	while (pvfio_bitmap_next_chunk(bm)) {
		ret = pvfio_dirty_read_chunk(ioas, &r, clear);
		if (ret)
			break;
		ret = pvfio_bitmap_flush(bm);
		if (ret) {
			if (clear)
				pvfio_dirty_read_restore(ioas, bm);
			break;
		}
		ret = pvfio_dirty_read_runs(&r);
		if (ret)
			break;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	if (!ret)
		ret = pvfio_dirty_read_emit(&r);
	kfree(r.pess);
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
	mutex_lock(&dirty->lock);
	/* Starting (again) begins clean; stopping drops the record. */
	xa_destroy(&dirty->bits);
	dirty->lost = false;
	WRITE_ONCE(dirty->tracking, cmd->flags & PVFIO_DIRTY_TRACKING_ENABLE);
	mutex_unlock(&dirty->lock);
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
