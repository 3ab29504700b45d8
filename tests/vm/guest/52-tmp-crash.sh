#!/bin/sh
echo "ok 1 - about to crash"
kill -SEGV $$
