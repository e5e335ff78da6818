// SPDX-License-Identifier: GPL-2.0
/*
 * Proves, at compile time, that uapi/pvfio_iommufd.h has iommufd's ABI:
 * for every struct of Linux 7.2.13's include/uapi/linux/iommufd.h and
 * drivers/iommu/iommufd/iommufd_test.h, the same size and alignment, and
 * for every field (members of the unions and of the test command's
 * sub-structs included) the same offset, size, alignment and type; for
 * every enumerator, #define and ioctl number, the same value (and a
 * #define stays a #define, usable in #if).  Any difference is a compile
 * error; the program itself only prints a line.
 *
 * Not mirrored, so not checked: the driver-specific payloads (Intel VT-d,
 * ARM SMMUv3, NVIDIA Tegra241 CMDQV, AMD), which pvfio neither accepts nor
 * returns; they are listed below where they would be.
 *
 * The list follows the two upstream headers in their order; when the
 * kernel version pvfio follows changes, redo it from the new headers.
 *
 * Build and run, from the top of the repository, with the 7.2 tree
 * (after `make headers`, which tests/vm/fetch-selftest.sh does):
 *
 *   K=/var/cache/pvfio/k/7.2-src/linux
 *   mkdir -p tests/build && gcc -std=gnu11 -Wall -Wextra -Werror \
 *       -I$K/usr/include -I$K/drivers/iommu/iommufd -Iuapi \
 *       -o tests/build/uapi_iommufd_layout tests/uapi_iommufd_layout.c && \
 *   ./tests/build/uapi_iommufd_layout
 *
 * (-std=gnu11, not -Wpedantic: the 7.2 tree's <linux/types.h> itself is
 * not pedantic-clean; `make -C tests uapi-check` checks pvfio_iommufd.h
 * alone with -Wpedantic.)
 */
#include <stddef.h>
#include <stdio.h>

#include <linux/iommufd.h>
#include <iommufd_test.h>	/* -I$K/drivers/iommu/iommufd */

/* Both pvfio headers, to prove they coexist with iommufd's. */
#include <pvfio.h>
#include <pvfio_iommufd.h>

