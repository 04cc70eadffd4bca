/*
 * guest_abi.h - what a guest of Nestor can rely on. Shared by the
 * hypervisor and the test guests (tests/guests/), so both see one truth.
 *
 * Detection: CPUID leaf 0x40000000 returns EAX = highest hypervisor leaf
 * and EBX:ECX:EDX = "NestorNestor" (the convention KVM/Xen/Hyper-V use for
 * leaves 0x40000000-0x400000FF). CPUID.1:ECX bit 31 (hypervisor present)
 * is set.
 *
 * Hypercall: VMCALL on Intel, VMMCALL on AMD (a guest picks by the CPUID
 * vendor string). RAX = function, RBX/RCX/RDX = arguments; RAX returns 0
 * or a negative NESTOR_E* value. Other registers are preserved. The
 * instruction is 3 bytes (0F 01 C1 / 0F 01 D9); RIP advances past it.
 *
 *   HC_PRINT (1)  RBX = guest-physical address, RCX = length (<= 4096):
 *                 print the bytes as a line on Nestor's console.
 *   HC_EXIT  (2)  RBX = status: stop this VM with that exit status.
 *   HC_YIELD (3)  give the physical CPU to the next runnable vCPU.
 *   HC_RDTSC_INSNS (4) informational: returns 0; reserved for benchmarks.
 *   HC_PRINT_STATS (5) print this VM's exit counts on Nestor's console.
 *   HC_SET_PERM (6) RBX = guest-physical address, RCX = size (both 4 KiB
 *                 aligned, inside the VM's RAM), RDX = permissions (bit 0
 *                 read, bit 1 write, bit 2 execute; 0 = unmapped): change
 *                 the VM's own TDP (EPT/NPT) permissions, for testing the
 *                 table builder. Returns the number of TDP table pages
 *                 afterwards. An access the new permissions forbid stops
 *                 the VM with a report, as any TDP fault in RAM does.
 *                 RDX = HC_PERM_UNMAP_UNTIL_TOUCHED (8) instead: unmap the
 *                 pages now; the first access to each maps it back (RWX)
 *                 in Nestor, invisibly to the guest, as a page mapped only
 *                 on first touch would be. (Tests event delivery that
 *                 takes a TDP exit.) At most 8 such ranges at a time.
 *   HC_RAISE_EVENT (7) RBX = kind, RCX = vector: make an event pending for
 *                 the calling vCPU, delivered by Nestor's event logic as
 *                 hardware would deliver it: kind 0 an external interrupt
 *                 (vector 32-255; held while IF=0 or in an interrupt
 *                 shadow), kind 1 an NMI (RCX ignored; held while an NMI
 *                 handler runs, until its IRET). Returns 0, or -22.
 *   HC_TOUCH_COUNT (8) returns how many first-touch faults of
 *                 HC_PERM_UNMAP_UNTIL_TOUCHED ranges Nestor has handled.
 *   HC_TEST_TIMER (16) RBX = vector (32-255), RCX = delay in TSC ticks:
 *                 a one-shot test timer of the calling vCPU raises that
 *                 vector as HC_RAISE_EVENT kind 0 would, once the delay
 *                 has passed (also while the vCPU halts in HLT, which it
 *                 ends when IF=1). Arming again replaces the previous
 *                 one. Returns 0, or -22 (bad vector, or the vCPU has a
 *                 local APIC, whose own timer is the one to use).
 *   HC_SMP_INFO (32) where the calling vCPU runs: RAX = 0, RBX = the
 *                 physical CPU (0 = the boot CPU), RCX = the vCPU's index
 *                 in its VM, RDX = how many physical CPUs Nestor runs
 *                 vCPUs on, RSI = the other physical CPUs (bit i = CPU i)
 *                 that are running a vCPU's time slice at this moment (so
 *                 a nonzero RSI proves another CPU runs a guest while this
 *                 one does). The only hypercall that returns more than RAX.
 *
 * Devices of an isolated VM: a 16550 UART at the COM1 ports 0x3f8-0x3ff
 * (each line appears on Nestor's console as "[NAME] line"; the
 * transmitter-empty interrupt on IRQ4), the QEMU debug-exit port 0xf4 (a
 * write of V ends the VM with status V), QEMU's fw_cfg (selector 0x510,
 * data 0x511) with the keys below, and the PC's 8259 pair (0x20, 0xa0,
 * ELCR 0x4d0), 8254 PIT (0x40-0x43, port 0x61) and CMOS RTC (0x70, IRQ8).
 */
#ifndef NESTOR_GUEST_ABI_H
#define NESTOR_GUEST_ABI_H

#define NESTOR_CPUID_BASE 0x40000000u
#define NESTOR_CPUID_MAX 0x40000010u  /* highest leaf of Nestor's range */
#define NESTOR_CPUID_INFO 0x40000001u
#define NESTOR_CPUID_SIG_EBX 0x7473654eu /* "Nest" */
#define NESTOR_CPUID_SIG_ECX 0x654e726fu /* "orNe" */
#define NESTOR_CPUID_SIG_EDX 0x726f7473u /* "stor" */
/* Leaf 0x40000001: EAX = ABI version, EBX = VM id, ECX = vCPU index. */
#define NESTOR_ABI_VERSION 1
/* Leaf 0x40000010 (the timing leaf VMware defined): EAX = TSC kHz,
 * EBX = bus (local APIC timer) kHz. */
#define NESTOR_CPUID_TIMING 0x40000010u

/*
 * KVM-compatible clock (Linux Documentation/virt/kvm/x86/cpuid.rst and
 * msr.rst), so unmodified guests know the TSC rate and the time: leaf
 * 0x40000100 EAX = 0x40000101, EBX:ECX:EDX = "KVMKVMKVM\0\0\0"; leaf
 * 0x40000101 EAX = KVM_FEATURE_CLOCKSOURCE2, plus
 * KVM_FEATURE_CLOCKSOURCE_STABLE_BIT when the host TSC is invariant; the
 * MSRs below (see hv/dev/kvmclock.h).
 */
