# Tests. Unit tests build with the host compiler against build/host (same
# libseccomp and json-c sources as the shim); integration tests run build/shim.
T := $(B)/tests
HOST_CFLAGS := $(WARN) -O1 -g -I$(HOST)/include -I$(GEN) -Ishim -Iseccomp
HOST_LIBS := $(HOST)/lib/libseccomp.a $(HOST)/lib/libjson-c.a -lcmocka
# Sanitizer runtimes need more than PID 1's own filter allows, and do not follow a CLONE_VM child.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -DSHIM_SPAWN_FORK \
	-DSHIM_NO_PID1_FILTER

UNIT_TESTS := config path supervise identity profile filter log libseccomp range print sha256 learn spawn merge learn_args
UNIT_BINS := $(UNIT_TESTS:%=$(T)/unit_%)
# The same unit tests built with musl (static, cmocka from Debian's source built by deps.sh).
MUSL_UNIT_BINS := $(UNIT_TESTS:%=$(T)/musl_unit_%)
MUSL_TEST := $(B)/musl-test
UNIT_SRCS := shim/config.c shim/values.c shim/path.c shim/supervise.c shim/user.c shim/identity.c shim/plan.c shim/filter.c shim/notify.c \
	shim/lookup.c shim/spawn.c shim/learn.c shim/learn_args.c shim/learn_files.c shim/sha256.c seccomp/embedded.c seccomp/tools.c seccomp/merge.c seccomp/merge_review.c seccomp/diff.c seccomp/diff_text.c \
	$(BASE_SRCS) $(PROFILE_SRCS)

UNIT_DEPS := $(UNIT_SRCS) $(SHIM_HDRS) seccomp/emulate.h $(GEN)/default_filter.h $(GEN)/learn_data.h $(GEN)/export_data.h \
	tests/unit/testlib.h tests/differential.h $(B)/host.stamp

$(T)/unit_%: tests/unit/test_%.c $(UNIT_DEPS)
	@mkdir -p $(T)
	gcc $(HOST_CFLAGS) -o $@ $< $(UNIT_SRCS) $(HOST_LIBS)

$(T)/musl_unit_%: tests/unit/test_%.c $(UNIT_DEPS)
	@mkdir -p $(T)
	musl-gcc $(WARN) -O1 -g -I$(MUSL)/include -I$(MUSL_TEST)/include -I$(GEN) -Ishim -Iseccomp -static -o $@ $< $(UNIT_SRCS) \
		$(MUSL_LIBS) $(MUSL_TEST)/lib/libcmocka.a

$(T)/asan_unit_%: tests/unit/test_%.c $(UNIT_DEPS)
	@mkdir -p $(T)
	gcc $(HOST_CFLAGS) $(SAN_FLAGS) -o $@ $< $(UNIT_SRCS) $(HOST_LIBS)

# Helpers the integration tests run under the shim: static, so they also run
# in the minimal root filesystems of the end-to-end tests.
$(T)/probe: tests/integration/probe.c
	@mkdir -p $(T)
	musl-gcc $(WARN) -O2 -static -o $@ $<

$(T)/escape: tests/integration/escape.c
	@mkdir -p $(T)
	musl-gcc $(filter-out -D_GNU_SOURCE,$(WARN)) -O2 -static -pthread -I$(MUSL)/include -o $@ $<

# One binary from the files by concern; run.c runs the shim and captures what it printed.
INTEGRATION_SRCS := $(addprefix tests/integration/,main.c run.c lifecycle.c signals.c child.c identity.c caps.c \
	cli.c seccomp.c node.c learn.c learn_args.c profiles.c)

$(T)/integration: $(INTEGRATION_SRCS) tests/integration/run.h tests/integration/tests.h tests/unit/testlib.h
	@mkdir -p $(T)
	gcc $(HOST_CFLAGS) -o $@ $(INTEGRATION_SRCS) -lcmocka

# The shim itself built with ASan+UBSan (glibc, host libraries) for the
# integration suite; behaviour is the same, spawn uses fork.
$(T)/shim-asan: $(SHIM_SRCS) $(SHIM_HDRS) $(GEN)/default_filter.h $(GEN)/learn_data.h $(GEN)/export_data.h $(B)/host.stamp
	@mkdir -p $(T)
	gcc $(HOST_CFLAGS) $(SAN_FLAGS) -o $@ $(SHIM_SRCS) $(HOST_LIBS:-lcmocka=)

