// SPDX-License-Identifier: GPL-2.0
/*
 * HW page table objects: a real iommu_domain kept filled from an IOAS.
 */
#include <linux/iommu.h>

#include "pvfio_private.h"

/**
 * pvfio_paging_domain_alloc() - iommu_paging_domain_alloc() as a failure point
 * @dev: the device the domain must suit
 *
 * Return: the domain or an ERR_PTR.
 */
struct iommu_domain *pvfio_paging_domain_alloc(struct device *dev)
{
	if (pvfio_fail_point())
		return ERR_PTR(-ENOMEM);
	return iommu_paging_domain_alloc(dev);
}

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
	hwpt->dom.hwpt = hwpt;
	mutex_init(&hwpt->lock);

	hwpt->dom.domain = pvfio_paging_domain_alloc(dev);
	if (IS_ERR(hwpt->dom.domain)) {
		ret = PTR_ERR(hwpt->dom.domain);
		goto err_abort;
	}
	if (!pvfio_object_hold(&ioas->obj)) {
		/* The IOAS is being destroyed. */
		ret = -ENOENT;
		goto err_free_domain;
	}
	hwpt->ioas = ioas;
	return hwpt;

err_free_domain:
	iommu_domain_free(hwpt->dom.domain);
err_abort:
	mutex_destroy(&hwpt->lock);
	pvfio_object_abort(ctx, obj);
	return ERR_PTR(ret);
}

/**
 * pvfio_hwpt_alloc_mock() - allocate a mock page table, filled from an IOAS
 * @ctx: the context
 * @ioas: the IOAS, held by the caller; the page table takes its own hold
 * @shift: log2 of the mock's IO page size
 * @aperture_start: first IOVA it translates
 * @aperture_last: last IOVA it translates
 * @auto_domain: dies with its last device
 *
 * As pvfio_hwpt_alloc(), for the mock devices of the test interface, which
 * attach with a NULL group.
 *
 * Return: the page table or an ERR_PTR.
 */
struct pvfio_hwpt *pvfio_hwpt_alloc_mock(struct pvfio_ctx *ctx,
					 struct pvfio_ioas *ioas,
					 unsigned int shift,
					 unsigned long aperture_start,
					 unsigned long aperture_last,
					 bool auto_domain)
{
	struct pvfio_mock_domain *mock;
	struct pvfio_object *obj;
	struct pvfio_hwpt *hwpt;
	int ret;

	mock = pvfio_kzalloc(sizeof(*mock), GFP_KERNEL_ACCOUNT);
	if (!mock)
		return ERR_PTR(-ENOMEM);
	pvfio_mock_domain_init(mock, shift, aperture_start, aperture_last);

	obj = pvfio_object_alloc(ctx, sizeof(*hwpt), PVFIO_OBJ_HWPT);
	if (IS_ERR(obj)) {
		ret = PTR_ERR(obj);
		goto err_free_mock;
	}
	hwpt = container_of(obj, struct pvfio_hwpt, obj);
	hwpt->auto_domain = auto_domain;
	hwpt->dom.owner = hwpt;
	hwpt->dom.hwpt = hwpt;
	hwpt->dom.mock = mock;
	mutex_init(&hwpt->lock);
	if (!pvfio_object_hold(&ioas->obj)) {
		ret = -ENOENT;
		goto err_abort;
	}
	hwpt->ioas = ioas;
	return hwpt;

err_abort:
	mutex_destroy(&hwpt->lock);
	pvfio_object_abort(ctx, obj);
err_free_mock:
	pvfio_mock_domain_destroy(mock);
	kfree(mock);
	return ERR_PTR(ret);
}

