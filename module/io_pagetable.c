// SPDX-License-Identifier: GPL-2.0
/*
 * The IOVA space of an IOAS: its mappings (areas over pinned pages), which
 * IOVAs are allowed and reserved, the alignment mappings need, and the
 * domains kept filled from the mappings.
 */
#include <linux/highmem.h>
#include <linux/iommu.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "pvfio_private.h"

/**
 * pvfio_iopt_init() - initialise an empty IOVA space
 * @iopt: the IOVA space
 *
 * Every IOVA is allowed and nothing is reserved.
 */
void pvfio_iopt_init(struct pvfio_iopt *iopt)
{
	init_rwsem(&iopt->domains_rwsem);
	init_waitqueue_head(&iopt->fill_wq);
	init_rwsem(&iopt->iova_rwsem);
	iopt->area_itree = RB_ROOT_CACHED;
	iopt->allowed_itree = RB_ROOT_CACHED;
	iopt->reserved_itree = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&iopt->domains);
	INIT_LIST_HEAD(&iopt->kept_domains);
	iopt->iova_alignment = 1;
	iopt->huge_pages = true;
	pvfio_dirty_init(&iopt->dirty);
}

static void pvfio_iopt_free_itree(struct rb_root_cached *root, size_t offset)
{
	struct interval_tree_node *node;

	while ((node = interval_tree_iter_first(root, 0, ULONG_MAX))) {
		interval_tree_remove(node, root);
		kfree((void *)node - offset);
	}
}

static inline struct pvfio_area *to_area(struct interval_tree_node *node)
{
	return node ? container_of(node, struct pvfio_area, node) : NULL;
}

static unsigned long area_length(struct pvfio_area *area)
{
	return area->node.last - area->node.start + 1;
}

/* Whether an area can live in an IOVA space of alignment @align. */
static bool area_misaligned(struct pvfio_area *area, unsigned long align)
{
	/*
	 * The memory must start as aligned within its page as the IOVA is:
	 * a domain maps physical addresses at its own page granularity.
	 */
	return ((area->node.start | (area->node.last + 1) |
		 (area->page_offset & ~PAGE_MASK)) & (align - 1)) != 0;
}

/**
 * pvfio_domain_min_pgsize() - the smallest IO page a domain maps
 * @dom: a real or a mock domain
 *
 * Return: its smallest page size, a power of two.
 */
unsigned long pvfio_domain_min_pgsize(struct pvfio_domain *dom)
{
	if (dom->mock)
		return BIT(dom->mock->shift);
	return 1UL << __ffs(dom->domain->pgsize_bitmap);
}

/**
 * pvfio_domain_map() - map into a real or a mock domain
 * @dom: the domain
 * @iova: IOVA
 * @paddr: physical address
 * @size: bytes
 * @prot: IOMMU_READ and/or IOMMU_WRITE
 *
 * Return: 0 or the domain's error.
 */
int pvfio_domain_map(struct pvfio_domain *dom, unsigned long iova,
		     phys_addr_t paddr, size_t size, int prot)
{
	if (pvfio_fail_point())
		return -ENOMEM;
	if (dom->mock)
		return pvfio_mock_map(dom->mock, iova, paddr, size, prot);
	return iommu_map(dom->domain, iova, paddr, size, prot,
			 GFP_KERNEL_ACCOUNT);
}

/* Unmap [iova, iova + size) from a domain; the caller syncs the IOTLB. */
static void pvfio_domain_unmap(struct pvfio_domain *dom, unsigned long iova,
			       size_t size,
			       struct iommu_iotlb_gather *gather)
{
	size_t done;

	if (dom->mock)
		done = pvfio_mock_unmap(dom->mock, iova, size);
	else
		done = iommu_unmap_fast(dom->domain, iova, size, gather);
	WARN_ON(done != size);
}

static void pvfio_domain_sync(struct pvfio_domain *dom,
			      struct iommu_iotlb_gather *gather)
{
	if (!dom->mock)
		iommu_iotlb_sync(dom->domain, gather);
}

/**
 * pvfio_domain_unmap_sync() - unmap from a domain and sync its IOTLB
 * @dom: the domain
 * @iova: IOVA
 * @size: bytes, all mapped
 */
void pvfio_domain_unmap_sync(struct pvfio_domain *dom, unsigned long iova,
			     size_t size)
{
	struct iommu_iotlb_gather gather;

	iommu_iotlb_gather_init(&gather);
	pvfio_domain_unmap(dom, iova, size, &gather);
	pvfio_domain_sync(dom, &gather);
}

/*
 * Map an area into one more domain of its IOVA space: the first one pins
 * the pages (and becomes where their pfns are kept), the others take the
 * pfns from it.  On failure the area is not in @dom.
 */
static int pvfio_area_add_to_domain(struct pvfio_iopt *iopt,
				    struct pvfio_area *area,
				    struct pvfio_domain *dom)
{
	if (!area->storage)
		return pvfio_area_fill_first_domain(iopt, area, dom);
	return pvfio_area_fill_domain(iopt, area, dom);
}

/* Take an area out of one of its domains (the storage one last). */
static void pvfio_area_remove_from_domain(struct pvfio_iopt *iopt,
					  struct pvfio_area *area,
					  struct pvfio_domain *dom)
{
	if (area->storage == dom)
		pvfio_area_unfill_storage(iopt, area);
	else
		pvfio_domain_unmap_sync(dom, area->node.start,
					area_length(area));
}

/* Map a new area into every domain; on failure it is in none of them. */
static int pvfio_area_map_domains(struct pvfio_iopt *iopt,
				  struct pvfio_area *area)
{
	struct pvfio_domain *dom;
	int ret;

	list_for_each_entry(dom, &iopt->domains, item) {
		ret = pvfio_area_add_to_domain(iopt, area, dom);
		if (ret)
			goto err_unmap;
	}
	return 0;

err_unmap:
	list_for_each_entry_continue_reverse(dom, &iopt->domains, item)
		pvfio_area_remove_from_domain(iopt, area, dom);
	return ret;
}

/* Take an area out of every domain: the storage, which holds pins, last. */
static void pvfio_area_unmap_domains(struct pvfio_iopt *iopt,
				     struct pvfio_area *area)
{
	struct pvfio_domain *dom;

	list_for_each_entry_reverse(dom, &iopt->domains, item)
		pvfio_area_remove_from_domain(iopt, area, dom);
}

