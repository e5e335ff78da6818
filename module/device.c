// SPDX-License-Identifier: GPL-2.0
/*
 * Devices: the pvfio-pci driver an administrator hands a PCI device to (with
 * driver_override, as for vfio-pci), and the device objects a context makes
 * of such devices to attach them to page tables.
 *
 * A struct pvfio_pci_dev lives from probe to the last reference after
 * remove.  Its lock serialises binding, attaching and removal.  Once the
 * driver is unbound from the device (or the device is removed) it is dead:
 * detached, DMA ownership released, bus mastering off, and every later call
 * on the device object fails with -ENODEV until the object is destroyed.
 */
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "pvfio_private.h"

/**
 * struct pvfio_pci_dev - pvfio-pci's state for one PCI device
 * @kref: probe's reference plus one per device object
 * @pdev: the PCI device, referenced
 * @group: its IOMMU group, referenced
 * @lock: protects the fields below
 * @bound: the device object that owns the device, or NULL
 * @attached: the page table the group is attached to (held by @bound), or
 *            NULL (blocked)
 * @dead: the driver was unbound from the device
 */
struct pvfio_pci_dev {
	struct kref kref;
	struct pci_dev *pdev;
	struct iommu_group *group;
	struct mutex lock;	/* protects the fields below */
	struct pvfio_device *bound;
	struct pvfio_hwpt *attached;
	bool dead;
};

static struct pci_driver pvfio_pci_driver;

static void pvfio_pci_dev_release(struct kref *kref)
{
	struct pvfio_pci_dev *pvdev = container_of(kref, struct pvfio_pci_dev,
						   kref);

	iommu_group_put(pvdev->group);
	pci_dev_put(pvdev->pdev);
	mutex_destroy(&pvdev->lock);
	kfree(pvdev);
}

static void pvfio_pci_dev_put(struct pvfio_pci_dev *pvdev)
{
	kref_put(&pvdev->kref, pvfio_pci_dev_release);
}

/* Stop DMA and give the group back; the device stays with its object. */
static void pvfio_pci_dev_quiesce(struct pvfio_pci_dev *pvdev)
{
	lockdep_assert_held(&pvdev->lock);

	pci_clear_master(pvdev->pdev);
	if (pvdev->attached) {
		pvfio_hwpt_detach_group(pvdev->attached, pvdev->group, false);
		pvdev->attached = NULL;
	}
	if (pvdev->bound)
		iommu_group_release_dma_owner(pvdev->group);
}

static int pvfio_pci_count_dev(struct device *dev, void *data)
{
	(*(int *)data)++;
	return 0;
}

static int pvfio_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct pvfio_pci_dev *pvdev;
	int ret;

	pvdev = kzalloc(sizeof(*pvdev), GFP_KERNEL);
	if (!pvdev)
		return -ENOMEM;
	kref_init(&pvdev->kref);
	mutex_init(&pvdev->lock);
	pvdev->pdev = pci_dev_get(pdev);

	pvdev->group = iommu_group_get(&pdev->dev);
	if (!pvdev->group) {
		pci_info_ratelimited(pdev, "no IOMMU group: pvfio-pci cannot use it\n");
		ret = -ENODEV;
		goto err_put;
	}
	ret = pci_enable_device(pdev);
	if (ret)
		goto err_put;
	pci_set_drvdata(pdev, pvdev);
	return 0;

err_put:
	pvfio_pci_dev_put(pvdev);
	return ret;
}

static void pvfio_pci_remove(struct pci_dev *pdev)
{
	struct pvfio_pci_dev *pvdev = pci_get_drvdata(pdev);

	mutex_lock(&pvdev->lock);
	pvfio_pci_dev_quiesce(pvdev);
	pvdev->dead = true;
	mutex_unlock(&pvdev->lock);
	pci_disable_device(pdev);
	pvfio_pci_dev_put(pvdev);
}

static struct pci_driver pvfio_pci_driver = {
	.name = "pvfio-pci",
	/* No IDs: devices come only through driver_override. */
	.id_table = NULL,
	.probe = pvfio_pci_probe,
	.remove = pvfio_pci_remove,
	.driver_managed_dma = true,
};

/**
 * pvfio_pci_driver_register() - register pvfio-pci
 *
 * Return: 0 or an error from the driver core.
 */
