# Tests. Unit tests build with the host compiler against build/host (same
# libseccomp and json-c sources as the shim); integration tests run build/shim.
T := $(B)/tests
HOST_CFLAGS := $(WARN) -O1 -g -I$(HOST)/include -I$(GEN) -Ishim
HOST_LIBS := $(HOST)/lib/libseccomp.a $(HOST)/lib/libjson-c.a -lcmocka
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -DSHIM_SPAWN_FORK

UNIT_TESTS := config path supervise identity profile filter log
UNIT_BINS := $(UNIT_TESTS:%=$(T)/unit_%)
UNIT_SRCS := shim/log.c shim/config.c shim/path.c shim/supervise.c shim/identity.c shim/profile.c \
	shim/filter.c shim/notify.c shim/spawn.c

$(T)/unit_%: tests/unit/test_%.c $(UNIT_SRCS) $(SHIM_HDRS) $(GEN)/default_filter.h tests/unit/testlib.h
	@mkdir -p $(T)
	gcc $(HOST_CFLAGS) -o $@ $< $(UNIT_SRCS) $(HOST_LIBS)

$(T)/asan_unit_%: tests/unit/test_%.c $(UNIT_SRCS) $(SHIM_HDRS) $(GEN)/default_filter.h tests/unit/testlib.h
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

$(T)/integration: tests/integration/test_shim.c tests/unit/testlib.h
	@mkdir -p $(T)
	gcc $(HOST_CFLAGS) -o $@ $< -lcmocka

# The shim itself built with ASan+UBSan (glibc, host libraries) for the
# integration suite; behaviour is the same, spawn uses fork.
$(T)/shim-asan: $(SHIM_SRCS) $(SHIM_HDRS) $(GEN)/default_filter.h
	@mkdir -p $(T)
	gcc $(HOST_CFLAGS) $(SAN_FLAGS) -o $@ $(SHIM_SRCS) $(HOST_LIBS:-lcmocka=)

test-unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

test-integration: $(B)/shim $(T)/probe $(T)/escape $(T)/integration
	SHIM=$(B)/shim PROBE=$(T)/probe ESCAPE=$(T)/escape $(T)/integration

test: all test-unit test-integration

.PHONY: test test-unit test-integration
