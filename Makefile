# jaula: a plain Makefile.  Sources are found by room, so adding a file to a
# room needs no edit here.  `make help` lists the targets.

CC      ?= gcc
BUILD   ?= build
PREFIX  ?= /usr/local

# Debian packages the build and the tests need; `make deps` installs the
# missing ones.  Later rooms append theirs here.
DEPS_PKGS := build-essential pkg-config libseccomp-dev libcap-dev libyajl-dev libmnl-dev \
	libarchive-dev libssl-dev libzstd-dev zlib1g-dev \
	libcmocka-dev busybox-static bats jq iproute2 util-linux file valgrind python3 \
	libnftnl-dev nftables libdbus-1-dev strace

# image/: libarchive reads tar (and its gzip/zstd filters), libcrypto hashes.
# net/: libmnl speaks netlink, libnftnl builds nftables messages (over libmnl).
# cgroups/: the systemd driver talks to systemd over D-Bus with libdbus-1.
PKGS    := libseccomp libcap yajl libnftnl libmnl libarchive libcrypto libzstd zlib dbus-1
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. -MMD -MP \
	-fno-strict-aliasing -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	$(shell pkg-config --cflags dbus-1 2>/dev/null)
# -z now: resolve every symbol at start so the memfd copy, which re-runs the
# dynamic linker, never pays lazy binding in the container's hot path.
LDFLAGS ?= -Wl,-z,now -Wl,-z,relro -Wl,--as-needed
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null || \
	echo -lseccomp -lcap -lyajl -lnftnl -lmnl -larchive -lcrypto -lzstd -lz -ldbus-1)

