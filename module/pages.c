// SPDX-License-Identifier: GPL-2.0
/*
 * The user memory behind IOAS mappings, pinned only while something needs
 * it: the model of iommufd's iopt_pages, written for pvfio.
 *
 * A struct pvfio_pages names a range of memory: user virtual addresses of
 * the mapping process, or pages of a memory file.  MAP creates one and pins
 * nothing.  A page of it is pinned, once, while at least one of these holds
 * it:
 *
 * - an area (a mapping of some IOAS, COPYs included) whose IOAS has a page
 *   table: the area is then on @domains_itree, and its "storage" domain is
 *   where the pfns are kept: nothing proportional to the mapping's length
 *   is kept besides the IOMMU's own page table;
 * - an access pin: the pin is on @access_itree, and the pfns of every page
 *   some access pin covers are in @pinned_pfns.
 *
 * A page that needs pinning is taken from whichever of these holds it
 * already, and pinned from the user (or the file) only when none does; it
 * is unpinned when the last of them lets go.  Work is done in batches of
 * pfn runs whose memory is bounded (pvfio_temp_memory_limit), whatever the
 * length of the mapping.
 *
 * Pinned pages are charged to the process that made the mapping: to its
 * user (user->locked_vm, iommufd's default) or its mm (mm->locked_vm, the
 * VFIO type1 model), against its RLIMIT_MEMLOCK; a mapper with CAP_IPC_LOCK
 * is not charged.  The pins always count in the mapping mm's pinned_vm.
 *
 * Locking: pvfio_pages.mutex protects the trees, @pinned_pfns, @npinned and
 * the owner.  It nests inside pvfio_iopt.iova_rwsem and outside mmap_lock.
 * An area's storage domain is changed only with the mutex held, so another
 * IOAS sharing the pages can read pfns from it.
 */
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/iommu.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/user.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>

#include "pvfio_private.h"

#define PVFIO_TEMP_MEMORY_DEFAULT 65536
/* Fewest pages worth a pin call of their own when a batch fills up. */
#define PVFIO_MIN_PIN_CALL 512
/* Pages a per-page loop handles between two cond_resched(). */
#define PVFIO_RESCHED_PAGES 512
/* Runs and page pointers a batch has on the stack if allocation fails. */
#define PVFIO_BATCH_BACKUP 4

static unsigned int pvfio_temp_memory_limit = PVFIO_TEMP_MEMORY_DEFAULT;

/**
 * pvfio_set_temp_memory_limit() - bound the memory of one batch
 * @limit: bytes, 0 for the default
 *
 * For PVFIO_TEST_OP_SET_TEMP_MEMORY_LIMIT: a small limit puts the batch
 * boundaries a few pages apart.
 */
void pvfio_set_temp_memory_limit(unsigned int limit)
{
	WRITE_ONCE(pvfio_temp_memory_limit,
		   limit ?: PVFIO_TEMP_MEMORY_DEFAULT);
}

/*
 * A batch: runs of physically contiguous pfns for consecutive page indexes,
 * in index order.  A page extending the last run never needs room, so a
 * batch only ever fills up at a physical discontinuity: a batch boundary
 * never cuts a contiguous run, and so never an IOPTE.
 */
struct pvfio_batch {
	unsigned long *pfns;
	u32 *npfns;
	unsigned int cap;
	unsigned int end;
	unsigned long total;
	bool merge;
	unsigned long backup_pfns[PVFIO_BATCH_BACKUP];
	u32 backup_npfns[PVFIO_BATCH_BACKUP];
};

/* A batch for up to @npages pages: no larger than they or the limit need. */
static void pvfio_batch_init(struct pvfio_batch *batch, unsigned long npages,
			     bool merge)
{
	size_t entry = sizeof(*batch->pfns) + sizeof(*batch->npfns);
	unsigned int cap = max_t(unsigned int,
				 READ_ONCE(pvfio_temp_memory_limit) / entry, 1);
	void *mem = NULL;

	cap = min_t(unsigned long, cap, npages);

	batch->end = 0;
	batch->total = 0;
	batch->merge = merge;
	/* Failing to allocate only makes the batches small. */
	if (cap > PVFIO_BATCH_BACKUP && !pvfio_fail_point())
		mem = kmalloc_array(cap, entry, GFP_KERNEL_ACCOUNT |
				    __GFP_NOWARN);
	if (mem) {
		batch->pfns = mem;
		batch->npfns = mem + cap * sizeof(*batch->pfns);
		batch->cap = cap;
	} else {
		batch->pfns = batch->backup_pfns;
		batch->npfns = batch->backup_npfns;
		batch->cap = min_t(unsigned int, cap, PVFIO_BATCH_BACKUP);
	}
}

static void pvfio_batch_destroy(struct pvfio_batch *batch)
{
	if (batch->pfns != batch->backup_pfns)
		kfree(batch->pfns);
}

static void pvfio_batch_clear(struct pvfio_batch *batch)
{
	batch->end = 0;
	batch->total = 0;
}

static bool pvfio_batch_add(struct pvfio_batch *batch, unsigned long pfn)
{
	unsigned int last = batch->end - 1;

	if (batch->end && batch->merge &&
	    batch->pfns[last] + batch->npfns[last] == pfn &&
	    batch->npfns[last] != U32_MAX) {
		batch->npfns[last]++;
	} else {
		if (batch->end == batch->cap)
			return false;
		batch->pfns[batch->end] = pfn;
		batch->npfns[batch->end++] = 1;
	}
	batch->total++;
	return true;
}

/* A position in a batch, moving forward only. */
struct pvfio_batch_cursor {
	unsigned int run;
	unsigned long in_run;
	unsigned long offset;
};

/*
 * Call @fn on the pfn runs of pages [@from, @to] of @batch (offsets in the
 * batch, in pages), advancing @cur, which must not be past @from.
 */
