// SPDX-License-Identifier: GPL-2.0
/*
 * iommu_paging_domain_alloc(dev) replaces iommu_domain_alloc(bus): upstream
 * a27bf2743cb8 ("iommu: Add iommu_paging_domain_alloc() interface"), 6.11.
 */
#include <linux/iommu.h>

static struct iommu_domain *__maybe_unused pvfio_probe(struct device *dev)
{
	return iommu_paging_domain_alloc(dev);
}