/**
 * pvfio_iopt_destroy() - free an IOVA space
 * @iopt: the IOVA space; no domain may be attached any more
 *
 * Drops the pages of every remaining mapping.
 */
void pvfio_iopt_destroy(struct pvfio_iopt *iopt)
{
	struct interval_tree_node *node;

	WARN_ON(!list_empty(&iopt->domains) ||
		!list_empty(&iopt->kept_domains));
	while ((node = interval_tree_iter_first(&iopt->area_itree, 0,
						ULONG_MAX))) {
		interval_tree_remove(node, &iopt->area_itree);
		pvfio_pages_put(to_area(node)->pages);
		kfree(to_area(node));
		cond_resched();
	}
	pvfio_dirty_destroy(&iopt->dirty);
	pvfio_iopt_free_itree(&iopt->allowed_itree, 0);
	pvfio_iopt_free_itree(&iopt->reserved_itree,
			      offsetof(struct pvfio_reserved, node));
}

static int __pvfio_iopt_reserve(struct pvfio_iopt *iopt, unsigned long start,
				unsigned long last, void *owner)
{
	struct pvfio_reserved *res;

	lockdep_assert_held_write(&iopt->iova_rwsem);

	if (last < start)
		return -EINVAL;
	/*
	 * Nothing may be mapped where a reservation goes, nor may it cut an
	 * allowed range (iommufd's rules and errno).
	 */
	if (interval_tree_iter_first(&iopt->area_itree, start, last) ||
	    interval_tree_iter_first(&iopt->allowed_itree, start, last))
		return -EADDRINUSE;
	res = pvfio_kzalloc(sizeof(*res), GFP_KERNEL_ACCOUNT);
	if (!res)
		return -ENOMEM;
	res->node.start = start;
	res->node.last = last;
	res->owner = owner;
	interval_tree_insert(&res->node, &iopt->reserved_itree);
	return 0;
}

/**
 * pvfio_iopt_reserve() - reserve an IOVA range
 * @iopt: the IOVA space
 * @start: first IOVA
 * @last: last IOVA, inclusive
 * @owner: cookie identifying the reserver for pvfio_iopt_remove_reserved()
 *
 * Return: 0, -EINVAL for @last < @start, -EADDRINUSE if something is
 * mapped there or the range meets an allowed range, or -ENOMEM.
 */
int pvfio_iopt_reserve(struct pvfio_iopt *iopt, unsigned long start,
		       unsigned long last, void *owner)
{
	int ret;

	down_write(&iopt->iova_rwsem);
	ret = __pvfio_iopt_reserve(iopt, start, last, owner);
	up_write(&iopt->iova_rwsem);
	return ret;
}

static void __pvfio_iopt_remove_reserved(struct pvfio_iopt *iopt, void *owner)
{
	struct interval_tree_node *node, *next;
	struct pvfio_reserved *res;

	lockdep_assert_held_write(&iopt->iova_rwsem);
	for (node = interval_tree_iter_first(&iopt->reserved_itree, 0,
					     ULONG_MAX);
	     node; node = next) {
		next = interval_tree_iter_next(node, 0, ULONG_MAX);
		res = container_of(node, struct pvfio_reserved, node);
		if (res->owner != owner)
			continue;
		interval_tree_remove(node, &iopt->reserved_itree);
		kfree(res);
	}
}

/**
 * pvfio_iopt_remove_reserved() - drop every range @owner reserved
 * @iopt: the IOVA space
 * @owner: the cookie given to pvfio_iopt_reserve()
 */
void pvfio_iopt_remove_reserved(struct pvfio_iopt *iopt, void *owner)
{
	down_write(&iopt->iova_rwsem);
	__pvfio_iopt_remove_reserved(iopt, owner);
	up_write(&iopt->iova_rwsem);
}

struct pvfio_range_writer {
	struct pvfio_iova_range __user *uranges;
	u32 capacity;
	u32 count;
	int ret;
};

static void pvfio_range_emit(struct pvfio_range_writer *w, unsigned long start,
			     unsigned long last)
{
	struct pvfio_iova_range range = { .start = start, .last = last };

	if (!w->ret && w->count < w->capacity &&
	    pvfio_copy_to_user(&w->uranges[w->count], &range, sizeof(range)))
		w->ret = -EFAULT;
	w->count++;
}

/*
 * Emit the parts of [start, last] that no reserved range covers, in order.
 * interval_tree_iter_*() return the overlapping nodes sorted by start.
 */
static void pvfio_iopt_emit_unreserved(struct pvfio_iopt *iopt,
				       struct pvfio_range_writer *w,
				       unsigned long start, unsigned long last)
{
	struct interval_tree_node *res;
	unsigned long cur = start;

	lockdep_assert_held(&iopt->iova_rwsem);

	for (res = interval_tree_iter_first(&iopt->reserved_itree, start, last);
	     res; res = interval_tree_iter_next(res, start, last)) {
		if (res->start > cur)
			pvfio_range_emit(w, cur, res->start - 1);
		if (res->last >= last)
			return;
		cur = max(cur, res->last + 1);
	}
	pvfio_range_emit(w, cur, last);
}

/**
 * pvfio_iopt_fill_ranges() - report the usable IOVA ranges
 * @iopt: the IOVA space
 * @uranges: user array to fill
 * @num_ranges: in: capacity of @uranges; out: number of usable ranges
 *
 * Usable means allowed (everything if ALLOW_IOVAS was never used) and not
 * reserved.
 *
 * Return: 0, -EMSGSIZE if @uranges was too small (it holds the first ranges),
 * or -EFAULT.
 */
int pvfio_iopt_fill_ranges(struct pvfio_iopt *iopt,
			   struct pvfio_iova_range __user *uranges,
			   u32 *num_ranges)
{
	struct pvfio_range_writer w = {
		.uranges = uranges,
		.capacity = *num_ranges,
	};
	struct interval_tree_node *allowed;

	down_read(&iopt->iova_rwsem);
	if (RB_EMPTY_ROOT(&iopt->allowed_itree.rb_root)) {
		pvfio_iopt_emit_unreserved(iopt, &w, 0, ULONG_MAX);
	} else {
		for (allowed = interval_tree_iter_first(&iopt->allowed_itree, 0,
							ULONG_MAX);
		     allowed;
		     allowed = interval_tree_iter_next(allowed, 0, ULONG_MAX))
			pvfio_iopt_emit_unreserved(iopt, &w, allowed->start,
						   allowed->last);
	}
	up_read(&iopt->iova_rwsem);

	*num_ranges = w.count;
	if (w.ret)
		return w.ret;
	return w.count > w.capacity ? -EMSGSIZE : 0;
}