static void pvfio_batch_for_runs(struct pvfio_batch *batch,
				 struct pvfio_batch_cursor *cur,
				 unsigned long from, unsigned long to,
				 void (*fn)(unsigned long pfn, unsigned long n,
					    void *arg),
				 void *arg)
{
	while (cur->offset <= to) {
		unsigned long left = batch->npfns[cur->run] - cur->in_run;
		unsigned long skip = 0, n;

		if (cur->offset < from)
			skip = min(left, from - cur->offset);
		n = min(left - skip, to + 1 - cur->offset - skip);
		if (n)
			fn(batch->pfns[cur->run] + cur->in_run + skip, n, arg);
		cur->in_run += skip + n;
		cur->offset += skip + n;
		if (cur->in_run == batch->npfns[cur->run]) {
			cur->run++;
			cur->in_run = 0;
			if (cur->run == batch->end)
				break;
		}
	}
}

/*
 * Accounting.
 */
static unsigned long pvfio_owner_limit(struct pvfio_pages_owner *o)
{
	if (o->limit_override)
		return o->limit_override;
	return task_rlimit(o->task, RLIMIT_MEMLOCK) >> PAGE_SHIFT;
}

/* Charge @n pages to @o: within its limit, or whatever it is with @force. */
static int pvfio_charge(struct pvfio_pages_owner *o, unsigned long n,
			bool force)
{
	unsigned long limit = force ? ULONG_MAX : pvfio_owner_limit(o);
	unsigned long cur;
	int ret = 0;

	switch (o->account_mode) {
	case PVFIO_ACCOUNT_USER:
		cur = atomic_long_read(&o->user->locked_vm);
		do {
			if (n > limit || cur > limit - n)
				return -ENOMEM;
		} while (n && !atomic_long_try_cmpxchg(&o->user->locked_vm,
						       &cur, cur + n));
		break;
	case PVFIO_ACCOUNT_MM:
		mmap_write_lock(o->mm);
		if (n > limit || o->mm->locked_vm > limit - n)
			ret = -ENOMEM;
		else
			o->mm->locked_vm += n;
		mmap_write_unlock(o->mm);
		break;
	default:
		break;
	}
	if (!ret)
		atomic64_add(n, &o->mm->pinned_vm);
	return ret;
}

static void pvfio_uncharge(struct pvfio_pages_owner *o, unsigned long n)
{
	switch (o->account_mode) {
	case PVFIO_ACCOUNT_USER:
		if (!WARN_ON(atomic_long_read(&o->user->locked_vm) < n))
			atomic_long_sub(n, &o->user->locked_vm);
		break;
	case PVFIO_ACCOUNT_MM:
		mmap_write_lock(o->mm);
		if (!WARN_ON(o->mm->locked_vm < n))
			o->mm->locked_vm -= n;
		mmap_write_unlock(o->mm);
		break;
	default:
		break;
	}
	atomic64_sub(n, &o->mm->pinned_vm);
}

/**
 * pvfio_owner_init() - make the calling process an owner of pages
 * @o: the owner to fill; holds references until pvfio_owner_put()
 * @ctx: the context, for its accounting mode and test limit
 */
void pvfio_owner_init(struct pvfio_pages_owner *o, struct pvfio_ctx *ctx)
{
	o->limit_override = READ_ONCE(ctx->test_memlimit);
	/* As iommufd: CAP_IPC_LOCK is not charged, unless a test limits. */
	if (capable(CAP_IPC_LOCK) && !o->limit_override)
		o->account_mode = PVFIO_ACCOUNT_NONE;
	else
		o->account_mode = READ_ONCE(ctx->account_mode);
	o->mm = current->mm;
	mmgrab(o->mm);
	o->task = current->group_leader;
	get_task_struct(o->task);
	o->user = get_uid(current_user());
}

/**
 * pvfio_owner_put() - drop what pvfio_owner_init() took
 * @o: the owner
 */
void pvfio_owner_put(struct pvfio_pages_owner *o)
{
	mmdrop(o->mm);
	put_task_struct(o->task);
	free_uid(o->user);
}

/*
 * Pinning and unpinning.
 */

/*
 * The page pointers one pin call fills; for a file, the window of it
 * mapped into the caller for the calls of one fill (pvfio_pin_file()).
 */
struct pvfio_pin_buf {
	struct page **pages;
	unsigned long cap;
	struct page *backup[PVFIO_BATCH_BACKUP];
	unsigned long win_addr;
	unsigned long win_len;
	unsigned long win_start;
	bool win_write;
	unsigned long want_end;
};

