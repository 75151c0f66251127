#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest test used by `wb test`: crashes the kernel through sysrq, to exercise
# splat detection on a real panic.
echo "TAP version 13"
echo "1..1"
echo c > /proc/sysrq-trigger
echo "not ok 1 the kernel survived sysrq-c"
