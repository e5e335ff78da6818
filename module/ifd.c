// SPDX-License-Identifier: GPL-2.0
/*
 * The iommufd front end: /dev/pvfio-iommufd speaks iommufd's userspace ABI
 * (uapi/pvfio_iommufd.h: iommufd's magic, numbers and layouts) over the
 * same core objects as /dev/pvfio.  The IOAS commands' structs are laid out
 * exactly like /dev/pvfio's, so both nodes run the same handlers; this file
 * adds the dispatch under iommufd's numbers, its HWPT_ALLOC and
 * GET_HW_INFO (for the mock devices of the test interface, ifd_test.c: the
 * node has no way to bind a real device, which iommufd does through VFIO),
 * and the size checks of the commands pvfio does not provide.
 *
 * The node is never named "iommu" and nothing here is exported, so pvfio
 * loads beside a kernel's own iommufd; a udev rule links /dev/iommu to it
 * only where the kernel has none.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "../uapi/pvfio_iommufd.h"
#include "pvfio_private.h"

/* The IOAS structs both nodes share must be identical, field by field. */
#define PVFIO_IFD_SAME_FIELD(a, b, f)					\
	static_assert(offsetof(struct a, f) == offsetof(struct b, f) &&	\
		      sizeof_field(struct a, f) == sizeof_field(struct b, f))
#define PVFIO_IFD_SAME_SIZE(a, b)					\
	static_assert(sizeof(struct a) == sizeof(struct b))

PVFIO_IFD_SAME_SIZE(pvfio_ifd_destroy, pvfio_destroy);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_destroy, pvfio_destroy, id);
PVFIO_IFD_SAME_SIZE(pvfio_ifd_ioas_alloc, pvfio_ioas_alloc);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_alloc, pvfio_ioas_alloc, flags);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_alloc, pvfio_ioas_alloc, out_ioas_id);
PVFIO_IFD_SAME_SIZE(pvfio_ifd_iova_range, pvfio_iova_range);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_iova_range, pvfio_iova_range, start);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_iova_range, pvfio_iova_range, last);
PVFIO_IFD_SAME_SIZE(pvfio_ifd_ioas_iova_ranges, pvfio_ioas_iova_ranges);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_iova_ranges, pvfio_ioas_iova_ranges, ioas_id);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_iova_ranges, pvfio_ioas_iova_ranges, num_iovas);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_iova_ranges, pvfio_ioas_iova_ranges, __reserved);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_iova_ranges, pvfio_ioas_iova_ranges, allowed_iovas);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_iova_ranges, pvfio_ioas_iova_ranges, out_iova_alignment);
PVFIO_IFD_SAME_SIZE(pvfio_ifd_ioas_allow_iovas, pvfio_ioas_allow_iovas);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_allow_iovas, pvfio_ioas_allow_iovas, ioas_id);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_allow_iovas, pvfio_ioas_allow_iovas, num_iovas);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_allow_iovas, pvfio_ioas_allow_iovas, __reserved);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_allow_iovas, pvfio_ioas_allow_iovas, allowed_iovas);
PVFIO_IFD_SAME_SIZE(pvfio_ifd_ioas_map, pvfio_ioas_map);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_map, pvfio_ioas_map, flags);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_map, pvfio_ioas_map, ioas_id);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_map, pvfio_ioas_map, __reserved);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_map, pvfio_ioas_map, user_va);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_map, pvfio_ioas_map, length);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_map, pvfio_ioas_map, iova);
PVFIO_IFD_SAME_SIZE(pvfio_ifd_ioas_map_file, pvfio_ioas_map_file);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_map_file, pvfio_ioas_map_file, flags);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_map_file, pvfio_ioas_map_file, ioas_id);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_map_file, pvfio_ioas_map_file, fd);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_map_file, pvfio_ioas_map_file, start);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_map_file, pvfio_ioas_map_file, length);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_map_file, pvfio_ioas_map_file, iova);
PVFIO_IFD_SAME_SIZE(pvfio_ifd_ioas_copy, pvfio_ioas_copy);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_copy, pvfio_ioas_copy, flags);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_copy, pvfio_ioas_copy, dst_ioas_id);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_copy, pvfio_ioas_copy, src_ioas_id);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_copy, pvfio_ioas_copy, length);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_copy, pvfio_ioas_copy, dst_iova);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_copy, pvfio_ioas_copy, src_iova);
/* pvfio's UNMAP goes on (a dirty bitmap); iommufd's stops at @length. */
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_unmap, pvfio_ioas_unmap, ioas_id);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_unmap, pvfio_ioas_unmap, iova);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_unmap, pvfio_ioas_unmap, length);
PVFIO_IFD_SAME_SIZE(pvfio_ifd_option, pvfio_option);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_option, pvfio_option, option_id);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_option, pvfio_option, op);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_option, pvfio_option, __reserved);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_option, pvfio_option, object_id);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_option, pvfio_option, val64);
PVFIO_IFD_SAME_SIZE(pvfio_ifd_ioas_change_process, pvfio_ioas_change_process);
PVFIO_IFD_SAME_FIELD(pvfio_ifd_ioas_change_process, pvfio_ioas_change_process, __reserved);
#define PVFIO_IFD_SAME_VALUE(a, b) static_assert((int)(a) == (int)(b))
PVFIO_IFD_SAME_VALUE(PVFIO_IFD_IOAS_MAP_FIXED_IOVA, PVFIO_IOAS_MAP_FIXED_IOVA);
PVFIO_IFD_SAME_VALUE(PVFIO_IFD_IOAS_MAP_WRITEABLE, PVFIO_IOAS_MAP_WRITEABLE);
PVFIO_IFD_SAME_VALUE(PVFIO_IFD_IOAS_MAP_READABLE, PVFIO_IOAS_MAP_READABLE);
PVFIO_IFD_SAME_VALUE(PVFIO_IFD_OPTION_RLIMIT_MODE, PVFIO_OPTION_RLIMIT_MODE);
PVFIO_IFD_SAME_VALUE(PVFIO_IFD_OPTION_HUGE_PAGES, PVFIO_OPTION_HUGE_PAGES);
PVFIO_IFD_SAME_VALUE(PVFIO_IFD_OPTION_OP_SET, PVFIO_OPTION_OP_SET);
PVFIO_IFD_SAME_VALUE(PVFIO_IFD_OPTION_OP_GET, PVFIO_OPTION_OP_GET);

