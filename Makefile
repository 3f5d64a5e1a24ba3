# make       builds build/shim (static musl), fetching and building its libraries first
# make TARGET=aarch64  cross-builds build/aarch64/shim (aarch64.mk)
# make test  runs every test: unit, integration, sanitizers, valgrind, fuzz smoke, end-to-end
# make bench benchmarks; make fuzz fuzzes (FUZZ_SECONDS per target)
.POSIX:
SHELL := /bin/bash

B := build
MUSL := $(B)/musl
HOST := $(B)/host
GEN := $(B)/gen
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
MUSL_VERSION = $(shell sed -n 's/^MUSL_VERSION=//p' $(B)/deps.stamp 2>/dev/null)

WARN := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-missing-field-initializers
HARDEN := -fstack-protector-strong -fstack-clash-protection -D_FORTIFY_SOURCE=2
SIZE := -Os -ffunction-sections -fdata-sections
MUSL_CFLAGS := $(WARN) $(HARDEN) $(SIZE) -I$(MUSL)/include -I$(GEN) -Ishim
MUSL_LDFLAGS := -static -Wl,-z,relro,-z,now,-z,noexecstack -Wl,--gc-sections -Wl,--build-id=none
MUSL_LIBS := $(MUSL)/lib/libseccomp.a $(MUSL)/lib/libjson-c.a

SHIM_SRCS := shim/log.c shim/config.c shim/path.c shim/spawn.c shim/supervise.c shim/identity.c \
	shim/profile.c shim/filter.c shim/notify.c shim/bpf.c shim/learn.c shim/export.c shim/main.c
SHIM_HDRS := $(wildcard shim/*.h)

all: $(B)/shim

$(B)/deps.stamp: scripts/deps.sh scripts/retry.sh
	bash scripts/deps.sh

BPFGEN_SRCS := shim/profile.c shim/log.c
$(B)/bpfgen: seccomp/bpfgen.c $(BPFGEN_SRCS) $(SHIM_HDRS) $(B)/deps.stamp
	musl-gcc $(WARN) -O2 -I$(MUSL)/include -static -o $@ seccomp/bpfgen.c $(BPFGEN_SRCS) $(MUSL_LIBS)

$(GEN)/default_filter.h: seccomp/default.json seccomp/pid1.json $(B)/bpfgen
	@mkdir -p $(GEN)
	$(B)/bpfgen seccomp/default.json seccomp/pid1.json $@.tmp && mv $@.tmp $@

# Learn mode's assumed set, from its data file (names; comments name the source).
$(GEN)/learn_data.h: seccomp/learn-hot.txt
	@mkdir -p $(GEN)
	awk 'BEGIN { print "/* Generated from seccomp/learn-hot.txt. Do not edit. */"; \
		print "static const struct { const char *name; int handoff; } learn_assumed[] = {" } \
		/^# hand-off/ { h = 1 } /^# / && !/^# hand-off/ { h = 0 } \
		/^[a-z0-9_]+$$/ { printf "\t{ \"%s\", %d },\n", $$1, h } END { print "};" }' $< > $@.tmp && mv $@.tmp $@

# --export-profile's node-level additions, as C strings.
$(GEN)/export_data.h: seccomp/k8s-base.json seccomp/pid1.json
	@mkdir -p $(GEN)
	{ echo "/* Generated from seccomp/k8s-base.json and seccomp/pid1.json. Do not edit. */"; \
	  for f in k8s_base:seccomp/k8s-base.json pid1:seccomp/pid1.json; do \
		echo "static const char export_$${f%%:*}_json[] ="; \
		sed 's/\\/\\\\/g; s/"/\\"/g; s/^/\t"/; s/$$/\\n"/' $${f#*:}; echo ";"; done; } > $@.tmp && mv $@.tmp $@

$(B)/shim: $(SHIM_SRCS) $(SHIM_HDRS) $(GEN)/default_filter.h $(GEN)/learn_data.h $(GEN)/export_data.h $(B)/deps.stamp Makefile
	musl-gcc $(MUSL_CFLAGS) -DSHIM_VERSION='"$(VERSION)"' -DSHIM_MUSL_VERSION='"$(MUSL_VERSION)"' \
		$(MUSL_LDFLAGS) -o $@.tmp $(SHIM_SRCS) $(MUSL_LIBS)
	strip --strip-all -R .comment $@.tmp
	mv $@.tmp $@
	@stat -c 'shim: %s bytes' $@

include tests/tests.mk
include aarch64.mk

clean:
	rm -rf $(B)/shim $(B)/bpfgen $(GEN) $(B)/tests $(B)/asan

distclean:
	rm -rf $(B)

.PHONY: all clean distclean

# Benchmarks against tini, dumb-init and catatonit, side by side (bench/README.md).
bench: $(B)/shim
	bash bench/run.sh

bench-quick: $(B)/shim
	bash bench/run.sh --quick

.PHONY: bench bench-quick
