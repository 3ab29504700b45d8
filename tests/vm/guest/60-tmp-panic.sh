#!/bin/sh
echo "ok 1 - before panic"
echo 1 > /proc/sys/kernel/sysrq
echo c > /proc/sysrq-trigger