int pvfio_pci_driver_register(void)
{
	return pci_register_driver(&pvfio_pci_driver);
}

/**
 * pvfio_pci_driver_unregister() - unregister pvfio-pci, unbinding every device
 */
void pvfio_pci_driver_unregister(void)
{
	pci_unregister_driver(&pvfio_pci_driver);
}

/* The pvfio-pci state of a PCI device bound to pvfio-pci, referenced. */
static struct pvfio_pci_dev *pvfio_pci_dev_find(u32 domain, u32 bdf)
{
	struct pvfio_pci_dev *pvdev = ERR_PTR(-ENODEV);
	struct pci_dev *pdev;

	if (domain > 0xffff || bdf > 0xffff)
		return ERR_PTR(-ENOENT);
	pdev = pci_get_domain_bus_and_slot(domain, bdf >> 8, bdf & 0xff);
	if (!pdev)
		return ERR_PTR(-ENOENT);
	device_lock(&pdev->dev);
	if (pdev->dev.driver == &pvfio_pci_driver.driver) {
		pvdev = pci_get_drvdata(pdev);
		kref_get(&pvdev->kref);
	}
	device_unlock(&pdev->dev);
	pci_dev_put(pdev);
	return pvdev;
}

int pvfio_device_bind(struct pvfio_ucmd *ucmd)
{
	struct pvfio_device_bind *cmd = ucmd->cmd;
	struct pvfio_pci_dev *pvdev;
	struct pvfio_device *idev;
	struct pvfio_object *obj;
	int ret, ndevs = 0;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;

	pvdev = pvfio_pci_dev_find(cmd->pci_domain, cmd->pci_bdf);
	if (IS_ERR(pvdev))
		return PTR_ERR(pvdev);

	obj = pvfio_object_alloc(ucmd->ctx, sizeof(*idev), PVFIO_OBJ_DEVICE);
	if (IS_ERR(obj)) {
		ret = PTR_ERR(obj);
		goto out_put_pvdev;
	}
	idev = container_of(obj, struct pvfio_device, obj);
	idev->ctx = ucmd->ctx;
	idev->pvdev = pvdev;

	mutex_lock(&pvdev->lock);
	if (pvdev->dead) {
		ret = -ENODEV;
		goto err_unlock;
	}
	if (pvdev->bound) {
		ret = -EBUSY;
		goto err_unlock;
	}
	/* Translating one device of a group would translate all of them. */
	iommu_group_for_each_dev(pvdev->group, &ndevs, pvfio_pci_count_dev);
	if (ndevs != 1) {
		ret = -EINVAL;
		goto err_unlock;
	}
	/* From here until attach the device can DMA nowhere. */
	ret = iommu_group_claim_dma_owner(pvdev->group, idev);
	if (ret)
		goto err_unlock;

	cmd->out_dev_id = obj->id;
	ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		goto err_release_owner;
	pvdev->bound = idev;
	mutex_unlock(&pvdev->lock);
	pvfio_object_finalize(ucmd->ctx, obj);
	return 0;

err_release_owner:
	iommu_group_release_dma_owner(pvdev->group);
err_unlock:
	mutex_unlock(&pvdev->lock);
	pvfio_object_abort(ucmd->ctx, obj);
out_put_pvdev:
	pvfio_pci_dev_put(pvdev);
	return ret;
}

/**
 * pvfio_device_hwpt_alloc() - allocate an explicit page table for a device
 * @idev: the device object, held
 * @ioas: the IOAS the page table mirrors, held
 *
 * The domain is allocated under the device's lock: an unbound or removed
 * device's IOMMU state may be gone.
 *
 * Return: the unpublished page table, or an ERR_PTR (-ENODEV unbound).
 */
struct pvfio_hwpt *pvfio_device_hwpt_alloc(struct pvfio_device *idev,
					   struct pvfio_ioas *ioas)
{
	struct pvfio_pci_dev *pvdev = idev->pvdev;
	struct pvfio_hwpt *hwpt = ERR_PTR(-ENODEV);

	mutex_lock(&pvdev->lock);
	if (!pvdev->dead)
		hwpt = pvfio_hwpt_alloc(idev->ctx, ioas, &pvdev->pdev->dev,
					false);
	mutex_unlock(&pvdev->lock);
	return hwpt;
}

