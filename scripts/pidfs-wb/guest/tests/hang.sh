#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest test used by `wb test`: never finishes, to exercise the per-binary
# timeout and the overall deadline.
echo "TAP version 13"
echo "1..1"
sleep 100000
echo "ok 1 unreachable"