static void pvfio_pin_buf_init(struct pvfio_pin_buf *buf, unsigned long npages)
{
	unsigned long cap = max_t(unsigned long,
				  READ_ONCE(pvfio_temp_memory_limit) /
				  sizeof(struct page *), 1);

	cap = min(cap, npages);
	buf->pages = NULL;
	buf->win_addr = 0;
	buf->want_end = 0;
	if (cap > PVFIO_BATCH_BACKUP && !pvfio_fail_point())
		buf->pages = kmalloc_array(cap, sizeof(struct page *),
					   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (buf->pages) {
		buf->cap = cap;
	} else {
		buf->pages = buf->backup;
		buf->cap = min_t(unsigned long, cap, PVFIO_BATCH_BACKUP);
	}
}

/* Unmap a file window: from the process context that mapped it. */
static void pvfio_pin_buf_unmap(struct pvfio_pin_buf *buf)
{
	if (buf->win_addr)
		vm_munmap(buf->win_addr, buf->win_len);
	buf->win_addr = 0;
}

static void pvfio_pin_buf_destroy(struct pvfio_pin_buf *buf)
{
	pvfio_pin_buf_unmap(buf);
	if (buf->pages != buf->backup)
		kfree(buf->pages);
}

static void pvfio_unpin_run(struct pvfio_pages *pages, unsigned long pfn,
			    unsigned long n)
{
	unpin_user_page_range_dirty_lock(pfn_to_page(pfn), n, pages->writable);
	pages->npinned -= n;
	atomic64_sub(n, &pvfio_nr_pinned_pages);
	pvfio_uncharge(&pages->owner, n);
}

/* Unpin pages pinned by pvfio_pin_new() that never went anywhere. */
static void pvfio_unpin_array(struct pvfio_pages *pages, struct page **array,
			      unsigned long n)
{
	if (!n)
		return;
	unpin_user_pages_dirty_lock(array, n, pages->writable);
	pages->npinned -= n;
	atomic64_sub(n, &pvfio_nr_pinned_pages);
	pvfio_uncharge(&pages->owner, n);
}

/* Pin from the mapping process's memory, with the fast path if we are it. */
static long pvfio_pin_user(struct pvfio_pages *pages, unsigned long addr,
			   unsigned long n, unsigned int gup_flags,
			   struct page **out)
{
	struct mm_struct *mm = pages->owner.mm;
	bool unshare = PVFIO_COMPAT_RO_PIN_UNSHARE && !(gup_flags & FOLL_WRITE);
	struct vm_area_struct *vma;
	long rc;

	if (current->mm == mm && !unshare)
		return pin_user_pages_fast(addr, n, gup_flags, out);
	/* The mapping process is gone: its memory with it. */
	if (!mmget_not_zero(mm))
		return -EFAULT;
	/*
	 * No @locked: 6.1 refuses (WARNs on) FOLL_LONGTERM with it, and the
	 * lock then stays held throughout on every kernel.
	 */
	mmap_read_lock(mm);
	if (unshare) {
		/* compat.h: break COW as later kernels' GUP does, per VMA. */
		vma = vma_lookup(mm, addr);
		if (vma && is_cow_mapping(vma->vm_flags)) {
			gup_flags |= FOLL_WRITE | FOLL_FORCE;
			n = min(n, (vma->vm_end - addr) >> PAGE_SHIFT);
		} else if (vma) {
			n = min(n, (vma->vm_end - addr) >> PAGE_SHIFT);
		}
	}
	rc = pin_user_pages_remote(mm, addr, n, gup_flags, out, NULL);
	mmap_read_unlock(mm);
	mmput(mm);
	return rc;
}

/*
 * Pin a file's pages: map the range shared into the caller for as long as
 * it takes to pin it (6.1 and 6.12 cannot pin a memfd's pages one by one
 * otherwise).  Needs a process.  The window is writable only when the pin
 * is for write, and covers whole blocks of the file (hugetlbfs maps only
 * whole huge pages).
 */
static long pvfio_pin_file(struct pvfio_pages *pages, unsigned long offset,
			   unsigned long n, unsigned int gup_flags,
			   struct page **out, struct pvfio_pin_buf *buf)
{
	unsigned long blk = file_inode(pages->file)->i_sb->s_blocksize;
	unsigned long end = offset + (n << PAGE_SHIFT), win, addr, len;
	bool write = gup_flags & FOLL_WRITE;
	long rc;

	if (!current->mm)
		return -EFAULT;
	/*
	 * Within a fill (@buf) one window serves every call: map up to the
	 * end of what the fill pins, so that the calls of small batches do
	 * not map and unmap the file each time.  The window is in the
	 * caller's own address space: a thread of it replacing the window
	 * meanwhile only gets its own memory pinned, charged to itself, as a
	 * MAP of that memory would.
	 */
	if (buf && buf->win_addr &&
	    (buf->win_write != write || offset < buf->win_start ||
	     end > buf->win_start + buf->win_len))
		pvfio_pin_buf_unmap(buf);
	if (buf && buf->win_addr) {
		addr = buf->win_addr + (offset - buf->win_start);
		return pin_user_pages_fast(addr, n, gup_flags, out);
	}
	win = ALIGN_DOWN(offset, blk);
	/* Bounded, so as not to strain the caller's address space. */
	if (buf && buf->want_end > end)
		end = max(end, min(buf->want_end, offset + SZ_256M));
	len = ALIGN(end, blk) - win;
	addr = vm_mmap(pages->file, 0, len,
		       PROT_READ | (write ? PROT_WRITE : 0), MAP_SHARED, win);
	if (IS_ERR_VALUE(addr))
		return (long)addr;
	rc = pin_user_pages_fast(addr + (offset - win), n, gup_flags, out);
	if (buf) {
		buf->win_addr = addr;
		buf->win_len = len;
		buf->win_start = win;
		buf->win_write = write;
	} else {
		vm_munmap(addr, len);
	}
	return rc;
}

/*
 * Pin up to @n pages from index @index that nothing holds yet, charging
 * them; @write: the caller is to write them.  User memory of a writable
 * mapping is always pinned for write (a read pin of private memory could
 * hold a page a later write replaces); a file's shared pages are the same
 * pages either way, so they are pinned for write only when asked.
 * Return: how many (at least 1), or -EFAULT (memory not there, not
 * writable, or its process gone), -ENOMEM (over the limit), -EINTR.
 */
static long pvfio_pin_new(struct pvfio_pages *pages, unsigned long index,
			  unsigned long n, struct page **out, bool write,
			  struct pvfio_pin_buf *buf)
{
	unsigned int gup_flags = FOLL_LONGTERM;
	unsigned long where = pages->uptr + (index << PAGE_SHIFT);
	long rc;

	lockdep_assert_held(&pages->mutex);

	if (fatal_signal_pending(current))
		return -EINTR;
	if (pages->writable && (write || !pages->file))
		gup_flags |= FOLL_WRITE;
	rc = pvfio_charge(&pages->owner, n, false);
	if (rc)
		return rc;
	if (pvfio_fail_point())
		rc = -ENOMEM;
	else if (pages->file)
		rc = pvfio_pin_file(pages, where, n, gup_flags, out, buf);
	else
		rc = pvfio_pin_user(pages, where, n, gup_flags, out);
	if (rc <= 0) {
		pvfio_uncharge(&pages->owner, n);
		/* gup says -EFAULT for a hole or a read-only page. */
		return rc == -ENOMEM || rc == -EINTR ? rc : -EFAULT;
	}
	if (rc < n)
		pvfio_uncharge(&pages->owner, n - rc);
	pages->npinned += rc;
	atomic64_add(rc, &pvfio_nr_pinned_pages);
	return rc;
}

/*
 * Who holds page @index: an access pin, an area's storage domain, or
 * nobody.  Returns the last index of the span from @index up to @last held
 * the same way.  With @area (for a domain span) the area holding it.
 */
enum pvfio_holder { PVFIO_HELD_ACCESS, PVFIO_HELD_DOMAIN, PVFIO_HELD_NONE };

static unsigned long pvfio_pages_span(struct pvfio_pages *pages,
				      unsigned long index, unsigned long last,
				      enum pvfio_holder *holder,
				      struct pvfio_area **area)
{
	struct interval_tree_node *acc, *dom;
	unsigned long end = last;

	lockdep_assert_held(&pages->mutex);

	/* The first node overlapping covers @index if any node does. */
	acc = interval_tree_iter_first(&pages->access_itree, index, last);
	if (acc && acc->start <= index) {
		*holder = PVFIO_HELD_ACCESS;
		return min(acc->last, last);
	}
	dom = interval_tree_iter_first(&pages->domains_itree, index, last);
	if (dom && dom->start <= index) {
		*holder = PVFIO_HELD_DOMAIN;
		if (area)
			*area = container_of(dom, struct pvfio_area,
					     pages_node);
		end = min(dom->last, last);
		if (acc)
			end = min(end, acc->start - 1);
		return end;
	}
	*holder = PVFIO_HELD_NONE;
	if (acc)
		end = min(end, acc->start - 1);
	if (dom)
		end = min(end, dom->start - 1);
	return end;
}

/*
 * The part of @area that pages [@index, @index + @n) of its pages hold:
 * its first IOVA in *@iova, the byte offset into page @index where it
 * starts in *@skip, its length returned.  Only the area's first and last
 * page can be cut, when the IOAS's alignment is below PAGE_SIZE (the
 * iommufd front end's mock domain has 2 KiB IO pages).
 */
static unsigned long area_span(struct pvfio_area *area, unsigned long index,
			       unsigned long n, unsigned long *iova,
			       unsigned long *skip)
{
	unsigned long start = index << PAGE_SHIFT, end = (index + n) << PAGE_SHIFT;
	unsigned long a_start = area->page_offset;
	unsigned long a_end = a_start + (area->node.last - area->node.start) + 1;

	start = max(start, a_start);
	end = min(end, a_end);
	*skip = start - (index << PAGE_SHIFT);
	*iova = area->node.start + (start - a_start);
	return end - start;
}

static unsigned long area_index_iova(struct pvfio_area *area,
				     unsigned long index)
{
	unsigned long iova, skip;

	area_span(area, index, 1, &iova, &skip);
	return iova;
}

static unsigned long pvfio_domain_pfn(struct pvfio_domain *dom,
				      unsigned long iova)
{
	if (dom->mock)
		return PHYS_PFN(pvfio_mock_iova_to_phys(dom->mock, iova));
	return PHYS_PFN(iommu_iova_to_phys(dom->domain, iova));
}

static unsigned long pvfio_pages_xa_pfn(struct pvfio_pages *pages,
					unsigned long index)
{
	return xa_to_value(xa_load(&pages->pinned_pfns, index));
}

/* The pfn of page @index of @area's pages, from @dom (default: storage). */
static unsigned long area_pfn(struct pvfio_area *area,
			      struct pvfio_domain *dom, unsigned long index)
{
	return pvfio_domain_pfn(dom ?: area->storage,
				area_index_iova(area, index));
}

/*
 * Add the pfns of pages [@index, @last] to @batch until it is full, taking
 * each from whoever holds it or pinning it.  Return: pages added (at least
 * one, the batch being empty), or an error of pvfio_pin_new().
 */
static long pvfio_pages_read(struct pvfio_pages *pages, unsigned long index,
			     unsigned long last, struct pvfio_batch *batch,
			     struct pvfio_pin_buf *buf, bool write)
{
	unsigned long start = index, end, i, pfn, room;
	enum pvfio_holder holder;
	struct pvfio_area *area;
	long n;

	while (index <= last) {
		end = pvfio_pages_span(pages, index, last, &holder, &area);
		switch (holder) {
		case PVFIO_HELD_ACCESS:
			for (i = index; i <= end; i++) {
				pfn = pvfio_pages_xa_pfn(pages, i);
				if (!pvfio_batch_add(batch, pfn))
					return i - start;
			}
			break;
		case PVFIO_HELD_DOMAIN:
			for (i = index; i <= end; i++) {
				pfn = area_pfn(area, NULL, i);
				if (!pvfio_batch_add(batch, pfn))
					return i - start;
				if (!(i % PVFIO_RESCHED_PAGES))
					cond_resched();
			}
			break;
		case PVFIO_HELD_NONE:
			/*
			 * Pin no more than surely fits (a page per free run)
			 * while that is worth a call; near the end of the
			 * batch pin a whole buffer, which contiguous pages
			 * (merging into the last run) may still fill.
			 */
			n = min(end - index + 1, buf->cap);
			room = batch->cap - batch->end;
			if (room >= PVFIO_MIN_PIN_CALL)
				n = min_t(unsigned long, n, room);
			buf->want_end = pages->uptr + ((last + 1) << PAGE_SHIFT);
			n = pvfio_pin_new(pages, index, n, buf->pages, write,
					  buf);
			if (n < 0) {
				if (index != start)
					return index - start;
				return n;
			}
			/*
			 * What does not fit (a discontinuity with no run
			 * left) goes back; the next batch pins it again.
			 */
			for (i = 0; i < n; i++) {
				pfn = page_to_pfn(buf->pages[i]);
				if (!pvfio_batch_add(batch, pfn)) {
					pvfio_unpin_array(pages, buf->pages + i,
							  n - i);
					return index + i - start;
				}
			}
			end = index + n - 1;
			break;
		}
		index = end + 1;
		cond_resched();
	}
	return index - start;
}

static void pvfio_unpin_run_fn(unsigned long pfn, unsigned long n, void *arg)
{
	pvfio_unpin_run(arg, pfn, n);
}

/*
 * Unpin the pages of @batch, which holds indexes from @first, whose index
 * in [@from, @to] nobody holds any more.  The caller made sure no device
 * can reach them (unmapped, IOTLB synced) or they were never mapped.
 */
static void pvfio_batch_unpin(struct pvfio_pages *pages,
			      struct pvfio_batch *batch, unsigned long first,
			      unsigned long from, unsigned long to)
{
	struct pvfio_batch_cursor cur = {};
	enum pvfio_holder holder;
	unsigned long end;

	while (from <= to) {
		end = pvfio_pages_span(pages, from, to, &holder, NULL);
		if (holder == PVFIO_HELD_NONE)
			pvfio_batch_for_runs(batch, &cur, from - first,
					     end - first, pvfio_unpin_run_fn,
					     pages);
		from = end + 1;
	}
}

/*
 * Domains.  Areas are filled and emptied with the IOAS's domain list
 * stable: with domains_rwsem (a MAP filling its areas) or iova_rwsem held.
 */
static void pvfio_assert_domains_stable(struct pvfio_iopt *iopt)
{
	lockdep_assert(lockdep_is_held(&iopt->domains_rwsem) ||
		       lockdep_is_held(&iopt->iova_rwsem));
}

/* Unmap pages [@index, @index + @n) of @area from @dom, and sync. */
static void pvfio_area_unmap_pages(struct pvfio_area *area,
				   struct pvfio_domain *dom,
				   unsigned long index, unsigned long n)
{
	unsigned long iova, skip, size;

	size = area_span(area, index, n, &iova, &skip);
	pvfio_domain_unmap_sync(dom, iova, size);
}

/*
 * Map pages [@index, @index + @n) of @area, the physically contiguous run
 * from @pfn, into @dom: with one call, or a page at a time with huge pages
 * off.  On failure nothing of the run is mapped.
 */
static int pvfio_domain_map_run(struct pvfio_iopt *iopt,
				struct pvfio_domain *dom,
				struct pvfio_area *area, unsigned long index,
				unsigned long pfn, unsigned long n)
{
	unsigned long step = iopt->huge_pages ? n : 1, done;
	unsigned long mask = pvfio_domain_min_pgsize(dom) - 1;
	unsigned long at, skip, size;
	phys_addr_t paddr;
	int ret;

	for (done = 0; done < n; done += step) {
		size = area_span(area, index + done, step, &at, &skip);
		paddr = PFN_PHYS(pfn + done) + skip;
		/* The IOMMU core would refuse (and log) a misaligned map. */
		if ((at | paddr | size) & mask) {
			ret = -EINVAL;
			goto err_unmap;
		}
		ret = pvfio_domain_map(dom, at, paddr, size, area->prot);
		if (ret)
			goto err_unmap;
	}
	return 0;

err_unmap:
	if (done)
		pvfio_area_unmap_pages(area, dom, index, done);
	return ret;
}

/*
 * Map the runs of @batch, pages from index @first of @area, into @dom.  On
 * failure *@mapped pages are mapped.
 */
static int pvfio_batch_map(struct pvfio_iopt *iopt, struct pvfio_area *area,
			   struct pvfio_domain *dom, struct pvfio_batch *batch,
			   unsigned long first, unsigned long *mapped)
{
	unsigned int r;
	int ret;

	*mapped = 0;
	for (r = 0; r < batch->end; r++) {
		ret = pvfio_domain_map_run(iopt, dom, area, first + *mapped,
					   batch->pfns[r], batch->npfns[r]);
		if (ret)
			return ret;
		*mapped += batch->npfns[r];
		cond_resched();
	}
	return 0;
}

static unsigned long area_first_index(struct pvfio_area *area)
{
	return area->page_offset >> PAGE_SHIFT;
}

static unsigned long area_last_index(struct pvfio_area *area)
{
	return (area->page_offset + (area->node.last - area->node.start)) >>
	       PAGE_SHIFT;
}

/*
 * Unmap pages [@start, @last] of @area from @dom, and unpin those nobody
 * else holds, a batch at a time: read the batch's pfns from @dom, unmap
 * them, sync the IOTLB, only then unpin.
 */
static void pvfio_area_unfill_range(struct pvfio_area *area,
				    struct pvfio_domain *dom,
				    unsigned long start, unsigned long last)
{
	struct pvfio_pages *pages = area->pages;
	struct pvfio_batch batch;
	unsigned long i;

	lockdep_assert_held(&pages->mutex);

	pvfio_batch_init(&batch, last - start + 1, true);
	while (start <= last) {
		pvfio_batch_clear(&batch);
		for (i = start; i <= last; i++) {
			if (!pvfio_batch_add(&batch, area_pfn(area, dom, i)))
				break;
			if (!(i % PVFIO_RESCHED_PAGES))
				cond_resched();
		}
		pvfio_area_unmap_pages(area, dom, start, i - start);
		pvfio_batch_unpin(pages, &batch, start, start, i - 1);
		start = i;
		cond_resched();
	}
	pvfio_batch_destroy(&batch);
}

/**
 * pvfio_area_fill_first_domain() - map an area into its IOAS's first domain
 * @iopt: the area's IOVA space, its domain list stable (domains_rwsem
 *        or iova_rwsem held)
 * @area: an area that is in no domain yet
 * @dom: the domain, which becomes the area's storage
 *
 * Pins what nobody holds yet, in batches, and maps each physically
 * contiguous run with one call.
 *
 * Return: 0, -EFAULT memory not there (or its process gone), -ENOMEM
 * (limit, memory), -EINTR, -EINVAL a run the domain cannot map, or a
 * mapping error.  On failure nothing of the area is mapped or pinned.
 */
int pvfio_area_fill_first_domain(struct pvfio_iopt *iopt,
				 struct pvfio_area *area,
				 struct pvfio_domain *dom)
{
	unsigned long first = area_first_index(area), index = first;
	unsigned long last = area_last_index(area), mapped;
	struct pvfio_pages *pages = area->pages;
	struct pvfio_pin_buf buf;
	struct pvfio_batch batch;
	long n;
	int ret = 0;

	pvfio_assert_domains_stable(iopt);

	pvfio_batch_init(&batch, last - first + 1, iopt->huge_pages);
	pvfio_pin_buf_init(&buf, last - first + 1);
	mutex_lock(&pages->mutex);
	while (index <= last) {
		pvfio_batch_clear(&batch);
		n = pvfio_pages_read(pages, index, last, &batch, &buf,
				     area->prot & IOMMU_WRITE);
		if (n < 0) {
			ret = n;
			break;
		}
		ret = pvfio_batch_map(iopt, area, dom, &batch, index, &mapped);
		if (ret) {
			/* What the batch pinned but did not map goes now. */
			pvfio_batch_unpin(pages, &batch, index,
					  index + mapped, index + n - 1);
			index += mapped;
			break;
		}
		index += n;
	}
	if (ret) {
		if (index > first)
			pvfio_area_unfill_range(area, dom, first, index - 1);
	} else {
		area->pages_node.start = first;
		area->pages_node.last = last;
		interval_tree_insert(&area->pages_node,
				     &pages->domains_itree);
		area->storage = dom;
	}
	mutex_unlock(&pages->mutex);
	pvfio_pin_buf_destroy(&buf);
	pvfio_batch_destroy(&batch);
	return ret;
}

/**
 * pvfio_area_fill_domain() - map a filled area into one more domain
 * @iopt: the area's IOVA space, its domain list stable (domains_rwsem
 *        or iova_rwsem held)
 * @area: an area with a storage domain
 * @dom: another domain of @iopt
 *
 * The pages are pinned already: their pfns come from the storage domain.
 *
 * Return: 0 or a mapping error (nothing of the area mapped in @dom).
 */
int pvfio_area_fill_domain(struct pvfio_iopt *iopt, struct pvfio_area *area,
			   struct pvfio_domain *dom)
{
	unsigned long first = area_first_index(area), i = first, run;
	unsigned long last = area_last_index(area), pfn;
	int ret;

	pvfio_assert_domains_stable(iopt);

	while (i <= last) {
		pfn = area_pfn(area, NULL, i);
		run = 1;
		while (iopt->huge_pages && i + run <= last &&
		       area_pfn(area, NULL, i + run) == pfn + run) {
			run++;
			if (!(run % PVFIO_RESCHED_PAGES))
				cond_resched();
		}
		ret = pvfio_domain_map_run(iopt, dom, area, i, pfn, run);
		if (ret)
			goto err_unmap;
		i += run;
		cond_resched();
	}
	return 0;

err_unmap:
	if (i > first)
		pvfio_area_unmap_pages(area, dom, first, i - first);
	return ret;
}

/**
 * pvfio_area_unfill_storage() - take an area out of its last domain
 * @iopt: the area's IOVA space, its domain list stable (domains_rwsem
 *        or iova_rwsem held)
 * @area: an area whose only domain left is its storage; every other domain
 *        of the IOAS has been unmapped and synced already
 *
 * Unmaps the area from the storage domain and unpins what nobody else
 * holds, a batch at a time, each unpinned only after its IOTLB sync.
 */
void pvfio_area_unfill_storage(struct pvfio_iopt *iopt,
			       struct pvfio_area *area)
{
	struct pvfio_pages *pages = area->pages;
	struct pvfio_domain *dom = area->storage;

	pvfio_assert_domains_stable(iopt);
	if (WARN_ON(!dom))
		return;

	mutex_lock(&pages->mutex);
	interval_tree_remove(&area->pages_node, &pages->domains_itree);
	area->storage = NULL;
	pvfio_area_unfill_range(area, dom, area_first_index(area),
				area_last_index(area));
	mutex_unlock(&pages->mutex);
}

/**
 * pvfio_area_set_storage() - keep an area's pfns in another domain
 * @area: an area with a storage domain about to be removed
 * @dom: another domain the area is mapped in
 */
void pvfio_area_set_storage(struct pvfio_area *area, struct pvfio_domain *dom)
{
	mutex_lock(&area->pages->mutex);
	area->storage = dom;
	mutex_unlock(&area->pages->mutex);
}

/*
 * Accesses.
 */

/*
 * Let go of pages [@start, @last] for an access pin whose node is off the
 * tree already (or was never on it): drop the pfns no other access pin
 * covers from @pinned_pfns and unpin those no domain holds either.
 */
static void pvfio_pages_access_release(struct pvfio_pages *pages,
				       unsigned long start, unsigned long last)
{
	enum pvfio_holder holder;
	unsigned long end, i, pfn, run_pfn = 0, run = 0;

	while (start <= last) {
		end = pvfio_pages_span(pages, start, last, &holder, NULL);
		if (holder == PVFIO_HELD_ACCESS) {
			start = end + 1;
			continue;
		}
		for (i = start; i <= end; i++) {
			pfn = xa_to_value(xa_erase(&pages->pinned_pfns, i));
			if (holder != PVFIO_HELD_NONE)
				continue;
			if (run && run_pfn + run == pfn) {
				run++;
				continue;
			}
			if (run)
				pvfio_unpin_run(pages, run_pfn, run);
			run_pfn = pfn;
			run = 1;
		}
		start = end + 1;
		cond_resched();
	}
	if (run)
		pvfio_unpin_run(pages, run_pfn, run);
}

static int pvfio_pages_xa_store(struct pvfio_pages *pages,
				unsigned long index, unsigned long pfn)
{
	if (pvfio_fail_point())
		return -ENOMEM;
	return xa_err(xa_store(&pages->pinned_pfns, index, xa_mk_value(pfn),
			       GFP_KERNEL_ACCOUNT));
}

/**
 * pvfio_pages_access_pin() - hold pages for an access pin
 * @pages: the pages
 * @start: first page index
 * @last: last page index
 * @out: one page pointer per page
 * @write: the access will write the pages
 *
 * Pages a domain or another access pin holds are shared; the others are
 * pinned and charged.
 *
 * Return: 0, -ENOMEM, -EFAULT, -EINTR.  On failure nothing changed.
 */
int pvfio_pages_access_pin(struct pvfio_pages *pages, unsigned long start,
			   unsigned long last, struct page **out, bool write)
{
	struct interval_tree_node *node;
	unsigned long index = start, end, i, stored, pfn;
	enum pvfio_holder holder;
	struct pvfio_area *area;
	struct page **pinned;
	long n;
	int ret = 0;

	node = pvfio_kzalloc(sizeof(*node), GFP_KERNEL_ACCOUNT);
	if (!node)
		return -ENOMEM;
	node->start = start;
	node->last = last;

	mutex_lock(&pages->mutex);
	while (index <= last && !ret) {
		end = pvfio_pages_span(pages, index, last, &holder, &area);
		switch (holder) {
		case PVFIO_HELD_ACCESS:
			for (i = index; i <= end; i++) {
				pfn = pvfio_pages_xa_pfn(pages, i);
				out[i - start] = pfn_to_page(pfn);
			}
			break;
		case PVFIO_HELD_DOMAIN:
			for (i = index; i <= end && !ret; i++) {
				pfn = area_pfn(area, NULL, i);
				ret = pvfio_pages_xa_store(pages, i, pfn);
				if (!ret)
					out[i - start] = pfn_to_page(pfn);
			}
			if (ret)
				end = i - 2;
			break;
		case PVFIO_HELD_NONE:
			/* Pinned straight into @out. */
			pinned = out + (index - start);
			n = pvfio_pin_new(pages, index, end - index + 1, pinned,
					  write, NULL);
			if (n < 0) {
				ret = n;
				end = index - 1;
				break;
			}
			for (stored = 0; stored < n && !ret; stored++) {
				pfn = page_to_pfn(pinned[stored]);
				ret = pvfio_pages_xa_store(pages,
							   index + stored, pfn);
			}
			if (ret) {
				/* Not in @pinned_pfns: unpin here. */
				stored--;
				pvfio_unpin_array(pages, pinned + stored,
						  n - stored);
			}
			end = index + stored - 1;
			break;
		}
		index = end + 1;
		cond_resched();
	}
	if (ret) {
		if (index > start)
			pvfio_pages_access_release(pages, start, index - 1);
		kfree(node);
	} else {
		interval_tree_insert(node, &pages->access_itree);
	}
	mutex_unlock(&pages->mutex);
	return ret;
}

/**
 * pvfio_pages_access_unpin() - let go of what pvfio_pages_access_pin() held
 * @pages: the pages
 * @start: the @start of the pin
 * @last: the @last of the pin
 * @dirty: the pin was for write: mark the pages dirty
 */
void pvfio_pages_access_unpin(struct pvfio_pages *pages, unsigned long start,
			      unsigned long last, bool dirty)
{
	struct interval_tree_node *node;
	unsigned long i;

	mutex_lock(&pages->mutex);
	for (node = interval_tree_iter_first(&pages->access_itree, start, last);
	     node; node = interval_tree_iter_next(node, start, last))
		if (node->start == start && node->last == last)
			break;
	if (WARN_ON(!node))
		goto out_unlock;
	for (i = start; dirty && i <= last; i++)
		set_page_dirty_lock(pfn_to_page(pvfio_pages_xa_pfn(pages, i)));
	interval_tree_remove(node, &pages->access_itree);
	kfree(node);
	pvfio_pages_access_release(pages, start, last);
out_unlock:
	mutex_unlock(&pages->mutex);
}

static void pvfio_copy_page(struct page *page, unsigned long in_page,
			    char *data, size_t len, bool write)
{
	char *va = kmap_local_page(page);

	if (write)
		memcpy(va + in_page, data, len);
	else
		memcpy(data, va + in_page, len);
	kunmap_local(va);
	if (write)
		set_page_dirty_lock(page);
}

/**
 * pvfio_pages_rw() - copy between a kernel buffer and the pages
 * @pages: the pages
 * @offset: byte offset from the first page
 * @data: kernel buffer
 * @length: bytes, non-zero
 * @write: copy @data into the pages
 *
 * Pages nobody holds are pinned for the copy and unpinned after it.
 *
 * Return: 0, or -EFAULT, -ENOMEM, -EINTR from pinning.
 */
int pvfio_pages_rw(struct pvfio_pages *pages, unsigned long offset,
		   char *data, size_t length, bool write)
{
	unsigned long index = offset >> PAGE_SHIFT;
	unsigned long last = (offset + length - 1) >> PAGE_SHIFT;
	unsigned long in_page = offset & ~PAGE_MASK, end, i;
	enum pvfio_holder holder;
	struct pvfio_pin_buf buf;
	struct pvfio_area *area;
	struct page *page;
	size_t chunk;
	long n;
	int ret = 0;

	pvfio_pin_buf_init(&buf, last - index + 1);
	mutex_lock(&pages->mutex);
	while (index <= last && !ret) {
		end = pvfio_pages_span(pages, index, last, &holder, &area);
		if (holder == PVFIO_HELD_NONE) {
			buf.want_end = pages->uptr + ((last + 1) << PAGE_SHIFT);
			n = pvfio_pin_new(pages, index,
					  min(end - index + 1, buf.cap),
					  buf.pages, write, &buf);
			if (n < 0) {
				ret = n;
				break;
			}
			end = index + n - 1;
		}
		for (i = index; i <= end; i++) {
			if (holder == PVFIO_HELD_NONE)
				page = buf.pages[i - index];
			else if (holder == PVFIO_HELD_ACCESS)
				page = pfn_to_page(pvfio_pages_xa_pfn(pages, i));
			else
				page = pfn_to_page(area_pfn(area, NULL, i));
			chunk = min_t(size_t, PAGE_SIZE - in_page, length);
			pvfio_copy_page(page, in_page, data, chunk, write);
			data += chunk;
			length -= chunk;
			in_page = 0;
		}
		if (holder == PVFIO_HELD_NONE)
			pvfio_unpin_array(pages, buf.pages, n);
		index = end + 1;
		cond_resched();
	}
	mutex_unlock(&pages->mutex);
	pvfio_pin_buf_destroy(&buf);
	return ret;
}

/*
 * Creation and owner.
 */
static struct pvfio_pages *pvfio_pages_alloc(unsigned long uptr,
					     unsigned long npages,
					     bool writable,
					     struct pvfio_ctx *ctx)
{
	struct pvfio_pages *pages;

	if (WARN_ON(!npages || !current->mm))
		return ERR_PTR(-EINVAL);
	pages = pvfio_kzalloc(sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return ERR_PTR(-ENOMEM);
	kref_init(&pages->kref);
	mutex_init(&pages->mutex);
	pages->uptr = uptr;
	pages->npages = npages;
	pages->writable = writable;
	pages->domains_itree = RB_ROOT_CACHED;
	pages->access_itree = RB_ROOT_CACHED;
	xa_init(&pages->pinned_pfns);
	pvfio_owner_init(&pages->owner, ctx);
	return pages;
}

/* The pages of [@start, @start + @length): their page-aligned start. */
static int pvfio_pages_range(u64 start, u64 length, unsigned long *first,
			     unsigned long *npages)
{
	u64 end;

	if (!length || check_add_overflow(start, length, &end) ||
	    end > ULONG_MAX - PAGE_SIZE)
		return -EOVERFLOW;
	*first = ALIGN_DOWN(start, PAGE_SIZE);
	*npages = (ALIGN(end, PAGE_SIZE) - *first) >> PAGE_SHIFT;
	return 0;
}

/**
 * pvfio_pages_create() - describe a range of the caller's memory
 * @uptr: user address, any alignment
 * @length: bytes, non-zero
 * @writable: devices may write it
 * @ctx: the context, for its accounting mode and test limit
 *
 * Nothing is pinned or charged, and nothing proportional to @length is
 * allocated: pages are pinned when a domain or an access needs them.
 *
 * Return: the pages with one reference, or an ERR_PTR (-ENOMEM,
 * -EOVERFLOW).
 */
struct pvfio_pages *pvfio_pages_create(unsigned long uptr,
				       unsigned long length, bool writable,
				       struct pvfio_ctx *ctx)
{
	unsigned long first, npages;
	int ret;

	ret = pvfio_pages_range(uptr, length, &first, &npages);
	if (ret)
		return ERR_PTR(ret);
	return pvfio_pages_alloc(first, npages, writable, ctx);
}

/*
 * MAP_FILE takes only memory files, as iommufd does (its memfd_pin_folios()
 * takes shmem and hugetlbfs files and nothing else): a long-term pin on the
 * page cache of another filesystem holds pages that writeback, truncation
 * and reclaim expect to be able to move or drop.  A memfd is a shmem or a
 * hugetlbfs file.  is_file_hugepages() needs symbols no Debian kernel
 * exports, so hugetlbfs is recognised by its superblock.
 */
static bool pvfio_file_is_memory(struct file *file)
{
	return shmem_file(file) ||
	       file_inode(file)->i_sb->s_magic == HUGETLBFS_MAGIC;
}

/**
 * pvfio_pages_create_file() - describe a range of a memory file
 * @file: a memfd, or a shmem (tmpfs) or hugetlbfs file; a reference is kept
 * @start: offset in the file, any alignment
 * @length: bytes, non-zero
 * @writable: devices may write it (the file must be open for writing)
 * @ctx: the context
 *
 * Return: the pages with one reference, or an ERR_PTR: -EINVAL not a
 * memory file or past its end (iommufd's errno), -EACCES @writable on a
 * file not open for writing, -ENOMEM, -EOVERFLOW.
 */
struct pvfio_pages *pvfio_pages_create_file(struct file *file, u64 start,
					    unsigned long length,
					    bool writable,
					    struct pvfio_ctx *ctx)
{
	unsigned long first, npages;
	struct pvfio_pages *pages;
	int ret;

	if (!pvfio_file_is_memory(file))
		return ERR_PTR(-EINVAL);
	if (writable && !(file->f_mode & FMODE_WRITE))
		return ERR_PTR(-EACCES);
	if (!(file->f_mode & FMODE_READ))
		return ERR_PTR(-EACCES);
	ret = pvfio_pages_range(start, length, &first, &npages);
	if (ret)
		return ERR_PTR(ret);
	if (start + length > i_size_read(file_inode(file)))
		return ERR_PTR(-EINVAL);
	pages = pvfio_pages_alloc(first, npages, writable, ctx);
	if (!IS_ERR(pages))
		pages->file = get_file(file);
	return pages;
}

static void pvfio_pages_release(struct kref *kref)
{
	struct pvfio_pages *pages = container_of(kref, struct pvfio_pages,
						 kref);

	/* Areas and access pins hold references: nothing can be pinned. */
	WARN_ON(pages->npinned);
	WARN_ON(!RB_EMPTY_ROOT(&pages->domains_itree.rb_root));
	WARN_ON(!RB_EMPTY_ROOT(&pages->access_itree.rb_root));
	xa_destroy(&pages->pinned_pfns);
	if (pages->file)
		fput(pages->file);
	pvfio_owner_put(&pages->owner);
	mutex_destroy(&pages->mutex);
	kfree(pages);
}

/**
 * pvfio_pages_put() - drop a reference to pages
 * @pages: the pages; the last reference must find nothing pinned
 */
void pvfio_pages_put(struct pvfio_pages *pages)
{
	kref_put(&pages->kref, pvfio_pages_release);
}

/* Whether two owners are charged in the same counter, against one limit. */
static bool pvfio_same_charge(struct pvfio_pages_owner *a,
			      struct pvfio_pages_owner *b)
{
	if (a->account_mode != b->account_mode ||
	    a->limit_override != b->limit_override)
		return false;
	switch (a->account_mode) {
	case PVFIO_ACCOUNT_USER:
		return a->user == b->user;
	case PVFIO_ACCOUNT_MM:
		return a->mm == b->mm;
	default:
		return true;
	}
}

/**
 * pvfio_pages_swap_owner() - move the pages' charge to another owner
 * @pages: the pages
 * @o: in: the new owner; out: the previous one
 * @force: ignore the new owner's limit (to undo a swap); without it the
 *         new owner is charged in the mapping's own accounting mode (none
 *         if it was mapped with CAP_IPC_LOCK), whatever its privileges
 *
 * What is pinned now is charged to the new owner and uncharged from the
 * previous one; later pins are charged to the new owner.  For user-VA
 * pages the owner's mm is also where pages are pinned from, so only
 * file-backed pages may change owner.
 *
 * Return: 0, or -ENOMEM the new owner's limit would be exceeded (nothing
 * changed).
 */
int pvfio_pages_swap_owner(struct pvfio_pages *pages,
			   struct pvfio_pages_owner *o, bool force)
{
	int ret;

	if (WARN_ON(!pages->file))
		return -EINVAL;
	mutex_lock(&pages->mutex);
	/* As iommufd: a mapping keeps the accounting it was made with. */
	if (!force) {
		o->account_mode = pages->owner.account_mode;
		o->limit_override = pages->owner.limit_override;
	}
	if (pvfio_same_charge(o, &pages->owner)) {
		/*
		 * The charge stays in the same counter (no double count), which
		 * must be within the new owner's limit all the same.
		 */
		ret = force ? 0 : pvfio_charge(o, 0, false);
		if (!ret) {
			atomic64_add(pages->npinned, &o->mm->pinned_vm);
			atomic64_sub(pages->npinned,
				     &pages->owner.mm->pinned_vm);
		}
	} else {
		ret = pvfio_charge(o, pages->npinned, force);
		if (!ret)
			pvfio_uncharge(&pages->owner, pages->npinned);
	}
	if (!ret)
		swap(pages->owner, *o);
	mutex_unlock(&pages->mutex);
	return ret;
}
