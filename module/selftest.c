// SPDX-License-Identifier: GPL-2.0
/*
 * Test operations (enable_test_ops=1): the hooks the test suites use to look
 * inside the module and to build objects without hardware.
 */
#include <linux/slab.h>

#include "pvfio_private.h"

/**
 * struct pvfio_mock_device - a device object backed by no hardware
 * @obj: object header
 * @ioas: the IOAS it is attached to, held for the device's lifetime
 */
struct pvfio_mock_device {
	struct pvfio_object obj;
	struct pvfio_ioas *ioas;
};

static int pvfio_test_mock_device(struct pvfio_ucmd *ucmd,
				  struct pvfio_test_cmd *cmd)
{
	struct pvfio_mock_device *mdev;
	struct pvfio_object *obj;
	struct pvfio_ioas *ioas;
	int ret;

	if (cmd->mock_device.__reserved)
		return -EOPNOTSUPP;

	ioas = pvfio_get_ioas(ucmd->ctx, cmd->id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	obj = pvfio_object_alloc(ucmd->ctx, sizeof(*mdev),
				 PVFIO_OBJ_MOCK_DEVICE);
	if (IS_ERR(obj)) {
		ret = PTR_ERR(obj);
		goto out_put_ioas;
	}
	mdev = container_of(obj, struct pvfio_mock_device, obj);

	cmd->mock_device.out_device_id = obj->id;
	ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		goto err_abort;

	/* The lookup reference becomes the device's hold on the IOAS. */
	mdev->ioas = ioas;
	pvfio_object_finalize(ucmd->ctx, obj);
	return 0;

err_abort:
	pvfio_object_abort(ucmd->ctx, obj);
out_put_ioas:
	pvfio_object_put(&ioas->obj);
	return ret;
}

void pvfio_mock_device_destroy(struct pvfio_object *obj)
{
	struct pvfio_mock_device *mdev =
		container_of(obj, struct pvfio_mock_device, obj);

	pvfio_object_put(&mdev->ioas->obj);
}

static int pvfio_test_stats(struct pvfio_ucmd *ucmd, struct pvfio_test_cmd *cmd)
{
	cmd->stats.out_contexts = atomic64_read(&pvfio_nr_contexts);
	cmd->stats.out_objects = atomic64_read(&pvfio_nr_objects);
	cmd->stats.out_pinned_pages = atomic64_read(&pvfio_nr_pinned_pages);
	return pvfio_ucmd_respond(ucmd, sizeof(*cmd));
}

int pvfio_test_ioctl(struct pvfio_ucmd *ucmd)
{
	struct pvfio_test_cmd *cmd = ucmd->cmd;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	switch (cmd->op) {
	case PVFIO_TEST_OP_STATS:
		return pvfio_test_stats(ucmd, cmd);
	case PVFIO_TEST_OP_MOCK_DEVICE:
		return pvfio_test_mock_device(ucmd, cmd);
	default:
		return -EOPNOTSUPP;
	}
}
