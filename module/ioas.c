// SPDX-License-Identifier: GPL-2.0
/*
 * IOAS objects: I/O address spaces and their ioctls.
 */
#include <linux/slab.h>

#include "pvfio_private.h"

int pvfio_ioas_alloc_ioctl(struct pvfio_ucmd *ucmd)
{
	struct pvfio_ioas_alloc *cmd = ucmd->cmd;
	struct pvfio_object *obj;
	struct pvfio_ioas *ioas;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;

	obj = pvfio_object_alloc(ucmd->ctx, sizeof(*ioas), PVFIO_OBJ_IOAS);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	ioas = container_of(obj, struct pvfio_ioas, obj);
	pvfio_iopt_init(&ioas->iopt);

	cmd->out_ioas_id = obj->id;
	ret = pvfio_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		goto err_abort;
	pvfio_object_finalize(ucmd->ctx, obj);
	return 0;

err_abort:
	pvfio_iopt_destroy(&ioas->iopt);
	pvfio_object_abort(ucmd->ctx, obj);
	return ret;
}

void pvfio_ioas_destroy(struct pvfio_object *obj)
{
	struct pvfio_ioas *ioas = container_of(obj, struct pvfio_ioas, obj);

	pvfio_iopt_destroy(&ioas->iopt);
}

int pvfio_ioas_iova_ranges(struct pvfio_ucmd *ucmd)
{
	struct pvfio_ioas_iova_ranges *cmd = ucmd->cmd;
	struct pvfio_ioas *ioas;
	int ret;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	ioas = pvfio_get_ioas(ucmd->ctx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	ret = pvfio_iopt_fill_ranges(&ioas->iopt,
				     u64_to_user_ptr(cmd->allowed_iovas),
				     &cmd->num_iovas);
	if (ret && ret != -EMSGSIZE)
		goto out_put;
	down_read(&ioas->iopt.iova_rwsem);
	cmd->out_iova_alignment = ioas->iopt.iova_alignment;
	up_read(&ioas->iopt.iova_rwsem);
	/* num_iovas is reported back on -EMSGSIZE too. */
	if (pvfio_ucmd_respond(ucmd, sizeof(*cmd)))
		ret = -EFAULT;
out_put:
	pvfio_object_put(&ioas->obj);
	return ret;
}
