// SPDX-License-Identifier: GPL-2.0
/*
 * The IOVA space of an IOAS: which IOVAs are allowed, which are reserved,
 * and the alignment mappings need.
 */
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
	init_rwsem(&iopt->iova_rwsem);
	iopt->allowed_itree = RB_ROOT_CACHED;
	iopt->reserved_itree = RB_ROOT_CACHED;
	iopt->iova_alignment = PAGE_SIZE;
}

static void pvfio_iopt_free_itree(struct rb_root_cached *root, size_t offset)
{
	struct interval_tree_node *node;

	while ((node = interval_tree_iter_first(root, 0, ULONG_MAX))) {
		interval_tree_remove(node, root);
		kfree((void *)node - offset);
	}
}

/**
 * pvfio_iopt_destroy() - free an IOVA space
 * @iopt: the IOVA space; nothing may be attached to it any more
 */
void pvfio_iopt_destroy(struct pvfio_iopt *iopt)
{
	pvfio_iopt_free_itree(&iopt->allowed_itree, 0);
	pvfio_iopt_free_itree(&iopt->reserved_itree,
			      offsetof(struct pvfio_reserved, node));
}

/**
 * pvfio_iopt_reserve() - reserve an IOVA range
 * @iopt: the IOVA space
 * @start: first IOVA
 * @last: last IOVA, inclusive
 * @owner: cookie identifying the reserver for pvfio_iopt_remove_reserved()
 *
 * Return: 0, -EINVAL for @last < @start, or -ENOMEM.
 */
int pvfio_iopt_reserve(struct pvfio_iopt *iopt, unsigned long start,
		       unsigned long last, void *owner)
{
	struct pvfio_reserved *res;

	if (last < start)
		return -EINVAL;
	res = kzalloc(sizeof(*res), GFP_KERNEL_ACCOUNT);
	if (!res)
		return -ENOMEM;
	res->node.start = start;
	res->node.last = last;
	res->owner = owner;

	down_write(&iopt->iova_rwsem);
	interval_tree_insert(&res->node, &iopt->reserved_itree);
	up_write(&iopt->iova_rwsem);
	return 0;
}

/**
 * pvfio_iopt_remove_reserved() - drop every range @owner reserved
 * @iopt: the IOVA space
 * @owner: the cookie given to pvfio_iopt_reserve()
 */
void pvfio_iopt_remove_reserved(struct pvfio_iopt *iopt, void *owner)
{
	struct interval_tree_node *node, *next;
	struct pvfio_reserved *res;

	down_write(&iopt->iova_rwsem);
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
	    copy_to_user(&w->uranges[w->count], &range, sizeof(range)))
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