# test-deps: the profile tests read Docker's and Podman's real profiles.
test-unit: $(UNIT_BINS) $(MUSL_UNIT_BINS) test-deps
	@set -e; for t in $(UNIT_BINS) $(MUSL_UNIT_BINS); do echo "== $$t"; $$t; done

# The differential property test (issue 20): 10,000 seeded random profiles with overlapping argument
# rules, the installed program against libseccomp's in the emulator; musl and glibc builds, two seeds.
# Not under valgrind or ASan (minutes there); the profile code it drives is, through test-unit.
test-differential: $(T)/unit_differential $(T)/musl_unit_differential
	$(T)/musl_unit_differential
	SHIM_DIFF_SEED=21 $(T)/unit_differential

# Build checks (tests/build/): what the binary and the build promise; no root or network
# (test-pins' refusal comes before any install or download).
test-hardening: $(B)/shim
	bash tests/build/hardening.sh $(B)/shim $(B)/shim.debug

test-pins:
	bash tests/build/pins.sh

test-sbom: $(B)/shim.spdx.json
	bash tests/build/sbom.sh $(B)/shim.spdx.json $(B)/shim

test-install: $(B)/shim $(B)/shim.spdx.json
	bash tests/build/install.sh

# The version: VERSION, CHANGELOG.md, --version, the SBOM, a build outside git.
test-version: $(B)/shim $(B)/shim.spdx.json
	bash tests/build/version.sh $(B)/shim $(B)/shim.spdx.json

test-build: test-hardening test-pins test-sbom test-install test-version

# Two clean builds compared byte for byte; the packager's unprivileged, offline builds.
test-repro: $(B)/shim $(B)/shim.spdx.json
	bash tests/build/repro.sh

test-unpriv: $(B)/shim $(B)/host.stamp
	bash tests/build/unpriv.sh

# `make` in a bare Debian 12 minbase chroot (root, network).
test-minbase: $(B)/shim
	bash tests/build/minbase.sh

# The README and docs/: size, links, and how each of the README's blocks is checked (tests/docs/check.py).
test-docs: $(B)/shim
	python3 tests/docs/check.py . $(B)/shim

# No root, no containers, no network: what a packager runs.
check: test-unit test-build

.PHONY: test-differential test-docs check test-hardening test-pins test-sbom test-install test-version test-build test-repro test-unpriv test-minbase
test-deps:
	bash scripts/test-deps.sh

test-integration: $(B)/shim $(T)/probe $(T)/escape $(T)/integration test-deps
	SHIM=$(B)/shim PROBE=$(T)/probe ESCAPE=$(T)/escape $(T)/integration

# What an operator applies to a cluster (issue 23): SPO exports against SPO 0.9.1's and 1.0.0's CRDs, every
# YAML block of README.md and examples/ against the Kubernetes schema (unknown fields rejected), the
# OpenChoreo values overlays against the chart's values.schema.json (tests/k8s/run.sh; no root, no cluster).
test-k8s: $(B)/shim test-deps
	SHIM=$(B)/shim bash tests/k8s/run.sh

# End-to-end: Dockerfile.example built by Docker, runc, a real Backstage backend (tests/e2e/).
test-e2e: $(B)/shim
	bash tests/e2e/run.sh

test-e2e-docker test-e2e-runc test-e2e-podman-crun test-e2e-podman-runc test-e2e-containerd test-e2e-cri test-e2e-backstage: test-e2e-%: $(B)/shim
	bash tests/e2e/run.sh $*

# test-local: everything that runs on this machine alone; test-e2e and test-aarch64 are independent of it
# (CI runs the three side by side after one shared build: .ci/run).
test-local: all test-unit test-differential test-docs test-deps test-k8s test-build test-repro test-unpriv test-minbase test-integration test-asan \
	test-valgrind test-fuzz

