// SPDX-License-Identifier: GPL-2.0

#include <linux/cookie.h>
#include <linux/percpu.h>
#include <linux/preempt.h>

__rust_helper void __percpu *rust_helper___alloc_percpu(size_t size, size_t align)
{
	return __alloc_percpu(size, align);
}

__rust_helper u64 rust_helper_gen_cookie_next(struct gen_cookie *gc)
{
	return gen_cookie_next(gc);
}

__rust_helper void rust_helper_preempt_disable(void)
{
	preempt_disable();
}

__rust_helper void rust_helper_preempt_enable(void)
{
	preempt_enable();
}
