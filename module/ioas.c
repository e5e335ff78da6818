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

void pvfio_ioas_destroy(struct pvfio_object *obj)
{
	struct pvfio_ioas *ioas = container_of(obj, struct pvfio_ioas, obj);

	/* Attached accesses hold the IOAS: none can be left. */
	WARN_ON(!xa_empty(&ioas->accesses));
	xa_destroy(&ioas->accesses);
	mutex_destroy(&ioas->access_lock);
	pvfio_iopt_destroy(&ioas->iopt);
}

/**
 * pvfio_ioas_unmap_range() - unmap, first revoking access pins in the range
 * @ioas: the IOAS
 * @iova: first IOVA
 * @last: last IOVA, inclusive (ULONG_MAX with @iova 0: everything)
 * @unmapped: bytes unmapped
 *
 * While accesses hold pins in the range, new pins there fail; each access
 * holding some is called back once per round with the whole range, and the
 * unmap is tried again.  After a bounded number of rounds it gives up.
 *
 * Return: as pvfio_iopt_unmap(), or -EDEADLOCK if accesses kept their pins
 * (nothing unmapped, pins allowed again).
 */
int pvfio_ioas_unmap_range(struct pvfio_ioas *ioas, unsigned long iova,
			   unsigned long last, unsigned long *unmapped)
{
	int round, ret;

	for (round = 0; ; round++) {
		ret = pvfio_iopt_unmap(&ioas->iopt, iova, last, unmapped);
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
	if ((addr | length) & (PAGE_SIZE - 1))
		return -EINVAL;
	if ((flags & PVFIO_IOAS_MAP_FIXED_IOVA) &&
	    check_add_overflow(iova, length - 1, &end))
		return -EOVERFLOW;
	return 0;
}

/* Map pinned pages (consuming the caller's reference) and report the IOVA. */
static int pvfio_map_pages(struct pvfio_ucmd *ucmd, struct pvfio_ioas *ioas,
			   struct pvfio_pages *pages, u32 flags, u64 *iova_out,
			   size_t cmd_len)
{
	unsigned long iova = *iova_out;
	int ret;

	ret = pvfio_iopt_map_pages(&ioas->iopt, pages, &iova,
				   pvfio_map_prot(flags),
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

	pages = pvfio_pages_create(cmd->user_va, cmd->length >> PAGE_SHIFT,
				   cmd->flags & PVFIO_IOAS_MAP_WRITEABLE,
				   ucmd->ctx->test_memlimit);
	if (IS_ERR(pages))
		ret = PTR_ERR(pages);
	else
		ret = pvfio_map_pages(ucmd, ioas, pages, cmd->flags, &cmd->iova,
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

	pages = pvfio_pages_create_file(file, cmd->start,
					cmd->length >> PAGE_SHIFT,
					cmd->flags & PVFIO_IOAS_MAP_WRITEABLE,
					ucmd->ctx->test_memlimit);
	fput(file);
	if (IS_ERR(pages))
		ret = PTR_ERR(pages);
	else
		ret = pvfio_map_pages(ucmd, ioas, pages, cmd->flags, &cmd->iova,
				      sizeof(*cmd));
out_put:
	pvfio_object_put(&ioas->obj);
	return ret;
}

int pvfio_ioas_unmap(struct pvfio_ucmd *ucmd)
{
	struct pvfio_ioas_unmap *cmd = ucmd->cmd;
	unsigned long unmapped = 0;
	struct pvfio_ioas *ioas;
	u64 last;
	int ret;

	ioas = pvfio_get_ioas(ucmd->ctx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (cmd->iova == 0 && cmd->length == U64_MAX) {
		ret = pvfio_ioas_unmap_range(ioas, 0, ULONG_MAX, &unmapped);
		/* Unmapping everything of an empty IOAS is not an error. */
		if (ret == -ENOENT)
			ret = 0;
	} else if (!cmd->length) {
		ret = -EINVAL;
	} else if (check_add_overflow(cmd->iova, cmd->length - 1, &last) ||
		   last > ULONG_MAX) {
		ret = -EOVERFLOW;
	} else {
		ret = pvfio_ioas_unmap_range(ioas, cmd->iova, last, &unmapped);
	}
	if (ret)
		goto out_put;

	cmd->length = unmapped;
	ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
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

int pvfio_option(struct pvfio_ucmd *ucmd)
{
	struct pvfio_option *cmd = ucmd->cmd;
	struct pvfio_ioas *ioas;
	int ret = 0;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->option_id != PVFIO_OPTION_HUGE_PAGES)
		return -EOPNOTSUPP;
	if (cmd->op != PVFIO_OPTION_OP_SET && cmd->op != PVFIO_OPTION_OP_GET)
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
