// SPDX-License-Identifier: GPL-2.0
/*
 * HW page table objects: a real iommu_domain kept filled from an IOAS.
 */
#include <linux/iommu.h>

#include "pvfio_private.h"

/**
 * pvfio_hwpt_alloc() - allocate a page table for a device, filled from an IOAS
 * @ctx: the context
 * @ioas: the IOAS, held by the caller; the page table takes its own hold
 * @dev: the device the domain must suit
 * @auto_domain: created by DEVICE_ATTACH, dies with its last device
 *
 * The domain is empty: the first DEVICE_ATTACH attaches it and then fills
 * it from @ioas.  The object is not published: the caller finalizes it, or
 * destroys it with pvfio_hwpt_abort().
 *
 * Return: the page table or an ERR_PTR.
 */
struct pvfio_hwpt *pvfio_hwpt_alloc(struct pvfio_ctx *ctx,
				    struct pvfio_ioas *ioas,
				    struct device *dev, bool auto_domain)
{
	struct pvfio_object *obj;
	struct pvfio_hwpt *hwpt;
	int ret;

	obj = pvfio_object_alloc(ctx, sizeof(*hwpt), PVFIO_OBJ_HWPT);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	hwpt = container_of(obj, struct pvfio_hwpt, obj);
	hwpt->auto_domain = auto_domain;
	hwpt->dom.owner = hwpt;

	hwpt->dom.domain = iommu_paging_domain_alloc(dev);
	if (IS_ERR(hwpt->dom.domain)) {
		ret = PTR_ERR(hwpt->dom.domain);
		goto err_abort;
	}
	pvfio_object_hold(&ioas->obj);
	hwpt->ioas = ioas;
	return hwpt;

err_abort:
	pvfio_object_abort(ctx, obj);
	return ERR_PTR(ret);
}

static void pvfio_hwpt_release(struct pvfio_hwpt *hwpt)
{
	pvfio_iopt_remove_domain(&hwpt->ioas->iopt, &hwpt->dom);
	iommu_domain_free(hwpt->dom.domain);
	pvfio_object_put(&hwpt->ioas->obj);
}

/**
 * pvfio_hwpt_abort() - destroy a page table that was never published
 * @ctx: the context
 * @hwpt: from pvfio_hwpt_alloc(), attached to no device
 */
void pvfio_hwpt_abort(struct pvfio_ctx *ctx, struct pvfio_hwpt *hwpt)
{
	pvfio_hwpt_release(hwpt);
	pvfio_object_abort(ctx, &hwpt->obj);
}

void pvfio_hwpt_destroy(struct pvfio_object *obj)
{
	pvfio_hwpt_release(container_of(obj, struct pvfio_hwpt, obj));
}

int pvfio_hwpt_alloc_ioctl(struct pvfio_ucmd *ucmd)
{
	struct pvfio_hwpt_alloc *cmd = ucmd->cmd;
	struct pvfio_device *idev;
	struct pvfio_hwpt *hwpt;
	struct pvfio_ioas *ioas;
	int ret;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;

	idev = pvfio_get_device(ucmd->ctx, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	ioas = pvfio_get_ioas(ucmd->ctx, cmd->pt_id);
	if (IS_ERR(ioas)) {
		ret = PTR_ERR(ioas);
		goto out_put_idev;
	}

	hwpt = pvfio_device_hwpt_alloc(idev, ioas);
	if (IS_ERR(hwpt)) {
		ret = PTR_ERR(hwpt);
		goto out_put_ioas;
	}
	cmd->out_hwpt_id = hwpt->obj.id;
	ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		pvfio_hwpt_abort(ucmd->ctx, hwpt);
	else
		pvfio_object_finalize(ucmd->ctx, &hwpt->obj);
out_put_ioas:
	pvfio_object_put(&ioas->obj);
out_put_idev:
	pvfio_object_put(&idev->obj);
	return ret;
}