/* Cast: the two sides are constants of different enums (-Wenum-compare). */
#define SAME_VALUE(p, u) \
	_Static_assert((long long)(p) == (long long)(u), #p " != " #u)

#define SAME_STRUCT(p, u)						\
	_Static_assert(sizeof(struct p) == sizeof(struct u),		\
		       "sizeof(struct " #p ") != sizeof(struct " #u ")");	\
	_Static_assert(_Alignof(struct p) == _Alignof(struct u),	\
		       "_Alignof(struct " #p ") != _Alignof(struct " #u ")")

#define FIELD_OF(s, f) (((struct s *)0)->f)

/* A field of a struct or union member: where it is and how big. */
#define SAME_MEMBER(p, u, f)						\
	_Static_assert(offsetof(struct p, f) == offsetof(struct u, f),	\
		       "offsetof(" #p ", " #f ") differs");		\
	_Static_assert(sizeof(FIELD_OF(p, f)) == sizeof(FIELD_OF(u, f)), \
		       "sizeof(" #p "." #f ") differs");			\
	_Static_assert(__alignof__(FIELD_OF(p, f)) ==			\
		       __alignof__(FIELD_OF(u, f)),			\
		       "alignment of " #p "." #f " differs")

/* A scalar or array field: also the same type (__u32 vs __s32 too). */
#define SAME_FIELD(p, u, f)						\
	SAME_MEMBER(p, u, f);						\
	_Static_assert(__builtin_types_compatible_p(			\
			__typeof__(FIELD_OF(p, f)),			\
			__typeof__(FIELD_OF(u, f))),			\
		       "type of " #p "." #f " differs")

/* Every enumerator, #define and ioctl number. */
SAME_VALUE(PVFIO_IFD_TYPE, IOMMUFD_TYPE);
SAME_VALUE(PVFIO_IFD_DESTROY, IOMMU_DESTROY);
SAME_VALUE(PVFIO_IFD_IOAS_ALLOC, IOMMU_IOAS_ALLOC);
SAME_VALUE(PVFIO_IFD_IOAS_IOVA_RANGES, IOMMU_IOAS_IOVA_RANGES);
SAME_VALUE(PVFIO_IFD_IOAS_ALLOW_IOVAS, IOMMU_IOAS_ALLOW_IOVAS);
SAME_VALUE(PVFIO_IFD_IOAS_MAP, IOMMU_IOAS_MAP);
SAME_VALUE(PVFIO_IFD_IOAS_MAP_FILE, IOMMU_IOAS_MAP_FILE);
SAME_VALUE(PVFIO_IFD_IOAS_COPY, IOMMU_IOAS_COPY);
SAME_VALUE(PVFIO_IFD_IOAS_UNMAP, IOMMU_IOAS_UNMAP);
SAME_VALUE(PVFIO_IFD_OPTION, IOMMU_OPTION);
SAME_VALUE(PVFIO_IFD_VFIO_IOAS, IOMMU_VFIO_IOAS);
SAME_VALUE(PVFIO_IFD_HWPT_ALLOC, IOMMU_HWPT_ALLOC);
SAME_VALUE(PVFIO_IFD_GET_HW_INFO, IOMMU_GET_HW_INFO);
SAME_VALUE(PVFIO_IFD_HWPT_SET_DIRTY_TRACKING, IOMMU_HWPT_SET_DIRTY_TRACKING);
SAME_VALUE(PVFIO_IFD_HWPT_GET_DIRTY_BITMAP, IOMMU_HWPT_GET_DIRTY_BITMAP);
SAME_VALUE(PVFIO_IFD_HWPT_INVALIDATE, IOMMU_HWPT_INVALIDATE);
SAME_VALUE(PVFIO_IFD_FAULT_QUEUE_ALLOC, IOMMU_FAULT_QUEUE_ALLOC);
SAME_VALUE(PVFIO_IFD_VIOMMU_ALLOC, IOMMU_VIOMMU_ALLOC);
SAME_VALUE(PVFIO_IFD_VDEVICE_ALLOC, IOMMU_VDEVICE_ALLOC);
SAME_VALUE(PVFIO_IFD_IOAS_CHANGE_PROCESS, IOMMU_IOAS_CHANGE_PROCESS);
SAME_VALUE(PVFIO_IFD_VEVENTQ_ALLOC, IOMMU_VEVENTQ_ALLOC);
SAME_VALUE(PVFIO_IFD_HW_QUEUE_ALLOC, IOMMU_HW_QUEUE_ALLOC);
SAME_VALUE(PVFIO_IFD_CMD_BASE, IOMMUFD_CMD_BASE);
SAME_VALUE(PVFIO_IFD_CMD_DESTROY, IOMMUFD_CMD_DESTROY);
SAME_VALUE(PVFIO_IFD_CMD_IOAS_ALLOC, IOMMUFD_CMD_IOAS_ALLOC);
SAME_VALUE(PVFIO_IFD_CMD_IOAS_ALLOW_IOVAS, IOMMUFD_CMD_IOAS_ALLOW_IOVAS);
SAME_VALUE(PVFIO_IFD_CMD_IOAS_COPY, IOMMUFD_CMD_IOAS_COPY);
SAME_VALUE(PVFIO_IFD_CMD_IOAS_IOVA_RANGES, IOMMUFD_CMD_IOAS_IOVA_RANGES);
SAME_VALUE(PVFIO_IFD_CMD_IOAS_MAP, IOMMUFD_CMD_IOAS_MAP);
SAME_VALUE(PVFIO_IFD_CMD_IOAS_UNMAP, IOMMUFD_CMD_IOAS_UNMAP);
SAME_VALUE(PVFIO_IFD_CMD_OPTION, IOMMUFD_CMD_OPTION);
SAME_VALUE(PVFIO_IFD_CMD_VFIO_IOAS, IOMMUFD_CMD_VFIO_IOAS);
SAME_VALUE(PVFIO_IFD_CMD_HWPT_ALLOC, IOMMUFD_CMD_HWPT_ALLOC);
SAME_VALUE(PVFIO_IFD_CMD_GET_HW_INFO, IOMMUFD_CMD_GET_HW_INFO);
SAME_VALUE(PVFIO_IFD_CMD_HWPT_SET_DIRTY_TRACKING, IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING);
SAME_VALUE(PVFIO_IFD_CMD_HWPT_GET_DIRTY_BITMAP, IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP);
SAME_VALUE(PVFIO_IFD_CMD_HWPT_INVALIDATE, IOMMUFD_CMD_HWPT_INVALIDATE);
SAME_VALUE(PVFIO_IFD_CMD_FAULT_QUEUE_ALLOC, IOMMUFD_CMD_FAULT_QUEUE_ALLOC);
SAME_VALUE(PVFIO_IFD_CMD_IOAS_MAP_FILE, IOMMUFD_CMD_IOAS_MAP_FILE);
SAME_VALUE(PVFIO_IFD_CMD_VIOMMU_ALLOC, IOMMUFD_CMD_VIOMMU_ALLOC);
SAME_VALUE(PVFIO_IFD_CMD_VDEVICE_ALLOC, IOMMUFD_CMD_VDEVICE_ALLOC);
SAME_VALUE(PVFIO_IFD_CMD_IOAS_CHANGE_PROCESS, IOMMUFD_CMD_IOAS_CHANGE_PROCESS);
SAME_VALUE(PVFIO_IFD_CMD_VEVENTQ_ALLOC, IOMMUFD_CMD_VEVENTQ_ALLOC);
SAME_VALUE(PVFIO_IFD_CMD_HW_QUEUE_ALLOC, IOMMUFD_CMD_HW_QUEUE_ALLOC);
SAME_VALUE(PVFIO_IFD_IOAS_MAP_FIXED_IOVA, IOMMU_IOAS_MAP_FIXED_IOVA);
SAME_VALUE(PVFIO_IFD_IOAS_MAP_WRITEABLE, IOMMU_IOAS_MAP_WRITEABLE);
SAME_VALUE(PVFIO_IFD_IOAS_MAP_READABLE, IOMMU_IOAS_MAP_READABLE);
SAME_VALUE(PVFIO_IFD_OPTION_RLIMIT_MODE, IOMMU_OPTION_RLIMIT_MODE);
SAME_VALUE(PVFIO_IFD_OPTION_HUGE_PAGES, IOMMU_OPTION_HUGE_PAGES);
SAME_VALUE(PVFIO_IFD_OPTION_OP_SET, IOMMU_OPTION_OP_SET);
SAME_VALUE(PVFIO_IFD_OPTION_OP_GET, IOMMU_OPTION_OP_GET);
SAME_VALUE(PVFIO_IFD_VFIO_IOAS_GET, IOMMU_VFIO_IOAS_GET);
SAME_VALUE(PVFIO_IFD_VFIO_IOAS_SET, IOMMU_VFIO_IOAS_SET);
SAME_VALUE(PVFIO_IFD_VFIO_IOAS_CLEAR, IOMMU_VFIO_IOAS_CLEAR);
SAME_VALUE(PVFIO_IFD_HWPT_ALLOC_NEST_PARENT, IOMMU_HWPT_ALLOC_NEST_PARENT);
SAME_VALUE(PVFIO_IFD_HWPT_ALLOC_DIRTY_TRACKING, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
SAME_VALUE(PVFIO_IFD_HWPT_FAULT_ID_VALID, IOMMU_HWPT_FAULT_ID_VALID);
SAME_VALUE(PVFIO_IFD_HWPT_ALLOC_PASID, IOMMU_HWPT_ALLOC_PASID);
/* not mirrored (driver payload flag): IOMMU_VTD_S1_SRE */
/* not mirrored (driver payload flag): IOMMU_VTD_S1_EAFE */
/* not mirrored (driver payload flag): IOMMU_VTD_S1_WPE */
SAME_VALUE(PVFIO_IFD_HWPT_DATA_NONE, IOMMU_HWPT_DATA_NONE);
SAME_VALUE(PVFIO_IFD_HWPT_DATA_VTD_S1, IOMMU_HWPT_DATA_VTD_S1);
SAME_VALUE(PVFIO_IFD_HWPT_DATA_ARM_SMMUV3, IOMMU_HWPT_DATA_ARM_SMMUV3);
SAME_VALUE(PVFIO_IFD_HWPT_DATA_AMD_GUEST, IOMMU_HWPT_DATA_AMD_GUEST);
/* not mirrored (driver payload flag): IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 */
SAME_VALUE(PVFIO_IFD_HW_INFO_TYPE_NONE, IOMMU_HW_INFO_TYPE_NONE);
SAME_VALUE(PVFIO_IFD_HW_INFO_TYPE_DEFAULT, IOMMU_HW_INFO_TYPE_DEFAULT);
SAME_VALUE(PVFIO_IFD_HW_INFO_TYPE_INTEL_VTD, IOMMU_HW_INFO_TYPE_INTEL_VTD);
SAME_VALUE(PVFIO_IFD_HW_INFO_TYPE_ARM_SMMUV3, IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
SAME_VALUE(PVFIO_IFD_HW_INFO_TYPE_TEGRA241_CMDQV, IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV);
SAME_VALUE(PVFIO_IFD_HW_INFO_TYPE_AMD, IOMMU_HW_INFO_TYPE_AMD);
SAME_VALUE(PVFIO_IFD_HW_CAP_DIRTY_TRACKING, IOMMU_HW_CAP_DIRTY_TRACKING);
SAME_VALUE(PVFIO_IFD_HW_CAP_PCI_PASID_EXEC, IOMMU_HW_CAP_PCI_PASID_EXEC);
SAME_VALUE(PVFIO_IFD_HW_CAP_PCI_PASID_PRIV, IOMMU_HW_CAP_PCI_PASID_PRIV);
SAME_VALUE(PVFIO_IFD_HW_CAP_PCI_ATS_NOT_SUPPORTED, IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
SAME_VALUE(PVFIO_IFD_HW_INFO_FLAG_INPUT_TYPE, IOMMU_HW_INFO_FLAG_INPUT_TYPE);
SAME_VALUE(PVFIO_IFD_HWPT_DIRTY_TRACKING_ENABLE, IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
SAME_VALUE(PVFIO_IFD_HWPT_GET_DIRTY_BITMAP_NO_CLEAR, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
SAME_VALUE(PVFIO_IFD_HWPT_INVALIDATE_DATA_VTD_S1, IOMMU_HWPT_INVALIDATE_DATA_VTD_S1);
SAME_VALUE(PVFIO_IFD_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3);
/* not mirrored (driver payload flag): IOMMU_VTD_INV_FLAGS_LEAF */
SAME_VALUE(PVFIO_IFD_PGFAULT_FLAGS_PASID_VALID, IOMMU_PGFAULT_FLAGS_PASID_VALID);
SAME_VALUE(PVFIO_IFD_PGFAULT_FLAGS_LAST_PAGE, IOMMU_PGFAULT_FLAGS_LAST_PAGE);
SAME_VALUE(PVFIO_IFD_PGFAULT_PERM_READ, IOMMU_PGFAULT_PERM_READ);
SAME_VALUE(PVFIO_IFD_PGFAULT_PERM_WRITE, IOMMU_PGFAULT_PERM_WRITE);
SAME_VALUE(PVFIO_IFD_PGFAULT_PERM_EXEC, IOMMU_PGFAULT_PERM_EXEC);
SAME_VALUE(PVFIO_IFD_PGFAULT_PERM_PRIV, IOMMU_PGFAULT_PERM_PRIV);
SAME_VALUE(PVFIO_IFD_PAGE_RESP_SUCCESS, IOMMUFD_PAGE_RESP_SUCCESS);
SAME_VALUE(PVFIO_IFD_PAGE_RESP_INVALID, IOMMUFD_PAGE_RESP_INVALID);
SAME_VALUE(PVFIO_IFD_VIOMMU_TYPE_DEFAULT, IOMMU_VIOMMU_TYPE_DEFAULT);
SAME_VALUE(PVFIO_IFD_VIOMMU_TYPE_ARM_SMMUV3, IOMMU_VIOMMU_TYPE_ARM_SMMUV3);
SAME_VALUE(PVFIO_IFD_VIOMMU_TYPE_TEGRA241_CMDQV, IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV);
SAME_VALUE(PVFIO_IFD_VEVENTQ_FLAG_LOST_EVENTS, IOMMU_VEVENTQ_FLAG_LOST_EVENTS);
SAME_VALUE(PVFIO_IFD_VEVENTQ_TYPE_DEFAULT, IOMMU_VEVENTQ_TYPE_DEFAULT);
SAME_VALUE(PVFIO_IFD_VEVENTQ_TYPE_ARM_SMMUV3, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3);
SAME_VALUE(PVFIO_IFD_VEVENTQ_TYPE_TEGRA241_CMDQV, IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV);
SAME_VALUE(PVFIO_IFD_HW_QUEUE_TYPE_DEFAULT, IOMMU_HW_QUEUE_TYPE_DEFAULT);
SAME_VALUE(PVFIO_IFD_HW_QUEUE_TYPE_TEGRA241_CMDQV, IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV);
SAME_VALUE(PVFIO_IFD_TEST_PASID_RESERVED, IOMMU_TEST_PASID_RESERVED);
SAME_VALUE(PVFIO_IFD_TEST_CMD, IOMMU_TEST_CMD);
SAME_VALUE(PVFIO_IFD_MOCK_PASID_WIDTH, MOCK_PASID_WIDTH);
SAME_VALUE(PVFIO_IFD_HW_INFO_TYPE_SELFTEST, IOMMU_HW_INFO_TYPE_SELFTEST);
SAME_VALUE(PVFIO_IFD_HW_INFO_SELFTEST_REGVAL, IOMMU_HW_INFO_SELFTEST_REGVAL);
SAME_VALUE(PVFIO_IFD_HWPT_DATA_SELFTEST, IOMMU_HWPT_DATA_SELFTEST);
SAME_VALUE(PVFIO_IFD_TEST_IOTLB_DEFAULT, IOMMU_TEST_IOTLB_DEFAULT);
SAME_VALUE(PVFIO_IFD_TEST_DEV_CACHE_DEFAULT, IOMMU_TEST_DEV_CACHE_DEFAULT);
SAME_VALUE(PVFIO_IFD_HWPT_INVALIDATE_DATA_SELFTEST, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST);
SAME_VALUE(PVFIO_IFD_HWPT_INVALIDATE_DATA_SELFTEST_INVALID, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID);
SAME_VALUE(PVFIO_IFD_TEST_INVALIDATE_FLAG_ALL, IOMMU_TEST_INVALIDATE_FLAG_ALL);
SAME_VALUE(PVFIO_IFD_VIOMMU_TYPE_SELFTEST, IOMMU_VIOMMU_TYPE_SELFTEST);
SAME_VALUE(PVFIO_IFD_VIOMMU_INVALIDATE_DATA_SELFTEST, IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST);
SAME_VALUE(PVFIO_IFD_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID, IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID);
SAME_VALUE(PVFIO_IFD_VEVENTQ_TYPE_SELFTEST, IOMMU_VEVENTQ_TYPE_SELFTEST);
SAME_VALUE(PVFIO_IFD_HW_QUEUE_TYPE_SELFTEST, IOMMU_HW_QUEUE_TYPE_SELFTEST);
SAME_VALUE(PVFIO_IFD_TEST_HW_QUEUE_MAX, IOMMU_TEST_HW_QUEUE_MAX);
SAME_VALUE(PVFIO_IFD_TEST_OP_ADD_RESERVED, IOMMU_TEST_OP_ADD_RESERVED);
SAME_VALUE(PVFIO_IFD_TEST_OP_MOCK_DOMAIN, IOMMU_TEST_OP_MOCK_DOMAIN);
SAME_VALUE(PVFIO_IFD_TEST_OP_MD_CHECK_MAP, IOMMU_TEST_OP_MD_CHECK_MAP);
SAME_VALUE(PVFIO_IFD_TEST_OP_MD_CHECK_REFS, IOMMU_TEST_OP_MD_CHECK_REFS);
SAME_VALUE(PVFIO_IFD_TEST_OP_CREATE_ACCESS, IOMMU_TEST_OP_CREATE_ACCESS);
SAME_VALUE(PVFIO_IFD_TEST_OP_DESTROY_ACCESS_PAGES, IOMMU_TEST_OP_DESTROY_ACCESS_PAGES);
SAME_VALUE(PVFIO_IFD_TEST_OP_ACCESS_PAGES, IOMMU_TEST_OP_ACCESS_PAGES);
SAME_VALUE(PVFIO_IFD_TEST_OP_ACCESS_RW, IOMMU_TEST_OP_ACCESS_RW);
SAME_VALUE(PVFIO_IFD_TEST_OP_SET_TEMP_MEMORY_LIMIT, IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT);
SAME_VALUE(PVFIO_IFD_TEST_OP_MOCK_DOMAIN_REPLACE, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE);
SAME_VALUE(PVFIO_IFD_TEST_OP_ACCESS_REPLACE_IOAS, IOMMU_TEST_OP_ACCESS_REPLACE_IOAS);
SAME_VALUE(PVFIO_IFD_TEST_OP_MOCK_DOMAIN_FLAGS, IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS);
SAME_VALUE(PVFIO_IFD_TEST_OP_DIRTY, IOMMU_TEST_OP_DIRTY);
SAME_VALUE(PVFIO_IFD_TEST_OP_MD_CHECK_IOTLB, IOMMU_TEST_OP_MD_CHECK_IOTLB);
SAME_VALUE(PVFIO_IFD_TEST_OP_TRIGGER_IOPF, IOMMU_TEST_OP_TRIGGER_IOPF);
SAME_VALUE(PVFIO_IFD_TEST_OP_DEV_CHECK_CACHE, IOMMU_TEST_OP_DEV_CHECK_CACHE);
SAME_VALUE(PVFIO_IFD_TEST_OP_TRIGGER_VEVENT, IOMMU_TEST_OP_TRIGGER_VEVENT);
SAME_VALUE(PVFIO_IFD_TEST_OP_PASID_ATTACH, IOMMU_TEST_OP_PASID_ATTACH);
SAME_VALUE(PVFIO_IFD_TEST_OP_PASID_REPLACE, IOMMU_TEST_OP_PASID_REPLACE);
SAME_VALUE(PVFIO_IFD_TEST_OP_PASID_DETACH, IOMMU_TEST_OP_PASID_DETACH);
SAME_VALUE(PVFIO_IFD_TEST_OP_PASID_CHECK_HWPT, IOMMU_TEST_OP_PASID_CHECK_HWPT);
SAME_VALUE(PVFIO_IFD_TEST_OP_DMABUF_GET, IOMMU_TEST_OP_DMABUF_GET);
SAME_VALUE(PVFIO_IFD_TEST_OP_DMABUF_REVOKE, IOMMU_TEST_OP_DMABUF_REVOKE);
SAME_VALUE(PVFIO_IFD_MOCK_IOMMUPT_DEFAULT, MOCK_IOMMUPT_DEFAULT);
SAME_VALUE(PVFIO_IFD_MOCK_IOMMUPT_HUGE, MOCK_IOMMUPT_HUGE);
SAME_VALUE(PVFIO_IFD_MOCK_APERTURE_START, MOCK_APERTURE_START);
SAME_VALUE(PVFIO_IFD_MOCK_APERTURE_LAST, MOCK_APERTURE_LAST);
SAME_VALUE(PVFIO_IFD_MOCK_PAGE_SIZE, MOCK_PAGE_SIZE);
SAME_VALUE(PVFIO_IFD_MOCK_HUGE_PAGE_SIZE, MOCK_HUGE_PAGE_SIZE);
SAME_VALUE(PVFIO_IFD_MOCK_FLAGS_ACCESS_WRITE, MOCK_FLAGS_ACCESS_WRITE);
SAME_VALUE(PVFIO_IFD_MOCK_FLAGS_ACCESS_SYZ, MOCK_FLAGS_ACCESS_SYZ);
SAME_VALUE(PVFIO_IFD_MOCK_ACCESS_RW_WRITE, MOCK_ACCESS_RW_WRITE);
SAME_VALUE(PVFIO_IFD_MOCK_ACCESS_RW_SLOW_PATH, MOCK_ACCESS_RW_SLOW_PATH);
SAME_VALUE(PVFIO_IFD_MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES, MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
SAME_VALUE(PVFIO_IFD_MOCK_FLAGS_DEVICE_NO_DIRTY, MOCK_FLAGS_DEVICE_NO_DIRTY);
SAME_VALUE(PVFIO_IFD_MOCK_FLAGS_DEVICE_PASID, MOCK_FLAGS_DEVICE_PASID);
SAME_VALUE(PVFIO_IFD_MOCK_NESTED_DOMAIN_IOTLB_ID_MAX, MOCK_NESTED_DOMAIN_IOTLB_ID_MAX);
SAME_VALUE(PVFIO_IFD_MOCK_NESTED_DOMAIN_IOTLB_NUM, MOCK_NESTED_DOMAIN_IOTLB_NUM);
SAME_VALUE(PVFIO_IFD_MOCK_DEV_CACHE_ID_MAX, MOCK_DEV_CACHE_ID_MAX);
SAME_VALUE(PVFIO_IFD_MOCK_DEV_CACHE_NUM, MOCK_DEV_CACHE_NUM);

/* The #defines are #defines in pvfio too: usable in #if. */
#if !defined(PVFIO_IFD_TYPE) || PVFIO_IFD_TYPE != IOMMUFD_TYPE
#error "PVFIO_IFD_TYPE differs from IOMMUFD_TYPE in #if"
#endif
#if !defined(PVFIO_IFD_TEST_PASID_RESERVED) || PVFIO_IFD_TEST_PASID_RESERVED != IOMMU_TEST_PASID_RESERVED
#error "PVFIO_IFD_TEST_PASID_RESERVED differs from IOMMU_TEST_PASID_RESERVED in #if"
#endif
#if !defined(PVFIO_IFD_MOCK_PASID_WIDTH) || PVFIO_IFD_MOCK_PASID_WIDTH != MOCK_PASID_WIDTH
#error "PVFIO_IFD_MOCK_PASID_WIDTH differs from MOCK_PASID_WIDTH in #if"
#endif
#if !defined(PVFIO_IFD_HW_INFO_TYPE_SELFTEST) || PVFIO_IFD_HW_INFO_TYPE_SELFTEST != IOMMU_HW_INFO_TYPE_SELFTEST
#error "PVFIO_IFD_HW_INFO_TYPE_SELFTEST differs from IOMMU_HW_INFO_TYPE_SELFTEST in #if"
#endif
#if !defined(PVFIO_IFD_HW_INFO_SELFTEST_REGVAL) || PVFIO_IFD_HW_INFO_SELFTEST_REGVAL != IOMMU_HW_INFO_SELFTEST_REGVAL
#error "PVFIO_IFD_HW_INFO_SELFTEST_REGVAL differs from IOMMU_HW_INFO_SELFTEST_REGVAL in #if"
#endif
#if !defined(PVFIO_IFD_HWPT_DATA_SELFTEST) || PVFIO_IFD_HWPT_DATA_SELFTEST != IOMMU_HWPT_DATA_SELFTEST
#error "PVFIO_IFD_HWPT_DATA_SELFTEST differs from IOMMU_HWPT_DATA_SELFTEST in #if"
#endif
#if !defined(PVFIO_IFD_TEST_IOTLB_DEFAULT) || PVFIO_IFD_TEST_IOTLB_DEFAULT != IOMMU_TEST_IOTLB_DEFAULT
#error "PVFIO_IFD_TEST_IOTLB_DEFAULT differs from IOMMU_TEST_IOTLB_DEFAULT in #if"
#endif
#if !defined(PVFIO_IFD_TEST_DEV_CACHE_DEFAULT) || PVFIO_IFD_TEST_DEV_CACHE_DEFAULT != IOMMU_TEST_DEV_CACHE_DEFAULT
#error "PVFIO_IFD_TEST_DEV_CACHE_DEFAULT differs from IOMMU_TEST_DEV_CACHE_DEFAULT in #if"
#endif
#if !defined(PVFIO_IFD_HWPT_INVALIDATE_DATA_SELFTEST) || PVFIO_IFD_HWPT_INVALIDATE_DATA_SELFTEST != IOMMU_HWPT_INVALIDATE_DATA_SELFTEST
#error "PVFIO_IFD_HWPT_INVALIDATE_DATA_SELFTEST differs from IOMMU_HWPT_INVALIDATE_DATA_SELFTEST in #if"
#endif
#if !defined(PVFIO_IFD_HWPT_INVALIDATE_DATA_SELFTEST_INVALID) || PVFIO_IFD_HWPT_INVALIDATE_DATA_SELFTEST_INVALID != IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID
#error "PVFIO_IFD_HWPT_INVALIDATE_DATA_SELFTEST_INVALID differs from IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID in #if"
#endif
#if !defined(PVFIO_IFD_TEST_INVALIDATE_FLAG_ALL) || PVFIO_IFD_TEST_INVALIDATE_FLAG_ALL != IOMMU_TEST_INVALIDATE_FLAG_ALL
#error "PVFIO_IFD_TEST_INVALIDATE_FLAG_ALL differs from IOMMU_TEST_INVALIDATE_FLAG_ALL in #if"
#endif
#if !defined(PVFIO_IFD_VIOMMU_TYPE_SELFTEST) || PVFIO_IFD_VIOMMU_TYPE_SELFTEST != IOMMU_VIOMMU_TYPE_SELFTEST
#error "PVFIO_IFD_VIOMMU_TYPE_SELFTEST differs from IOMMU_VIOMMU_TYPE_SELFTEST in #if"
#endif
#if !defined(PVFIO_IFD_VIOMMU_INVALIDATE_DATA_SELFTEST) || PVFIO_IFD_VIOMMU_INVALIDATE_DATA_SELFTEST != IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST
#error "PVFIO_IFD_VIOMMU_INVALIDATE_DATA_SELFTEST differs from IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST in #if"
#endif
#if !defined(PVFIO_IFD_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID) || PVFIO_IFD_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID != IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID
#error "PVFIO_IFD_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID differs from IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID in #if"
#endif
#if !defined(PVFIO_IFD_VEVENTQ_TYPE_SELFTEST) || PVFIO_IFD_VEVENTQ_TYPE_SELFTEST != IOMMU_VEVENTQ_TYPE_SELFTEST
#error "PVFIO_IFD_VEVENTQ_TYPE_SELFTEST differs from IOMMU_VEVENTQ_TYPE_SELFTEST in #if"
#endif
#if !defined(PVFIO_IFD_HW_QUEUE_TYPE_SELFTEST) || PVFIO_IFD_HW_QUEUE_TYPE_SELFTEST != IOMMU_HW_QUEUE_TYPE_SELFTEST
#error "PVFIO_IFD_HW_QUEUE_TYPE_SELFTEST differs from IOMMU_HW_QUEUE_TYPE_SELFTEST in #if"
#endif
#if !defined(PVFIO_IFD_TEST_HW_QUEUE_MAX) || PVFIO_IFD_TEST_HW_QUEUE_MAX != IOMMU_TEST_HW_QUEUE_MAX
#error "PVFIO_IFD_TEST_HW_QUEUE_MAX differs from IOMMU_TEST_HW_QUEUE_MAX in #if"
#endif

/* struct iommu_destroy */
SAME_STRUCT(pvfio_ifd_destroy, iommu_destroy);
SAME_FIELD(pvfio_ifd_destroy, iommu_destroy, size);
SAME_FIELD(pvfio_ifd_destroy, iommu_destroy, id);

/* struct iommu_ioas_alloc */
SAME_STRUCT(pvfio_ifd_ioas_alloc, iommu_ioas_alloc);
SAME_FIELD(pvfio_ifd_ioas_alloc, iommu_ioas_alloc, size);
SAME_FIELD(pvfio_ifd_ioas_alloc, iommu_ioas_alloc, flags);
SAME_FIELD(pvfio_ifd_ioas_alloc, iommu_ioas_alloc, out_ioas_id);

/* struct iommu_iova_range */
SAME_STRUCT(pvfio_ifd_iova_range, iommu_iova_range);
SAME_FIELD(pvfio_ifd_iova_range, iommu_iova_range, start);
SAME_FIELD(pvfio_ifd_iova_range, iommu_iova_range, last);

/* struct iommu_ioas_iova_ranges */
SAME_STRUCT(pvfio_ifd_ioas_iova_ranges, iommu_ioas_iova_ranges);
SAME_FIELD(pvfio_ifd_ioas_iova_ranges, iommu_ioas_iova_ranges, size);
SAME_FIELD(pvfio_ifd_ioas_iova_ranges, iommu_ioas_iova_ranges, ioas_id);
SAME_FIELD(pvfio_ifd_ioas_iova_ranges, iommu_ioas_iova_ranges, num_iovas);
SAME_FIELD(pvfio_ifd_ioas_iova_ranges, iommu_ioas_iova_ranges, __reserved);
SAME_FIELD(pvfio_ifd_ioas_iova_ranges, iommu_ioas_iova_ranges, allowed_iovas);
SAME_FIELD(pvfio_ifd_ioas_iova_ranges, iommu_ioas_iova_ranges, out_iova_alignment);

/* struct iommu_ioas_allow_iovas */
SAME_STRUCT(pvfio_ifd_ioas_allow_iovas, iommu_ioas_allow_iovas);
SAME_FIELD(pvfio_ifd_ioas_allow_iovas, iommu_ioas_allow_iovas, size);
SAME_FIELD(pvfio_ifd_ioas_allow_iovas, iommu_ioas_allow_iovas, ioas_id);
SAME_FIELD(pvfio_ifd_ioas_allow_iovas, iommu_ioas_allow_iovas, num_iovas);
SAME_FIELD(pvfio_ifd_ioas_allow_iovas, iommu_ioas_allow_iovas, __reserved);
SAME_FIELD(pvfio_ifd_ioas_allow_iovas, iommu_ioas_allow_iovas, allowed_iovas);

/* struct iommu_ioas_map */
SAME_STRUCT(pvfio_ifd_ioas_map, iommu_ioas_map);
SAME_FIELD(pvfio_ifd_ioas_map, iommu_ioas_map, size);
SAME_FIELD(pvfio_ifd_ioas_map, iommu_ioas_map, flags);
SAME_FIELD(pvfio_ifd_ioas_map, iommu_ioas_map, ioas_id);
SAME_FIELD(pvfio_ifd_ioas_map, iommu_ioas_map, __reserved);
SAME_FIELD(pvfio_ifd_ioas_map, iommu_ioas_map, user_va);
SAME_FIELD(pvfio_ifd_ioas_map, iommu_ioas_map, length);
SAME_FIELD(pvfio_ifd_ioas_map, iommu_ioas_map, iova);

/* struct iommu_ioas_map_file */
SAME_STRUCT(pvfio_ifd_ioas_map_file, iommu_ioas_map_file);
SAME_FIELD(pvfio_ifd_ioas_map_file, iommu_ioas_map_file, size);
SAME_FIELD(pvfio_ifd_ioas_map_file, iommu_ioas_map_file, flags);
SAME_FIELD(pvfio_ifd_ioas_map_file, iommu_ioas_map_file, ioas_id);
SAME_FIELD(pvfio_ifd_ioas_map_file, iommu_ioas_map_file, fd);
SAME_FIELD(pvfio_ifd_ioas_map_file, iommu_ioas_map_file, start);
SAME_FIELD(pvfio_ifd_ioas_map_file, iommu_ioas_map_file, length);
SAME_FIELD(pvfio_ifd_ioas_map_file, iommu_ioas_map_file, iova);

/* struct iommu_ioas_copy */
SAME_STRUCT(pvfio_ifd_ioas_copy, iommu_ioas_copy);
SAME_FIELD(pvfio_ifd_ioas_copy, iommu_ioas_copy, size);
SAME_FIELD(pvfio_ifd_ioas_copy, iommu_ioas_copy, flags);
SAME_FIELD(pvfio_ifd_ioas_copy, iommu_ioas_copy, dst_ioas_id);
SAME_FIELD(pvfio_ifd_ioas_copy, iommu_ioas_copy, src_ioas_id);
SAME_FIELD(pvfio_ifd_ioas_copy, iommu_ioas_copy, length);
SAME_FIELD(pvfio_ifd_ioas_copy, iommu_ioas_copy, dst_iova);
SAME_FIELD(pvfio_ifd_ioas_copy, iommu_ioas_copy, src_iova);

/* struct iommu_ioas_unmap */
SAME_STRUCT(pvfio_ifd_ioas_unmap, iommu_ioas_unmap);
SAME_FIELD(pvfio_ifd_ioas_unmap, iommu_ioas_unmap, size);
SAME_FIELD(pvfio_ifd_ioas_unmap, iommu_ioas_unmap, ioas_id);
SAME_FIELD(pvfio_ifd_ioas_unmap, iommu_ioas_unmap, iova);
SAME_FIELD(pvfio_ifd_ioas_unmap, iommu_ioas_unmap, length);

/* struct iommu_option */
SAME_STRUCT(pvfio_ifd_option, iommu_option);
SAME_FIELD(pvfio_ifd_option, iommu_option, size);
SAME_FIELD(pvfio_ifd_option, iommu_option, option_id);
SAME_FIELD(pvfio_ifd_option, iommu_option, op);
SAME_FIELD(pvfio_ifd_option, iommu_option, __reserved);
SAME_FIELD(pvfio_ifd_option, iommu_option, object_id);
SAME_FIELD(pvfio_ifd_option, iommu_option, val64);

/* struct iommu_vfio_ioas */
SAME_STRUCT(pvfio_ifd_vfio_ioas, iommu_vfio_ioas);
SAME_FIELD(pvfio_ifd_vfio_ioas, iommu_vfio_ioas, size);
SAME_FIELD(pvfio_ifd_vfio_ioas, iommu_vfio_ioas, ioas_id);
SAME_FIELD(pvfio_ifd_vfio_ioas, iommu_vfio_ioas, op);
SAME_FIELD(pvfio_ifd_vfio_ioas, iommu_vfio_ioas, __reserved);

/* struct iommu_hwpt_vtd_s1: not mirrored (driver payload) */

/* struct iommu_hwpt_arm_smmuv3: not mirrored (driver payload) */

/* struct iommu_hwpt_amd_guest: not mirrored (driver payload) */

/* struct iommu_hwpt_alloc */
SAME_STRUCT(pvfio_ifd_hwpt_alloc, iommu_hwpt_alloc);
SAME_FIELD(pvfio_ifd_hwpt_alloc, iommu_hwpt_alloc, size);
SAME_FIELD(pvfio_ifd_hwpt_alloc, iommu_hwpt_alloc, flags);
SAME_FIELD(pvfio_ifd_hwpt_alloc, iommu_hwpt_alloc, dev_id);
SAME_FIELD(pvfio_ifd_hwpt_alloc, iommu_hwpt_alloc, pt_id);
SAME_FIELD(pvfio_ifd_hwpt_alloc, iommu_hwpt_alloc, out_hwpt_id);
SAME_FIELD(pvfio_ifd_hwpt_alloc, iommu_hwpt_alloc, __reserved);
SAME_FIELD(pvfio_ifd_hwpt_alloc, iommu_hwpt_alloc, data_type);
SAME_FIELD(pvfio_ifd_hwpt_alloc, iommu_hwpt_alloc, data_len);
SAME_FIELD(pvfio_ifd_hwpt_alloc, iommu_hwpt_alloc, data_uptr);
SAME_FIELD(pvfio_ifd_hwpt_alloc, iommu_hwpt_alloc, fault_id);
SAME_FIELD(pvfio_ifd_hwpt_alloc, iommu_hwpt_alloc, __reserved2);

/* struct iommu_hw_info_vtd: not mirrored (driver payload) */

/* struct iommu_hw_info_arm_smmuv3: not mirrored (driver payload) */

/* struct iommu_hw_info_tegra241_cmdqv: not mirrored (driver payload) */

/* struct iommu_hw_info_amd: not mirrored (driver payload) */

/* struct iommu_hw_info */
SAME_STRUCT(pvfio_ifd_hw_info, iommu_hw_info);
SAME_FIELD(pvfio_ifd_hw_info, iommu_hw_info, size);
SAME_FIELD(pvfio_ifd_hw_info, iommu_hw_info, flags);
SAME_FIELD(pvfio_ifd_hw_info, iommu_hw_info, dev_id);
SAME_FIELD(pvfio_ifd_hw_info, iommu_hw_info, data_len);
SAME_FIELD(pvfio_ifd_hw_info, iommu_hw_info, data_uptr);
SAME_FIELD(pvfio_ifd_hw_info, iommu_hw_info, in_data_type);
SAME_FIELD(pvfio_ifd_hw_info, iommu_hw_info, out_data_type);
SAME_FIELD(pvfio_ifd_hw_info, iommu_hw_info, out_max_pasid_log2);
SAME_FIELD(pvfio_ifd_hw_info, iommu_hw_info, __reserved);
SAME_FIELD(pvfio_ifd_hw_info, iommu_hw_info, out_capabilities);

/* struct iommu_hwpt_set_dirty_tracking */
SAME_STRUCT(pvfio_ifd_hwpt_set_dirty_tracking, iommu_hwpt_set_dirty_tracking);
SAME_FIELD(pvfio_ifd_hwpt_set_dirty_tracking, iommu_hwpt_set_dirty_tracking, size);
SAME_FIELD(pvfio_ifd_hwpt_set_dirty_tracking, iommu_hwpt_set_dirty_tracking, flags);
SAME_FIELD(pvfio_ifd_hwpt_set_dirty_tracking, iommu_hwpt_set_dirty_tracking, hwpt_id);
SAME_FIELD(pvfio_ifd_hwpt_set_dirty_tracking, iommu_hwpt_set_dirty_tracking, __reserved);

/* struct iommu_hwpt_get_dirty_bitmap */
SAME_STRUCT(pvfio_ifd_hwpt_get_dirty_bitmap, iommu_hwpt_get_dirty_bitmap);
SAME_FIELD(pvfio_ifd_hwpt_get_dirty_bitmap, iommu_hwpt_get_dirty_bitmap, size);
SAME_FIELD(pvfio_ifd_hwpt_get_dirty_bitmap, iommu_hwpt_get_dirty_bitmap, hwpt_id);
SAME_FIELD(pvfio_ifd_hwpt_get_dirty_bitmap, iommu_hwpt_get_dirty_bitmap, flags);
SAME_FIELD(pvfio_ifd_hwpt_get_dirty_bitmap, iommu_hwpt_get_dirty_bitmap, __reserved);
SAME_FIELD(pvfio_ifd_hwpt_get_dirty_bitmap, iommu_hwpt_get_dirty_bitmap, iova);
SAME_FIELD(pvfio_ifd_hwpt_get_dirty_bitmap, iommu_hwpt_get_dirty_bitmap, length);
SAME_FIELD(pvfio_ifd_hwpt_get_dirty_bitmap, iommu_hwpt_get_dirty_bitmap, page_size);
SAME_FIELD(pvfio_ifd_hwpt_get_dirty_bitmap, iommu_hwpt_get_dirty_bitmap, data);

/* struct iommu_hwpt_vtd_s1_invalidate: not mirrored (driver payload) */

/* struct iommu_viommu_arm_smmuv3_invalidate: not mirrored (driver payload) */

/* struct iommu_hwpt_invalidate */
SAME_STRUCT(pvfio_ifd_hwpt_invalidate, iommu_hwpt_invalidate);
SAME_FIELD(pvfio_ifd_hwpt_invalidate, iommu_hwpt_invalidate, size);
SAME_FIELD(pvfio_ifd_hwpt_invalidate, iommu_hwpt_invalidate, hwpt_id);
SAME_FIELD(pvfio_ifd_hwpt_invalidate, iommu_hwpt_invalidate, data_uptr);
SAME_FIELD(pvfio_ifd_hwpt_invalidate, iommu_hwpt_invalidate, data_type);
SAME_FIELD(pvfio_ifd_hwpt_invalidate, iommu_hwpt_invalidate, entry_len);
SAME_FIELD(pvfio_ifd_hwpt_invalidate, iommu_hwpt_invalidate, entry_num);
SAME_FIELD(pvfio_ifd_hwpt_invalidate, iommu_hwpt_invalidate, __reserved);

/* struct iommu_hwpt_pgfault */
SAME_STRUCT(pvfio_ifd_hwpt_pgfault, iommu_hwpt_pgfault);
SAME_FIELD(pvfio_ifd_hwpt_pgfault, iommu_hwpt_pgfault, flags);
SAME_FIELD(pvfio_ifd_hwpt_pgfault, iommu_hwpt_pgfault, dev_id);
SAME_FIELD(pvfio_ifd_hwpt_pgfault, iommu_hwpt_pgfault, pasid);
SAME_FIELD(pvfio_ifd_hwpt_pgfault, iommu_hwpt_pgfault, grpid);
SAME_FIELD(pvfio_ifd_hwpt_pgfault, iommu_hwpt_pgfault, perm);
SAME_FIELD(pvfio_ifd_hwpt_pgfault, iommu_hwpt_pgfault, __reserved);
SAME_FIELD(pvfio_ifd_hwpt_pgfault, iommu_hwpt_pgfault, addr);
SAME_FIELD(pvfio_ifd_hwpt_pgfault, iommu_hwpt_pgfault, length);
SAME_FIELD(pvfio_ifd_hwpt_pgfault, iommu_hwpt_pgfault, cookie);

/* struct iommu_hwpt_page_response */
SAME_STRUCT(pvfio_ifd_hwpt_page_response, iommu_hwpt_page_response);
SAME_FIELD(pvfio_ifd_hwpt_page_response, iommu_hwpt_page_response, cookie);
SAME_FIELD(pvfio_ifd_hwpt_page_response, iommu_hwpt_page_response, code);

/* struct iommu_fault_alloc */
SAME_STRUCT(pvfio_ifd_fault_alloc, iommu_fault_alloc);
SAME_FIELD(pvfio_ifd_fault_alloc, iommu_fault_alloc, size);
SAME_FIELD(pvfio_ifd_fault_alloc, iommu_fault_alloc, flags);
SAME_FIELD(pvfio_ifd_fault_alloc, iommu_fault_alloc, out_fault_id);
SAME_FIELD(pvfio_ifd_fault_alloc, iommu_fault_alloc, out_fault_fd);

/* struct iommu_viommu_tegra241_cmdqv: not mirrored (driver payload) */

/* struct iommu_viommu_alloc */
SAME_STRUCT(pvfio_ifd_viommu_alloc, iommu_viommu_alloc);
SAME_FIELD(pvfio_ifd_viommu_alloc, iommu_viommu_alloc, size);
SAME_FIELD(pvfio_ifd_viommu_alloc, iommu_viommu_alloc, flags);
SAME_FIELD(pvfio_ifd_viommu_alloc, iommu_viommu_alloc, type);
SAME_FIELD(pvfio_ifd_viommu_alloc, iommu_viommu_alloc, dev_id);
SAME_FIELD(pvfio_ifd_viommu_alloc, iommu_viommu_alloc, hwpt_id);
SAME_FIELD(pvfio_ifd_viommu_alloc, iommu_viommu_alloc, out_viommu_id);
SAME_FIELD(pvfio_ifd_viommu_alloc, iommu_viommu_alloc, data_len);
SAME_FIELD(pvfio_ifd_viommu_alloc, iommu_viommu_alloc, __reserved);
SAME_FIELD(pvfio_ifd_viommu_alloc, iommu_viommu_alloc, data_uptr);

/* struct iommu_vdevice_alloc */
SAME_STRUCT(pvfio_ifd_vdevice_alloc, iommu_vdevice_alloc);
SAME_FIELD(pvfio_ifd_vdevice_alloc, iommu_vdevice_alloc, size);
SAME_FIELD(pvfio_ifd_vdevice_alloc, iommu_vdevice_alloc, viommu_id);
SAME_FIELD(pvfio_ifd_vdevice_alloc, iommu_vdevice_alloc, dev_id);
SAME_FIELD(pvfio_ifd_vdevice_alloc, iommu_vdevice_alloc, out_vdevice_id);
SAME_FIELD(pvfio_ifd_vdevice_alloc, iommu_vdevice_alloc, virt_id);

/* struct iommu_ioas_change_process */
SAME_STRUCT(pvfio_ifd_ioas_change_process, iommu_ioas_change_process);
SAME_FIELD(pvfio_ifd_ioas_change_process, iommu_ioas_change_process, size);
SAME_FIELD(pvfio_ifd_ioas_change_process, iommu_ioas_change_process, __reserved);

/* struct iommufd_vevent_header */
SAME_STRUCT(pvfio_ifd_vevent_header, iommufd_vevent_header);
SAME_FIELD(pvfio_ifd_vevent_header, iommufd_vevent_header, flags);
SAME_FIELD(pvfio_ifd_vevent_header, iommufd_vevent_header, sequence);

/* struct iommu_vevent_arm_smmuv3: not mirrored (driver payload) */

/* struct iommu_vevent_tegra241_cmdqv: not mirrored (driver payload) */

/* struct iommu_veventq_alloc */
SAME_STRUCT(pvfio_ifd_veventq_alloc, iommu_veventq_alloc);
SAME_FIELD(pvfio_ifd_veventq_alloc, iommu_veventq_alloc, size);
SAME_FIELD(pvfio_ifd_veventq_alloc, iommu_veventq_alloc, flags);
SAME_FIELD(pvfio_ifd_veventq_alloc, iommu_veventq_alloc, viommu_id);
SAME_FIELD(pvfio_ifd_veventq_alloc, iommu_veventq_alloc, type);
SAME_FIELD(pvfio_ifd_veventq_alloc, iommu_veventq_alloc, veventq_depth);
SAME_FIELD(pvfio_ifd_veventq_alloc, iommu_veventq_alloc, out_veventq_id);
SAME_FIELD(pvfio_ifd_veventq_alloc, iommu_veventq_alloc, out_veventq_fd);
SAME_FIELD(pvfio_ifd_veventq_alloc, iommu_veventq_alloc, __reserved);

/* struct iommu_hw_queue_alloc */
SAME_STRUCT(pvfio_ifd_hw_queue_alloc, iommu_hw_queue_alloc);
SAME_FIELD(pvfio_ifd_hw_queue_alloc, iommu_hw_queue_alloc, size);
SAME_FIELD(pvfio_ifd_hw_queue_alloc, iommu_hw_queue_alloc, flags);
SAME_FIELD(pvfio_ifd_hw_queue_alloc, iommu_hw_queue_alloc, viommu_id);
SAME_FIELD(pvfio_ifd_hw_queue_alloc, iommu_hw_queue_alloc, type);
SAME_FIELD(pvfio_ifd_hw_queue_alloc, iommu_hw_queue_alloc, index);
SAME_FIELD(pvfio_ifd_hw_queue_alloc, iommu_hw_queue_alloc, out_hw_queue_id);
SAME_FIELD(pvfio_ifd_hw_queue_alloc, iommu_hw_queue_alloc, nesting_parent_iova);
SAME_FIELD(pvfio_ifd_hw_queue_alloc, iommu_hw_queue_alloc, length);

/* struct iommu_test_cmd */
SAME_STRUCT(pvfio_ifd_test_cmd, iommu_test_cmd);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, size);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, op);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, id);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, __reserved);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, add_reserved);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, add_reserved.start);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, add_reserved.length);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, mock_domain);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, mock_domain.out_stdev_id);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, mock_domain.out_hwpt_id);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, mock_domain.out_idev_id);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, mock_domain_flags);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, mock_domain_flags.out_stdev_id);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, mock_domain_flags.out_hwpt_id);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, mock_domain_flags.out_idev_id);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, mock_domain_flags.dev_flags);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, mock_domain_replace);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, mock_domain_replace.pt_id);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, check_map);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, check_map.iova);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, check_map.length);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, check_map.uptr);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, check_refs);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, check_refs.length);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, check_refs.uptr);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, check_refs.refs);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, create_access);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, create_access.out_access_fd);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, create_access.flags);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, destroy_access_pages);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, destroy_access_pages.access_pages_id);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, access_pages);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, access_pages.flags);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, access_pages.out_access_pages_id);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, access_pages.iova);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, access_pages.length);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, access_pages.uptr);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, access_rw);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, access_rw.iova);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, access_rw.length);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, access_rw.uptr);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, access_rw.flags);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, memory_limit);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, memory_limit.limit);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, access_replace_ioas);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, access_replace_ioas.ioas_id);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, dirty);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, dirty.flags);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, dirty.iova);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, dirty.length);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, dirty.page_size);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, dirty.uptr);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, dirty.out_nr_dirty);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, check_iotlb);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, check_iotlb.id);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, check_iotlb.iotlb);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, trigger_iopf);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, trigger_iopf.dev_id);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, trigger_iopf.pasid);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, trigger_iopf.grpid);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, trigger_iopf.perm);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, trigger_iopf.addr);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, check_dev_cache);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, check_dev_cache.id);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, check_dev_cache.cache);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, trigger_vevent);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, trigger_vevent.dev_id);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, pasid_attach);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, pasid_attach.pasid);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, pasid_attach.pt_id);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, pasid_replace);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, pasid_replace.pasid);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, pasid_replace.pt_id);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, pasid_detach);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, pasid_detach.pasid);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, pasid_check);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, pasid_check.pasid);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, pasid_check.hwpt_id);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, dmabuf_get);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, dmabuf_get.length);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, dmabuf_get.open_flags);
SAME_MEMBER(pvfio_ifd_test_cmd, iommu_test_cmd, dmabuf_revoke);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, dmabuf_revoke.dmabuf_fd);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, dmabuf_revoke.revoked);
SAME_FIELD(pvfio_ifd_test_cmd, iommu_test_cmd, last);

