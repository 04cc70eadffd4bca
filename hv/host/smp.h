/*
 * smp.h - the host's other CPUs: found in the ACPI MADT, started with
 * INIT-SIPI-SIPI (Intel SDM Vol 3A 8.4.4) through the real-mode
 * trampoline of ap_boot.asm, each with its own GDT/TSS/IDT load, stacks
 * (percpu.h), local APIC and VT-x/SVM turned on (virt_ops->cpu_enable).
 *
 * CPU indices: 0 is the boot CPU, 1.. the APs that came up, in MADT order.
 * An AP that does not come up is reported by its APIC ID and left out.
 */
#ifndef NESTOR_HOST_SMP_H
#define NESTOR_HOST_SMP_H

#include <stdbool.h>
#include <stdint.h>

#include "boot/mb2_info.h"
#include "mm/mem_map.h"

/* Read the BIOS data area's EBDA segment (0x40E, ACPI 5.2.5.1) while page
 * 0 is still mapped (before host_paging_init). */
void smp_note_ebda(void);
/* Find the CPUs and start them (enabled = Nestor option smp=). Needs the
 * host page tables (mapped = bytes identity-mapped), the frame allocator,
 * TSC calibration and virtualization on the boot CPU (virt_ops). */
void smp_start(const struct mb2_info *info, const struct mem_map *map, uint64_t mapped, bool enabled);
/* selftest=nosipi: the first AP gets its INIT but no start-up IPI. */
extern bool smp_selftest_no_sipi;
/* How many CPUs run, and which (bit i = CPU index i). */
unsigned smp_ncpus(void);
uint64_t smp_online(void);
/* Make CPU cpu leave guest mode or its idle HLT (the kick IPI). */
void smp_kick(unsigned cpu);
/* ... every other running CPU. */
void smp_kick_others(void);
/* This CPU has nothing to run: wait for an interrupt (kick or timer). */
void smp_idle(void);

/* For ap_main (hv/main.c), on the AP itself: claim CPU index idx (false:
 * the boot CPU gave this AP up; halt), then report whether its set-up
 * worked. */
bool smp_ap_claim(unsigned idx);
void smp_ap_report(unsigned idx, bool ok);

#endif