/*
 * Find the lowest IOVA in [start, last] that is congruent to @offset modulo
 * @align and where @length bytes touch neither a mapping nor a reserved
 * range.
 */
static bool pvfio_iopt_find_hole(struct pvfio_iopt *iopt, unsigned long start,
				 unsigned long last, unsigned long length,
				 unsigned long align, unsigned long offset,
				 unsigned long *iova)
{
	struct interval_tree_node *used;
	unsigned long from = start, cand, cand_last;

	lockdep_assert_held(&iopt->iova_rwsem);

	for (;;) {
		cand = ALIGN_DOWN(from, align) + offset;
		if (cand < from && check_add_overflow(cand, align, &cand))
			return false;
		if (check_add_overflow(cand, length - 1, &cand_last) ||
		    cand_last > last)
			return false;
		used = interval_tree_iter_first(&iopt->area_itree, cand,
						cand_last);
		if (!used)
			used = interval_tree_iter_first(&iopt->reserved_itree,
							cand, cand_last);
		if (!used) {
			*iova = cand;
			return true;
		}
		if (used->last == ULONG_MAX)
			return false;
		from = used->last + 1;
	}
}

static int pvfio_iopt_alloc_iova(struct pvfio_iopt *iopt, unsigned long length,
				 unsigned long uptr, unsigned long *iova)
{
	unsigned long lo = PAGE_SIZE, hi = ULONG_MAX - PAGE_SIZE;
	unsigned long align, offset, min_align, max_align = PAGE_SIZE;
	struct interval_tree_node *allowed;
	int pass;

	lockdep_assert_held(&iopt->iova_rwsem);

	if (length >= ULONG_MAX / 2)
		return -EOVERFLOW;
	/*
	 * iommufd's rule, which userspace may rely on: the IOVA is aligned
	 * to the length rounded up to a power of two, as far as the user
	 * address is aligned, up to a huge page; below the IOAS's alignment
	 * that is -EINVAL.  The IOVA is never in the first or last page.
	 */
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	max_align = PMD_SIZE;
#endif
	min_align = roundup_pow_of_two(length);
	if (uptr)
		min_align = min(min_align, 1UL << __ffs(uptr));
	min_align = min(min_align, max_align);
	if (min_align < iopt->iova_alignment)
		return -EINVAL;

	/*
	 * First prefer giving the IOVA the user address's offset within the
	 * largest page size the mapping could use (up to 1 GiB), so that the
	 * huge pages backing it line up with huge IOPTEs; then settle for
	 * iommufd's alignment, keeping the offset within the page.
	 */
	align = length > SZ_1G ? SZ_1G : roundup_pow_of_two(length);
	align = max(align, iopt->iova_alignment);
	offset = uptr & (align - 1) & ~(iopt->iova_alignment - 1);

	for (pass = 0; pass < 2; pass++) {
		if (RB_EMPTY_ROOT(&iopt->allowed_itree.rb_root)) {
			if (pvfio_iopt_find_hole(iopt, lo, hi, length, align,
						 offset, iova))
				return 0;
		}
		for (allowed = interval_tree_iter_first(&iopt->allowed_itree, lo,
							hi);
		     allowed;
		     allowed = interval_tree_iter_next(allowed, lo, hi))
			if (pvfio_iopt_find_hole(iopt, max(allowed->start, lo),
						 min(allowed->last, hi),
						 length, align, offset, iova))
				return 0;
		align = max(min_align, PAGE_SIZE);
		offset = uptr & (align - 1);
	}
	return -ENOSPC;
}

/* Check that a fixed IOVA range can be mapped. */
static int pvfio_iopt_check_iova(struct pvfio_iopt *iopt, unsigned long iova,
				 unsigned long length)
{
	unsigned long last;

	lockdep_assert_held(&iopt->iova_rwsem);

	if (iova & (iopt->iova_alignment - 1))
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	if (interval_tree_iter_first(&iopt->reserved_itree, iova, last))
		return -EINVAL;
	if (interval_tree_iter_first(&iopt->area_itree, iova, last))
		return -EEXIST;
	return 0;
}

/*
 * A new area over @length bytes of @pages from byte @page_offset, holding a
 * reference on them, at IOVA offset @offset of the range being mapped: its
 * node holds that offset until pvfio_iopt_insert_areas() moves it to the
 * real IOVA.
 */
static struct pvfio_area *pvfio_area_alloc(struct pvfio_pages *pages,
					   unsigned long page_offset,
					   unsigned long length,
					   unsigned long offset)
{
	struct pvfio_area *area;

	area = pvfio_kzalloc(sizeof(*area), GFP_KERNEL_ACCOUNT);
	if (!area)
		return NULL;
	area->pages = pages;
	area->page_offset = page_offset;
	area->node.start = offset;
	area->node.last = offset + length - 1;
	kref_get(&pages->kref);
	return area;
}

/* Free areas that were never inserted (on unpin_item), with their pages. */
static void pvfio_areas_free(struct list_head *areas)
{
	struct pvfio_area *area, *tmp;

	list_for_each_entry_safe(area, tmp, areas, unpin_item) {
		list_del(&area->unpin_item);
		pvfio_pages_put(area->pages);
		kfree(area);
		cond_resched();
	}
}

/*
 * Insert @areas (linked by unpin_item, allocated by pvfio_area_alloc() back
 * to back from offset 0, @length bytes in all) from an IOVA that is either
 * given (@fixed) or allocated, and map them into every domain.  On success
 * the IOVA space owns the areas and @areas is empty; on error nothing
 * changed and the caller frees @areas.  Nothing here is sized by the number
 * of areas: a COPY may bring any number of them.
 */
