// SPDX-License-Identifier: GPL-2.0
/*
 * IOAS objects: I/O address spaces and their ioctls.
 */
#include <linux/file.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "pvfio_private.h"

/* Callback rounds before an UNMAP blocked by access pins gives up. */
#define PVFIO_UNMAP_ROUNDS 8

int pvfio_ioas_alloc_ioctl(struct pvfio_ucmd *ucmd)
{
	struct pvfio_ioas_alloc *cmd = ucmd->cmd;
	struct pvfio_object *obj;
	struct pvfio_ioas *ioas;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;

	obj = pvfio_object_alloc(ucmd->ctx, sizeof(*ioas), PVFIO_OBJ_IOAS);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	ioas = container_of(obj, struct pvfio_ioas, obj);
	pvfio_iopt_init(&ioas->iopt);
	mutex_init(&ioas->access_lock);
	mutex_init(&ioas->auto_lock);
	xa_init_flags(&ioas->accesses, XA_FLAGS_ALLOC);

	cmd->out_ioas_id = obj->id;
	ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		goto err_abort;
	pvfio_object_finalize(ucmd->ctx, obj);
	return 0;

err_abort:
	pvfio_ioas_destroy(obj);
	pvfio_object_abort(ucmd->ctx, obj);
	return ret;
}

/**
 * pvfio_ioas_next() - the next IOAS of a context, for walking them all
 * @ctx: the context
 * @index: in: the ID to start from; out: the IOAS's ID (add 1 to go on)
 *
 * Return: the IOAS with a short-term reference (pvfio_object_put() it), or
 * NULL when there is none left.
 */
struct pvfio_ioas *pvfio_ioas_next(struct pvfio_ctx *ctx, unsigned long *index)
{
	struct pvfio_object *obj;

	xa_lock(&ctx->objects);
	obj = xa_find(&ctx->objects, index, ULONG_MAX, XA_PRESENT);
	while (obj && (obj->type != PVFIO_OBJ_IOAS ||
		       !refcount_inc_not_zero(&obj->shortterm_users)))
		obj = xa_find_after(&ctx->objects, index, ULONG_MAX,
				    XA_PRESENT);
	xa_unlock(&ctx->objects);
	return obj ? container_of(obj, struct pvfio_ioas, obj) : NULL;
}

void pvfio_ioas_destroy(struct pvfio_object *obj)
{
	struct pvfio_ioas *ioas = container_of(obj, struct pvfio_ioas, obj);

	/* Attached accesses hold the IOAS: none can be left. */
	WARN_ON(!xa_empty(&ioas->accesses));
	xa_destroy(&ioas->accesses);
	mutex_destroy(&ioas->access_lock);
	mutex_destroy(&ioas->auto_lock);
	pvfio_iopt_destroy(&ioas->iopt);
}

/**
 * pvfio_ioas_unmap_range() - unmap, first revoking access pins in the range
 * @ioas: the IOAS
 * @iova: first IOVA
 * @last: last IOVA, inclusive (ULONG_MAX with @iova 0: everything)
 * @unmapped: bytes unmapped
 * @keep_dirty: keep the range's dirty state for the caller to read (the
 *              revoked write pins and page tables without dirty bits add
 *              theirs), instead of dropping it
 *
 * While accesses hold pins in the range, new pins there fail; each access
 * holding some is called back once per round with the whole range, and the
 * unmap is tried again.  After a bounded number of rounds it gives up.
 *
 * Return: as pvfio_iopt_unmap(), or -EDEADLOCK if accesses kept their pins
 * (nothing unmapped, pins allowed again).
 */
int pvfio_ioas_unmap_range(struct pvfio_ioas *ioas, unsigned long iova,
			   unsigned long last, unsigned long *unmapped,
			   bool keep_dirty)
{
	int round, ret;

	for (round = 0; ; round++) {
		ret = pvfio_iopt_unmap(&ioas->iopt, iova, last, unmapped,
				       keep_dirty);
		if (ret != -EAGAIN) {
			/* A later round failing otherwise must unblock pins. */
			if (ret && round)
				pvfio_iopt_allow_access(&ioas->iopt, iova, last);
			return ret;
		}
		/* Let a consumer's own pinning or unpinning thread run. */
		if (round)
			schedule_timeout_uninterruptible(1);
		pvfio_ioas_notify_accesses(ioas, iova, last,
					   round == PVFIO_UNMAP_ROUNDS);
		if (round == PVFIO_UNMAP_ROUNDS)
			break;
	}
	pvfio_iopt_allow_access(&ioas->iopt, iova, last);
	return -EDEADLOCK;
}

