# arm64: `make TARGET=aarch64` cross-builds build/aarch64/shim on an x86_64
# Debian 12 host (scripts/deps-aarch64.sh brings the Debian cross toolchain
# and musl); `make test-aarch64` runs it as PID 1 in an emulated arm64 VM
# (tests/aarch64/). The embedded filters come from the host's bpfgen told the
# target architecture.
X := $(B)/aarch64
XGEN := $(X)/gen
XMUSL := $(X)/musl
XCC := $(X)/bin/musl-gcc
XT := $(X)/tests
X_CFLAGS := $(WARN) $(HARDEN) $(SIZE) $(REPRO) -I$(XMUSL)/include -I$(XGEN) -Ishim -Iseccomp
X_LIBS := $(XMUSL)/lib/libseccomp.a $(XMUSL)/lib/libjson-c.a
X_MUSL_VERSION = $(shell sed -n 's/^MUSL_VERSION=//p' $(X)/deps.stamp 2>/dev/null)

ifeq ($(TARGET),aarch64)
.DEFAULT_GOAL := $(X)/shim
endif

$(X)/deps.stamp: scripts/deps-aarch64.sh scripts/apt-arm64.sh $(B)/deps.stamp
	bash scripts/deps-aarch64.sh

$(XGEN)/default_filter.h: seccomp/default.json seccomp/pid1.json $(B)/bpfgen
	@mkdir -p $(XGEN)
	$(B)/bpfgen --arch aarch64 seccomp/default.json seccomp/pid1.json $@.tmp && mv $@.tmp $@

# Learn mode's and --export-profile's data are the same for every architecture.
$(XGEN)/learn_data.h $(XGEN)/export_data.h: $(XGEN)/%: $(GEN)/%
	@mkdir -p $(XGEN)
	cp $< $@

# A static PIE like the x86_64 build: the private musl's specs with rcrt1.o (scripts/musl-specs.sh).
$(X)/musl-static-pie.specs: scripts/musl-specs.sh $(X)/deps.stamp
	bash scripts/musl-specs.sh $(XMUSL)/lib/musl-gcc.specs >$@.tmp && mv $@.tmp $@

$(X)/shim: $(SHIM_SRCS) $(SHIM_HDRS) $(XGEN)/default_filter.h $(XGEN)/learn_data.h $(XGEN)/export_data.h $(X)/deps.stamp \
		$(X)/musl-static-pie.specs $(B)/version aarch64.mk Makefile
	aarch64-linux-gnu-gcc -mno-outline-atomics -specs=$(X)/musl-static-pie.specs $(X_CFLAGS) $(CFLAGS) \
		-DSHIM_VERSION='"$(VERSION)"' -DSHIM_COMMIT='"$(COMMIT)"' -DSHIM_MUSL_VERSION='"$(X_MUSL_VERSION)"' \
		-static-pie $(LINK_HARDEN) -o $@.debug $(SHIM_SRCS) $(X_LIBS)
	aarch64-linux-gnu-strip --strip-all -R .comment -o $@.tmp $@.debug
	mv $@.tmp $@
	@stat -c 'aarch64 shim: %s bytes' $@

aarch64: $(X)/shim

# Static aarch64 helpers for the VM: the integration tests' probe and escape,
# and the VM's init, which runs the checks.
$(XT)/probe: tests/integration/probe.c $(X)/deps.stamp
	@mkdir -p $(XT)
	$(XCC) $(WARN) -O2 -static -o $@ $<

$(XT)/escape: tests/integration/escape.c $(X)/deps.stamp
	@mkdir -p $(XT)
	$(XCC) $(filter-out -D_GNU_SOURCE,$(WARN)) -O2 -static -pthread -I$(XMUSL)/include -o $@ $<

$(XT)/vmcheck: tests/aarch64/vmcheck.c $(X)/deps.stamp
	@mkdir -p $(XT)
	$(XCC) $(WARN) -O2 -static -I$(XMUSL)/include -o $@ $<

test-aarch64: $(X)/shim $(XT)/probe $(XT)/escape $(XT)/vmcheck $(B)/shim
	bash tests/aarch64/run.sh

.PHONY: aarch64 test-aarch64

# Release check (slow: tens of minutes under emulation): `make` in an arm64
# Debian 12 root, as `docker buildx build --platform linux/arm64` would.
test-aarch64-native: $(X)/shim
	bash tests/aarch64/native.sh

.PHONY: test-aarch64-native