static int pvfio_iopt_insert_areas(struct pvfio_iopt *iopt,
				   struct list_head *areas,
				   unsigned long length, unsigned long *iova,
				   int prot, bool fixed, unsigned long uptr)
{
	struct pvfio_area *area, *tmp;
	bool fill;
	int ret;

	down_read(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);
	if (fixed)
		ret = pvfio_iopt_check_iova(iopt, *iova, length);
	else
		ret = pvfio_iopt_alloc_iova(iopt, length, uptr, iova);
	if (ret)
		goto out_unlock;
	/* Every area must be whole IOMMU pages of every domain. */
	list_for_each_entry(area, areas, unpin_item) {
		area->node.start += *iova;
		area->node.last += *iova;
		if (area_misaligned(area, iopt->iova_alignment))
			ret = -EINVAL;
	}
	if (ret)
		goto err_unshift;

	/*
	 * Place the areas, then fill the domains without iova_rwsem, so that
	 * MAPs pin and map in parallel; domains_rwsem keeps the domains.
	 */
	fill = !list_empty(&iopt->domains);
	list_for_each_entry(area, areas, unpin_item) {
		area->prot = prot;
		area->filling = fill;
		interval_tree_insert(&area->node, &iopt->area_itree);
	}
	if (!fill)
		goto out_placed;
	up_write(&iopt->iova_rwsem);
	list_for_each_entry(area, areas, unpin_item) {
		ret = pvfio_area_map_domains(iopt, area);
		if (ret)
			break;
		cond_resched();
	}
	if (ret)
		list_for_each_entry_continue_reverse(area, areas, unpin_item)
			pvfio_area_unmap_domains(iopt, area);
	down_write(&iopt->iova_rwsem);
	list_for_each_entry(area, areas, unpin_item) {
		area->filling = false;
		if (ret)
			interval_tree_remove(&area->node, &iopt->area_itree);
	}
	iopt->fill_seq++;
	wake_up_all(&iopt->fill_wq);
	if (ret)
		goto err_unshift;
out_placed:
	list_for_each_entry_safe(area, tmp, areas, unpin_item)
		list_del(&area->unpin_item);
	up_write(&iopt->iova_rwsem);
	up_read(&iopt->domains_rwsem);
	return 0;

err_unshift:
	/* The caller frees the areas, as if never placed. */
	list_for_each_entry(area, areas, unpin_item) {
		area->node.start -= *iova;
		area->node.last -= *iova;
	}
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_read(&iopt->domains_rwsem);
	return ret;
}

/**
 * pvfio_iopt_map_pages() - map memory into an IOVA space
 * @iopt: the IOVA space
 * @pages: the memory; the new mapping takes its own reference
 * @offset: byte offset in @pages (from its page-aligned start)
 * @length: bytes, non-zero
 * @iova: in with @fixed, out otherwise
 * @prot: IOMMU_READ and/or IOMMU_WRITE
 * @fixed: map at *@iova rather than choose
 *
 * With domains, the memory is pinned and mapped into each; without, nothing
 * is pinned.
 *
 * Return: 0, -EINVAL unaligned or reserved IOVA, -EOVERFLOW, -EEXIST overlap,
 * -ENOSPC no hole, -ENOMEM, or an error of pinning (-EFAULT, -EINTR) or of
 * a domain's mapping.  On error nothing changed.
 */
int pvfio_iopt_map_pages(struct pvfio_iopt *iopt, struct pvfio_pages *pages,
			 unsigned long offset, unsigned long length,
			 unsigned long *iova, int prot, bool fixed)
{
	struct pvfio_area *area;
	LIST_HEAD(areas);
	int ret;

	area = pvfio_area_alloc(pages, offset, length, 0);
	if (!area)
		return -ENOMEM;
	list_add_tail(&area->unpin_item, &areas);
	ret = pvfio_iopt_insert_areas(iopt, &areas, length, iova, prot, fixed,
				      pages->uptr + offset);
	if (ret)
		pvfio_areas_free(&areas);
	return ret;
}

/* Whether a MAP or COPY is still filling an area in [iova, last]. */
static bool pvfio_iopt_range_filling(struct pvfio_iopt *iopt,
				     unsigned long iova, unsigned long last)
{
	struct interval_tree_node *node;

	lockdep_assert_held(&iopt->iova_rwsem);
	for (node = interval_tree_iter_first(&iopt->area_itree, iova, last);
	     node; node = interval_tree_iter_next(node, iova, last))
		if (to_area(node)->filling)
			return true;
	return false;
}

/* The areas inside [iova, last], or -ENOENT if one crosses either end. */
static int pvfio_iopt_check_whole(struct pvfio_iopt *iopt, unsigned long iova,
				  unsigned long last)
{
	struct interval_tree_node *node;
	bool found = false;

	lockdep_assert_held(&iopt->iova_rwsem);

	for (node = interval_tree_iter_first(&iopt->area_itree, iova, last);
	     node; node = interval_tree_iter_next(node, iova, last)) {
		if (node->start < iova || node->last > last)
			return -ENOENT;
		found = true;
	}
	return found ? 0 : -ENOENT;
}

/**
 * pvfio_iopt_unmap() - unmap whole mappings inside a range
 * @iopt: the IOVA space
 * @iova: first IOVA
 * @last: last IOVA, inclusive (ULONG_MAX with @iova 0 is everything)
 * @unmapped: bytes unmapped
 * @keep_dirty: see below
 *
 * Every domain but the first is unmapped and its IOTLB synced once; then
 * the first, which holds the pfns, is unmapped a batch at a time, each
 * batch's IOTLB synced before its pages are unpinned.  If accesses have
 * pins in the range, nothing is unmapped: the areas refuse new access pins
 * from now on and -EAGAIN tells the caller to have the accesses unpin
 * (pvfio_ioas_unmap_range() does) and to try again, or to give up with
 * pvfio_iopt_allow_access().
 *
 * Mappings a MAP or COPY is still filling are waited for.
 *
 * While the IOAS tracks dirty pages, @keep_dirty keeps the unmapped range's
 * dirty state (and records what page tables without dirty bits may have
 * written) for the caller to read; otherwise the state is dropped.
 *
 * Return: 0, -ENOENT nothing mapped there or a mapping crosses an end of
 * the range, -EAGAIN (nothing changed), or -EINTR killed while waiting.
 */
