// SPDX-License-Identifier: GPL-2.0
/*
 * iommu_map() takes a gfp_t: upstream 1369459b2e21 ("iommu: Add a gfp
 * parameter to iommu_map()"), 6.3.
 */
#include <linux/iommu.h>

static int __maybe_unused pvfio_probe(struct iommu_domain *d)
{
	return iommu_map(d, 0, 0, PAGE_SIZE, IOMMU_READ, GFP_KERNEL);
}
