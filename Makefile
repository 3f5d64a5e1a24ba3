# make         builds build/shim (static-pie, musl), fetching and building its pinned libraries first
# make TARGET=aarch64  cross-builds build/aarch64/shim (aarch64.mk)
# make check   unit tests and the build checks: no root, no containers, no network
# make test    every test: unit, integration, sanitizers, valgrind, fuzz smoke, build checks, end-to-end
# make install installs build/shim and its notices under $(DESTDIR)$(PREFIX)
# make release writes dist/: both static binaries, their SBOMs, the OCI image archive, SHA256SUMS
# make bench   benchmarks; make fuzz fuzzes (FUZZ_SECONDS per target)
# Honoured: CC (a musl compiler that can link -static-pie; default gcc with musl's specs),
# CFLAGS, CPPFLAGS, LDFLAGS (added after the project's), PREFIX, DESTDIR, V=1, DEPS_PREFIX.
.POSIX:
SHELL := /bin/bash

B := build
MUSL := $(B)/musl
HOST := $(B)/host
GEN := $(B)/gen
# No paths or timestamps. The version is the file VERSION (a semantic version; the release tag is
# vVERSION), the same with or without git (a Docker build context has none). The commit comes from git
# when this directory is the top of its own checkout ("unknown" otherwise; `make COMMIT=...` sets it).
# SOURCE_DATE_EPOCH: the environment's, else the commit's time, else the newest date in CHANGELOG.md.
at_git_top = p=$$(git rev-parse --show-prefix 2>/dev/null) && [ -z "$$p" ]
VERSION := $(shell cat VERSION 2>/dev/null)
ifeq ($(shell printf '%s\n' '$(VERSION)' | grep -xE '(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?'),)
$(error VERSION '$(VERSION)' is not a semantic version: the file VERSION must hold one line like 0.1.0)
endif
COMMIT := $(shell $(at_git_top) && git describe --always --dirty --abbrev=12 --exclude='*' 2>/dev/null || echo unknown)
# (An empty value counts as unset: a Dockerfile's `ARG SOURCE_DATE_EPOCH` given no value.)
ifeq ($(strip $(SOURCE_DATE_EPOCH)),)
override SOURCE_DATE_EPOCH := $(shell $(at_git_top) && git log -1 --format=%ct 2>/dev/null || \
	{ d=$$(grep -om1 '^## .*[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' CHANGELOG.md 2>/dev/null | \
	grep -o '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$$') && date -u -d "$$d" +%s; } || echo 0)
endif
export SOURCE_DATE_EPOCH
MUSL_VERSION = $(shell sed -n 's/^MUSL_VERSION=//p' $(B)/deps.stamp 2>/dev/null)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DOCDIR ?= $(PREFIX)/share/doc/shim
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-8s %s\n'
endif

# musl's Debian specs make a dynamic PIE of -static-pie; build/musl-static-pie.specs fixes that
# (rcrt1.o, no interpreter), so build/shim is a static PIE: ASLR, and RELRO that means something.
ifeq ($(origin CC),default)
CC = gcc -specs=$(B)/musl-static-pie.specs
SPECS := $(B)/musl-static-pie.specs
endif
# Not `?=`: under .POSIX make's own default CFLAGS is -O1, so `?=` never applied.
ifeq ($(origin CFLAGS),default)
CFLAGS = -Os
endif

WARN := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-missing-field-initializers -Wdate-time
HARDEN := -fstack-protector-strong -fstack-clash-protection -fPIE
REPRO := -ffile-prefix-map=$(CURDIR)=.
SIZE := -ffunction-sections -fdata-sections
MUSL_CFLAGS := $(WARN) $(HARDEN) $(SIZE) $(REPRO) -I$(MUSL)/include -I$(GEN) -Ishim -Iseccomp
LINK_HARDEN := -Wl,-z,relro,-z,now,-z,noexecstack -Wl,--gc-sections -Wl,--build-id=none
MUSL_LDFLAGS := -static-pie $(LINK_HARDEN)
MUSL_LIBS := $(MUSL)/lib/libseccomp.a $(MUSL)/lib/libjson-c.a