int pvfio_iopt_unmap(struct pvfio_iopt *iopt, unsigned long iova,
		     unsigned long last, unsigned long *unmapped,
		     bool keep_dirty)
{
	struct pvfio_domain *dom, *storage = NULL;
	struct interval_tree_node *node, *next;
	struct iommu_iotlb_gather gather;
	struct pvfio_area *area, *tmp;
	LIST_HEAD(unpin);
	int ret;

	*unmapped = 0;
	if (WARN_ON(last < iova))
		return -EINVAL;

	down_write(&iopt->iova_rwsem);
	while (pvfio_iopt_range_filling(iopt, iova, last)) {
		unsigned long seq = iopt->fill_seq;

		up_write(&iopt->iova_rwsem);
		if (wait_event_killable(iopt->fill_wq,
					READ_ONCE(iopt->fill_seq) != seq))
			return -EINTR;
		down_write(&iopt->iova_rwsem);
	}
	ret = pvfio_iopt_check_whole(iopt, iova, last);
	if (ret)
		goto out_unlock;

	for (node = interval_tree_iter_first(&iopt->area_itree, iova, last);
	     node; node = interval_tree_iter_next(node, iova, last))
		if (atomic_read(&to_area(node)->num_accesses))
			ret = -EAGAIN;
	if (ret) {
		for (node = interval_tree_iter_first(&iopt->area_itree, iova,
						     last);
		     node; node = interval_tree_iter_next(node, iova, last))
			to_area(node)->prevent_access = true;
		goto out_unlock;
	}

	if (!list_empty(&iopt->domains))
		storage = list_first_entry(&iopt->domains, struct pvfio_domain,
					   item);
	list_for_each_entry(dom, &iopt->domains, item) {
		if (dom == storage)
			continue;
		iommu_iotlb_gather_init(&gather);
		for (node = interval_tree_iter_first(&iopt->area_itree, iova,
						     last);
		     node; node = interval_tree_iter_next(node, iova, last)) {
			pvfio_domain_unmap(dom, node->start,
					   node->last - node->start + 1,
					   &gather);
			cond_resched();
		}
		pvfio_domain_sync(dom, &gather);
	}

	for (node = interval_tree_iter_first(&iopt->area_itree, iova, last);
	     node; node = next) {
		next = interval_tree_iter_next(node, iova, last);
		pvfio_dirty_area_gone(iopt, to_area(node), keep_dirty);
		if (storage)
			pvfio_area_unfill_storage(iopt, to_area(node));
		interval_tree_remove(node, &iopt->area_itree);
		*unmapped += node->last - node->start + 1;
		list_add_tail(&to_area(node)->unpin_item, &unpin);
		cond_resched();
	}
out_unlock:
	up_write(&iopt->iova_rwsem);

	/* Nothing is pinned for these areas any more. */
	list_for_each_entry_safe(area, tmp, &unpin, unpin_item) {
		pvfio_pages_put(area->pages);
		kfree(area);
		cond_resched();
	}
	return ret;
}

/**
 * pvfio_iopt_copy() - map the memory of one IOVA space's range in another
 * @dst: destination IOVA space
 * @src: source IOVA space (may be @dst)
 * @src_iova: start of the source range
 * @length: bytes; the source range must be mapped without holes
 * @dst_iova: in with @fixed, out otherwise
 * @prot: IOMMU_READ and/or IOMMU_WRITE for the destination
 * @fixed: map at *@dst_iova rather than choose
 *
 * The new mappings share the source's pages: a page both use is pinned and
 * charged once.
 *
 * Return: 0, -ENOENT a hole in the source, -EPERM write access to memory
 * mapped read-only, or an error of pvfio_iopt_map_pages().
 */
int pvfio_iopt_copy(struct pvfio_iopt *dst, struct pvfio_iopt *src,
		    unsigned long src_iova, unsigned long length,
		    unsigned long *dst_iova, int prot, bool fixed)
{
	struct interval_tree_node *node;
	unsigned long last, cur = src_iova;
	LIST_HEAD(areas);
	int ret = 0;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(src_iova, length - 1, &last))
		return -EOVERFLOW;

	/*
	 * One new area per source area, each with a reference on its pages,
	 * taken under the source's lock: a list, as the number of areas is
	 * the user's to choose.
	 */
	down_read(&src->iova_rwsem);
	for (node = interval_tree_iter_first(&src->area_itree, src_iova, last);
	     node; node = interval_tree_iter_next(node, src_iova, last)) {
		struct pvfio_area *area = to_area(node), *copy;
		unsigned long end = min(node->last, last);

		if (node->start > cur || area->filling) {
			ret = -ENOENT;
			break;
		}
		if ((prot & IOMMU_WRITE) && !area->pages->writable) {
			ret = -EPERM;
			break;
		}
		copy = pvfio_area_alloc(area->pages, area->page_offset +
					(cur - node->start), end - cur + 1,
					cur - src_iova);
		if (!copy) {
			ret = -ENOMEM;
			break;
		}
		list_add_tail(&copy->unpin_item, &areas);
		cond_resched();
		if (end == last) {
			cur = 0;
			break;
		}
		cur = end + 1;
	}
	/* cur is 0 only when the whole range was covered. */
	if (!ret && (cur || list_empty(&areas)))
		ret = -ENOENT;
	up_read(&src->iova_rwsem);

	if (!ret)
		ret = pvfio_iopt_insert_areas(dst, &areas, length, dst_iova,
					      prot, fixed, src_iova);
	if (ret)
		pvfio_areas_free(&areas);
	return ret;
}

/**
 * pvfio_iopt_set_allowed() - replace the allowed IOVA ranges
 * @iopt: the IOVA space
 * @ranges: the new ranges, any order, not overlapping
 * @num: number of ranges; 0 allows everything
 *
 * Return: 0, -EINVAL a bad or overlapping range, or -ENOMEM.
 */
int pvfio_iopt_set_allowed(struct pvfio_iopt *iopt,
			   struct pvfio_iova_range *ranges, u32 num)
{
	struct rb_root_cached allowed = RB_ROOT_CACHED;
	struct interval_tree_node *node;
	u32 i;
	int ret = 0;

	for (i = 0; i < num; i++) {
		if (ranges[i].last < ranges[i].start ||
		    ranges[i].last > ULONG_MAX ||
		    interval_tree_iter_first(&allowed, ranges[i].start,
					     ranges[i].last)) {
			ret = -EINVAL;
			goto out_free;
		}
		node = pvfio_kzalloc(sizeof(*node), GFP_KERNEL_ACCOUNT);
		if (!node) {
			ret = -ENOMEM;
			goto out_free;
		}
		node->start = ranges[i].start;
		node->last = ranges[i].last;
		interval_tree_insert(node, &allowed);
	}

	down_write(&iopt->iova_rwsem);
	/* No allowed range may meet a reserved one (iommufd's rule). */
	for (node = interval_tree_iter_first(&allowed, 0, ULONG_MAX); node;
	     node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		if (interval_tree_iter_first(&iopt->reserved_itree,
					     node->start, node->last)) {
			ret = -EADDRINUSE;
			break;
		}
	}
	if (!ret)
		swap(iopt->allowed_itree, allowed);
	up_write(&iopt->iova_rwsem);
out_free:
	pvfio_iopt_free_itree(&allowed, 0);
	return ret;
}

