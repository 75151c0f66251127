// SPDX-License-Identifier: GPL-2.0

#include <linux/nsproxy.h>

__rust_helper void rust_helper_get_nsproxy(struct nsproxy *ns)
{
	get_nsproxy(ns);
}

__rust_helper void rust_helper_put_nsproxy(struct nsproxy *ns)
{
	put_nsproxy(ns);
}
