// SPDX-License-Identifier: GPL-2.0
/*
 * Pinned user memory and its accounting.
 *
 * A struct pvfio_pages is one range of user memory pinned once, at MAP
 * time, with long-term pins.  IOAS areas (including COPYs into other IOASes)
 * share it by reference; the last reference unpins it, marking the pages
 * dirty if devices could write them, and returns the charge.
 *
 * The charge goes to the locked_vm of the mapping process's mm, checked
 * against the RLIMIT_MEMLOCK of the process that maps, unless it has
 * CAP_IPC_LOCK.  The mm is captured at map time, so whoever unmaps (another
 * process holding the fd, or the context closing after the mapper died) the
 * charge returns to the right place.
 *
 * The page array grows as pinning succeeds, never ahead of it: a MAP of a
 * huge range with nothing behind it fails on its first batch having
 * allocated one batch's worth, whatever the length and the limit.
 */
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>

#include "pvfio_private.h"

/* Pages pinned per pin_user_pages_*() call, and unpinned per call. */
#define PVFIO_PIN_BATCH 512
/* One mapping's page array stays below INT_MAX bytes (kvmalloc's limit). */
#define PVFIO_MAX_PAGES (INT_MAX / sizeof(struct page *))

static int pvfio_pages_charge(struct pvfio_pages *pages,
			      unsigned long limit_override)
{
	unsigned long limit;
	int ret = 0;

	if (limit_override)
		limit = limit_override;
	else if (capable(CAP_IPC_LOCK))
		limit = ULONG_MAX;
	else
		limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;

	mmap_write_lock(pages->mm);
	if (pages->npages > limit || pages->mm->locked_vm > limit - pages->npages)
		ret = -ENOMEM;
	else
		pages->mm->locked_vm += pages->npages;
	mmap_write_unlock(pages->mm);
	return ret;
}

static void pvfio_pages_uncharge(struct pvfio_pages *pages)
{
	mmap_write_lock(pages->mm);
	if (!WARN_ON(pages->mm->locked_vm < pages->npages))
		pages->mm->locked_vm -= pages->npages;
	mmap_write_unlock(pages->mm);
}

/*
 * Make room for at least @need pages in the page array, keeping the @done
 * pinned so far: double it (from one batch) up to the whole range, so that
 * the copies cost O(npages) in all and the array is never more than twice
 * what is pinned.
 */
static int pvfio_pages_grow(struct pvfio_pages *pages, unsigned long done,
			    unsigned long need, unsigned long *cap)
{
	unsigned long new_cap = max_t(unsigned long, *cap * 2, PVFIO_PIN_BATCH);
	struct page **array;

	new_cap = min(max(new_cap, need), pages->npages);
	array = pvfio_kvmalloc_array(new_cap, sizeof(*array),
				     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!array)
		return -ENOMEM;
	if (done)
		memcpy(array, pages->pages, done * sizeof(*array));
	kvfree(pages->pages);
	pages->pages = array;
	*cap = new_cap;
	return 0;
}

/*
 * Pin every page, in batches: with the fast path when the caller runs in the
 * mapping mm, with the remote path (which needs a live mm) otherwise.  The
 * page array grows only as far as pinning has got.  On failure nothing is
 * left pinned and the array is freed.
 */
static int pvfio_pages_pin(struct pvfio_pages *pages)
{
	unsigned int gup_flags = FOLL_LONGTERM;
	bool remote = current->mm != pages->mm;
	unsigned long done = 0, cap = 0;
	int locked = 0;
	long rc = 0;

	if (pages->writable)
		gup_flags |= FOLL_WRITE;
	if (remote && !mmget_not_zero(pages->mm))
		return -EFAULT;

	while (done < pages->npages) {
		unsigned long addr = pages->uptr + done * PAGE_SIZE;
		unsigned long batch = min_t(unsigned long,
					    pages->npages - done,
					    PVFIO_PIN_BATCH);

		if (done + batch > cap) {
			rc = pvfio_pages_grow(pages, done, done + batch, &cap);
			if (rc)
				break;
		}
		if (pvfio_fail_point()) {
			rc = -ENOMEM;
			break;
		}
		if (!remote) {
			rc = pin_user_pages_fast(addr, batch, gup_flags,
						 pages->pages + done);
		} else {
			if (!locked) {
				mmap_read_lock(pages->mm);
				locked = 1;
			}
			rc = pin_user_pages_remote(pages->mm, addr, batch,
						   gup_flags,
						   pages->pages + done,
						   &locked);
		}
		if (rc <= 0) {
			rc = rc ? rc : -EFAULT;
			break;
		}
		done += rc;
		rc = 0;
		if (fatal_signal_pending(current)) {
			rc = -EINTR;
			break;
		}
		cond_resched();
	}
	if (locked)
		mmap_read_unlock(pages->mm);
	if (remote)
		mmput(pages->mm);

	if (rc) {
		unpin_user_pages(pages->pages, done);
		kvfree(pages->pages);
		pages->pages = NULL;
		/* gup reports a missing or read-only page as -EFAULT. */
		return rc == -ENOMEM || rc == -EINTR ? rc : -EFAULT;
	}
	atomic64_add(pages->npages, &pvfio_nr_pinned_pages);
	return 0;
}