/**
 * pvfio_hwpt_attach_group() - attach a device's group to a page table
 * @hwpt: the page table, held by the caller
 * @group: the group; its device's pvfio_pci_dev.lock is held.  NULL for a
 *         mock device on a mock page table
 *
 * The first group attached has the IOAS fill the domain (after attaching:
 * some drivers map only into attached domains).
 *
 * Return: 0, an error from the IOMMU driver, or one of
 * pvfio_iopt_add_domain() (the group is then detached again).
 */
int pvfio_hwpt_attach_group(struct pvfio_hwpt *hwpt,
			    struct iommu_group *group)
{
	int ret;

	mutex_lock(&hwpt->lock);
	if (pvfio_fail_point())
		ret = -ENOMEM;
	else if (!group != !hwpt->dom.domain)
		ret = -EINVAL;
	else
		ret = group ? iommu_attach_group(hwpt->dom.domain, group) : 0;
	if (ret)
		goto out_unlock;
	if (!hwpt->num_devices) {
		ret = pvfio_iopt_add_domain(&hwpt->ioas->iopt, &hwpt->dom);
		if (ret)
			goto err_detach;
	}
	hwpt->num_devices++;
	mutex_unlock(&hwpt->lock);
	return 0;

err_detach:
	if (group)
		iommu_detach_group(hwpt->dom.domain, group);
out_unlock:
	mutex_unlock(&hwpt->lock);
	return ret;
}

/**
 * pvfio_hwpt_detach_group() - detach a device's group from a page table
 * @hwpt: the page table, held by the caller
 * @group: a group attached with pvfio_hwpt_attach_group()
 * @keep_ranges: the group may come back (a replace that can fail): if it
 *               was the last, keep the domain's reserved ranges and
 *               alignment in the IOAS until pvfio_hwpt_release_ranges()
 *
 * Before the last group leaves, the IOAS stops using the domain and empties
 * it while a device still makes its IOTLB flushes meaningful: no MAP or
 * UNMAP ever reaches a domain without a device.
 */
void pvfio_hwpt_detach_group(struct pvfio_hwpt *hwpt,
			     struct iommu_group *group, bool keep_ranges)
{
	mutex_lock(&hwpt->lock);
	if (WARN_ON(!hwpt->num_devices))
		goto out_unlock;
	if (hwpt->num_devices == 1)
		pvfio_iopt_remove_domain(&hwpt->ioas->iopt, &hwpt->dom,
					 keep_ranges);
	if (group)
		iommu_detach_group(hwpt->dom.domain, group);
	hwpt->num_devices--;
out_unlock:
	mutex_unlock(&hwpt->lock);
}

/**
 * pvfio_hwpt_release_ranges() - the group detached with @keep_ranges is not
 *				 coming back
 * @hwpt: the page table, held by the caller
 *
 * Nothing happens if a device attached to @hwpt since.
 */
void pvfio_hwpt_release_ranges(struct pvfio_hwpt *hwpt)
{
	mutex_lock(&hwpt->lock);
	if (!hwpt->num_devices)
		pvfio_iopt_release_domain_ranges(&hwpt->ioas->iopt, &hwpt->dom);
	mutex_unlock(&hwpt->lock);
}

static void pvfio_hwpt_release(struct pvfio_hwpt *hwpt)
{
	/*
	 * Devices hold their page table: none can be attached now.  A mock
	 * page table of HWPT_ALLOC may still hold its own attachment
	 * (pvfio_ifd_hwpt_alloc()).
	 */
	if (hwpt->dom.mock && !hwpt->auto_domain && hwpt->num_devices == 1)
		pvfio_hwpt_detach_group(hwpt, NULL, false);
	WARN_ON(hwpt->num_devices || hwpt->dom.added || hwpt->dom.kept);
	mutex_destroy(&hwpt->lock);
	if (hwpt->dom.mock) {
		pvfio_mock_domain_destroy(hwpt->dom.mock);
		kfree(hwpt->dom.mock);
	} else {
		iommu_domain_free(hwpt->dom.domain);
	}
	pvfio_object_unhold(&hwpt->ioas->obj);
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
