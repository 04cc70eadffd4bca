/*
 * smp.c - find the host's CPUs (ACPI MADT) and start them (Intel SDM Vol
 * 3A 8.4.4.1, the INIT-SIPI-SIPI sequence), one at a time: the boot CPU
 * waits for each AP to report before it starts the next, so APs never
 * share the trampoline.
 *
 * Locking: smp_apic_ids[] and the CPU states are written by the boot CPU
 * while it starts APs; an AP changes only its own state, with a
 * compare-and-swap against the boot CPU giving it up.
 */
#include "hv/host/smp.h"
#include "drivers/console.h"
#include "hv/host/acpi_madt.h"
#include "hv/host/lapic.h"
#include "hv/host/percpu.h"
#include "hv/host/tsc.h"
#include "hv/lib/string.h"
#include "hv/x86/asm.h"

#define BIOS_EBDA_SEG 0x40e
#define BIOS_ROM_SCAN 0xe0000
#define BIOS_ROM_SCAN_END 0x100000
#define EBDA_SCAN_LEN 1024
#define LOW_MEM_END 0xa0000 /* conventional memory ends at 640 KiB */
/* SDM 3A 8.4.4.1: 10 ms after INIT, 200 us after each SIPI; an AP that
 * has not reported after AP_START_TIMEOUT_US is given up. */
#define INIT_DELAY_US 10000
#define SIPI_DELAY_US 200
#define AP_START_TIMEOUT_US 1000000

enum ap_state { AP_NONE, AP_BOOTING, AP_RUNNING, AP_READY, AP_FAILED, AP_GIVEN_UP };

extern const uint8_t ap_tramp_start[], ap_tramp_end[], ap_tramp_gdtr[], ap_tramp_far32[], ap_tramp_gdt[];
extern const uint32_t ap_tramp_pm32_offset;

/* Read by ap_entry64 (ap_boot.asm). */
uint32_t smp_apic_ids[MAX_CPUS];
uint64_t smp_boot_cr3;
_Static_assert(sizeof(struct cpu_stacks) == 4096 * 7 + 16384, "CPU_STACKS_SIZE in ap_boot.asm");

static volatile uint32_t ap_state[MAX_CPUS];
static uint64_t online = 1;
static unsigned ncpus = 1;
static uint16_t ebda_seg;
bool smp_selftest_no_sipi;

void smp_note_ebda(void)
{
	/* An address from a register, so the compiler sees no object at 0x40e. */
	uint64_t bda = BIOS_EBDA_SEG;
	__asm__("" : "+r"(bda));
	ebda_seg = *(volatile uint16_t *)bda;
}

unsigned smp_ncpus(void) { return ncpus; }
uint64_t smp_online(void) { return online; }

static void delay_us(uint64_t us)
{
	uint64_t t0 = rdtsc(), ticks = tsc_hz() / 1000000 * us;
	while (rdtsc() - t0 < ticks)
		cpu_relax();
}

struct acpi_window {
	uint64_t mapped;
};

/* Everything up to `mapped` is identity-mapped, except page 0. */
static const uint8_t *map_phys(void *ctx, uint64_t pa, uint64_t len)
{
	const struct acpi_window *w = ctx;
	if (pa < 4096 || len > w->mapped || pa > w->mapped - len)
		return 0;
	return (const uint8_t *)pa;
}

/* The RSDP: GRUB's copy (tags 15, 14), else the BIOS areas of ACPI 5.2.5.1. */
static const uint8_t *find_rsdp(const struct mb2_info *info, size_t *avail, const char **from)
{
	*from = "the boot information";
	if (info->rsdp_v2) {
		*avail = info->rsdp_v2_size;
		return info->rsdp_v2;
	}
	if (info->rsdp_v1) {
		*avail = info->rsdp_v1_size;
		return info->rsdp_v1;
	}
	*from = "the BIOS areas";
	uint64_t ebda = (uint64_t)ebda_seg << 4;
	long off;
	if (ebda >= 0x80000 && ebda + EBDA_SCAN_LEN <= LOW_MEM_END &&
	    (off = acpi_rsdp_scan((const uint8_t *)ebda, EBDA_SCAN_LEN)) >= 0) {
		*avail = EBDA_SCAN_LEN - (size_t)off;
		return (const uint8_t *)ebda + off;
	}
	off = acpi_rsdp_scan((const uint8_t *)BIOS_ROM_SCAN, BIOS_ROM_SCAN_END - BIOS_ROM_SCAN);
	if (off < 0)
		return 0;
	*avail = BIOS_ROM_SCAN_END - BIOS_ROM_SCAN - (size_t)off;
	return (const uint8_t *)BIOS_ROM_SCAN + off;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen) { return a < b + blen && b < a + alen; }