/*
 * The commands that need IOMMU-driver support pvfio cannot reach from a
 * module (nesting, vIOMMU, fault queues, HW queues) and VFIO
 * compatibility: the size rules apply, then -EOPNOTSUPP.
 */
static int pvfio_ifd_not_provided(struct pvfio_ucmd *ucmd)
{
	return -EOPNOTSUPP;
}

union pvfio_ifd_ucmd_buffer {
	struct pvfio_ifd_destroy destroy;
	struct pvfio_ifd_fault_alloc fault_alloc;
	struct pvfio_ifd_hw_info hw_info;
	struct pvfio_ifd_hw_queue_alloc hw_queue_alloc;
	struct pvfio_ifd_hwpt_alloc hwpt_alloc;
	struct pvfio_ifd_hwpt_get_dirty_bitmap get_dirty_bitmap;
	struct pvfio_ifd_hwpt_invalidate invalidate;
	struct pvfio_ifd_hwpt_set_dirty_tracking set_dirty_tracking;
	struct pvfio_ifd_ioas_alloc ioas_alloc;
	struct pvfio_ifd_ioas_allow_iovas allow_iovas;
	struct pvfio_ifd_ioas_change_process change_process;
	struct pvfio_ifd_ioas_copy copy;
	struct pvfio_ifd_ioas_iova_ranges iova_ranges;
	struct pvfio_ifd_ioas_map map;
	struct pvfio_ifd_ioas_map_file map_file;
	struct pvfio_ifd_ioas_unmap unmap;
	struct pvfio_ifd_option option;
	struct pvfio_ifd_vdevice_alloc vdevice_alloc;
	struct pvfio_ifd_veventq_alloc veventq_alloc;
	struct pvfio_ifd_vfio_ioas vfio_ioas;
	struct pvfio_ifd_viommu_alloc viommu_alloc;
	struct pvfio_ifd_test_cmd test;
};