# Two halves. seccomp/: the profile toolchain, parse (parse.c, dialect.c) ->
# rule set (ruleset.c) -> resolve -> emit (libseccomp, range) -> verify (in the
# emulator) -> print, and the profile files; bpfgen runs it at build time.
# shim/: the PID 1 program, which runs it at start for a JSON profile.
PROFILE_SRCS := seccomp/parse.c seccomp/dialect.c seccomp/compile.c seccomp/ruleset.c seccomp/resolve.c seccomp/emit_libseccomp.c \
	seccomp/emit_range.c seccomp/verify.c seccomp/classes.c seccomp/emulate.c seccomp/print.c seccomp/profile_file.c
# What the toolchain uses from shim/: one-line messages and write_all.
BASE_SRCS := shim/log.c shim/io.c
SHIM_SRCS := shim/config.c shim/values.c shim/path.c shim/spawn.c shim/supervise.c shim/user.c shim/identity.c shim/plan.c shim/filter.c \
	shim/notify.c shim/lookup.c shim/learn.c shim/learn_args.c shim/learn_files.c shim/sha256.c shim/main.c seccomp/embedded.c seccomp/tools.c \
	seccomp/merge.c seccomp/merge_review.c seccomp/diff.c seccomp/diff_text.c $(BASE_SRCS) $(PROFILE_SRCS)