/**
 * pvfio_iopt_reserve_regions() - reserve a device's reserved regions
 * @iopt: the IOVA space
 * @resv_regions: list of struct iommu_resv_region
 * @owner: cookie for pvfio_iopt_remove_reserved()
 *
 * Return: 0, -EADDRINUSE a mapping or an allowed range lies in a region
 * (nothing reserved), or -ENOMEM.
 */
int pvfio_iopt_reserve_regions(struct pvfio_iopt *iopt,
			       struct list_head *resv_regions, void *owner)
{
	struct iommu_resv_region *resv;
	int ret = 0;

	down_write(&iopt->iova_rwsem);
	list_for_each_entry(resv, resv_regions, list) {
		/* Relaxable direct mappings may be given up for user DMA. */
		if (resv->type == IOMMU_RESV_DIRECT_RELAXABLE || !resv->length)
			continue;
		ret = __pvfio_iopt_reserve(iopt, resv->start,
					   resv->start + resv->length - 1,
					   owner);
		if (ret) {
			__pvfio_iopt_remove_reserved(iopt, owner);
			break;
		}
	}
	up_write(&iopt->iova_rwsem);
	return ret;
}

/**
 * pvfio_iopt_add_domain() - keep a domain filled from an IOVA space
 * @iopt: the IOVA space
 * @dom: the domain, empty; @dom->owner names its reserved ranges
 *
 * Reserves what lies outside the domain's aperture, then maps every
 * existing mapping from the pages already pinned.  A real domain must have
 * been attached to a device already.  Adding a domain that is already added
 * does nothing.
 *
 * Return: 0, -EADDRINUSE a mapping or an allowed range lies where the
 * domain cannot translate,
 * -EINVAL the domain needs a larger alignment than existing mappings have,
 * -ENOMEM, or a mapping error.  On error nothing changed.
 */
int pvfio_iopt_add_domain(struct pvfio_iopt *iopt, struct pvfio_domain *dom)
{
	unsigned long align = pvfio_domain_min_pgsize(dom);
	unsigned long ap_start = 0, ap_last = ULONG_MAX;
	struct interval_tree_node *node;
	int ret = 0;

	if (!iopt->huge_pages)
		align = max(align, PAGE_SIZE);
	if (dom->mock) {
		ap_start = dom->mock->aperture_start;
		ap_last = dom->mock->aperture_last;
	} else if (dom->domain->geometry.force_aperture) {
		ap_start = dom->domain->geometry.aperture_start;
		ap_last = dom->domain->geometry.aperture_end;
	}

	down_write(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);
	/* A page table shared by several devices is filled once. */
	if (dom->added)
		goto out_unlock;
	if (ap_start)
		ret = __pvfio_iopt_reserve(iopt, 0, ap_start - 1, dom->owner);
	if (!ret && ap_last < ULONG_MAX)
		ret = __pvfio_iopt_reserve(iopt, ap_last + 1, ULONG_MAX,
					   dom->owner);
	if (ret)
		goto err_unreserve;

	for (node = interval_tree_iter_first(&iopt->area_itree, 0, ULONG_MAX);
	     node; node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		if (area_misaligned(to_area(node), align)) {
			ret = -EINVAL;
			goto err_unmap;
		}
		ret = pvfio_area_add_to_domain(iopt, to_area(node), dom);
		if (ret)
			goto err_unmap;
	}
	if (dom->kept)
		list_del(&dom->item);
	dom->kept = false;
	list_add_tail(&dom->item, &iopt->domains);
	dom->added = true;
	iopt->iova_alignment = max(iopt->iova_alignment, align);
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->domains_rwsem);
	return 0;

err_unmap:
	{
		struct interval_tree_node *done;

		for (done = interval_tree_iter_first(&iopt->area_itree, 0,
						     ULONG_MAX);
		     done != node;
		     done = interval_tree_iter_next(done, 0, ULONG_MAX))
			pvfio_area_remove_from_domain(iopt, to_area(done), dom);
	}
err_unreserve:
	__pvfio_iopt_remove_reserved(iopt, dom->owner);
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->domains_rwsem);
	return ret;
}

/*
 * The alignment mappings need, as iommufd computes it: none (1) with no
 * domain and no access, the page size with huge pages off (mapped a page at
 * a time), the smallest IO page of every domain (2 KiB for the iommufd
 * front end's mock) and what the attached accesses ask for.
 */
static void pvfio_iopt_recalc_alignment(struct pvfio_iopt *iopt)
{
	unsigned long align = max(1UL, iopt->access_alignment);
	struct pvfio_domain *dom;

	lockdep_assert_held_write(&iopt->iova_rwsem);
	if (!iopt->huge_pages)
		align = max(align, PAGE_SIZE);
	list_for_each_entry(dom, &iopt->domains, item)
		align = max(align, pvfio_domain_min_pgsize(dom));
	list_for_each_entry(dom, &iopt->kept_domains, item)
		align = max(align, pvfio_domain_min_pgsize(dom));
	iopt->iova_alignment = align;
}

/**
 * pvfio_iopt_remove_domain() - stop filling a domain, and empty it
 * @iopt: the IOVA space
 * @dom: a domain; if it was never added this does nothing
 * @keep_ranges: leave the domain's reserved ranges (its aperture) and the
 *               alignment it needs in force, so that it can be added back
 *               without a conflict (a replace that may fail); drop them
 *               later with pvfio_iopt_release_domain_ranges()
 *
 * Every mapping is unmapped from the domain, with one IOTLB sync at the
 * end; if it was the last domain, a batch at a time, unpinning what no
 * access holds after each batch's sync.  A real domain must still have a
 * device attached (the last one is detached after this): some drivers
 * (VT-d on 6.1) can neither unmap nor flush a domain without one.  Once
 * this returns, MAP and UNMAP of @iopt no longer touch the domain, so it
 * can be detached and reused or freed.
 */
void pvfio_iopt_remove_domain(struct pvfio_iopt *iopt,
			      struct pvfio_domain *dom, bool keep_ranges)
{
	struct iommu_iotlb_gather gather;
	struct interval_tree_node *node;
	struct pvfio_domain *next;