#define PVFIO_IFD_IOCTL(_ioctl, _fn, _struct, _last)			\
	[_IOC_NR(_ioctl) - PVFIO_IFD_CMD_BASE] = {			\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union pvfio_ifd_ucmd_buffer) < \
					  sizeof(_struct)),		\
		.min_size = offsetofend(_struct, _last),		\
		.ioctl_num = _ioctl,					\
		.execute = _fn,						\
	}

static const struct pvfio_ioctl_op pvfio_ifd_ioctl_ops[] = {
	PVFIO_IFD_IOCTL(PVFIO_IFD_DESTROY, pvfio_destroy,
			struct pvfio_ifd_destroy, id),
	PVFIO_IFD_IOCTL(PVFIO_IFD_FAULT_QUEUE_ALLOC, pvfio_ifd_not_provided,
			struct pvfio_ifd_fault_alloc, out_fault_fd),
	PVFIO_IFD_IOCTL(PVFIO_IFD_GET_HW_INFO, pvfio_ifd_get_hw_info,
			struct pvfio_ifd_hw_info, __reserved),
	PVFIO_IFD_IOCTL(PVFIO_IFD_HW_QUEUE_ALLOC, pvfio_ifd_not_provided,
			struct pvfio_ifd_hw_queue_alloc, length),
	PVFIO_IFD_IOCTL(PVFIO_IFD_HWPT_ALLOC, pvfio_ifd_hwpt_alloc,
			struct pvfio_ifd_hwpt_alloc, __reserved),
	PVFIO_IFD_IOCTL(PVFIO_IFD_HWPT_GET_DIRTY_BITMAP,
			pvfio_ifd_hwpt_get_dirty_bitmap,
			struct pvfio_ifd_hwpt_get_dirty_bitmap, data),
	PVFIO_IFD_IOCTL(PVFIO_IFD_HWPT_INVALIDATE, pvfio_ifd_not_provided,
			struct pvfio_ifd_hwpt_invalidate, __reserved),
	PVFIO_IFD_IOCTL(PVFIO_IFD_HWPT_SET_DIRTY_TRACKING,
			pvfio_ifd_hwpt_set_dirty_tracking,
			struct pvfio_ifd_hwpt_set_dirty_tracking, __reserved),
	PVFIO_IFD_IOCTL(PVFIO_IFD_IOAS_ALLOC, pvfio_ioas_alloc_ioctl,
			struct pvfio_ifd_ioas_alloc, out_ioas_id),
	PVFIO_IFD_IOCTL(PVFIO_IFD_IOAS_ALLOW_IOVAS, pvfio_ioas_allow_iovas,
			struct pvfio_ifd_ioas_allow_iovas, allowed_iovas),
	PVFIO_IFD_IOCTL(PVFIO_IFD_IOAS_CHANGE_PROCESS,
			pvfio_ioas_change_process,
			struct pvfio_ifd_ioas_change_process, __reserved),
	PVFIO_IFD_IOCTL(PVFIO_IFD_IOAS_COPY, pvfio_ioas_copy,
			struct pvfio_ifd_ioas_copy, src_iova),
	PVFIO_IFD_IOCTL(PVFIO_IFD_IOAS_IOVA_RANGES, pvfio_ioas_iova_ranges,
			struct pvfio_ifd_ioas_iova_ranges, out_iova_alignment),
	PVFIO_IFD_IOCTL(PVFIO_IFD_IOAS_MAP, pvfio_ioas_map,
			struct pvfio_ifd_ioas_map, iova),
	PVFIO_IFD_IOCTL(PVFIO_IFD_IOAS_MAP_FILE, pvfio_ioas_map_file,
			struct pvfio_ifd_ioas_map_file, iova),
	PVFIO_IFD_IOCTL(PVFIO_IFD_IOAS_UNMAP, pvfio_ioas_unmap,
			struct pvfio_ifd_ioas_unmap, length),
	PVFIO_IFD_IOCTL(PVFIO_IFD_OPTION, pvfio_option,
			struct pvfio_ifd_option, val64),
	PVFIO_IFD_IOCTL(PVFIO_IFD_VDEVICE_ALLOC, pvfio_ifd_not_provided,
			struct pvfio_ifd_vdevice_alloc, virt_id),
	PVFIO_IFD_IOCTL(PVFIO_IFD_VEVENTQ_ALLOC, pvfio_ifd_not_provided,
			struct pvfio_ifd_veventq_alloc, out_veventq_fd),
	PVFIO_IFD_IOCTL(PVFIO_IFD_VFIO_IOAS, pvfio_ifd_not_provided,
			struct pvfio_ifd_vfio_ioas, __reserved),
	PVFIO_IFD_IOCTL(PVFIO_IFD_VIOMMU_ALLOC, pvfio_ifd_not_provided,
			struct pvfio_ifd_viommu_alloc, out_viommu_id),
};

