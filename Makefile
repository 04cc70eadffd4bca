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

.DEFAULT_GOAL := all
HOST_TESTS :=
FUZZ_TARGETS :=
HOST_BENCHES :=
-include tests/host/*.mk
-include tests/guests/guests.mk

.PHONY: all host-tests fuzz-targets host-test clean deps deps-check

# --- the hypervisor ----------------------------------------------------------
CC := gcc
NASM := nasm
KERNEL_DIRS := boot hv mm ept npt nested drivers
KERNEL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I. -MMD -MP \
	-ffreestanding -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-builtin \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-common
KERNEL_LDFLAGS := -z noexecstack -n -nostdlib -static -z max-page-size=0x1000 --no-warn-rwx-segments -T linker.ld

KERNEL_C_SRCS := $(sort $(shell find $(KERNEL_DIRS) -name '*.c'))
KERNEL_ASM_SRCS := $(sort $(shell find $(KERNEL_DIRS) -name '*.asm'))
KERNEL_OBJS := $(patsubst %.c,$(BUILD)/k/%.o,$(KERNEL_C_SRCS)) \
	$(patsubst %.asm,$(BUILD)/k/%.asm.o,$(KERNEL_ASM_SRCS))

$(BUILD)/k/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/k/%.asm.o: %.asm Makefile
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	@$(NASM) -f elf64 -g -o $@ $<

-include $(patsubst %.c,$(BUILD)/k/%.d,$(KERNEL_C_SRCS))

# Two links: the first with an empty symbol table, the second with the
# names of the first's functions (placed last, so no address moves; the
# cmp below proves it).
$(BUILD)/syms-empty.asm: tools/gen_symbols.sh
	@mkdir -p $(BUILD)
	tools/gen_symbols.sh - $@
$(BUILD)/%.asm.o: $(BUILD)/%.asm
	$(NASM) -f elf64 -o $@ $<
$(BUILD)/nestor.stage1.elf: $(KERNEL_OBJS) $(BUILD)/syms-empty.asm.o linker.ld
	ld $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/syms-empty.asm.o
$(BUILD)/syms.asm: $(BUILD)/nestor.stage1.elf tools/gen_symbols.sh
	tools/gen_symbols.sh $< $@
$(BUILD)/nestor.elf: $(KERNEL_OBJS) $(BUILD)/syms.asm.o linker.ld
	ld $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/syms.asm.o
	@nm -n $(BUILD)/nestor.stage1.elf | grep -v -e nestor_symbol -e __syms_end -e __image_end > $(BUILD)/stage1.nm
	@nm -n $@ | grep -v -e nestor_symbol -e __syms_end -e __image_end > $(BUILD)/stage2.nm
	@cmp -s $(BUILD)/stage1.nm $(BUILD)/stage2.nm || { echo "error: the symbol table moved code addresses"; exit 1; }
	@grub-file --is-x86-multiboot2 $@ || { echo "error: $@ is not a multiboot2 image"; exit 1; }

# The demo image `make run` boots (grub.cfg from tools/mkiso.sh): a guest
# that prints its boot information, two that take turns, one that checks
# what a guest sees of CPUID, MSRs and ports.
RUN_CMDLINE ?= loglevel=info
DEMO_GUESTS := $(BUILD)/guests/hello.elf $(BUILD)/guests/pingpong.elf $(BUILD)/guests/cpuid_msr_io.elf
DEMO_MODULES := $(BUILD)/guests/hello.elf "name=hello mem=16M -- hello.elf" \
	$(BUILD)/guests/pingpong.elf "name=ping -- pingpong.elf ping" \
	$(BUILD)/guests/pingpong.elf "name=pong -- pingpong.elf pong" \
	$(BUILD)/guests/cpuid_msr_io.elf "name=checks -- cpuid_msr_io.elf"
$(BUILD)/nestor.iso: $(BUILD)/nestor.elf tools/mkiso.sh $(DEMO_GUESTS)
	tools/mkiso.sh $@ $(BUILD)/nestor.elf "$(RUN_CMDLINE)" $(DEMO_MODULES)

all: deps-check $(BUILD)/nestor.elf $(BUILD)/nestor.iso

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

include tests/linux/linux.mk

# --- packages ----------------------------------------------------------------
deps:
	tools/install-deps.sh
deps-check:
	@tools/install-deps.sh --check

# --- running and testing ---------------------------------------------------------
.PHONY: test run run-bochs debug fuzz bench
QEMU_RUN := qemu-system-x86_64 -machine pc,accel=tcg -cpu max -m 512M -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04

test: all guests host-tests fuzz-targets linux
	@HOST_TEST_BINS="$(addprefix $(BUILD)/host/,$(HOST_TESTS))" \
	 FUZZ_BINS="$(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))" tests/run_all.sh

# Boot the demo image in QEMU TCG (AMD SVM model); the serial console is this
# terminal. Leave with Ctrl-A X.
run: all
	$(QEMU_RUN) -display none -serial mon:stdio -cdrom $(BUILD)/nestor.iso

# The same on Bochs with an Intel VT-x model (Skylake-X).
run-bochs: all
	tools/mkiso.sh $(BUILD)/nestor-bochs.iso $(BUILD)/nestor.elf "$(RUN_CMDLINE)" $(DEMO_MODULES)
	@: > $(BUILD)/bochs-run.log
	@tests/integration/emu.sh bochs-intel $(BUILD)/nestor-bochs.iso $(BUILD)/bochs-run.log 3600 & \
	 tail -F --pid=$$! $(BUILD)/bochs-run.log 2>/dev/null

# QEMU stopped at the first instruction with its gdb stub on :1234;
# in another terminal: gdb -x build/nestor.gdb
debug: all
	@printf 'file $(BUILD)/nestor.elf\ntarget remote :1234\nset disassembly-flavor intel\n' > $(BUILD)/nestor.gdb
	@echo "gdb: gdb -x $(BUILD)/nestor.gdb"
	$(QEMU_RUN) -display none -serial mon:stdio -s -S -cdrom $(BUILD)/nestor.iso

fuzz: fuzz-targets
	@for t in $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS)); do \
		echo "== $$t"; $$t -max_total_time=$${FUZZ_SECONDS:-300} || exit 1; done

bench: all guests linux $(addprefix $(BUILD)/bench/,$(HOST_BENCHES))
	@HOST_BENCH_BINS="$(addprefix $(BUILD)/bench/,$(HOST_BENCHES))" tools/bench.sh