int pvfio_ioas_iova_ranges(struct pvfio_ucmd *ucmd)
{
	struct pvfio_ioas_iova_ranges *cmd = ucmd->cmd;
	struct pvfio_ioas *ioas;
	int ret;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	ioas = pvfio_get_ioas(ucmd->ctx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	ret = pvfio_iopt_fill_ranges(&ioas->iopt,
				     u64_to_user_ptr(cmd->allowed_iovas),
				     &cmd->num_iovas);
	if (ret && ret != -EMSGSIZE)
		goto out_put;
	down_read(&ioas->iopt.iova_rwsem);
	cmd->out_iova_alignment = ioas->iopt.iova_alignment;
	up_read(&ioas->iopt.iova_rwsem);
	/* num_iovas is reported back on -EMSGSIZE too. */
	if (pvfio_ucmd_respond(ucmd, sizeof(*cmd)))
		ret = -EFAULT;
out_put:
	pvfio_object_put(&ioas->obj);
	return ret;
}

static int pvfio_map_prot(u32 flags)
{
	int prot = 0;

	if (flags & PVFIO_IOAS_MAP_READABLE)
		prot |= IOMMU_READ;
	if (flags & PVFIO_IOAS_MAP_WRITEABLE)
		prot |= IOMMU_WRITE;
	return prot;
}

#define PVFIO_MAP_FLAGS (PVFIO_IOAS_MAP_FIXED_IOVA | PVFIO_IOAS_MAP_WRITEABLE | \
			 PVFIO_IOAS_MAP_READABLE)

/* Check what MAP and MAP_FILE share; the address is a user VA or offset. */
static int pvfio_map_check(u32 flags, u64 addr, u64 length, u64 iova)
{
	u64 end;

	if (flags & ~PVFIO_MAP_FLAGS)
		return -EOPNOTSUPP;
	if (!(flags & (PVFIO_IOAS_MAP_READABLE | PVFIO_IOAS_MAP_WRITEABLE)))
		return -EINVAL;
	if (!length)
		return -EINVAL;
	if (check_add_overflow(addr, length, &end) || end > ULONG_MAX ||
	    iova > ULONG_MAX)
		return -EOVERFLOW;
	/* Alignment is the IOAS's to check: it may be 1. */
	if ((flags & PVFIO_IOAS_MAP_FIXED_IOVA) &&
	    check_add_overflow(iova, length - 1, &end))
		return -EOVERFLOW;
	return 0;
}

/*
 * Map @length bytes from byte @start of @pages (consuming the caller's
 * reference) and report the IOVA.
 */
static int pvfio_map_pages(struct pvfio_ucmd *ucmd, struct pvfio_ioas *ioas,
			   struct pvfio_pages *pages, u64 start, u64 length,
			   u32 flags, u64 *iova_out, size_t cmd_len)
{
	unsigned long iova = *iova_out;
	int ret;

	ret = pvfio_iopt_map_pages(&ioas->iopt, pages, start - pages->uptr,
				   length, &iova, pvfio_map_prot(flags),
				   flags & PVFIO_IOAS_MAP_FIXED_IOVA);
	/* The mapping holds its own reference on success. */
	pvfio_pages_put(pages);
	if (ret)
		return ret;

	/*
	 * As in iommufd, a reply that cannot be written leaves the mapping
	 * in place (undoing it by IOVA could hit another thread's mapping).
	 */
	*iova_out = iova;
	return pvfio_ucmd_respond(ucmd, cmd_len);
}

