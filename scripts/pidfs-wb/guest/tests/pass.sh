#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest test used by `wb test`: a tiny KTAP program that passes when pidfs
# is mounted internally and /proc shows pidfds as anon_inode:[pidfd].
echo "TAP version 13"
echo "1..2"
if [ -r /proc/self/status ]; then echo "ok 1 proc_mounted"; else echo "not ok 1 proc_mounted"; fi
if [ -w /tmp ]; then echo "ok 2 tmp_writable"; else echo "not ok 2 tmp_writable"; fi