	down_write(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);
	if (!dom->added)
		goto out_unlock;
	if (list_is_singular(&iopt->domains)) {
		/* What its devices may have written stays recorded. */
		pvfio_dirty_domains_gone(iopt);
		/* The pins go with the last domain. */
		for (node = interval_tree_iter_first(&iopt->area_itree, 0,
						     ULONG_MAX);
		     node; node = interval_tree_iter_next(node, 0, ULONG_MAX))
			pvfio_area_unfill_storage(iopt, to_area(node));
	} else {
		/* The pfns stay with the next domain, now the first. */
		next = list_next_entry(dom, item);
		if (list_first_entry(&iopt->domains, struct pvfio_domain,
				     item) == dom)
			for (node = interval_tree_iter_first(&iopt->area_itree,
							     0, ULONG_MAX);
			     node;
			     node = interval_tree_iter_next(node, 0, ULONG_MAX))
				pvfio_area_set_storage(to_area(node), next);
		iommu_iotlb_gather_init(&gather);
		for (node = interval_tree_iter_first(&iopt->area_itree, 0,
						     ULONG_MAX);
		     node; node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
			pvfio_domain_unmap(dom, node->start,
					   node->last - node->start + 1,
					   &gather);
			cond_resched();
		}
		pvfio_domain_sync(dom, &gather);
	}
	dom->added = false;
	if (keep_ranges) {
		list_move(&dom->item, &iopt->kept_domains);
		dom->kept = true;
	} else {
		list_del(&dom->item);
		__pvfio_iopt_remove_reserved(iopt, dom->owner);
		pvfio_iopt_recalc_alignment(iopt);
	}
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->domains_rwsem);
}

/**
 * pvfio_iopt_release_domain_ranges() - drop what a removed domain kept
 * @iopt: the IOVA space
 * @dom: a domain removed with @keep_ranges; if it was added again since,
 *       this does nothing
 */
void pvfio_iopt_release_domain_ranges(struct pvfio_iopt *iopt,
				      struct pvfio_domain *dom)
{
	down_write(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);
	if (!dom->added) {
		if (dom->kept)
			list_del(&dom->item);
		dom->kept = false;
		__pvfio_iopt_remove_reserved(iopt, dom->owner);
		pvfio_iopt_recalc_alignment(iopt);
	}
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->domains_rwsem);
}

/**
 * pvfio_iopt_set_huge_pages() - map contiguous runs whole, or page by page
 * @iopt: the IOVA space
 * @on: whole runs (the default)
 *
 * Off, every mapping must be page aligned.  As in iommufd, huge pages
 * cannot be turned off while domains hold mappings (they were mapped in
 * runs), and turning them off fails if a mapping is not page aligned.
 *
 * Return: 0, -EINVAL domains hold mappings, -EADDRINUSE a mapping is not
 * aligned to the page size (nothing changed).
 */
int pvfio_iopt_set_huge_pages(struct pvfio_iopt *iopt, bool on)
{
	struct interval_tree_node *node;
	int ret = 0;

	down_write(&iopt->domains_rwsem);
	down_write(&iopt->iova_rwsem);
	if (iopt->huge_pages == on)
		goto out_unlock;
	if (!on && !list_empty(&iopt->domains) &&
	    !RB_EMPTY_ROOT(&iopt->area_itree.rb_root)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	for (node = interval_tree_iter_first(&iopt->area_itree, 0, ULONG_MAX);
	     node && !on; node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		if (area_misaligned(to_area(node), PAGE_SIZE)) {
			ret = -EADDRINUSE;
			goto out_unlock;
		}
	}
	iopt->huge_pages = on;
	pvfio_iopt_recalc_alignment(iopt);
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->domains_rwsem);
	return ret;
}

/**
 * pvfio_iopt_allow_access() - let accesses pin a range again
 * @iopt: the IOVA space
 * @iova: first IOVA of a range pvfio_iopt_unmap() refused with -EAGAIN
 * @last: its last IOVA
 */
void pvfio_iopt_allow_access(struct pvfio_iopt *iopt, unsigned long iova,
			     unsigned long last)
{
	struct interval_tree_node *node;

	down_write(&iopt->iova_rwsem);
	for (node = interval_tree_iter_first(&iopt->area_itree, iova, last);
	     node; node = interval_tree_iter_next(node, iova, last))
		to_area(node)->prevent_access = false;
	up_write(&iopt->iova_rwsem);
}

/**
 * pvfio_iopt_set_access_alignment() - the alignment attached accesses need
 * @iopt: the IOVA space
 * @align: the largest alignment of the accesses attached, 0 for none
 *
 * Return: 0, or -EINVAL if an existing mapping is not aligned to @align
 * (nothing changed).
 */
int pvfio_iopt_set_access_alignment(struct pvfio_iopt *iopt,
				    unsigned long align)
{
	struct interval_tree_node *node;
	int ret = 0;

	down_write(&iopt->iova_rwsem);
	for (node = interval_tree_iter_first(&iopt->area_itree, 0, ULONG_MAX);
	     node && align; node = interval_tree_iter_next(node, 0, ULONG_MAX))
		if (area_misaligned(to_area(node), align))
			ret = -EINVAL;
	if (!ret) {
		iopt->access_alignment = align;
		pvfio_iopt_recalc_alignment(iopt);
	}
	up_write(&iopt->iova_rwsem);
	return ret;
}

/*
 * Call @fn for every area of [iova, last], which must be covered by areas
 * without a hole, with the part [from, to] of the range in that area.
 * Stops at the first error.
 */
static int pvfio_iopt_for_each_area(struct pvfio_iopt *iopt,
				    unsigned long iova, unsigned long last,
				    int (*fn)(struct pvfio_area *area,
					      unsigned long from,
					      unsigned long to, void *arg),
				    void *arg)
{
	struct interval_tree_node *node;
	unsigned long cur = iova;
	int ret;

	lockdep_assert_held(&iopt->iova_rwsem);

	for (node = interval_tree_iter_first(&iopt->area_itree, iova, last);
	     node; node = interval_tree_iter_next(node, iova, last)) {
		unsigned long end = min(node->last, last);

		/* An area still being filled is not there yet. */
		if (node->start > cur || to_area(node)->filling)
			return -ENOENT;
		ret = fn(to_area(node), cur, end, arg);
		if (ret)
			return ret;
		if (end == last)
			return 0;
		cur = end + 1;
	}
	return -ENOENT;
}

/* The index in its pages of the page holding IOVA @iova of @area. */
static unsigned long area_iova_index(struct pvfio_area *area,
				     unsigned long iova)
{
	return (area->page_offset + (iova - area->node.start)) >> PAGE_SHIFT;
}