SHIM_HDRS := $(wildcard shim/*.h seccomp/*.h)

all: $(B)/shim $(B)/shim.spdx.json

# deps.sh runs on every build: it verifies the pinned sources (deps.lock) each time and touches
# the stamp only when it rebuilt something.
$(B)/deps.stamp: FORCE
	$(Q)V=$(V) bash scripts/deps.sh musl

$(B)/host.stamp: $(B)/deps.stamp
	$(Q)V=$(V) bash scripts/deps.sh host

$(B)/musl-static-pie.specs: scripts/musl-specs.sh $(B)/deps.stamp
	$(Q)bash scripts/musl-specs.sh >$@.tmp && mv $@.tmp $@

BPFGEN_SRCS := $(BASE_SRCS) $(PROFILE_SRCS)
$(B)/bpfgen: seccomp/bpfgen.c $(BPFGEN_SRCS) $(SHIM_HDRS) $(GEN)/learn_data.h $(B)/deps.stamp
	musl-gcc $(WARN) -O2 -I$(MUSL)/include -I$(GEN) -Ishim -Iseccomp -static -o $@ seccomp/bpfgen.c $(BPFGEN_SRCS) $(MUSL_LIBS)

$(GEN)/default_filter.h: seccomp/default.json seccomp/pid1.json $(B)/bpfgen
	@mkdir -p $(GEN)
	$(B)/bpfgen seccomp/default.json seccomp/pid1.json $@.tmp && mv $@.tmp $@

# Learn mode's assumed set, from its data file (names; comments name the source).
$(GEN)/learn_data.h: seccomp/learn-hot.txt
	@mkdir -p $(GEN)
	awk 'BEGIN { print "/* Generated from seccomp/learn-hot.txt. Do not edit. */"; \
		print "static const char *const learn_assumed[] = {" } \
		/^[a-z0-9_]+$$/ { printf "\t\"%s\",\n", $$1 } END { print "};" }' $< > $@.tmp && mv $@.tmp $@

# --export-profile's node-level additions, as C strings.
$(GEN)/export_data.h: seccomp/k8s-base.json seccomp/pid1.json
	@mkdir -p $(GEN)
	{ echo "/* Generated from seccomp/k8s-base.json and seccomp/pid1.json. Do not edit. */"; \
	  for f in k8s_base:seccomp/k8s-base.json pid1:seccomp/pid1.json; do \
		echo "static const char export_$${f%%:*}_json[] ="; \
		sed 's/\\/\\\\/g; s/"/\\"/g; s/^/\t"/; s/$$/\\n"/' $${f#*:}; echo ";"; done; } > $@.tmp && mv $@.tmp $@

# The version string is compiled in: relink when it changes (a new commit), not only when files do.
$(B)/version: FORCE
	@mkdir -p $(B); echo '$(VERSION) $(COMMIT)' | cmp -s - $@ || echo '$(VERSION) $(COMMIT)' >$@

# build/shim.debug keeps the symbols (tests/build/hardening.sh reads it); build/shim is stripped.
$(B)/shim: $(SHIM_SRCS) $(SHIM_HDRS) $(GEN)/default_filter.h $(GEN)/learn_data.h $(GEN)/export_data.h $(B)/deps.stamp \
		$(B)/version $(SPECS) Makefile
	$(say) CCLD $@
	$(Q)$(CC) $(MUSL_CFLAGS) $(CPPFLAGS) $(CFLAGS) -DSHIM_VERSION='"$(VERSION)"' -DSHIM_COMMIT='"$(COMMIT)"' \
		-DSHIM_MUSL_VERSION='"$(MUSL_VERSION)"' $(MUSL_LDFLAGS) $(LDFLAGS) -o $@.debug $(SHIM_SRCS) $(MUSL_LIBS)
	$(Q)strip --strip-all -R .comment -o $@.tmp $@.debug
	$(Q)mv $@.tmp $@
	@stat -c 'shim: %s bytes' $@; sha256sum $@

include tests/tests.mk
include aarch64.mk

# The SBOM (SPDX 2.3 JSON) of build/shim.
$(B)/shim.spdx.json: $(B)/shim scripts/sbom.sh deps.lock $(B)/version
	$(say) SBOM $@
	$(Q)bash scripts/sbom.sh $(B)/shim '$(VERSION)' '$(COMMIT)' >$@.tmp && mv $@.tmp $@

# The aarch64 binary's SBOM: the Debian details from the host's stamp (same sources, checked by sbom.sh).
$(X)/shim.spdx.json: $(X)/shim scripts/sbom.sh deps.lock $(B)/version
	$(say) SBOM $@
	$(Q)SBOM_STAMP=$(B)/deps.stamp bash scripts/sbom.sh $(X)/shim '$(VERSION)' '$(COMMIT)' >$@.tmp && mv $@.tmp $@

# `make release`: dist/ (scripts/release.sh): both binaries, their SBOMs, the OCI archive of the
# two-architecture image, SHA256SUMS. SOURCE_URL (the repository's URL, for the image's
# org.opencontainers.image.source) defaults to git's remote origin; REVISION is the full commit hash.
DIST := dist
SOURCE_URL ?= $(shell $(at_git_top) && git remote get-url origin 2>/dev/null)
REVISION ?= $(shell $(at_git_top) && git rev-parse HEAD 2>/dev/null)
release: release-check $(B)/shim $(B)/shim.spdx.json $(X)/shim $(X)/shim.spdx.json
	$(Q)bash scripts/release.sh $(DIST) '$(VERSION)' '$(COMMIT)' '$(REVISION)' '$(SOURCE_URL)' \
		$(B)/shim $(B)/shim.spdx.json $(X)/shim $(X)/shim.spdx.json

# The refusals first (a dirty tree, a tag that is not vVERSION, no source URL), before any build.
release-check:
	$(Q)bash scripts/release.sh --check '$(VERSION)' '$(COMMIT)' '$(REVISION)' '$(SOURCE_URL)'

install: $(B)/shim $(B)/shim.spdx.json
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(B)/shim $(DESTDIR)$(BINDIR)/shim
	install -m 0644 LICENSE THIRD_PARTY_NOTICES.md $(B)/shim.spdx.json $(DESTDIR)$(DOCDIR)/
	if [ -d $(B)/licenses ]; then install -m 0644 $(B)/licenses/* $(DESTDIR)$(DOCDIR)/; fi

clean:
	rm -rf $(B)/shim $(B)/shim.debug $(B)/bpfgen $(GEN) $(B)/tests $(B)/asan

distclean:
	rm -rf $(B)

FORCE:
.PHONY: all install release release-check clean distclean FORCE

# Benchmarks against tini, dumb-init and catatonit, side by side (bench/README.md).
# build/bench/filters: range vs libseccomp programs, from the shim's own profile code.
$(B)/bench/filters: bench/filters.c $(BPFGEN_SRCS) $(SHIM_HDRS) $(B)/deps.stamp
	@mkdir -p $(B)/bench
	musl-gcc $(WARN) -O2 -I$(MUSL)/include -Ishim -Iseccomp -static -o $@ bench/filters.c $(BPFGEN_SRCS) $(MUSL_LIBS)

bench: $(B)/shim $(B)/bench/filters test-deps
	bash bench/run.sh

bench-quick: $(B)/shim $(B)/bench/filters test-deps
	bash bench/run.sh --quick

.PHONY: bench bench-quick

# `make print-VAR`: a variable's value (tests/build/repro.sh asks for VERSION and SOURCE_DATE_EPOCH).
print-%:
	@echo '$($*)'