/* A usable page below 640 KiB that holds neither the boot information nor
 * a module (on UEFI GRUB puts them low), highest first; 0 if none. */
static uint64_t trampoline_page(const struct mb2_info *info, const struct mem_map *map)
{
	for (uint64_t pa = LOW_MEM_END - 4096; pa >= 0x1000; pa -= 4096) {
		bool ok = false;
		for (size_t i = 0; i < map->count; i++)
			ok |= map->ranges[i].type == MEM_USABLE && map->ranges[i].base <= pa &&
			      map->ranges[i].end >= pa + 4096;
		ok = ok && !overlaps(pa, 4096, (uint64_t)info->base, info->total_size);
		for (size_t i = 0; ok && i < info->module_count; i++)
			ok = !overlaps(pa, 4096, info->modules[i].start, info->modules[i].end - info->modules[i].start);
		if (ok)
			return pa;
	}
	return 0;
}

bool smp_ap_claim(unsigned idx)
{
	uint32_t want = AP_BOOTING;
	return __atomic_compare_exchange_n(&ap_state[idx], &want, AP_RUNNING, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

void smp_ap_report(unsigned idx, bool ok)
{
	percpu_area[idx].apic_id = smp_apic_ids[idx];
	__atomic_store_n(&ap_state[idx], ok ? AP_READY : AP_FAILED, __ATOMIC_RELEASE);
}

/* INIT, then two SIPIs (the second only if the first did not start it),
 * then wait for the AP's report. */
static bool start_ap(unsigned idx, uint8_t apic_id, uint8_t vector)
{
	smp_apic_ids[idx] = apic_id;
	__atomic_store_n(&ap_state[idx], AP_BOOTING, __ATOMIC_RELEASE);
	lapic_write(LAPIC_ESR, 0);
	if (!lapic_send_ipi(apic_id, ICR_INIT | ICR_LEVEL_ASSERT))
		log_warn("smp", "INIT to APIC ID %u stayed pending", apic_id);
	delay_us(INIT_DELAY_US);
	bool send = !(smp_selftest_no_sipi && idx == 1);
	for (int sipi = 0; send && sipi < 2 && ap_state[idx] == AP_BOOTING; sipi++) {
		lapic_send_ipi(apic_id, ICR_STARTUP | vector);
		delay_us(SIPI_DELAY_US);
	}
	uint64_t t0 = rdtsc(), limit = tsc_hz() / 1000000 * AP_START_TIMEOUT_US;
	for (;;) {
		uint32_t s = __atomic_load_n(&ap_state[idx], __ATOMIC_ACQUIRE);
		if (s == AP_READY)
			return true;
		if (s == AP_FAILED) {
			log_err("smp", "CPU %u (APIC ID %u) started but could not turn on virtualization: left out", idx,
				apic_id);
			return false;
		}
		if (rdtsc() - t0 > limit) {
			uint32_t want = AP_BOOTING;
			if (__atomic_compare_exchange_n(&ap_state[idx], &want, AP_GIVEN_UP, false, __ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE)) {
				log_err("smp", "CPU %u (APIC ID %u) did not start within %u ms (ESR 0x%x): left out",
					idx, apic_id, AP_START_TIMEOUT_US / 1000, lapic_read(LAPIC_ESR));
				return false;
			}
			t0 = rdtsc(); /* it runs its set-up: wait for its report */
		}
		cpu_relax();
	}
}

void smp_start(const struct mb2_info *info, const struct mem_map *map, uint64_t mapped, bool enabled)
{
	lapic_init();
	uint8_t bsp_id = lapic_id();
	percpu_area[0].apic_id = bsp_id;
	for (unsigned i = 0; i < MAX_CPUS; i++)
		smp_apic_ids[i] = ~0u;
	smp_apic_ids[0] = bsp_id;
	if (!enabled) {
		log_info("smp", "smp=off: only the boot CPU (APIC ID %u) runs vCPUs", bsp_id);
		return;
	}
	size_t avail = 0;
	const char *from;
	const uint8_t *rsdp = find_rsdp(info, &avail, &from);
	struct acpi_window w = { mapped };
	static struct madt_info madt;
	char err[128];
	if (!rsdp) {
		log_warn("smp", "no ACPI RSDP (boot information or BIOS areas): only the boot CPU runs vCPUs");
		return;
	}
	if (acpi_find_cpus(rsdp, avail, map_phys, &w, &madt, err, sizeof(err)) < 0) {
		log_warn("smp", "ACPI: %s: only the boot CPU runs vCPUs", err);
		return;
	}
	log_info("smp", "ACPI MADT: %u enabled CPU%s (%u disabled entries), boot CPU APIC ID %u (RSDP from %s)",
		 madt.ncpus, madt.ncpus == 1 ? "" : "s", madt.disabled, bsp_id, from);
	if (madt.ncpus <= 1)
		return;
	uint64_t page = trampoline_page(info, map);
	if (!page) {
		log_warn("smp", "no free page below 640 KiB for the AP start-up code: only the boot CPU runs vCPUs");
		return;
	}
	/* The trampoline's copy, with its two absolute addresses. */
	uint8_t *t = (uint8_t *)page;
	size_t len = (size_t)(ap_tramp_end - ap_tramp_start);
	memcpy(t, ap_tramp_start, len);
	uint32_t gdt = (uint32_t)(page + (uint64_t)(ap_tramp_gdt - ap_tramp_start));
	uint32_t pm32 = (uint32_t)(page + ap_tramp_pm32_offset);
	memcpy(t + (ap_tramp_gdtr - ap_tramp_start) + 2, &gdt, 4);
	memcpy(t + (ap_tramp_far32 - ap_tramp_start), &pm32, 4);
	smp_boot_cr3 = read_cr3();
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	for (unsigned i = 0; i < madt.ncpus; i++) {
		const struct madt_cpu *c = &madt.cpus[i];
		if (c->apic_id == bsp_id)
			continue;
		if (c->apic_id > 0xfe) {
			log_warn("smp", "CPU with APIC ID %u left out: Nestor starts CPUs with APIC IDs 0-254",
				 c->apic_id);
			continue;
		}
		if (ncpus == MAX_CPUS) {
			log_warn("smp", "CPU with APIC ID %u left out: Nestor uses at most %d CPUs", c->apic_id,
				 MAX_CPUS);
			continue;
		}
		if (start_ap(ncpus, (uint8_t)c->apic_id, (uint8_t)(page >> 12))) {
			online |= 1ull << ncpus;
			log_info("smp", "CPU %u (APIC ID %u) is up, virtualization on", ncpus, c->apic_id);
			ncpus++;
		} else {
			smp_apic_ids[ncpus] = ~0u;
		}
	}
	if (madt.dropped)
		log_warn("smp", "%u more CPUs in the MADT than Nestor reads (%d)", madt.dropped, MADT_MAX_CPUS);
	log_info("smp", "%u CPU%s vCPUs", ncpus, ncpus == 1 ? " runs" : "s run");
}

void smp_kick(unsigned cpu)
{
	if (!lapic_send_ipi((uint8_t)percpu_area[cpu].apic_id, ICR_FIXED | KICK_VECTOR))
		log_warn("smp", "kick IPI to CPU %u stayed pending", cpu);
}

void smp_kick_others(void)
{
	unsigned me = this_cpu();
	for (unsigned c = 0; c < ncpus; c++)
		if (c != me && (online >> c & 1))
			smp_kick(c);
}

void smp_idle(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }
