// SPDX-License-Identifier: GPL-2.0
/*
 * The iommufd front end's mock devices and test interface: IOMMU_TEST_CMD
 * (enable_test_ops=1) as iommufd's selftest uses it, and HWPT_ALLOC and
 * GET_HW_INFO for the mock devices, the only devices the node can reach.
 *
 * A MOCK_DOMAIN makes three objects, as iommufd's does: a selftest object
 * (destroying it is how userspace unplugs the device), the device object
 * HWPT_ALLOC and GET_HW_INFO take, and the page table it is attached to
 * (made for it when it attaches to an IOAS).  The mock page table behaves
 * as Linux 7.2's: 2 KiB IO pages and the aperture [16 MiB, 2 GiB) by
 * default, PAGE_SIZE pages over the whole address space for the "huge"
 * type.  The access operations go through pvfio's in-kernel access API
 * (include/pvfio.h), each access living in a file of its own.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../include/pvfio.h"
#include "../uapi/pvfio_iommufd.h"
#include "pvfio_private.h"

#define PVFIO_IFD_MOCK_SHIFT		11
#define PVFIO_IFD_MOCK_HUGE_LAST	(BIT_ULL(56) - 1)

static_assert(BIT(PVFIO_IFD_MOCK_SHIFT) == PVFIO_IFD_MOCK_PAGE_SIZE);

/**
 * struct pvfio_ifd_idev - a mock device bound to a context
 * @obj: object header
 * @ctx: its context
 * @lock: protects @hwpt
 * @hwpt: the page table it is attached to, held
 * @flags: PVFIO_IFD_MOCK_FLAGS_DEVICE_*
 * @cache: what DEV_CHECK_CACHE compares with (never invalidated: pvfio
 *         has no vIOMMU)
 */
struct pvfio_ifd_idev {
	struct pvfio_object obj;
	struct pvfio_ctx *ctx;
	struct mutex lock;	/* protects @hwpt */
	struct pvfio_hwpt *hwpt;
	u32 flags;
	u32 cache[PVFIO_IFD_MOCK_DEV_CACHE_NUM];
};

/**
 * struct pvfio_ifd_stdev - the selftest object of a mock device
 * @obj: object header
 * @idev: the device, held
 */
struct pvfio_ifd_stdev {
	struct pvfio_object obj;
	struct pvfio_ifd_idev *idev;
};

static struct pvfio_ifd_idev *pvfio_ifd_get_idev(struct pvfio_ctx *ctx, u32 id)
{
	struct pvfio_object *obj = pvfio_object_get(ctx, id,
						    PVFIO_OBJ_IFD_DEVICE);

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct pvfio_ifd_idev, obj);
}

/*
 * An automatic mock page table already on @ioas, held long-term: as in
 * iommufd, mock devices attached to one IOAS share it.
 */
static struct pvfio_hwpt *pvfio_ifd_find_auto(struct pvfio_ioas *ioas)
{
	struct pvfio_hwpt *found = NULL;
	struct pvfio_domain *dom;

	down_read(&ioas->iopt.iova_rwsem);
	list_for_each_entry(dom, &ioas->iopt.domains, item) {
		if (dom->hwpt && dom->hwpt->auto_domain && dom->mock &&
		    dom->mock->shift == PVFIO_IFD_MOCK_SHIFT &&
		    pvfio_object_hold(&dom->hwpt->obj)) {
			found = dom->hwpt;
			break;
		}
	}
	up_read(&ioas->iopt.iova_rwsem);
	return found;
}

/* Let go of a page table the device is not (or no longer) on. */
static void pvfio_ifd_put_pt(struct pvfio_ctx *ctx, struct pvfio_hwpt *hwpt)
{
	if (hwpt->auto_domain)
		pvfio_object_unhold_remove(ctx, &hwpt->obj);
	else
		pvfio_object_unhold(&hwpt->obj);
}

/*
 * Attach @idev to @pt_id, or move it there from where it is (a replace:
 * on failure it stays where it was).  For an IOAS the device goes on its
 * automatic page table, made if there is none, as iommufd's auto domain;
 * a made one is published only once attached.  Page tables are let go of
 * after the locks are dropped: that may wait for their short-term users.
 */
static int pvfio_ifd_idev_attach(struct pvfio_ifd_idev *idev, u32 pt_id,
				 u32 *out_pt_id)
{
	struct pvfio_hwpt *hwpt, *old = NULL, *drop = NULL;
	struct pvfio_ctx *ctx = idev->ctx;
	struct pvfio_ioas *ioas = NULL;
	struct pvfio_object *obj;
	bool fresh = false;
	int ret = 0;

	obj = pvfio_object_get(ctx, pt_id, PVFIO_OBJ_ANY);
	if (IS_ERR(obj))
		return PTR_ERR(obj);

	mutex_lock(&idev->lock);
	switch (obj->type) {
	case PVFIO_OBJ_IOAS:
		ioas = container_of(obj, struct pvfio_ioas, obj);
		mutex_lock(&ioas->auto_lock);
		hwpt = pvfio_ifd_find_auto(ioas);
		if (hwpt)
			break;
		hwpt = pvfio_hwpt_alloc_mock(ctx, ioas, PVFIO_IFD_MOCK_SHIFT,
					     PVFIO_IFD_MOCK_APERTURE_START,
					     PVFIO_IFD_MOCK_APERTURE_LAST,
					     true);
		if (IS_ERR(hwpt)) {
			ret = PTR_ERR(hwpt);
			goto out_unlock;
		}
		fresh = true;
		break;
	case PVFIO_OBJ_HWPT:
		hwpt = container_of(obj, struct pvfio_hwpt, obj);
		/* As iommufd's mock: no dirty-tracking table without it. */
		if (!hwpt->dom.mock ||
		    (hwpt->dom.mock->dirty_ops &&
		     (idev->flags & PVFIO_IFD_MOCK_FLAGS_DEVICE_NO_DIRTY)))
			ret = -EINVAL;
		else if (!pvfio_object_hold(&hwpt->obj))
			ret = -ENOENT;
		if (ret)
			goto out_unlock;
		break;
	default:
		ret = -EINVAL;
		goto out_unlock;
	}

	if (idev->hwpt == hwpt) {
		/* Attached already: a no-op, as in iommufd. */
		drop = hwpt;
		goto out_done;
	}
	ret = pvfio_hwpt_attach_group(hwpt, NULL);
	if (ret) {
		if (fresh)
			pvfio_hwpt_abort(ctx, hwpt);
		else
			drop = hwpt;
		goto out_unlock;
	}
	if (fresh) {
		/* The device's hold, beside the table's. */
		WARN_ON(!pvfio_object_hold(&hwpt->obj));
		pvfio_object_finalize(ctx, &hwpt->obj);
	}
	old = idev->hwpt;
	idev->hwpt = hwpt;
	if (old)
		pvfio_hwpt_detach_group(old, NULL, false);
out_done:
	*out_pt_id = hwpt->obj.id;
out_unlock:
	if (ioas)
		mutex_unlock(&ioas->auto_lock);
	mutex_unlock(&idev->lock);
	if (drop)
		pvfio_ifd_put_pt(ctx, drop);
	if (old)
		pvfio_ifd_put_pt(ctx, old);
	pvfio_object_put(obj);
	return ret;
}

static void pvfio_ifd_idev_detach(struct pvfio_ifd_idev *idev)
{
	struct pvfio_hwpt *hwpt;

	mutex_lock(&idev->lock);
	hwpt = idev->hwpt;
	idev->hwpt = NULL;
	mutex_unlock(&idev->lock);
	if (hwpt) {
		pvfio_hwpt_detach_group(hwpt, NULL, false);
		pvfio_ifd_put_pt(idev->ctx, hwpt);
	}
}

void pvfio_ifd_idev_destroy(struct pvfio_object *obj)
{
	struct pvfio_ifd_idev *idev = container_of(obj, struct pvfio_ifd_idev,
						   obj);

	/* Its selftest object detached it before letting go. */
	WARN_ON(idev->hwpt);
	mutex_destroy(&idev->lock);
}

void pvfio_ifd_stdev_destroy(struct pvfio_object *obj)
{
	struct pvfio_ifd_stdev *stdev = container_of(obj,
						     struct pvfio_ifd_stdev,
						     obj);

	pvfio_ifd_idev_detach(stdev->idev);
	pvfio_object_unhold_remove(stdev->idev->ctx, &stdev->idev->obj);
}

static int pvfio_ifd_test_mock_domain(struct pvfio_ucmd *ucmd,
				      struct pvfio_ifd_test_cmd *cmd)
{
	const u32 valid = PVFIO_IFD_MOCK_FLAGS_DEVICE_NO_DIRTY |
			  PVFIO_IFD_MOCK_FLAGS_DEVICE_PASID;
	struct pvfio_ifd_stdev *stdev;
	struct pvfio_ifd_idev *idev;
	struct pvfio_object *obj;
	u32 flags = 0, pt_id;
	int ret, i;

	if (cmd->op == PVFIO_IFD_TEST_OP_MOCK_DOMAIN_FLAGS)
		flags = cmd->mock_domain_flags.dev_flags;
	if (flags & ~valid)
		return -EINVAL;

	obj = pvfio_object_alloc(ucmd->ctx, sizeof(*stdev),
				 PVFIO_OBJ_IFD_SELFTEST);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	stdev = container_of(obj, struct pvfio_ifd_stdev, obj);

	obj = pvfio_object_alloc(ucmd->ctx, sizeof(*idev),
				 PVFIO_OBJ_IFD_DEVICE);
	if (IS_ERR(obj)) {
		ret = PTR_ERR(obj);
		goto err_abort_stdev;
	}
	idev = container_of(obj, struct pvfio_ifd_idev, obj);
	idev->ctx = ucmd->ctx;
	idev->flags = flags;
	mutex_init(&idev->lock);
	for (i = 0; i < PVFIO_IFD_MOCK_DEV_CACHE_NUM; i++)
		idev->cache[i] = PVFIO_IFD_TEST_DEV_CACHE_DEFAULT;

	ret = pvfio_ifd_idev_attach(idev, cmd->id, &pt_id);
	if (ret)
		goto err_abort_idev;

	cmd->mock_domain.out_stdev_id = stdev->obj.id;
	cmd->mock_domain.out_hwpt_id = pt_id;
	cmd->mock_domain.out_idev_id = idev->obj.id;
	ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		goto err_detach;

	/* The selftest object's hold keeps DESTROY off the device. */
	WARN_ON(!pvfio_object_hold(&idev->obj));
	stdev->idev = idev;
	pvfio_object_finalize(ucmd->ctx, &idev->obj);
	pvfio_object_finalize(ucmd->ctx, &stdev->obj);
	return 0;

err_detach:
	pvfio_ifd_idev_detach(idev);
err_abort_idev:
	mutex_destroy(&idev->lock);
	pvfio_object_abort(ucmd->ctx, &idev->obj);
err_abort_stdev:
	pvfio_object_abort(ucmd->ctx, &stdev->obj);
	return ret;
}

static int pvfio_ifd_test_mock_domain_replace(struct pvfio_ucmd *ucmd,
					      struct pvfio_ifd_test_cmd *cmd)
{
	struct pvfio_ifd_stdev *stdev;
	struct pvfio_object *obj;
	u32 pt_id;
	int ret;

	obj = pvfio_object_get(ucmd->ctx, cmd->id, PVFIO_OBJ_IFD_SELFTEST);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	stdev = container_of(obj, struct pvfio_ifd_stdev, obj);
	ret = pvfio_ifd_idev_attach(stdev->idev,
				    cmd->mock_domain_replace.pt_id, &pt_id);
	if (!ret) {
		cmd->mock_domain_replace.pt_id = pt_id;
		ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
	}
	pvfio_object_put(obj);
	return ret;
}

/**
 * pvfio_ifd_hwpt_alloc() - IOMMU_HWPT_ALLOC: a paging mock page table
 * @ucmd: the command
 *
 * Only paging page tables for mock devices.  NEST_PARENT is accepted (the
 * page table is an ordinary paging one), but nesting itself (a page table
 * or a vIOMMU as @pt_id) and the other flags (fault queue, PASID) are not
 * provided (-EOPNOTSUPP).  DIRTY_TRACKING makes a mock page table with
 * dirty bits, refused (-EOPNOTSUPP) to a NO_DIRTY device.  The selftest
 * data type chooses the mock's page-table type.  As iommufd's, the table
 * is filled from the IOAS now, before any device attaches: that is its
 * own attachment, undone when it is destroyed.
 *
 * Return: 0 or an errno as iommufd gives it.
 */
int pvfio_ifd_hwpt_alloc(struct pvfio_ucmd *ucmd)
{
	struct pvfio_ifd_hwpt_alloc *cmd = ucmd->cmd;
	struct pvfio_ifd_hwpt_selftest cfg = {};
	unsigned int shift = PVFIO_IFD_MOCK_SHIFT;
	unsigned long ap_start = PVFIO_IFD_MOCK_APERTURE_START;
	unsigned long ap_last = PVFIO_IFD_MOCK_APERTURE_LAST;
	unsigned int huge_shift = 0;
	struct pvfio_ifd_idev *idev;
	struct pvfio_object *pt;
	struct pvfio_hwpt *hwpt;
	int ret;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if ((cmd->data_type == PVFIO_IFD_HWPT_DATA_NONE && cmd->data_len) ||
	    (cmd->data_type != PVFIO_IFD_HWPT_DATA_NONE && !cmd->data_len))
		return -EINVAL;

	idev = pvfio_ifd_get_idev(ucmd->ctx, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	pt = pvfio_object_get(ucmd->ctx, cmd->pt_id, PVFIO_OBJ_ANY);
	if (IS_ERR(pt)) {
		ret = -EINVAL;
		goto out_put_idev;
	}
	if (pt->type == PVFIO_OBJ_HWPT) {
		ret = -EOPNOTSUPP;	/* nesting */
		goto out_put_pt;
	}
	if (pt->type != PVFIO_OBJ_IOAS) {
		ret = -EINVAL;
		goto out_put_pt;
	}
	if ((cmd->flags & ~(PVFIO_IFD_HWPT_ALLOC_NEST_PARENT |
			    PVFIO_IFD_HWPT_ALLOC_DIRTY_TRACKING)) ||
	    ((cmd->flags & PVFIO_IFD_HWPT_ALLOC_DIRTY_TRACKING) &&
	     (idev->flags & PVFIO_IFD_MOCK_FLAGS_DEVICE_NO_DIRTY))) {
		ret = -EOPNOTSUPP;
		goto out_put_pt;
	}
	if (cmd->data_type == PVFIO_IFD_HWPT_DATA_SELFTEST) {
		if (cmd->data_len < offsetofend(typeof(cfg), iotlb)) {
			ret = -EINVAL;
			goto out_put_pt;
		}
		ret = copy_struct_from_user(&cfg, sizeof(cfg),
					    u64_to_user_ptr(cmd->data_uptr),
					    cmd->data_len);
		if (ret)
			goto out_put_pt;
	} else if (cmd->data_type != PVFIO_IFD_HWPT_DATA_NONE) {
		ret = -EOPNOTSUPP;
		goto out_put_pt;
	}
	switch (cfg.pagetable_type) {
	case PVFIO_IFD_MOCK_IOMMUPT_DEFAULT:
		break;
	case PVFIO_IFD_MOCK_IOMMUPT_HUGE:
		shift = PAGE_SHIFT;
		huge_shift = ilog2(PVFIO_IFD_MOCK_HUGE_PAGE_SIZE);
		ap_start = 0;
		ap_last = min_t(u64, PVFIO_IFD_MOCK_HUGE_LAST, ULONG_MAX);
		break;
	default:
		ret = -EOPNOTSUPP;
		goto out_put_pt;
	}

	hwpt = pvfio_hwpt_alloc_mock(ucmd->ctx,
				     container_of(pt, struct pvfio_ioas, obj),
				     shift, ap_start, ap_last, false);
	if (IS_ERR(hwpt)) {
		ret = PTR_ERR(hwpt);
		goto out_put_pt;
	}
	hwpt->dom.mock->huge_shift = huge_shift;
	hwpt->dom.mock->dirty_ops =
		cmd->flags & PVFIO_IFD_HWPT_ALLOC_DIRTY_TRACKING;
	ret = pvfio_hwpt_attach_group(hwpt, NULL);
	if (ret)
		goto err_abort;
	cmd->out_hwpt_id = hwpt->obj.id;
	ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		goto err_abort;
	pvfio_object_finalize(ucmd->ctx, &hwpt->obj);
	goto out_put_pt;

err_abort:
	pvfio_hwpt_abort(ucmd->ctx, hwpt);
out_put_pt:
	pvfio_object_put(pt);
out_put_idev:
	pvfio_object_put(&idev->obj);
	return ret;
}

/**
 * pvfio_ifd_get_hw_info() - IOMMU_GET_HW_INFO of a mock device
 * @ucmd: the command
 *
 * Reports the selftest type and register, as iommufd's mock does, and the
 * capabilities PCI_ATS_NOT_SUPPORTED (a mock has no ATS) and, unless the
 * device is NO_DIRTY, DIRTY_TRACKING.  PASID is not provided
 * (max_pasid_log2 0).
 *
 * Return: 0 or an errno as iommufd gives it.
 */
int pvfio_ifd_get_hw_info(struct pvfio_ucmd *ucmd)
{
	struct pvfio_ifd_hw_info *cmd = ucmd->cmd;
	struct pvfio_ifd_test_hw_info info = {
		.test_reg = PVFIO_IFD_HW_INFO_SELFTEST_REGVAL,
	};
	void __user *uptr = u64_to_user_ptr(cmd->data_uptr);
	struct pvfio_ifd_idev *idev;
	unsigned int len;
	int ret = 0;

	if (cmd->flags & ~PVFIO_IFD_HW_INFO_FLAG_INPUT_TYPE)
		return -EOPNOTSUPP;
	if (cmd->__reserved[0] || cmd->__reserved[1] || cmd->__reserved[2])
		return -EOPNOTSUPP;
	if (!(cmd->flags & PVFIO_IFD_HW_INFO_FLAG_INPUT_TYPE))
		cmd->in_data_type = PVFIO_IFD_HW_INFO_TYPE_DEFAULT;

	idev = pvfio_ifd_get_idev(ucmd->ctx, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	if (cmd->in_data_type != PVFIO_IFD_HW_INFO_TYPE_DEFAULT &&
	    cmd->in_data_type != PVFIO_IFD_HW_INFO_TYPE_SELFTEST) {
		ret = -EOPNOTSUPP;
		goto out_put;
	}
	len = min_t(u32, cmd->data_len, sizeof(info));
	if (pvfio_copy_to_user(uptr, &info, len) ||
	    (cmd->data_len > len &&
	     clear_user(uptr + len, cmd->data_len - len))) {
		ret = -EFAULT;
		goto out_put;
	}
	cmd->data_len = sizeof(info);
	cmd->out_data_type = PVFIO_IFD_HW_INFO_TYPE_SELFTEST;
	cmd->out_max_pasid_log2 = 0;
	cmd->out_capabilities = PVFIO_IFD_HW_CAP_PCI_ATS_NOT_SUPPORTED;
	if (!(idev->flags & PVFIO_IFD_MOCK_FLAGS_DEVICE_NO_DIRTY))
		cmd->out_capabilities |= PVFIO_IFD_HW_CAP_DIRTY_TRACKING;
	ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	pvfio_object_put(&idev->obj);
	return ret;
}

/*
 * Dirty tracking of mock page tables.  The node has no real page table (it
 * cannot bind a real device), so only a mock made with DIRTY_TRACKING
 * tracks; any other page table answers -EOPNOTSUPP.
 */

static struct pvfio_hwpt *pvfio_ifd_get_hwpt(struct pvfio_ctx *ctx, u32 id)
{
	struct pvfio_object *obj = pvfio_object_get(ctx, id, PVFIO_OBJ_HWPT);

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct pvfio_hwpt, obj);
}

/**
 * pvfio_ifd_hwpt_set_dirty_tracking() - IOMMU_HWPT_SET_DIRTY_TRACKING
 * @ucmd: the command
 *
 * Enabling clears every dirty bit of the page table first (a clean
 * snapshot), as iommufd does, even when tracking was on already.
 *
 * Return: 0 or an errno as iommufd gives it.
 */
int pvfio_ifd_hwpt_set_dirty_tracking(struct pvfio_ucmd *ucmd)
{
	struct pvfio_ifd_hwpt_set_dirty_tracking *cmd = ucmd->cmd;
	bool enable = cmd->flags & PVFIO_IFD_HWPT_DIRTY_TRACKING_ENABLE;
	struct pvfio_mock_domain *mock;
	struct pvfio_hwpt *hwpt;

	/* iommufd does not look at @__reserved here. */
	if (cmd->flags & ~PVFIO_IFD_HWPT_DIRTY_TRACKING_ENABLE)
		return -EOPNOTSUPP;
	hwpt = pvfio_ifd_get_hwpt(ucmd->ctx, cmd->hwpt_id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	mock = hwpt->dom.mock;
	if (!mock || !mock->dirty_ops) {
		pvfio_object_put(&hwpt->obj);
		return -EOPNOTSUPP;
	}
	if (enable)
		pvfio_mock_clear_dirty(mock);
	WRITE_ONCE(mock->dirty_tracking, enable);
	pvfio_object_put(&hwpt->obj);
	return 0;
}

/* iommufd's checks of GET_DIRTY_BITMAP's range, in its order and errnos. */
static int pvfio_ifd_check_iova_range(struct pvfio_iopt *iopt,
				      struct pvfio_ifd_hwpt_get_dirty_bitmap *cmd)
{
	unsigned long align;
	u64 last;

	if (check_add_overflow(cmd->iova, cmd->length - 1, &last))
		return -EOVERFLOW;
	if (cmd->iova > ULONG_MAX || last > ULONG_MAX)
		return -EOVERFLOW;
	down_read(&iopt->iova_rwsem);
	align = iopt->iova_alignment;
	up_read(&iopt->iova_rwsem);
	if ((cmd->iova | (last + 1)) & (align - 1))
		return -EINVAL;
	if (!cmd->page_size)
		return -EINVAL;
	if ((cmd->iova | (last + 1)) & (cmd->page_size - 1))
		return -EINVAL;
	return 0;
}

/**
 * pvfio_ifd_hwpt_get_dirty_bitmap() - IOMMU_HWPT_GET_DIRTY_BITMAP
 * @ucmd: the command
 *
 * Sets the bits of the dirty IOPTEs in the user's bitmap (set only: bits
 * already set stay), one page of bits at a time, and clears the IOPTEs
 * unless NO_CLEAR.  @page_size may be smaller than the mock's IO page (a
 * dirty IO page then sets several bits), as in iommufd, but must be a
 * power of two.  Unlike iommufd, which ignores what its walk returns, a
 * read while tracking is off fails (-EINVAL, what iommufd's mock answers
 * its core) and so does a bitmap pvfio cannot write (-EFAULT, before the
 * chunk it cannot hold clears anything: its part of the bitmap is pinned
 * first).
 *
 * Return: 0 or an errno.
 */
int pvfio_ifd_hwpt_get_dirty_bitmap(struct pvfio_ucmd *ucmd)
{
	struct pvfio_ifd_hwpt_get_dirty_bitmap *cmd = ucmd->cmd;
	bool clear = !(cmd->flags & PVFIO_IFD_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
	struct pvfio_mock_domain *mock;
	struct pvfio_hwpt *hwpt;
	struct pvfio_bitmap bm;
	int ret;

	if ((cmd->flags & ~PVFIO_IFD_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	hwpt = pvfio_ifd_get_hwpt(ucmd->ctx, cmd->hwpt_id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	ret = pvfio_ifd_check_iova_range(&hwpt->ioas->iopt, cmd);
	if (ret)
		goto out_put;
	mock = hwpt->dom.mock;
	if (!mock || !mock->dirty_ops) {
		ret = -EOPNOTSUPP;
		goto out_put;
	}
	if (!READ_ONCE(mock->dirty_tracking)) {
		ret = -EINVAL;
		goto out_put;
	}
	ret = pvfio_bitmap_init(&bm, cmd->data, cmd->iova, cmd->length,
				cmd->page_size, 1);
	if (ret)
		goto out_put;
	while (pvfio_bitmap_next_chunk(&bm)) {
		unsigned long index = bm.chunk_iova >> mock->shift;

		/* Nothing mapped from here to the end: no bit to set. */
		if (!xa_find(&mock->pfns, &index, bm.last >> mock->shift,
			     XA_PRESENT))
			break;
		/* Nothing mapped before the next entry: jump to it. */
		if ((index << mock->shift) > bm.chunk_last) {
			pvfio_bitmap_skip_to(&bm, index << mock->shift, false);
			continue;
		}
		/* Its part of the bitmap first: what is cleared then arrives. */
		ret = pvfio_bitmap_pin(&bm);
		if (ret)
			break;
		pvfio_mock_read_dirty(mock, &bm, clear);
		pvfio_bitmap_flush(&bm);
		pvfio_bitmap_unpin(&bm);
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	pvfio_bitmap_destroy(&bm);
out_put:
	pvfio_object_put(&hwpt->obj);
	return ret;
}

/* Bits of the user bitmap TEST_OP_DIRTY reads at a time: one page. */
#define PVFIO_IFD_DIRTY_CHUNK_BITS	(PAGE_SIZE * BITS_PER_BYTE)

/*
 * TEST_OP_DIRTY: a device writes the pages of @page_size whose bits the
 * user's bitmap sets, as iommufd's mock: each marks the IOPTE mapping its
 * first byte dirty; only mapped ones count in @out_nr_dirty.  Tracking
 * must be on.  The bitmap is read a page at a time.
 */
static int pvfio_ifd_test_dirty(struct pvfio_ucmd *ucmd,
				struct pvfio_ifd_test_cmd *cmd)
{
	void __user *uptr = u64_to_user_ptr(cmd->dirty.uptr);
	u64 iova = cmd->dirty.iova, length = cmd->dirty.length;
	u64 page_size = cmd->dirty.page_size;
	unsigned long nbits, done, bits, bit;
	struct pvfio_mock_domain *mock;
	struct pvfio_hwpt *hwpt;
	unsigned long *buf;
	u64 last, count = 0;
	int ret = 0;

	if (!page_size || !length || !uptr ||
	    iova % page_size || length % page_size)
		return -EINVAL;
	if (length / page_size > SZ_16M * BITS_PER_BYTE)
		return -EOVERFLOW;
	if (check_add_overflow(iova, length - 1, &last) || last > ULONG_MAX)
		return -EOVERFLOW;
	nbits = length / page_size;

	hwpt = pvfio_ifd_get_hwpt(ucmd->ctx, cmd->id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	mock = hwpt->dom.mock;
	if (!mock || !READ_ONCE(mock->dirty_tracking)) {
		ret = -EINVAL;
		goto out_put;
	}
	buf = pvfio_kzalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	if (!buf) {
		ret = -ENOMEM;
		goto out_put;
	}
	for (done = 0; done < nbits; done += bits) {
		bits = min(nbits - done, PVFIO_IFD_DIRTY_CHUNK_BITS);
		memset(buf, 0, PAGE_SIZE);
		if (pvfio_copy_from_user(buf, uptr + done / BITS_PER_BYTE,
					 DIV_ROUND_UP(bits, BITS_PER_BYTE))) {
			ret = -EFAULT;
			goto out_free;
		}
		for_each_set_bit(bit, buf, bits)
			count += pvfio_mock_set_dirty(mock, iova +
						      (done + bit) * page_size);
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out_free;
		}
		cond_resched();
	}
	cmd->dirty.out_nr_dirty = count;
	ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
out_free:
	kfree(buf);
out_put:
	pvfio_object_put(&hwpt->obj);
	return ret;
}

/*
 * Accesses: each in an anonymous file whose descriptor the test ops name,
 * pinned ranges kept as items the unmap callback finds.
 */

/**
 * struct pvfio_ifd_staccess - an access of the test interface
 * @access: the access (pvfio's in-kernel API)
 * @ctx: its context, whose file it holds
 * @file: the file it lives in
 * @lock: protects @items and @next_id; held across a pin and its recording
 * @items: struct pvfio_ifd_staccess_item
 * @next_id: the next item's ID
 * @pin: created with NEEDS_PIN_PAGES: may pin
 */
struct pvfio_ifd_staccess {
	struct pvfio_access *access;
	struct pvfio_ctx *ctx;
	struct file *file;
	struct mutex lock;	/* protects @items, @next_id */
	struct list_head items;
	unsigned int next_id;
	bool pin;
};

struct pvfio_ifd_staccess_item {
	struct list_head item;
	unsigned long iova;
	unsigned long length;
	unsigned int id;
};

static const struct file_operations pvfio_ifd_staccess_fops;

static struct pvfio_ifd_staccess *pvfio_ifd_staccess_get(int fd)
{
	struct file *file = fget(fd);

	if (!file)
		return ERR_PTR(-EBADFD);
	if (file->f_op != &pvfio_ifd_staccess_fops) {
		fput(file);
		return ERR_PTR(-EBADFD);
	}
	return file->private_data;
}

static void pvfio_ifd_staccess_unmap(void *data, unsigned long iova,
				     unsigned long length)
{
	struct pvfio_ifd_staccess *sa = data;
	struct pvfio_ifd_staccess_item *it, *tmp;
	unsigned long last = iova + length - 1;

	if (length > ULONG_MAX - iova)
		last = ULONG_MAX;
	mutex_lock(&sa->lock);
	list_for_each_entry_safe(it, tmp, &sa->items, item) {
		if (iova > it->iova + it->length - 1 || last < it->iova)
			continue;
		list_del(&it->item);
		pvfio_access_unpin_pages(sa->access, it->iova, it->length);
		kfree(it);
	}
	mutex_unlock(&sa->lock);
}

static const struct pvfio_access_ops pvfio_ifd_staccess_ops = {
	.unmap = pvfio_ifd_staccess_unmap,
};

static int pvfio_ifd_staccess_release(struct inode *inode, struct file *file)
{
	struct pvfio_ifd_staccess *sa = file->private_data;

	if (sa->access) {
		pvfio_ifd_staccess_unmap(sa, 0, ULONG_MAX);
		pvfio_access_destroy(sa->access);
		pvfio_ctx_put(sa->ctx);
	}
	mutex_destroy(&sa->lock);
	kfree(sa);
	return 0;
}

static const struct file_operations pvfio_ifd_staccess_fops = {
	.owner = THIS_MODULE,
	.release = pvfio_ifd_staccess_release,
};

static int pvfio_ifd_test_create_access(struct pvfio_ucmd *ucmd,
					struct pvfio_ifd_test_cmd *cmd)
{
	u32 flags = cmd->create_access.flags;
	struct pvfio_ifd_staccess *sa;
	struct pvfio_access *access;
	struct file *file;
	int fd, ret;

	if (flags & ~PVFIO_IFD_MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)
		return -EOPNOTSUPP;

	sa = pvfio_kzalloc(sizeof(*sa), GFP_KERNEL_ACCOUNT);
	if (!sa)
		return -ENOMEM;
	mutex_init(&sa->lock);
	INIT_LIST_HEAD(&sa->items);
	sa->pin = flags & PVFIO_IFD_MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES;
	file = anon_inode_getfile("[pvfio-ifd-staccess]",
				  &pvfio_ifd_staccess_fops, sa, O_RDWR);
	if (IS_ERR(file)) {
		mutex_destroy(&sa->lock);
		kfree(sa);
		return PTR_ERR(file);
	}
	sa->file = file;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_fput;
	}
	/* As iommufd: an access that only copies needs no alignment. */
	access = pvfio_access_create(ucmd->ctx, &pvfio_ifd_staccess_ops, sa,
				     sa->pin ? PAGE_SIZE : 1);
	if (IS_ERR(access)) {
		ret = PTR_ERR(access);
		goto err_put_fd;
	}
	ret = pvfio_access_attach(access, cmd->id);
	if (ret)
		goto err_destroy;
	cmd->create_access.out_access_fd = fd;
	ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		goto err_destroy;

	/* The access keeps its context: closing the iommufd waits for it. */
	get_file(ucmd->ctx->file);
	sa->ctx = ucmd->ctx;
	sa->access = access;
	fd_install(fd, file);
	return 0;

err_destroy:
	pvfio_access_destroy(access);
err_put_fd:
	put_unused_fd(fd);
err_fput:
	fput(file);
	return ret;
}

/* The most an ACCESS_PAGES or ACCESS_RW may cover, as iommufd's. */
#define PVFIO_IFD_ACCESS_MAX	SZ_16M

static int pvfio_ifd_check_pages(unsigned long uptr, struct page **pages,
				 unsigned long npages)
{
	struct page *page;
	unsigned long i;
	long n;

	for (i = 0; i < npages; i++, uptr += PAGE_SIZE) {
		n = get_user_pages_fast(uptr, 1, 0, &page);
		if (n < 0)
			return n;
		if (n != 1)
			return -EFAULT;
		put_page(page);
		if (page != pages[i])
			return -EBADE;
	}
	return 0;
}

static int pvfio_ifd_test_access_pages(struct pvfio_ucmd *ucmd,
				       struct pvfio_ifd_test_cmd *cmd)
{
	unsigned long iova = cmd->access_pages.iova;
	unsigned long length = cmd->access_pages.length;
	unsigned long uptr = cmd->access_pages.uptr;
	u32 flags = cmd->access_pages.flags;
	struct pvfio_ifd_staccess_item *it;
	struct pvfio_ifd_staccess *sa;
	struct page **pages;
	unsigned long npages, last;
	int ret;

	if (cmd->access_pages.length > PVFIO_IFD_ACCESS_MAX)
		return -ENOMEM;
	/* syzkaller's IOVA translation (ACCESS_SYZ) is not provided. */
	if (flags & ~PVFIO_IFD_MOCK_FLAGS_ACCESS_WRITE)
		return -EOPNOTSUPP;
	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;

	sa = pvfio_ifd_staccess_get(cmd->id);
	if (IS_ERR(sa))
		return PTR_ERR(sa);
	if (!sa->pin) {
		ret = -EOPNOTSUPP;
		goto out_put;
	}
	npages = ((last >> PAGE_SHIFT) - (iova >> PAGE_SHIFT)) + 1;
	pages = pvfio_kvcalloc(npages, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages) {
		ret = -ENOMEM;
		goto out_put;
	}
	it = pvfio_kzalloc(sizeof(*it), GFP_KERNEL_ACCOUNT);
	if (!it) {
		ret = -ENOMEM;
		goto out_free_pages;
	}

	mutex_lock(&sa->lock);
	ret = pvfio_access_pin_pages(sa->access, iova, length, pages,
				     flags & PVFIO_IFD_MOCK_FLAGS_ACCESS_WRITE ?
				     PVFIO_ACCESS_WRITE : 0);
	if (ret)
		goto err_unlock;
	if (uptr) {
		ret = pvfio_ifd_check_pages(uptr - (iova & ~PAGE_MASK), pages,
					    npages);
		if (ret)
			goto err_unpin;
	}
	it->iova = iova;
	it->length = length;
	it->id = sa->next_id++;
	cmd->access_pages.out_access_pages_id = it->id;
	ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		goto err_unpin;
	list_add_tail(&it->item, &sa->items);
	mutex_unlock(&sa->lock);
	kvfree(pages);
	fput(sa->file);
	return 0;

err_unpin:
	pvfio_access_unpin_pages(sa->access, iova, length);
err_unlock:
	mutex_unlock(&sa->lock);
	kfree(it);
out_free_pages:
	kvfree(pages);
out_put:
	fput(sa->file);
	return ret;
}

static int pvfio_ifd_test_destroy_access_pages(struct pvfio_ifd_test_cmd *cmd)
{
	struct pvfio_ifd_staccess_item *it;
	struct pvfio_ifd_staccess *sa;
	int ret = -ENOENT;

	sa = pvfio_ifd_staccess_get(cmd->id);
	if (IS_ERR(sa))
		return PTR_ERR(sa);
	mutex_lock(&sa->lock);
	list_for_each_entry(it, &sa->items, item) {
		if (it->id != cmd->destroy_access_pages.access_pages_id)
			continue;
		list_del(&it->item);
		pvfio_access_unpin_pages(sa->access, it->iova, it->length);
		kfree(it);
		ret = 0;
		break;
	}
	mutex_unlock(&sa->lock);
	fput(sa->file);
	return ret;
}

static int pvfio_ifd_test_access_rw(struct pvfio_ifd_test_cmd *cmd)
{
	void __user *ubuf = u64_to_user_ptr(cmd->access_rw.uptr);
	unsigned long length = cmd->access_rw.length;
	u32 flags = cmd->access_rw.flags;
	bool write = flags & PVFIO_IFD_MOCK_ACCESS_RW_WRITE;
	struct pvfio_ifd_staccess *sa;
	void *tmp;
	int ret;

	if (cmd->access_rw.length > PVFIO_IFD_ACCESS_MAX)
		return -ENOMEM;
	/* pvfio has one copy path: SLOW_PATH changes nothing. */
	if (flags & ~(PVFIO_IFD_MOCK_ACCESS_RW_WRITE |
		      PVFIO_IFD_MOCK_ACCESS_RW_SLOW_PATH))
		return -EOPNOTSUPP;

	sa = pvfio_ifd_staccess_get(cmd->id);
	if (IS_ERR(sa))
		return PTR_ERR(sa);
	tmp = pvfio_kvmalloc(max(length, 1UL), GFP_KERNEL_ACCOUNT);
	if (!tmp) {
		ret = -ENOMEM;
		goto out_put;
	}
	if (write && pvfio_copy_from_user(tmp, ubuf, length)) {
		ret = -EFAULT;
		goto out_free;
	}
	ret = pvfio_access_rw(sa->access, cmd->access_rw.iova, tmp, length,
			      write ? PVFIO_ACCESS_WRITE : 0);
	if (!ret && !write && pvfio_copy_to_user(ubuf, tmp, length))
		ret = -EFAULT;
out_free:
	kvfree(tmp);
out_put:
	fput(sa->file);
	return ret;
}

static int pvfio_ifd_test_access_replace_ioas(struct pvfio_ifd_test_cmd *cmd)
{
	struct pvfio_ifd_staccess *sa;
	int ret;

	sa = pvfio_ifd_staccess_get(cmd->id);
	if (IS_ERR(sa))
		return PTR_ERR(sa);
	ret = pvfio_access_replace(sa->access,
				   cmd->access_replace_ioas.ioas_id);
	fput(sa->file);
	return ret;
}

/*
 * Checks of what the mock page tables and the pages hold.
 */

static int pvfio_ifd_test_md_check_map(struct pvfio_ucmd *ucmd,
				       struct pvfio_ifd_test_cmd *cmd)
{
	unsigned long iova = cmd->check_map.iova;
	unsigned long length = cmd->check_map.length;
	unsigned long uptr = cmd->check_map.uptr;
	struct pvfio_mock_domain *mock;
	struct pvfio_object *obj;
	struct pvfio_hwpt *hwpt;
	unsigned long psize, end, pfn;
	struct page *page;
	phys_addr_t phys;
	long n;
	int ret = 0;

	obj = pvfio_object_get(ucmd->ctx, cmd->id, PVFIO_OBJ_HWPT);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	hwpt = container_of(obj, struct pvfio_hwpt, obj);
	mock = hwpt->dom.mock;
	if (!mock) {
		ret = -EINVAL;
		goto out_put;
	}
	psize = BIT(mock->shift);
	if ((iova | length | uptr) & (psize - 1) ||
	    check_add_overflow(uptr, length, &end)) {
		ret = -EINVAL;
		goto out_put;
	}
	for (; length; length -= psize, iova += psize, uptr += psize) {
		n = get_user_pages_fast(uptr & PAGE_MASK, 1, 0, &page);
		if (n < 0) {
			ret = n;
			break;
		}
		if (n != 1) {
			ret = -EFAULT;
			break;
		}
		pfn = page_to_pfn(page);
		put_page(page);
		if (!pvfio_mock_lookup(mock, iova, &phys) ||
		    phys != PFN_PHYS(pfn) + (uptr & ~PAGE_MASK)) {
			ret = -EINVAL;
			break;
		}
		cond_resched();
	}
out_put:
	pvfio_object_put(obj);
	return ret;
}

static int pvfio_ifd_test_md_check_refs(struct pvfio_ifd_test_cmd *cmd)
{
	unsigned long uptr = cmd->check_refs.uptr;
	unsigned long length = cmd->check_refs.length;
	struct page *page;
	unsigned long end;
	long n;

	if ((uptr | length) & ~PAGE_MASK ||
	    check_add_overflow(uptr, length, &end))
		return -EINVAL;
	for (; length; length -= PAGE_SIZE, uptr += PAGE_SIZE) {
		n = get_user_pages_fast(uptr, 1, 0, &page);
		if (n < 0)
			return n;
		if (n != 1)
			return -EFAULT;
		/* A compound page's count is its head's: not per page. */
		if (!PageCompound(page) &&
		    page_ref_count(page) / GUP_PIN_COUNTING_BIAS !=
		    cmd->check_refs.refs) {
			put_page(page);
			return -EIO;
		}
		put_page(page);
		cond_resched();
	}
	return 0;
}

static int pvfio_ifd_test_dev_check_cache(struct pvfio_ucmd *ucmd,
					  struct pvfio_ifd_test_cmd *cmd)
{
	u32 cache_id = cmd->check_dev_cache.id;
	struct pvfio_ifd_idev *idev;
	int ret = 0;

	idev = pvfio_ifd_get_idev(ucmd->ctx, cmd->id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	if (cache_id > PVFIO_IFD_MOCK_DEV_CACHE_ID_MAX ||
	    idev->cache[cache_id] != cmd->check_dev_cache.cache)
		ret = -EINVAL;
	pvfio_object_put(&idev->obj);
	return ret;
}

static int pvfio_ifd_test_add_reserved(struct pvfio_ucmd *ucmd,
				       struct pvfio_ifd_test_cmd *cmd)
{
	u64 start = cmd->add_reserved.start, length = cmd->add_reserved.length;
	struct pvfio_ioas *ioas;
	u64 last;
	int ret;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(start, length - 1, &last) || last > ULONG_MAX)
		return -EOVERFLOW;
	ioas = pvfio_get_ioas(ucmd->ctx, cmd->id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	ret = pvfio_iopt_reserve(&ioas->iopt, start, last, NULL);
	pvfio_object_put(&ioas->obj);
	return ret;
}

/**
 * pvfio_ifd_test() - IOMMU_TEST_CMD (enable_test_ops=1)
 * @ucmd: the command
 *
 * The operations of iommufd's selftest that need no IOMMU-driver support;
 * the others (nesting, IOTLB and vIOMMU checks, IOPF and vEVENT triggers,
 * PASID, dma-buf) answer -EOPNOTSUPP.
 *
 * Return: the operation's result.
 */
int pvfio_ifd_test(struct pvfio_ucmd *ucmd)
{
	struct pvfio_ifd_test_cmd *cmd = ucmd->cmd;

	switch (cmd->op) {
	case PVFIO_IFD_TEST_OP_ADD_RESERVED:
		return pvfio_ifd_test_add_reserved(ucmd, cmd);
	case PVFIO_IFD_TEST_OP_MOCK_DOMAIN:
	case PVFIO_IFD_TEST_OP_MOCK_DOMAIN_FLAGS:
		return pvfio_ifd_test_mock_domain(ucmd, cmd);
	case PVFIO_IFD_TEST_OP_MOCK_DOMAIN_REPLACE:
		return pvfio_ifd_test_mock_domain_replace(ucmd, cmd);
	case PVFIO_IFD_TEST_OP_MD_CHECK_MAP:
		return pvfio_ifd_test_md_check_map(ucmd, cmd);
	case PVFIO_IFD_TEST_OP_MD_CHECK_REFS:
		return pvfio_ifd_test_md_check_refs(cmd);
	case PVFIO_IFD_TEST_OP_DEV_CHECK_CACHE:
		return pvfio_ifd_test_dev_check_cache(ucmd, cmd);
	case PVFIO_IFD_TEST_OP_CREATE_ACCESS:
		return pvfio_ifd_test_create_access(ucmd, cmd);
	case PVFIO_IFD_TEST_OP_ACCESS_PAGES:
		return pvfio_ifd_test_access_pages(ucmd, cmd);
	case PVFIO_IFD_TEST_OP_DESTROY_ACCESS_PAGES:
		return pvfio_ifd_test_destroy_access_pages(cmd);
	case PVFIO_IFD_TEST_OP_ACCESS_RW:
		return pvfio_ifd_test_access_rw(cmd);
	case PVFIO_IFD_TEST_OP_ACCESS_REPLACE_IOAS:
		return pvfio_ifd_test_access_replace_ioas(cmd);
	case PVFIO_IFD_TEST_OP_DIRTY:
		return pvfio_ifd_test_dirty(ucmd, cmd);
	case PVFIO_IFD_TEST_OP_SET_TEMP_MEMORY_LIMIT:
		pvfio_set_temp_memory_limit(cmd->memory_limit.limit);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}
