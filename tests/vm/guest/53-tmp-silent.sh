#!/bin/sh
echo nothing useful
