// SPDX-License-Identifier: GPL-2.0

#include <linux/ns_common.h>

__rust_helper bool rust_helper___ns_ref_get(struct ns_common *ns)
{
	return __ns_ref_get(ns);
}
