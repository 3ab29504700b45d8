# jaula: a plain Makefile.  Sources are found by room, so adding a file to a
# room needs no edit here.  `make help` lists the targets.

CC      ?= gcc
BUILD   ?= build
PREFIX  ?= /usr/local

# Debian packages the build and the tests need; `make deps` installs the
# missing ones.  Later rooms append theirs here.
DEPS_PKGS := build-essential pkg-config libseccomp-dev libcap-dev libyajl-dev libmnl-dev \
	libcmocka-dev busybox-static bats jq iproute2 util-linux file valgrind python3

PKGS    := libseccomp libcap yajl libmnl
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. -MMD -MP \
	-fno-strict-aliasing -fstack-protector-strong -D_FORTIFY_SOURCE=2
# -z now: resolve every symbol at start so the memfd copy, which re-runs the
# dynamic linker, never pays lazy binding in the container's hot path.
LDFLAGS ?= -Wl,-z,now -Wl,-z,relro -Wl,--as-needed
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lseccomp -lcap -lyajl -lmnl)

ROOMS    := runtime namespaces cgroups image net
LIB_SRC  := $(wildcard $(addsuffix /*.c,$(ROOMS)))
CLI_SRC  := $(wildcard cli/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRC := $(wildcard tests/helpers/*.c)
HELPER_BIN := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/helpers/%)

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)
GIT_COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
override CFLAGS += -DJAULA_VERSION='"$(VERSION)"' -DJAULA_COMMIT='"$(GIT_COMMIT)"'

# V=1 shows the full commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: fuzz all deps test test-vm test-clients unit valgrind integration asan demo clean help install bench

all: $(BUILD)/jaula $(HELPER_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libjaula.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

# The runtime is linked statically when the static libraries are there
# (Debian ships libseccomp.a, libcap.a, libyajl_s.a and libc.a): every
# container start execs it twice (the read-only re-exec, see selfexec.c), and
# skipping the dynamic loader both times is ~15% of a `run` (tests/bench).
# -static-pie keeps ASLR for the runtime's own code.  Debug info goes to
# build/jaula.debug; the binary itself is stripped.
STATIC ?= $(shell test -e /usr/lib/x86_64-linux-gnu/libseccomp.a -a -e /usr/lib/x86_64-linux-gnu/libyajl_s.a -a -e /usr/lib/x86_64-linux-gnu/libcap.a && echo 1 || echo 0)
ifeq ($(STATIC),1)
JAULA_LIBS := -static-pie -Wl,--start-group $(BUILD)/libjaula.a -lseccomp -lcap -lyajl_s -Wl,--end-group
else
JAULA_LIBS := $(BUILD)/libjaula.a $(LDLIBS)
endif

$(BUILD)/jaula: $(CLI_OBJ) $(BUILD)/libjaula.a
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(CLI_OBJ) $(JAULA_LIBS) -o $@.full
	$(Q)objcopy --only-keep-debug $@.full $@.debug
	$(Q)objcopy --strip-debug --strip-unneeded --add-gnu-debuglink=$@.debug $@.full $@
	$(Q)rm -f $@.full

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libjaula.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $(LDFLAGS) $< $(BUILD)/libjaula.a $(LDLIBS) -lcmocka -o $@

# Small programs the integration tests run inside containers or beside them
# (a console-socket receiver, a seccomp notify agent, ...), built static so
# they run in a busybox rootfs.
$(BUILD)/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HELPER  $@")
	$(Q)$(CC) $(filter-out -fsanitize=% -MMD -MP,$(CFLAGS)) -static $< -o $@

deps:
	@tests/deps.sh $(DEPS_PKGS)

unit: $(UNIT_BIN)
	@tests/run-unit.sh $(UNIT_BIN)

# libFuzzer over the config parser: `make fuzz FUZZ_SECONDS=60`.  Seeds are
# the example config and the unit tests' fixtures.
FUZZ_SECONDS ?= 30
fuzz:
	@$(MAKE) --no-print-directory BUILD=build/fuzz STATIC=0 CC=clang \
		CFLAGS='-O1 -g -fsanitize=fuzzer-no-link,address,undefined' build/fuzz/libjaula.a
	clang -O1 -g -std=gnu11 -D_GNU_SOURCE -I. -fsanitize=fuzzer,address,undefined \
		tests/fuzz/fuzz_spec.c build/fuzz/libjaula.a $(LDLIBS) -o build/fuzz/fuzz_spec
	@mkdir -p build/fuzz/corpus && cp config.json.example build/fuzz/corpus/
	build/fuzz/fuzz_spec -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build/fuzz/corpus

# cgroup v2 enforcement in a QEMU guest (tests/vm/run.sh)
test-vm: all
	@JAULA=$(abspath $(BUILD)/jaula) tests/vm/run.sh

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

asan:
	@$(MAKE) --no-print-directory BUILD=build/asan OPT=-O1 STATIC=0 \
		CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined' \
		LDFLAGS='-fsanitize=address,undefined' all unit

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
	@echo "make asan       build and unit-test with address+undefined sanitizers"
	@echo "make demo       run a busybox container"
	@echo "make fuzz       libFuzzer on the config parser (FUZZ_SECONDS=30)"
	@echo "make bench      benchmarks against runc and crun"

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