int pvfio_ioas_map(struct pvfio_ucmd *ucmd)
{
	struct pvfio_ioas_map *cmd = ucmd->cmd;
	struct pvfio_pages *pages;
	struct pvfio_ioas *ioas;
	int ret;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ret = pvfio_map_check(cmd->flags, cmd->user_va, cmd->length, cmd->iova);
	if (ret)
		return ret;

	ioas = pvfio_get_ioas(ucmd->ctx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	pages = pvfio_pages_create(cmd->user_va, cmd->length,
				   cmd->flags & PVFIO_IOAS_MAP_WRITEABLE,
				   ucmd->ctx);
	if (IS_ERR(pages))
		ret = PTR_ERR(pages);
	else
		ret = pvfio_map_pages(ucmd, ioas, pages, cmd->user_va,
				      cmd->length, cmd->flags, &cmd->iova,
				      sizeof(*cmd));
	pvfio_object_put(&ioas->obj);
	return ret;
}

int pvfio_ioas_map_file(struct pvfio_ucmd *ucmd)
{
	struct pvfio_ioas_map_file *cmd = ucmd->cmd;
	struct pvfio_pages *pages;
	struct pvfio_ioas *ioas;
	struct file *file;
	int ret;

	ret = pvfio_map_check(cmd->flags, cmd->start, cmd->length, cmd->iova);
	if (ret)
		return ret;

	ioas = pvfio_get_ioas(ucmd->ctx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	file = pvfio_fail_point() ? NULL : fget(cmd->fd);
	if (!file) {
		ret = -EBADF;
		goto out_put;
	}

	pages = pvfio_pages_create_file(file, cmd->start, cmd->length,
					cmd->flags & PVFIO_IOAS_MAP_WRITEABLE,
					ucmd->ctx);
	fput(file);
	if (IS_ERR(pages))
		ret = PTR_ERR(pages);
	else
		ret = pvfio_map_pages(ucmd, ioas, pages, cmd->start,
				      cmd->length, cmd->flags, &cmd->iova,
				      sizeof(*cmd));
out_put:
	pvfio_object_put(&ioas->obj);
	return ret;
}

/* UNMAP with PVFIO_IOAS_UNMAP_DIRTY_BITMAP: check it before unmapping. */
static int pvfio_ioas_unmap_bitmap(struct pvfio_ioas *ioas,
				   struct pvfio_ioas_unmap *cmd,
				   struct pvfio_bitmap *bm)
{
	if (cmd->iova == 0 && cmd->length == U64_MAX)
		return -EINVAL;
	if (!READ_ONCE(ioas->iopt.dirty.tracking))
		return -EINVAL;
	return pvfio_bitmap_init(bm, cmd->dirty_bitmap, cmd->iova, cmd->length,
				 cmd->page_size, PAGE_SIZE);
}

int pvfio_ioas_unmap(struct pvfio_ucmd *ucmd)
{
	struct pvfio_ioas_unmap *cmd = ucmd->cmd;
	unsigned long unmapped = 0;
	struct pvfio_bitmap bm = {};
	struct pvfio_ioas *ioas;
	bool with_bitmap;
	u64 last;
	int ret;

	/* iommufd's struct ends at @length: the rest is not even read. */
	with_bitmap = !ucmd->ctx->ifd &&
		      (cmd->flags & PVFIO_IOAS_UNMAP_DIRTY_BITMAP);
	if (!ucmd->ctx->ifd &&
	    ((cmd->flags & ~PVFIO_IOAS_UNMAP_DIRTY_BITMAP) || cmd->__reserved))
		return -EOPNOTSUPP;

	ioas = pvfio_get_ioas(ucmd->ctx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	if (with_bitmap) {
		ret = pvfio_ioas_unmap_bitmap(ioas, cmd, &bm);
		if (ret)
			goto out_put;
	}

	if (cmd->iova == 0 && cmd->length == U64_MAX) {
		ret = pvfio_ioas_unmap_range(ioas, 0, ULONG_MAX, &unmapped,
					     false);
		/* Unmapping everything of an empty IOAS is not an error. */
		if (ret == -ENOENT)
			ret = 0;
	} else if (!cmd->length) {
		ret = -EINVAL;
	} else if (check_add_overflow(cmd->iova, cmd->length - 1, &last) ||
		   last > ULONG_MAX) {
		ret = -EOVERFLOW;
	} else {
		ret = pvfio_ioas_unmap_range(ioas, cmd->iova, last, &unmapped,
					     with_bitmap);
	}
	if (ret)
		goto out_bitmap;

	if (with_bitmap) {
		u32 none = 0;

		/* The mappings are gone; their last dirty word follows. */
		ret = pvfio_ioas_read_dirty(ioas, &bm, true, NULL, &none);
		/* Tracking stopped meanwhile: the state went with it. */
		if (ret == -EINVAL)
			ret = 0;
		if (ret)
			goto out_bitmap;
	}
	cmd->length = unmapped;
	/* Nothing of the kernel's buffer past iommufd's struct goes out. */
	ret = pvfio_ucmd_respond(ucmd, ucmd->ctx->ifd ?
				 offsetofend(struct pvfio_ioas_unmap, length) :
				 sizeof(*cmd));
out_bitmap:
	pvfio_bitmap_destroy(&bm);
out_put:
	pvfio_object_put(&ioas->obj);
	return ret;
}

int pvfio_ioas_copy(struct pvfio_ucmd *ucmd)
{
	struct pvfio_ioas_copy *cmd = ucmd->cmd;
	unsigned long dst_iova = cmd->dst_iova;
	struct pvfio_ioas *src, *dst;
	int ret;

	if (cmd->flags & ~PVFIO_MAP_FLAGS)
		return -EOPNOTSUPP;
	if (!(cmd->flags & (PVFIO_IOAS_MAP_READABLE | PVFIO_IOAS_MAP_WRITEABLE)))
		return -EINVAL;
	if (cmd->length > ULONG_MAX || cmd->src_iova > ULONG_MAX ||
	    cmd->dst_iova > ULONG_MAX)
		return -EOVERFLOW;

	src = pvfio_get_ioas(ucmd->ctx, cmd->src_ioas_id);
	if (IS_ERR(src))
		return PTR_ERR(src);
	dst = pvfio_get_ioas(ucmd->ctx, cmd->dst_ioas_id);
	if (IS_ERR(dst)) {
		ret = PTR_ERR(dst);
		goto out_put_src;
	}

	ret = pvfio_iopt_copy(&dst->iopt, &src->iopt, cmd->src_iova,
			      cmd->length, &dst_iova,
			      pvfio_map_prot(cmd->flags),
			      cmd->flags & PVFIO_IOAS_MAP_FIXED_IOVA);
	if (ret)
		goto out_put_dst;
	cmd->dst_iova = dst_iova;
	ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
out_put_dst:
	pvfio_object_put(&dst->obj);
out_put_src:
	pvfio_object_put(&src->obj);
	return ret;
}

#define PVFIO_MAX_ALLOWED_IOVAS 4096

int pvfio_ioas_allow_iovas(struct pvfio_ucmd *ucmd)
{
	struct pvfio_ioas_allow_iovas *cmd = ucmd->cmd;
	struct pvfio_iova_range *ranges = NULL;
	struct pvfio_ioas *ioas;
	int ret;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->num_iovas > PVFIO_MAX_ALLOWED_IOVAS)
		return -EINVAL;

	ioas = pvfio_get_ioas(ucmd->ctx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (cmd->num_iovas) {
		ranges = pvfio_fail_point() ? ERR_PTR(-ENOMEM) :
			 memdup_array_user(u64_to_user_ptr(cmd->allowed_iovas),
					   cmd->num_iovas, sizeof(*ranges));
		if (IS_ERR(ranges)) {
			ret = PTR_ERR(ranges);
			goto out_put;
		}
	}
	ret = pvfio_iopt_set_allowed(&ioas->iopt, ranges, cmd->num_iovas);
	kfree(ranges);
out_put:
	pvfio_object_put(&ioas->obj);
	return ret;
}

/*
 * PVFIO_OPTION_RLIMIT_MODE: how the context's new mappings are charged.  As
 * in iommufd it can change only while the context has no object, so no
 * mapping is charged the old way.
 */
static int pvfio_option_rlimit_mode(struct pvfio_ucmd *ucmd)
{
	struct pvfio_option *cmd = ucmd->cmd;
	struct pvfio_ctx *ctx = ucmd->ctx;
	int ret = 0;

	if (cmd->object_id)
		return -EOPNOTSUPP;
	if (cmd->op == PVFIO_OPTION_OP_GET) {
		cmd->val64 = READ_ONCE(ctx->account_mode) == PVFIO_ACCOUNT_MM;
		return pvfio_ucmd_respond(ucmd, sizeof(*cmd));
	}
	if (cmd->val64 > 1)
		return -EINVAL;
	if (!capable(CAP_SYS_RESOURCE))
		return -EPERM;
	xa_lock(&ctx->objects);
	if (!xa_empty(&ctx->objects))
		ret = -EBUSY;
	else
		WRITE_ONCE(ctx->account_mode, cmd->val64 ? PVFIO_ACCOUNT_MM :
			   PVFIO_ACCOUNT_USER);
	xa_unlock(&ctx->objects);
	return ret;
}

int pvfio_option(struct pvfio_ucmd *ucmd)
{
	struct pvfio_option *cmd = ucmd->cmd;
	struct pvfio_ioas *ioas;
	int ret = 0;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->op != PVFIO_OPTION_OP_SET && cmd->op != PVFIO_OPTION_OP_GET)
		return -EOPNOTSUPP;
	if (cmd->option_id == PVFIO_OPTION_RLIMIT_MODE)
		return pvfio_option_rlimit_mode(ucmd);
	if (cmd->option_id != PVFIO_OPTION_HUGE_PAGES)
		return -EOPNOTSUPP;
	if (cmd->op == PVFIO_OPTION_OP_SET && cmd->val64 > 1)
		return -EINVAL;

	ioas = pvfio_get_ioas(ucmd->ctx, cmd->object_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (cmd->op == PVFIO_OPTION_OP_SET) {
		ret = pvfio_iopt_set_huge_pages(&ioas->iopt, cmd->val64);
	} else {
		down_read(&ioas->iopt.iova_rwsem);
		cmd->val64 = ioas->iopt.huge_pages;
		up_read(&ioas->iopt.iova_rwsem);
		ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
	}
	pvfio_object_put(&ioas->obj);
	return ret;
}

/*
 * CHANGE_PROCESS runs one at a time, module wide: it is rare, and it owns
 * pvfio_pages.change_gen, which tells it which pages it has seen.
 */
static DEFINE_MUTEX(pvfio_change_process_lock);
static u64 pvfio_change_gen;

/* One mapping's memory whose charge CHANGE_PROCESS moves. */
struct pvfio_change_item {
	struct list_head item;
	struct pvfio_pages *pages;
	struct pvfio_pages_owner owner;
};

/*
 * Collect the distinct pages of every IOAS of the context, each with a
 * reference, into @items.  -EINVAL if one is not file-backed.
 */
static int pvfio_change_collect(struct pvfio_ctx *ctx, struct list_head *items)
{
	struct interval_tree_node *node;
	struct pvfio_change_item *it;
	unsigned long index = 0;
	struct pvfio_ioas *ioas;
	int ret = 0;

	lockdep_assert_held(&pvfio_change_process_lock);
	pvfio_change_gen++;
	while (!ret && (ioas = pvfio_ioas_next(ctx, &index))) {
		down_read(&ioas->iopt.iova_rwsem);
		for (node = interval_tree_iter_first(&ioas->iopt.area_itree, 0,
						     ULONG_MAX);
		     node && !ret;
		     node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
			struct pvfio_pages *pages =
				container_of(node, struct pvfio_area,
					     node)->pages;

			if (!pages->file) {
				ret = -EINVAL;
				break;
			}
			if (pages->change_gen == pvfio_change_gen)
				continue;
			pages->change_gen = pvfio_change_gen;
			it = pvfio_kzalloc(sizeof(*it), GFP_KERNEL_ACCOUNT);
			if (!it) {
				ret = -ENOMEM;
				break;
			}
			kref_get(&pages->kref);
			it->pages = pages;
			list_add_tail(&it->item, items);
		}
		up_read(&ioas->iopt.iova_rwsem);
		pvfio_object_put(&ioas->obj);
		index++;
	}
	return ret;
}

int pvfio_ioas_change_process(struct pvfio_ucmd *ucmd)
{
	struct pvfio_ioas_change_process *cmd = ucmd->cmd;
	struct pvfio_change_item *it, *tmp;
	LIST_HEAD(items);
	int ret;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	if (mutex_lock_killable(&pvfio_change_process_lock))
		return -EINTR;
	ret = pvfio_change_collect(ucmd->ctx, &items);
	if (ret)
		goto out_free;
	list_for_each_entry(it, &items, item) {
		pvfio_owner_init(&it->owner, ucmd->ctx);
		ret = pvfio_pages_swap_owner(it->pages, &it->owner, false);
		if (ret) {
			/* Not swapped: @it->owner is still the new one. */
			pvfio_owner_put(&it->owner);
			it->owner.mm = NULL;
			goto err_undo;
		}
	}
	goto out_free;

err_undo:
	list_for_each_entry_continue_reverse(it, &items, item)
		WARN_ON(pvfio_pages_swap_owner(it->pages, &it->owner, true));
out_free:
	/* Each item now holds the owner its pages no longer have. */
	list_for_each_entry_safe(it, tmp, &items, item) {
		if (it->owner.mm)
			pvfio_owner_put(&it->owner);
		pvfio_pages_put(it->pages);
		list_del(&it->item);
		kfree(it);
	}
	mutex_unlock(&pvfio_change_process_lock);
	return ret;
}