/*
 * Drop a device's hold on a page table it left, without the device's lock
 * (destroying an automatic page table waits for calls using it, which may
 * wait for that lock).  An automatic page table goes with its last device.
 */
static void pvfio_device_drop_hwpt(struct pvfio_device *idev,
				   struct pvfio_hwpt *hwpt)
{
	if (hwpt->auto_domain)
		pvfio_object_unhold_remove(idev->ctx, &hwpt->obj);
	else
		pvfio_object_unhold(&hwpt->obj);
}

void pvfio_device_destroy(struct pvfio_object *obj)
{
	struct pvfio_device *idev = container_of(obj, struct pvfio_device, obj);
	struct pvfio_pci_dev *pvdev = idev->pvdev;
	struct pvfio_hwpt *hwpt;

	mutex_lock(&pvdev->lock);
	if (!pvdev->dead)
		pvfio_pci_dev_quiesce(pvdev);
	pvdev->bound = NULL;
	hwpt = idev->hwpt;
	idev->hwpt = NULL;
	/*
	 * Under the lock, like every change of the device's reservations:
	 * done later it could delete the ones a racing attach just made.
	 */
	if (hwpt)
		pvfio_iopt_remove_reserved(&hwpt->ioas->iopt, idev);
	mutex_unlock(&pvdev->lock);

	if (hwpt)
		pvfio_device_drop_hwpt(idev, hwpt);
	pvfio_pci_dev_put(pvdev);
}

static enum pvfio_iommu_kind pvfio_iommu_kind(struct device *dev,
					      const char **name)
{
	struct device *iommu_dev;

	*name = "";
	if (!dev->iommu || !dev->iommu->iommu_dev ||
	    !dev->iommu->iommu_dev->dev)
		return PVFIO_IOMMU_UNKNOWN;
	iommu_dev = dev->iommu->iommu_dev->dev;
	*name = dev_name(iommu_dev);
	/* The names the drivers register their IOMMU class devices with. */
	if (!strncmp(*name, "dmar", 4))
		return PVFIO_IOMMU_INTEL_VTD;
	if (!strncmp(*name, "ivhd", 4))
		return PVFIO_IOMMU_AMD_VI;
	if (!strncmp(*name, "smmu3.", 6))
		return PVFIO_IOMMU_ARM_SMMU_V3;
	if (iommu_dev->parent && iommu_dev->parent->driver &&
	    !strcmp(iommu_dev->parent->driver->name, "virtio_iommu"))
		return PVFIO_IOMMU_VIRTIO;
	return PVFIO_IOMMU_UNKNOWN;
}

int pvfio_device_info(struct pvfio_ucmd *ucmd)
{
	struct pvfio_device_info *cmd = ucmd->cmd;
	struct pvfio_iova_range __user *uranges =
		u64_to_user_ptr(cmd->reserved_regions);
	struct iommu_resv_region *resv, *tmp;
	struct iommu_domain *domain;
	struct pvfio_device *idev;
	LIST_HEAD(regions);
	struct device *dev;
	const char *name;
	u32 n = 0;
	int ret;

	idev = pvfio_get_device(ucmd->ctx, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);

	/* The device's IOMMU state is only stable while it is bound. */
	mutex_lock(&idev->pvdev->lock);
	if (idev->pvdev->dead) {
		mutex_unlock(&idev->pvdev->lock);
		ret = -ENODEV;
		goto out_put;
	}
	dev = &idev->pvdev->pdev->dev;
	cmd->out_iommu_kind = pvfio_iommu_kind(dev, &name);
	strscpy(cmd->out_iommu_name, name, sizeof(cmd->out_iommu_name));
	/* The page sizes are a property of the domains the IOMMU makes. */
	domain = pvfio_paging_domain_alloc(dev);
	mutex_unlock(&idev->pvdev->lock);
	if (IS_ERR(domain)) {
		ret = PTR_ERR(domain);
		goto out_put;
	}
	cmd->out_pgsize_bitmap = domain->pgsize_bitmap;
	iommu_domain_free(domain);

	ret = pvfio_fail_point() ? -ENOMEM :
		iommu_get_group_resv_regions(idev->pvdev->group, &regions);
	if (ret)
		goto out_free_regions;
	list_for_each_entry(resv, &regions, list) {
		struct pvfio_iova_range range = {
			.start = resv->start,
			.last = resv->start + resv->length - 1,
		};

		if (n < cmd->num_reserved &&
		    pvfio_copy_to_user(&uranges[n], &range, sizeof(range))) {
			ret = -EFAULT;
			goto out_free_regions;
		}
		n++;
	}
	ret = n > cmd->num_reserved ? -EMSGSIZE : 0;
	cmd->num_reserved = n;
	if (pvfio_ucmd_respond(ucmd, sizeof(*cmd)))
		ret = -EFAULT;
out_free_regions:
	list_for_each_entry_safe(resv, tmp, &regions, list)
		kfree(resv);
out_put:
	pvfio_object_put(&idev->obj);
	return ret;
}

