# guests.mk - the test guests (tests/guests/README.md), included by the
# top-level Makefile. `make guests` builds them into build/guests/.
#
# Guests are 32-bit freestanding programs. -mgeneral-regs-only because
# -m32 on an x86-64 compiler still allows SSE, and the guests never enable
# it (CR4.OSFXSR=0 would make any SSE instruction #UD).

# Rules here must not become the Makefile's default goal.
guests_saved_goal := $(.DEFAULT_GOAL)

GUEST_CC ?= gcc
GUEST_NASM ?= nasm
GUEST_CFLAGS := -m32 -ffreestanding -fno-pic -fno-pie -nostdlib -fno-stack-protector \
	-fno-builtin -O2 -Wall -Wextra -Werror -std=gnu11 -mgeneral-regs-only \
	-fno-asynchronous-unwind-tables -I. -Itests/guests -MMD -MP
GUEST_LDFLAGS := -m elf_i386 -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
	--no-warn-rwx-segments -T tests/guests/lib/guest.ld

GUEST_OUT := $(BUILD)/guests
GUEST_ELF_NAMES := hello cpuid_msr_io pingpong spin triplefault passthrough_attack bench_cpuid exceptions large_pages \
	bench_mmio mmio rom rom_unsupported chaos events smp_info firmware clocks pitpic rtc nested_svm \
	bench_nested timer_hlt apic ioapic sipi nested_svm_modes chaos_l1 nested_svm_l0 nested_svm_intr smp_ring pit_ioapic timer_mmio nested_vmx bench_nested_vmx chaos_l1_vmx bench_apic uart_input
GUEST_LIB_C := $(wildcard tests/guests/lib/*.c) hv/lib/format.c hv/lib/string.c
GUEST_LIB_OBJS := $(patsubst %.c,$(GUEST_OUT)/obj/%.o,$(GUEST_LIB_C)) \
	$(GUEST_OUT)/obj/tests/guests/lib/entry.asm.o

GUESTS := $(addprefix $(GUEST_OUT)/,$(addsuffix .elf,$(GUEST_ELF_NAMES))) \
	$(GUEST_OUT)/realmode.bin $(GUEST_OUT)/long64.elf $(GUEST_OUT)/rom.img
# Not run under Nestor: a BIOS boot disk that loads realmode.bin at 0x8000,
# so the real-mode guest can be checked on bare QEMU (run_bare.sh).
GUEST_EXTRAS := $(GUEST_OUT)/realmode-boot.img

.PHONY: guests guests-check
guests: $(GUESTS) $(GUEST_EXTRAS)

# Boot every guest on bare QEMU (no Nestor) and check its output.
guests-check: guests
	tests/guests/run_bare.sh

$(GUEST_OUT)/obj/%.o: %.c tests/guests/guests.mk
	@mkdir -p $(dir $@)
	@echo "  CC32    $<"
	@$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OUT)/obj/%.asm.o: %.asm tests/guests/guests.mk
	@mkdir -p $(dir $@)
	@echo "  NASM32  $<"
	@$(GUEST_NASM) -f elf32 -o $@ $<

$(GUEST_OUT)/%.elf: $(GUEST_OUT)/obj/tests/guests/%.o $(GUEST_LIB_OBJS) tests/guests/lib/guest.ld
	@echo "  LD32    $@"
	@ld $(GUEST_LDFLAGS) -o $@ $< $(GUEST_LIB_OBJS)
	@grub-file --is-x86-multiboot $@ || { echo "error: $@ is not a multiboot v1 image"; exit 1; }

$(GUEST_OUT)/realmode.bin: tests/guests/realmode.asm
	@mkdir -p $(dir $@)
	@echo "  NASMBIN $<"
	@$(GUEST_NASM) -f bin -o $@ $<

# The ROM image of the rom and rom_unsupported guests (a kind=rom module).
$(GUEST_OUT)/rom.img: tests/guests/rom_image.asm
	@mkdir -p $(dir $@)
	@echo "  NASMBIN $<"
	@$(GUEST_NASM) -f bin -o $@ $<

$(GUEST_OUT)/realmode-boot.img: tests/guests/realmode_boot.asm $(GUEST_OUT)/realmode.bin
	@echo "  NASMBIN $<"
	@$(GUEST_NASM) -f bin -DPAYLOAD='"$(GUEST_OUT)/realmode.bin"' -o $@ $<

# Keep the objects: make would delete them as intermediates of the
# pattern chain and rebuild every guest each time.
GUEST_MAIN_OBJS := $(patsubst %,$(GUEST_OUT)/obj/tests/guests/%.o,$(GUEST_ELF_NAMES))
.SECONDARY: $(GUEST_LIB_OBJS) $(GUEST_MAIN_OBJS)

-include $(GUEST_LIB_OBJS:.o=.d) $(patsubst %,$(GUEST_OUT)/obj/tests/guests/%.d,$(GUEST_ELF_NAMES))

.DEFAULT_GOAL := $(guests_saved_goal)

# kind=elf64 guest: a plain ELF64 image linked at 1 MiB (no multiboot header).
$(GUEST_OUT)/long64.elf: tests/guests/long64.asm
	@mkdir -p $(GUEST_OUT)/obj
	@echo "  NASM64  $<"
	@$(GUEST_NASM) -f elf64 -o $(GUEST_OUT)/obj/long64.o $<
	@ld -N -nostdlib -static -z noexecstack --no-warn-rwx-segments -Ttext=0x100000 -e _start -o $@ $(GUEST_OUT)/obj/long64.o
