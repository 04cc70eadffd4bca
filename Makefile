# Nestor build. `make` builds the hypervisor and its ISO; `make test` runs
# every test; `make run` boots Nestor in QEMU. See README.md.

BUILD := build
HOST_CC ?= gcc
FUZZ_CC ?= clang

HOST_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -O1 -I. -DNESTOR_HOST_TEST \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
HOST_LDFLAGS := -fsanitize=address,undefined
FUZZ_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -O1 -I. -DNESTOR_HOST_TEST \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
BENCH_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -O2 -I. -DNESTOR_HOST_TEST

HOST_TESTS :=
FUZZ_TARGETS :=
HOST_BENCHES :=
-include tests/host/*.mk

.PHONY: all host-tests fuzz-targets host-test clean
all:

# --- host unit tests -------------------------------------------------------
define host_test_rule
$(BUILD)/host/$(1): $$($(1)_SRCS) $$(wildcard tests/host/*.h) $$(shell find boot hv mm ept npt nested drivers -name '*.h' 2>/dev/null)
	@mkdir -p $$(dir $$@)
	$$(HOST_CC) $$(HOST_CFLAGS) $$($(1)_CFLAGS) -o $$@ $$($(1)_SRCS) $$(HOST_LDFLAGS) $$($(1)_LDLIBS)
endef
$(foreach t,$(HOST_TESTS),$(eval $(call host_test_rule,$(t))))

define fuzz_rule
$(BUILD)/fuzz/$(1): $$($(1)_SRCS) $$(shell find boot hv mm ept npt nested drivers tests/host -name '*.h' 2>/dev/null)
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) $$($(1)_CFLAGS) -o $$@ $$($(1)_SRCS) $$($(1)_LDLIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$(t))))

define bench_rule
$(BUILD)/bench/$(1): $$($(1)_SRCS) $$(shell find boot hv mm ept npt nested drivers tests/host -name '*.h' 2>/dev/null)
	@mkdir -p $$(dir $$@)
	$$(HOST_CC) $$(BENCH_CFLAGS) $$($(1)_CFLAGS) -o $$@ $$($(1)_SRCS) $$($(1)_LDLIBS)
endef
$(foreach t,$(HOST_BENCHES),$(eval $(call bench_rule,$(t))))

host-tests: $(addprefix $(BUILD)/host/,$(HOST_TESTS))
fuzz-targets: $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))

# Run only the host unit tests (quick loop while developing pure logic).
host-test: host-tests
	@tests/run_host.sh $(addprefix $(BUILD)/host/,$(HOST_TESTS))

clean:
	rm -rf $(BUILD)