struct pvfio_pin_walk {
	unsigned long iova;
	struct page **out_pages;
	bool write;
	bool dirty;
	unsigned long done;	/* IOVA up to which pages are held */
};

static int pvfio_pin_check(struct pvfio_area *area, unsigned long from,
			   unsigned long to, void *arg)
{
	struct pvfio_pin_walk *w = arg;

	if (area->prevent_access)
		return -EBUSY;
	if (w->write && !(area->prot & IOMMU_WRITE))
		return -EPERM;
	return 0;
}

static int pvfio_pin_take(struct pvfio_area *area, unsigned long from,
			  unsigned long to, void *arg)
{
	struct pvfio_pin_walk *w = arg;
	int ret;

	ret = pvfio_pages_access_pin(area->pages,
				     area_iova_index(area, from),
				     area_iova_index(area, to),
				     w->out_pages +
				     ((from - w->iova) >> PAGE_SHIFT), w->write);
	if (ret)
		return ret;
	atomic_inc(&area->num_accesses);
	w->done = to;
	return 0;
}

static int pvfio_pin_drop(struct pvfio_area *area, unsigned long from,
			  unsigned long to, void *arg)
{
	struct pvfio_pin_walk *w = arg;

	pvfio_pages_access_unpin(area->pages, area_iova_index(area, from),
				 area_iova_index(area, to), w->dirty);
	WARN_ON(atomic_dec_if_positive(&area->num_accesses) < 0);
	return 0;
}

/**
 * pvfio_iopt_access_pin() - hold the pages behind an IOVA range
 * @iopt: the IOVA space
 * @iova: first IOVA, page aligned
 * @last: last IOVA
 * @out_pages: one page pointer per page of the range
 * @write: the access will write the pages
 *
 * Pages a domain or another pin holds are shared; the others are pinned
 * from the mapping's memory and charged to its owner.  The access's pin
 * keeps the mappings from being unmapped until pvfio_iopt_access_unpin().
 *
 * Return: 0, -ENOENT a hole, -EPERM write to a read-only mapping, -EBUSY an
 * unmap of the range is revoking pins, or a pinning error (-EFAULT,
 * -ENOMEM, -EINTR).  On error nothing is held.
 */
int pvfio_iopt_access_pin(struct pvfio_iopt *iopt, unsigned long iova,
			  unsigned long last, struct page **out_pages,
			  bool write)
{
	struct pvfio_pin_walk w = {
		.iova = iova, .out_pages = out_pages, .write = write,
	};
	int ret;

	down_read(&iopt->iova_rwsem);
	ret = pvfio_iopt_for_each_area(iopt, iova, last, pvfio_pin_check, &w);
	if (!ret)
		ret = pvfio_iopt_for_each_area(iopt, iova, last,
					       pvfio_pin_take, &w);
	/* Give back what the areas before the failing one hold. */
	if (ret && w.done)
		WARN_ON(pvfio_iopt_for_each_area(iopt, iova, w.done,
						 pvfio_pin_drop, &w));
	up_read(&iopt->iova_rwsem);
	return ret;
}

/**
 * pvfio_iopt_access_unpin() - release what pvfio_iopt_access_pin() took
 * @iopt: the IOVA space the pin was made on
 * @iova: first IOVA of the pin
 * @last: last IOVA of the pin
 * @dirty: the pin was for write: mark the pages dirty
 */
void pvfio_iopt_access_unpin(struct pvfio_iopt *iopt, unsigned long iova,
			     unsigned long last, bool dirty)
{
	struct pvfio_pin_walk w = { .dirty = dirty };

	down_read(&iopt->iova_rwsem);
	/*
	 * A write pin's pages count as written once more, recorded before
	 * its record goes (pvfio_access_write_pins()).
	 */
	if (dirty)
		pvfio_dirty_record(iopt, iova, last, false);
	/* The areas cannot go while the pin exists: no hole is possible. */
	WARN_ON(pvfio_iopt_for_each_area(iopt, iova, last, pvfio_pin_drop,
					 &w));
	up_read(&iopt->iova_rwsem);
}

struct pvfio_rw_walk {
	unsigned long iova;	/* of the first byte */
	char *data;
	bool write;
};

static int pvfio_rw_check(struct pvfio_area *area, unsigned long from,
			  unsigned long to, void *arg)
{
	struct pvfio_rw_walk *w = arg;

	if (w->write && !(area->prot & IOMMU_WRITE))
		return -EPERM;
	return 0;
}

static int pvfio_rw_area(struct pvfio_area *area, unsigned long from,
			 unsigned long to, void *arg)
{
	struct pvfio_rw_walk *w = arg;

	return pvfio_pages_rw(area->pages,
			      area->page_offset + (from - area->node.start),
			      w->data + (from - w->iova), to - from + 1,
			      w->write);
}

/**
 * pvfio_iopt_rw() - copy between a kernel buffer and an IOVA range
 * @iopt: the IOVA space
 * @iova: first IOVA, any alignment
 * @data: kernel buffer
 * @length: bytes, non-zero
 * @write: copy @data to the IOVA range (needs writable mappings)
 *
 * Works from any process context, kernel threads included; pages nothing
 * holds are pinned for the copy (from the mapping process's memory) and
 * unpinned after it.  The read lock keeps the mappings.
 *
 * Return: 0, -ENOENT a hole, -EPERM a write into a read-only mapping
 * (nothing written), -EOVERFLOW, or a pinning error (-EFAULT, -ENOMEM,
 * -EINTR; what was copied before it stays).
 */
int pvfio_iopt_rw(struct pvfio_iopt *iopt, unsigned long iova, void *data,
		  size_t length, bool write)
{
	struct pvfio_rw_walk w = { .iova = iova, .data = data, .write = write };
	unsigned long last;
	int ret;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;

	down_read(&iopt->iova_rwsem);
	/* Check every mapping's permission before copying anything. */
	ret = pvfio_iopt_for_each_area(iopt, iova, last, pvfio_rw_check, &w);
	if (!ret) {
		ret = pvfio_iopt_for_each_area(iopt, iova, last, pvfio_rw_area,
					       &w);
		/* Recorded after the copy: a read in between sees it later. */
		if (write)
			pvfio_dirty_record(iopt, iova, last, false);
	}
	up_read(&iopt->iova_rwsem);
	return ret;
}