# make release and what an operator does with dist/ (tests/e2e/release.sh): checksums, two runs identical,
# the OCI archive in Podman and (through skopeo) Docker, a COPY --from= build that runs. Root, containers.
test-release: $(B)/shim $(B)/shim.spdx.json $(B)/aarch64/shim $(B)/aarch64/shim.spdx.json
	bash tests/e2e/run.sh release

test: test-local test-e2e test-aarch64 test-release

.PHONY: test test-release test-local test-unit test-integration test-deps test-k8s test-e2e test-e2e-docker test-e2e-runc test-e2e-podman-crun test-e2e-podman-runc test-e2e-containerd test-e2e-cri test-e2e-backstage

# Sanitizers: unit tests and the shim itself with ASan+UBSan; unit tests under valgrind.
ASAN_UNIT_BINS := $(UNIT_TESTS:%=$(T)/asan_unit_%)

test-asan: $(ASAN_UNIT_BINS) $(T)/shim-asan $(T)/probe $(T)/escape $(T)/integration test-deps
	@set -e; for t in $(ASAN_UNIT_BINS); do echo "== $$t"; ASAN_OPTIONS=abort_on_error=0:detect_leaks=1 $$t; done

	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		SHIM_TEST_SANITIZED=1 SHIM=$(T)/shim-asan PROBE=$(T)/probe ESCAPE=$(T)/escape $(T)/integration

# bpfgen too, built against glibc so valgrind sees its allocations.
$(T)/bpfgen-host: seccomp/bpfgen.c $(BPFGEN_SRCS) $(SHIM_HDRS) $(GEN)/learn_data.h
	@mkdir -p $(T)
	gcc $(HOST_CFLAGS) -o $@ seccomp/bpfgen.c $(BPFGEN_SRCS) $(HOST_LIBS:-lcmocka=)

test-valgrind: $(UNIT_BINS) $(T)/bpfgen-host test-deps
	@set -e; for t in $(UNIT_BINS); do echo "== valgrind $$t"; \
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
			--show-leak-kinds=definite,indirect --trace-children=no $$t; done
	valgrind -q --error-exitcode=99 $(T)/bpfgen-host seccomp/default.json seccomp/pid1.json $(T)/bpfgen-check.h

# Fuzzing (clang libFuzzer, ASan+UBSan) against the host-built libraries.
FUZZ_SECONDS ?= 600
FUZZ_CFLAGS := $(filter-out -Wformat=2,$(WARN)) -g -O1 -I$(HOST)/include -I$(GEN) -Ishim -Iseccomp \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SRCS := shim/config.c shim/values.c shim/user.c shim/identity.c $(BASE_SRCS) $(PROFILE_SRCS)

$(T)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SRCS) $(SHIM_HDRS) tests/differential.h $(B)/host.stamp
	@mkdir -p $(T)
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRCS) $(HOST)/lib/libseccomp.a $(HOST)/lib/libjson-c.a

# Each target runs FUZZ_SECONDS on one core from the seed corpus plus what it found before;
# crashers land in build/fuzz/ and must become files in tests/fuzz/regressions/.
fuzz: $(T)/fuzz_profile $(T)/fuzz_config
	@mkdir -p $(B)/fuzz/profile $(B)/fuzz/config
	$(T)/fuzz_profile -max_total_time=$(FUZZ_SECONDS) -close_fd_mask=2 -max_len=65536 -timeout=10 \
		-artifact_prefix=$(B)/fuzz/ $(B)/fuzz/profile tests/fuzz/seeds/profile seccomp
	$(T)/fuzz_config -max_total_time=$(FUZZ_SECONDS) -close_fd_mask=2 -max_len=4096 -timeout=10 \
		-artifact_prefix=$(B)/fuzz/ $(B)/fuzz/config tests/fuzz/seeds/config

# CI: every regression input and seed once (-runs=0 only loads, which runs each),
# then a short run of each target.
test-fuzz: $(T)/fuzz_profile $(T)/fuzz_config
	$(T)/fuzz_profile -runs=0 -close_fd_mask=2 tests/fuzz/regressions/profile tests/fuzz/seeds/profile
	$(T)/fuzz_config -runs=0 -close_fd_mask=2 tests/fuzz/regressions/config tests/fuzz/seeds/config
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=20

.PHONY: test-asan test-valgrind fuzz test-fuzz