/**
 * pvfio_pages_create() - pin and charge a range of the caller's memory
 * @uptr: page-aligned user address
 * @npages: number of pages, non-zero
 * @writable: pin for write (devices may write the memory)
 * @limit_override: pinned-page limit replacing RLIMIT_MEMLOCK, or 0
 *
 * Nothing proportional to @npages is allocated ahead of pinning: the page
 * array grows with the pages pinned, so a huge range with no memory behind
 * it fails at its first unmapped page having allocated about that much.
 *
 * Return: the pages with one reference, or an ERR_PTR: -ENOMEM over the
 * limit, over PVFIO_MAX_PAGES or out of memory, -EFAULT memory not mapped
 * or not writable, -EINTR killed while pinning.  On error nothing stays
 * pinned, charged or allocated.
 */
struct pvfio_pages *pvfio_pages_create(unsigned long uptr,
				       unsigned long npages, bool writable,
				       unsigned long limit_override)
{
	struct pvfio_pages *pages;
	int ret;

	if (WARN_ON(!npages || !current->mm))
		return ERR_PTR(-EINVAL);
	/* The page array must stay a sane allocation whatever the limit. */
	if (npages > PVFIO_MAX_PAGES)
		return ERR_PTR(-ENOMEM);

	pages = pvfio_kzalloc(sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return ERR_PTR(-ENOMEM);
	kref_init(&pages->kref);
	pages->uptr = uptr;
	pages->npages = npages;
	pages->writable = writable;
	pages->mm = current->mm;
	mmgrab(pages->mm);

	/*
	 * Charge first: over the limit, nothing is allocated for the pages.
	 * The page array is allocated by pinning, as far as it gets.
	 */
	ret = pvfio_pages_charge(pages, limit_override);
	if (ret)
		goto err_drop_mm;
	ret = pvfio_pages_pin(pages);
	if (ret)
		goto err_uncharge;
	return pages;

err_uncharge:
	pvfio_pages_uncharge(pages);
err_drop_mm:
	mmdrop(pages->mm);
	kfree(pages);
	return ERR_PTR(ret);
}

static void pvfio_pages_release(struct kref *kref)
{
	struct pvfio_pages *pages = container_of(kref, struct pvfio_pages,
						 kref);
	unsigned long done, n;

	for (done = 0; done < pages->npages; done += n) {
		n = min_t(unsigned long, pages->npages - done, PVFIO_PIN_BATCH);
		unpin_user_pages_dirty_lock(pages->pages + done, n,
					    pages->writable);
		cond_resched();
	}
	atomic64_sub(pages->npages, &pvfio_nr_pinned_pages);
	pvfio_pages_uncharge(pages);
	mmdrop(pages->mm);
	kvfree(pages->pages);
	kfree(pages);
}

/**
 * pvfio_pages_put() - drop a reference to pinned pages
 * @pages: the pages
 *
 * The last reference unpins (dirtying what devices could write) and returns
 * the charge to the mm that was charged.  The caller must have unmapped the
 * pages from every domain and synced the IOTLB first.
 */
void pvfio_pages_put(struct pvfio_pages *pages)
{
	kref_put(&pages->kref, pvfio_pages_release);
}

/*
 * MAP_FILE pins only memory files, as iommufd does (its memfd_pin_folios()
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
 * pvfio_pages_create_file() - pin and charge a range of a file's pages
 * @file: a memfd, or a shmem (tmpfs) or hugetlbfs file
 * @start: page-aligned offset in the file
 * @npages: number of pages, non-zero
 * @writable: pin for write (the file must be open for writing)
 * @limit_override: pinned-page limit replacing RLIMIT_MEMLOCK, or 0
 *
 * The range is mapped shared into the caller for as long as it takes to pin
 * it with the same long-term pins as MAP, then unmapped: the pins keep the
 * file's pages, which is what MAP_FILE promises, on every kernel (6.1 has no
 * memfd_pin_folios()).  The IOVA hint is the file offset, so huge pages of
 * hugetlbfs or huge shmem line up with huge IOPTEs.
 *
 * Return: the pages with one reference, or an ERR_PTR (-EINVAL @file is no
 * memory file; -EACCES, -ENODEV from mmap; -EFAULT past the end of the
 * file; or as pvfio_pages_create()).
 */
struct pvfio_pages *pvfio_pages_create_file(struct file *file, u64 start,
					    unsigned long npages,
					    bool writable,
					    unsigned long limit_override)
{
	unsigned long len = npages << PAGE_SHIFT, addr;
	struct pvfio_pages *pages;

	if (!pvfio_file_is_memory(file))
		return ERR_PTR(-EINVAL);
	addr = vm_mmap(file, 0, len, PROT_READ | (writable ? PROT_WRITE : 0),
		       MAP_SHARED, start);
	if (IS_ERR_VALUE(addr))
		return ERR_PTR((long)addr);
	pages = pvfio_pages_create(addr, npages, writable, limit_override);
	vm_munmap(addr, len);
	if (!IS_ERR(pages))
		pages->uptr = start;
	return pages;
}