#define KVM_CPUID_BASE 0x40000100u
#define KVM_CPUID_FEATURES 0x40000101u
#define KVM_CPUID_SIG_EBX 0x4b4d564bu /* "KVMK" */
#define KVM_CPUID_SIG_ECX 0x564b4d56u /* "VMKV" */
#define KVM_CPUID_SIG_EDX 0x0000004du /* "M\0\0\0" */
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define KVM_FEATURE_CLOCKSOURCE_STABLE_BIT (1u << 24)
#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00u
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01u
#define PVCLOCK_TSC_STABLE_BIT 0x01

#define HC_PRINT 1
#define HC_EXIT 2
#define HC_YIELD 3
#define HC_RDTSC_INSNS 4
#define HC_PRINT_STATS 5
#define HC_SET_PERM 6
#define HC_RAISE_EVENT 7
#define HC_TOUCH_COUNT 8
#define HC_PERM_UNMAP_UNTIL_TOUCHED 8
#define HC_TEST_TIMER 16
#define HC_SMP_INFO 32
#define HC_EVENT_INTR 0
#define HC_EVENT_NMI 1
/* Reserved while work is under way: 9-15 events and TDP tests, 16-23
 * interrupt controllers and timers, 24-31 platform devices and clocks,
 * 32-39 SMP, 40-47 nested virtualization, 48-55 Linux guests. */

#define NESTOR_EOK 0
#define NESTOR_EINVAL (-22)
#define NESTOR_ENOSYS (-38)
#define NESTOR_EFAULT (-14)

/*
 * Firmware tables (kinds multiboot, elf64, realmode of an isolated VM):
 * ACPI (RSDP in 0xE0000-0xFFFFF, XSDT, MADT, FADT) and the MP table
 * ("_MP_" in 0xF0000-0xFFFFF) describe one local APIC per vCPU (APIC ID =
 * vCPU index) at GUEST_LAPIC_GPA and one IOAPIC with ID GUEST_IOAPIC_ID at
 * GUEST_IOAPIC_GPA (GSI base 0, 24 pins); ISA IRQ0 is on GSI 2, IRQ9 is
 * level/active-high, every other ISA IRQ n on GSI n.
 */
#define GUEST_LAPIC_GPA 0xfee00000u
#define GUEST_IOAPIC_GPA 0xfec00000u
#define GUEST_IOAPIC_ID 8

#define GUEST_DEBUG_EXIT_PORT 0xf4
/* ACPI PM1a event (PM1_STS, PM1_EN) and control (PM1_CNT) blocks in the
 * FADT (hv/dev/acpi_pm.c); writing SLP_TYP = GUEST_ACPI_S5_SLP_TYP (the
 * DSDT's \_S5) with SLP_EN powers the VM off with status 0. */
#define GUEST_ACPI_PM1A_EVT_PORT 0x600
#define GUEST_ACPI_PM1A_CNT_PORT 0x604
#define GUEST_ACPI_S5_SLP_TYP 5
#define GUEST_COM1_PORT 0x3f8
#define GUEST_COM1_IRQ 4
#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
/* fw_cfg keys (QEMU docs/specs/fw_cfg.rst): signature "QEMU", id,
 * number of CPUs (16-bit), RAM size (64-bit, little-endian). */
#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID 0x01
#define FW_CFG_RAM_SIZE 0x03
#define FW_CFG_NB_CPUS 0x05
#define FW_CFG_MAX_CPUS 0x0f

/*
 * MMIO test device (module option testdev=ADDR): one 4 KiB page of MMIO.
 * Every access exits to Nestor, whose instruction emulator performs it.
 *   0x000-0x7ff  scratch: behaves like memory for accesses of 1, 2, 4, 8 bytes
 *   0x800        access counter (8 bytes): reads give the number of device
 *                accesses before this one; a write sets it to 0
 *   0x808        last access (8 bytes, read): bits 7:0 size, bit 8 write,
 *                bit 9 came through a ROMD region, bits 27:16 offset, of the
 *                access before this read
 *   0x810        log count (8 bytes): writes logged so far (write: clear)
 *   0x900-0x9ff  write log, 32 entries of 8 bytes, oldest first (wraps):
 *                bits 31:0 value (low 32 bits), 39:32 size, 40 ROMD,
 *                63:48 offset within the device page or ROMD region
 *   other        read 0, writes dropped
 * The 8-byte registers can be read 1, 2 or 4 bytes at a time too (e.g. the
 * upper half of a log entry at +4).
 * ROM regions (module rom=NAME@ADDR, NAME a module with kind=rom): reads and
 * fetches go straight to the image; writes exit and are dropped. ROMD
 * regions (romd=NAME@ADDR): the same, but writes are passed to the test
 * device's write log (ROMD bit set).
 * Unbacked regions (unbacked=ADDR+SIZE): reads return all ones, writes are
 * dropped (logged once by Nestor).
 * MMIO UART (mmio_uart=ADDR): the 16550 registers at ADDR+0..7, one byte each.
 */
#define TESTDEV_SCRATCH 0x000
#define TESTDEV_SCRATCH_SIZE 0x800
#define TESTDEV_COUNTER 0x800
#define TESTDEV_LAST 0x808
#define TESTDEV_LOG_COUNT 0x810
#define TESTDEV_LOG 0x900
#define TESTDEV_LOG_ENTRIES 32
#define TESTDEV_LAST_WRITE (1u << 8)
#define TESTDEV_LAST_ROMD (1u << 9)

#endif
