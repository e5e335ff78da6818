/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvfio compatibility layer: the only place that knows kernel versions
 * differ.  The sources are written against the newest API; this header,
 * force-included into every pvfio object, maps it onto older kernels.
 *
 * Every choice is made by a compile probe in probes/, built by Kbuild
 * against the target tree before pvfio itself, each testing the signature
 * pvfio calls.  A probe that compiles defines HAVE_<NAME> in
 * pvfio_probes.h.  Each shim below names the upstream change it covers.
 */
#ifndef PVFIO_COMPAT_H
#define PVFIO_COMPAT_H

/* Every pvfio message names the module; set before any header uses it. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "pvfio_probes.h"

#include <linux/iommu.h>
#include <linux/mm.h>

/* 6.3, 1369459b2e21: iommu_map() gained a gfp_t argument. */
#ifndef HAVE_IOMMU_MAP_GFP
static inline int pvfio_compat_iommu_map(struct iommu_domain *domain,
					 unsigned long iova, phys_addr_t paddr,
					 size_t size, int prot, gfp_t gfp)
{
	return iommu_map(domain, iova, paddr, size, prot);
}

#define iommu_map pvfio_compat_iommu_map
#endif

/* 6.5, 0b295316b3a9: pin_user_pages_remote() lost its vmas argument. */
#ifndef HAVE_PIN_USER_PAGES_REMOTE_NO_VMAS
static inline long
pvfio_compat_pin_user_pages_remote(struct mm_struct *mm, unsigned long start,
				   unsigned long nr_pages,
				   unsigned int gup_flags, struct page **pages,
				   int *locked)
{
	return pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     NULL, locked);
}

#define pin_user_pages_remote pvfio_compat_pin_user_pages_remote
#endif

/*
 * 6.11, a27bf2743cb8: iommu_paging_domain_alloc(dev) returns an ERR_PTR;
 * before it, iommu_domain_alloc(bus) returned NULL on failure.
 */
#ifndef HAVE_IOMMU_PAGING_DOMAIN_ALLOC
static inline struct iommu_domain *
pvfio_compat_iommu_paging_domain_alloc(struct device *dev)
{
	struct iommu_domain *domain = iommu_domain_alloc(dev->bus);

	return domain ? domain : ERR_PTR(-ENOMEM);
}

#define iommu_paging_domain_alloc pvfio_compat_iommu_paging_domain_alloc
#endif

/*
 * 6.2, 84209e87c696 ("mm/gup: reliable R/O long-term pinning in COW
 * mappings"): a read-only FOLL_LONGTERM pin of a private (COW) mapping
 * breaks COW first, so the page pinned stays the page the process sees.
 * Before it, a R/O pin of a private file page held the page-cache page,
 * which the process's next write replaced with a copy (iommufd's selftest
 * ro_unshare).  No probe can see it: the change is inside
 * gup_must_unshare() in mm/internal.h.  Where it is missing pvfio breaks
 * COW itself for R/O pins of COW mappings, with a forced write pin as
 * ptrace does (pages.c).
 */
#include <linux/version.h>
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define PVFIO_COMPAT_RO_PIN_UNSHARE 1
#else
#define PVFIO_COMPAT_RO_PIN_UNSHARE 0
#endif

#endif /* PVFIO_COMPAT_H */