static const struct pvfio_ioctl_op pvfio_ifd_test_op = {
	.size = sizeof(struct pvfio_ifd_test_cmd),
	.min_size = offsetofend(struct pvfio_ifd_test_cmd, last),
	.ioctl_num = PVFIO_IFD_TEST_CMD,
	.test_only = true,
	.execute = pvfio_ifd_test,
};

static long pvfio_ifd_fops_ioctl(struct file *filp, unsigned int cmd,
				 unsigned long arg)
{
	const struct pvfio_ioctl_op *op = NULL;
	union pvfio_ifd_ucmd_buffer buf;
	struct pvfio_ucmd ucmd = {
		.ctx = filp->private_data,
		.ubuffer = (void __user *)arg,
		.cmd = &buf,
	};
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != PVFIO_IFD_TYPE)
		return -ENOTTY;
	if (nr >= PVFIO_IFD_CMD_BASE &&
	    nr - PVFIO_IFD_CMD_BASE < ARRAY_SIZE(pvfio_ifd_ioctl_ops))
		op = &pvfio_ifd_ioctl_ops[nr - PVFIO_IFD_CMD_BASE];
	else if (cmd == PVFIO_IFD_TEST_CMD && pvfio_enable_test_ops)
		op = &pvfio_ifd_test_op;
	if (!op || op->ioctl_num != cmd || !op->execute)
		return -ENOTTY;
	return pvfio_ucmd_run(&ucmd, op);
}

static int pvfio_ifd_fops_open(struct inode *inode, struct file *filp)
{
	return pvfio_ctx_open(inode, filp, true);
}

static const struct file_operations pvfio_ifd_fops = {
	.owner = THIS_MODULE,
	.open = pvfio_ifd_fops_open,
	.release = pvfio_ctx_release,
	.unlocked_ioctl = pvfio_ifd_fops_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/**
 * pvfio_ifd_file() - whether a file is an open of /dev/pvfio-iommufd
 * @file: the file
 *
 * Return: true if it is.
 */
bool pvfio_ifd_file(struct file *file)
{
	return file->f_op == &pvfio_ifd_fops;
}

static struct miscdevice pvfio_ifd_misc_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pvfio-iommufd",
	.nodename = "pvfio-iommufd",
	.fops = &pvfio_ifd_fops,
};

/**
 * pvfio_ifd_register() - create /dev/pvfio-iommufd
 * @mode: its permissions (the dev_mode parameter, as /dev/pvfio's)
 *
 * Return: 0 or misc_register()'s error.
 */
int pvfio_ifd_register(umode_t mode)
{
	pvfio_ifd_misc_dev.mode = mode;
	return misc_register(&pvfio_ifd_misc_dev);
}

/**
 * pvfio_ifd_unregister() - remove /dev/pvfio-iommufd
 */
void pvfio_ifd_unregister(void)
{
	misc_deregister(&pvfio_ifd_misc_dev);
}