/* Reserve the device's reserved regions in an IOAS, owned by @idev. */
static int pvfio_device_reserve(struct pvfio_device *idev,
				struct pvfio_ioas *ioas)
{
	struct iommu_resv_region *resv, *tmp;
	LIST_HEAD(regions);
	int ret;

	ret = pvfio_fail_point() ? -ENOMEM :
		iommu_get_group_resv_regions(idev->pvdev->group, &regions);
	if (!ret)
		ret = pvfio_iopt_reserve_regions(&ioas->iopt, &regions, idev);
	list_for_each_entry_safe(resv, tmp, &regions, list)
		kfree(resv);
	return ret;
}

/*
 * Move the group from the page table it is attached to onto @new (NULL:
 * blocked).  No kernel pvfio supports exports an atomic replace outside
 * iommufd, so this detaches (the group falls back to the blocking domain
 * pvfio owns: DMA faults) and attaches.  On failure the group is back on its
 * old page table.  The old page table's reserved ranges and alignment stay
 * in force meanwhile, so no MAP racing the replace can keep it from being
 * filled again; only a resource failure while refilling it (out of memory,
 * the IOMMU driver) leaves the group blocked, with pvdev->attached NULL.
 */
static int pvfio_device_switch(struct pvfio_pci_dev *pvdev,
			       struct pvfio_hwpt *new)
{
	struct pvfio_hwpt *old = pvdev->attached;
	int ret;

	lockdep_assert_held(&pvdev->lock);

	if (old)
		pvfio_hwpt_detach_group(old, pvdev->group, !!new);
	pvdev->attached = NULL;
	if (new) {
		ret = pvfio_hwpt_attach_group(new, pvdev->group);
		if (ret) {
			if (old && !pvfio_hwpt_attach_group(old, pvdev->group))
				pvdev->attached = old;
			else if (old)
				pvfio_hwpt_release_ranges(old);
			return ret;
		}
		if (old)
			pvfio_hwpt_release_ranges(old);
	}
	pvdev->attached = new;
	return 0;
}

/* Under the device's lock: what the device needs of the page table it gets. */
static int pvfio_device_get_pt(struct pvfio_ucmd *ucmd,
			       struct pvfio_device *idev,
			       struct pvfio_object *pt,
			       struct pvfio_hwpt **out_hwpt, bool *new_hwpt)
{
	struct pvfio_hwpt *old = idev->hwpt, *hwpt;

	lockdep_assert_held(&idev->pvdev->lock);
	*new_hwpt = false;
	if (pt->type == PVFIO_OBJ_IOAS) {
		struct pvfio_ioas *ioas = container_of(pt, struct pvfio_ioas,
						       obj);

		/* Already on an automatic page table of this IOAS. */
		if (old && old->auto_domain && old->ioas == ioas) {
			*out_hwpt = old;
			return 0;
		}
		hwpt = pvfio_hwpt_alloc(ucmd->ctx, ioas,
					&idev->pvdev->pdev->dev, true);
		if (IS_ERR(hwpt))
			return PTR_ERR(hwpt);
		*new_hwpt = true;
	} else {
		hwpt = container_of(pt, struct pvfio_hwpt, obj);
		if (hwpt != old && !pvfio_object_hold(&hwpt->obj))
			return -ENOENT;	/* being destroyed */
	}
	*out_hwpt = hwpt;
	return 0;
}