ROOMS    := runtime namespaces cgroups image net
LIB_SRC  := $(wildcard $(addsuffix /*.c,$(ROOMS)))
CLI_SRC  := $(wildcard cli/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRC := $(wildcard tests/helpers/*.c)
HELPER_BIN := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/helpers/%)
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)
GIT_COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
override CFLAGS += -DJAULA_VERSION='"$(VERSION)"' -DJAULA_COMMIT='"$(GIT_COMMIT)"'

# V=1 shows the full commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: fuzz fuzz-deps fuzz-build all deps test test-vm test-guest test-clients unit valgrind integration asan demo clean help install bench

all: $(BUILD)/jaula $(HELPER_BIN) $(TOOL_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libjaula.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

# The runtime is linked statically when the static libraries are there
# (Debian ships libseccomp.a, libcap.a, libyajl_s.a, libarchive.a,
# libcrypto.a, libzstd.a, libz.a and libc.a; only the objects jaula calls
# are pulled in: libarchive's tar reader and two filters, the low-level
# sha256 of libcrypto, ~1 MB in all): every
# container start execs it twice (the read-only re-exec, see selfexec.c), and
# skipping the dynamic loader both times is ~15% of a `run` (tests/bench).
# -static-pie keeps ASLR for the runtime's own code.  Debug info goes to
# build/jaula.debug; the binary itself is stripped.
# Debian has libnftnl.a but no libmnl.a: `make deps` makes one in
# build/deps/lib (tests/deps.sh --static-libmnl says how), shared by every
# BUILD dir; without it the binary is linked dynamically.
DEPS_LIB := $(abspath build/deps/lib)
STATIC_LIBS := libseccomp libyajl_s libcap libarchive libcrypto libzstd libz libnftnl libdbus-1
STATIC ?= $(shell for l in $(STATIC_LIBS); do test -e /usr/lib/x86_64-linux-gnu/$$l.a || { echo 0; exit; }; done; \
	test -e $(DEPS_LIB)/libmnl.a && echo 1 || echo 0)
ifeq ($(STATIC),1)
# cgroups/static/: what libdbus-1.a needs of libsystemd, which has no .a.
STATIC_OBJ := $(BUILD)/obj/cgroups/static/sd_daemon.o
# DT_RELR (pack-relative-relocs): the static-pie's ~2900 relative
# relocations as a 700-byte bitmap instead of a 70 KB table that every start
# pages in and walks (~4% of `jaula --version`).
JAULA_LIBS := -static-pie -Wl,-z,pack-relative-relocs -L$(DEPS_LIB) -Wl,--start-group $(BUILD)/libjaula.a -lseccomp -lcap -lyajl_s \
	-larchive -lzstd -lz -lcrypto -lnftnl -lmnl -ldbus-1 $(STATIC_OBJ) -Wl,--end-group
else
JAULA_LIBS := $(BUILD)/libjaula.a $(LDLIBS)
endif

$(BUILD)/jaula: $(CLI_OBJ) $(BUILD)/libjaula.a $(STATIC_OBJ)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(CLI_OBJ) $(JAULA_LIBS) -o $@.full
	$(Q)objcopy --only-keep-debug $@.full $@.debug
	$(Q)objcopy --strip-debug --strip-unneeded --add-gnu-debuglink=$@.debug $@.full $@
	$(Q)rm -f $@.full

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libjaula.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $(LDFLAGS) $< $(BUILD)/libjaula.a $(LDLIBS) -lcmocka -o $@

# Test drivers that call the library directly (tests/tools/), for the parts
# of a room the integration tests must reach without the CLI: an unpacker
# fed hostile layers, say.  Linked like the unit tests.
$(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libjaula.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TOOL    $@")
	$(Q)$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $(LDFLAGS) $< $(BUILD)/libjaula.a $(LDLIBS) -o $@

# Small programs the integration tests run inside containers or beside them
# (a console-socket receiver, a seccomp notify agent, ...), built static so
# they run in a busybox rootfs.
$(BUILD)/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HELPER  $@")
	$(Q)$(CC) $(filter-out -fsanitize=% -MMD -MP,$(CFLAGS)) -static $< -o $@

deps:
	@tests/deps.sh $(DEPS_PKGS)
	@tests/deps.sh --static-libmnl build/deps

unit: $(UNIT_BIN)
	@tests/run-unit.sh $(UNIT_BIN)

# --- fuzzing (tests/fuzz/, driven by tests/run-fuzz.sh) ---------------------
# One libFuzzer target per parser: tests/fuzz/fuzz_<name>.c, seeds in
# tests/fuzz/corpus/<name>/, crash inputs kept in tests/fuzz/regressions/<name>/.
# `make test` runs each for a bounded number of runs (FUZZ_RUNS); `make fuzz`
# is the long run, FUZZ_SECONDS per target (FUZZ_TARGETS="spec seccomp" picks).
# The packages are not in DEPS_PKGS: without clang the fuzz suite skips
# instead of failing `make deps` for everything else.
FUZZ_PKGS    := clang libclang-rt-dev llvm
FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.c,%,\
	$(filter-out tests/fuzz/fuzz_util.c,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_SECONDS ?= 30
# -fno-sanitize-recover: a UBSan finding aborts, so libFuzzer keeps the input.
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

fuzz-deps:
	@tests/deps.sh $(FUZZ_PKGS)

# The library once with fuzzer coverage (no libFuzzer main), then the targets.
# Objects built with other flags (an older `make fuzz`) are thrown away first:
# make itself only compares times.
FUZZ_CFLAGS := -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link
fuzz-build:
	@mkdir -p build/fuzz
	@echo '$(FUZZ_CFLAGS)' | cmp -s - build/fuzz/cflags || \
		{ rm -rf build/fuzz/obj build/fuzz/libjaula.a; echo '$(FUZZ_CFLAGS)' >build/fuzz/cflags; }
	@$(MAKE) --no-print-directory BUILD=build/fuzz STATIC=0 CC=clang CFLAGS='$(FUZZ_CFLAGS)' \
		$(FUZZ_TARGETS:%=build/fuzz/fuzz_%)

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_util.c tests/fuzz/fuzz.h $(BUILD)/libjaula.a
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(CC) $(filter-out -MMD -MP -fsanitize=fuzzer-no-link,$(CFLAGS)) -fsanitize=fuzzer \
		$< tests/fuzz/fuzz_util.c $(BUILD)/libjaula.a $(LDLIBS) -o $@

fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run-fuzz.sh $(FUZZ_TARGETS)

# cgroup v2 enforcement in a QEMU guest (tests/vm/run.sh)
test-vm: all
	@JAULA=$(abspath $(BUILD)/jaula) tests/vm/run.sh

# a Debian 12 guest, systemd as PID 1, podman, containerd (ctr, CRI) and buildah in it (tests/guest/run.sh)
test-guest: all
	@JAULA=$(abspath $(BUILD)/jaula) tests/guest/run.sh

# podman and containerd driving jaula (tests/clients/run.sh)
test-clients: all
	@JAULA=$(abspath $(BUILD)/jaula) tests/clients/run.sh

valgrind: $(UNIT_BIN)
	@tests/run-valgrind.sh $(UNIT_BIN)

integration: all
	@JAULA=$(abspath $(BUILD)/jaula) tests/integration/run.sh

# The one command CI runs: installs what is missing, builds, runs every suite
# and ends with "N passed, M failed, K skipped".
test: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN)
	@tests/run-all.sh

# The unit and integration suites on a dynamic gcc ASan+LSan+UBSan build in
# build/asan (tests/run-asan.sh: the options, where reports go, what LSan
# can and cannot see).  A developer target, not part of `make test`.
ASAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
asan: deps
	@mkdir -p build/asan
	@echo '$(ASAN_CFLAGS)' | cmp -s - build/asan/cflags || \
		{ rm -rf build/asan/obj build/asan/libjaula.a; echo '$(ASAN_CFLAGS)' >build/asan/cflags; }
	@$(MAKE) --no-print-directory BUILD=build/asan OPT=-O1 STATIC=0 CFLAGS='$(ASAN_CFLAGS)' \
		LDFLAGS='-fsanitize=address,undefined' all $(UNIT_BIN:$(BUILD)/%=build/asan/%)
	@$(MAKE) --no-print-directory $(HELPER_BIN)
	@tests/run-asan.sh build/asan

demo: deps all
	@tests/demo.sh $(abspath $(BUILD)/jaula)

bench: deps all
	@tests/bench/run.sh

install: $(BUILD)/jaula
	install -D -m 0755 $(BUILD)/jaula $(DESTDIR)$(PREFIX)/bin/jaula

clean:
	rm -rf build

help:
	@echo "make            build build/jaula"
	@echo "make deps       install missing Debian packages (apt-get)"
	@echo "make test       deps + build + every test suite"
	@echo "make unit       cmocka unit tests only"
	@echo "make valgrind   unit tests under valgrind (errors and leaks fail)"
	@echo "make integration  container tests (root, private namespaces)"
	@echo "make test-vm    cgroup v2 enforcement in a QEMU guest"
	@echo "make test-clients  podman and containerd driving jaula"
	@echo "make test-guest  a Debian 12 guest (systemd, cgroup v2) in QEMU: podman, containerd, CRI, buildah"
	@echo "make asan       unit + integration suites under ASan, LSan and UBSan"
	@echo "make demo       run a busybox container"
	@echo "make fuzz       each libFuzzer target for FUZZ_SECONDS (30); tests/run-fuzz.sh"
	@echo "make bench      benchmarks against runc and crun"

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