/* struct iommu_test_hw_info */
SAME_STRUCT(pvfio_ifd_test_hw_info, iommu_test_hw_info);
SAME_FIELD(pvfio_ifd_test_hw_info, iommu_test_hw_info, flags);
SAME_FIELD(pvfio_ifd_test_hw_info, iommu_test_hw_info, test_reg);

/* struct iommu_hwpt_selftest */
SAME_STRUCT(pvfio_ifd_hwpt_selftest, iommu_hwpt_selftest);
SAME_FIELD(pvfio_ifd_hwpt_selftest, iommu_hwpt_selftest, iotlb);
SAME_FIELD(pvfio_ifd_hwpt_selftest, iommu_hwpt_selftest, pagetable_type);

/* struct iommu_hwpt_invalidate_selftest */
SAME_STRUCT(pvfio_ifd_hwpt_invalidate_selftest, iommu_hwpt_invalidate_selftest);
SAME_FIELD(pvfio_ifd_hwpt_invalidate_selftest, iommu_hwpt_invalidate_selftest, flags);
SAME_FIELD(pvfio_ifd_hwpt_invalidate_selftest, iommu_hwpt_invalidate_selftest, iotlb_id);

/* struct iommu_viommu_selftest */
SAME_STRUCT(pvfio_ifd_viommu_selftest, iommu_viommu_selftest);
SAME_FIELD(pvfio_ifd_viommu_selftest, iommu_viommu_selftest, in_data);
SAME_FIELD(pvfio_ifd_viommu_selftest, iommu_viommu_selftest, out_data);
SAME_FIELD(pvfio_ifd_viommu_selftest, iommu_viommu_selftest, out_mmap_offset);
SAME_FIELD(pvfio_ifd_viommu_selftest, iommu_viommu_selftest, out_mmap_length);

/* struct iommu_viommu_invalidate_selftest */
SAME_STRUCT(pvfio_ifd_viommu_invalidate_selftest, iommu_viommu_invalidate_selftest);
SAME_FIELD(pvfio_ifd_viommu_invalidate_selftest, iommu_viommu_invalidate_selftest, flags);
SAME_FIELD(pvfio_ifd_viommu_invalidate_selftest, iommu_viommu_invalidate_selftest, vdev_id);
SAME_FIELD(pvfio_ifd_viommu_invalidate_selftest, iommu_viommu_invalidate_selftest, cache_id);

/* struct iommu_viommu_event_selftest */
SAME_STRUCT(pvfio_ifd_viommu_event_selftest, iommu_viommu_event_selftest);
SAME_FIELD(pvfio_ifd_viommu_event_selftest, iommu_viommu_event_selftest, virt_id);

int main(void)
{
	printf("uapi/pvfio_iommufd.h: same layouts and values as Linux %s iommufd.h and iommufd_test.h\n",
	       "7.2.13");
	return 0;
}
