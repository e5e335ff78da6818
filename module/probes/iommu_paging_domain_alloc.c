// SPDX-License-Identifier: GPL-2.0
/* iommu_paging_domain_alloc(dev) replaces iommu_domain_alloc(bus): upstream a27bf2743cb8 ("iommu: Add iommu_paging_domain_alloc() interface"), 6.11. */
#include <linux/iommu.h>

struct iommu_domain *pvfio_probe(struct device *dev);
struct iommu_domain *pvfio_probe(struct device *dev)
{
	return iommu_paging_domain_alloc(dev);
}
