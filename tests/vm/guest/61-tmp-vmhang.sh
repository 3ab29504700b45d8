#!/bin/sh
# vm-timeout: 1000
echo "ok 1 - before the long hang"
sleep 1000
