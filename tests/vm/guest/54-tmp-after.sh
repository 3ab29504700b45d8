#!/bin/sh
echo "ok 1 - runs after the hang"
echo "ok - unnumbered"
echo "not ok 3 - todo thing # TODO later"
ps | grep -q "[s]leep 1000" && echo "not ok 4 - leftover sleep" || echo "ok 4 - no leftover from the hung script"