int pvfio_device_attach(struct pvfio_ucmd *ucmd)
{
	struct pvfio_device_attach *cmd = ucmd->cmd;
	struct pvfio_hwpt *hwpt = NULL, *old, *drop = NULL;
	struct pvfio_pci_dev *pvdev;
	struct pvfio_device *idev;
	struct pvfio_object *pt;
	bool new_hwpt, new_ioas;
	int ret;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	idev = pvfio_get_device(ucmd->ctx, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	pvdev = idev->pvdev;
	pt = pvfio_object_get(ucmd->ctx, cmd->pt_id, PVFIO_OBJ_ANY);
	if (IS_ERR(pt)) {
		ret = PTR_ERR(pt);
		goto out_put_idev;
	}
	if (pt->type != PVFIO_OBJ_IOAS && pt->type != PVFIO_OBJ_HWPT) {
		ret = -ENOENT;
		goto out_put_pt;
	}

	mutex_lock(&pvdev->lock);
	if (pvdev->dead) {
		ret = -ENODEV;
		goto out_unlock;
	}
	old = idev->hwpt;
	ret = pvfio_device_get_pt(ucmd, idev, pt, &hwpt, &new_hwpt);
	if (ret)
		goto out_unlock;
	if (hwpt == old)
		goto out_respond;

	new_ioas = !old || old->ioas != hwpt->ioas;
	if (new_ioas) {
		ret = pvfio_device_reserve(idev, hwpt->ioas);
		if (ret)
			goto err_drop_hwpt;
	}
	ret = pvfio_device_switch(pvdev, hwpt);
	if (ret)
		goto err_unreserve;

	idev->hwpt = hwpt;
	if (new_hwpt) {
		/*
		 * The device's hold; the object table has the first one.
		 * Nobody else can see the object yet.
		 */
		refcount_inc(&hwpt->obj.users);
		pvfio_object_finalize(ucmd->ctx, &hwpt->obj);
	}
	/* The device left @old: its reservations go with it, under the lock. */
	if (old && new_ioas)
		pvfio_iopt_remove_reserved(&old->ioas->iopt, idev);
	drop = old;
out_respond:
	cmd->pt_id = hwpt->obj.id;
	mutex_unlock(&pvdev->lock);
	ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
	goto out_drop;

err_unreserve:
	if (new_ioas)
		pvfio_iopt_remove_reserved(&hwpt->ioas->iopt, idev);
	if (old && !pvdev->attached) {
		/* The old page table could not be refilled: left blocked. */
		idev->hwpt = NULL;
		pvfio_iopt_remove_reserved(&old->ioas->iopt, idev);
		drop = old;
	}
err_drop_hwpt:
	if (new_hwpt)
		pvfio_hwpt_abort(ucmd->ctx, hwpt);
	else
		pvfio_object_unhold(&hwpt->obj);
out_unlock:
	mutex_unlock(&pvdev->lock);
out_drop:
	if (drop)
		pvfio_device_drop_hwpt(idev, drop);
out_put_pt:
	pvfio_object_put(pt);
out_put_idev:
	pvfio_object_put(&idev->obj);
	return ret;
}

int pvfio_device_detach(struct pvfio_ucmd *ucmd)
{
	struct pvfio_device_detach *cmd = ucmd->cmd;
	struct pvfio_pci_dev *pvdev;
	struct pvfio_device *idev;
	struct pvfio_hwpt *hwpt;
	int ret = 0;

	idev = pvfio_get_device(ucmd->ctx, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	pvdev = idev->pvdev;

	mutex_lock(&pvdev->lock);
	hwpt = idev->hwpt;
	if (pvdev->dead)
		ret = -ENODEV;
	else if (!hwpt)
		ret = -ENOENT;
	if (ret) {
		mutex_unlock(&pvdev->lock);
		goto out_put;
	}
	WARN_ON(pvfio_device_switch(pvdev, NULL));
	idev->hwpt = NULL;
	pvfio_iopt_remove_reserved(&hwpt->ioas->iopt, idev);
	mutex_unlock(&pvdev->lock);
	pvfio_device_drop_hwpt(idev, hwpt);
out_put:
	pvfio_object_put(&idev->obj);
	return ret;
}
