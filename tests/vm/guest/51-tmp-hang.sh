#!/bin/sh
# vm-timeout: 5
echo "ok 1 - before the hang"
sleep 1000 &
sleep 1000
