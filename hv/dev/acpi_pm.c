/*
 * acpi_pm.c - the ACPI fixed-hardware power-management registers of an
 * isolated VM (ACPI 6.5 section 4.8.3): the PM1a event block (PM1_STS,
 * PM1_EN) at GUEST_ACPI_PM1A_EVT_PORT and the PM1a control block
 * (PM1_CNT) at GUEST_ACPI_PM1A_CNT_PORT, which the FADT points at
 * (hv/load/fw_tables.c). What it is for: an OS powers the VM off the PC
 * way, by writing SLP_TYP = the DSDT's \_S5 value with SLP_EN (section
 * 4.8.3.2.1, 7.4.2); that ends the VM with status 0.
 *
 * No SMI_CMD port is described, so the hardware is always in ACPI mode:
 * SCI_EN reads 1 (section 4.8.2.5). Nestor has no fixed events to report
 * (the FADT says there is no power or sleep button and no PM timer), so
 * PM1_STS never gets a bit and no SCI is raised; PM1_EN keeps what is
 * written to its defined bits. Sleep types other than S5 are not in the
 * DSDT; a write of one is logged and ignored.
 *
 * State: one per VM; touched by the exits of the VM's vCPUs (one CPU, or
 * under the VM's exit lock on SMP).
 */
#include "drivers/console.h"
#include "hv/core/vm.h"
#include "hv/dev/device.h"
#include "hv/dev/simple_devices.h"
#include "hv/guest_abi.h"

#define PM1_EN_DEFINED 0x0721      /* TMR_EN, GBL_EN, PWRBTN_EN, SLPBTN_EN, RTC_EN (table 4.13) */
#define PM1_CNT_SCI_EN (1u << 0)
#define PM1_CNT_KEPT 0x0006        /* BM_RLD, GBL_RLS is write-only (table 4.16) */
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_EN (1u << 13)  /* write-only */

struct acpi_pm {
	uint16_t sts, en, cnt;
};

/* The three 16-bit registers, in port order from GUEST_ACPI_PM1A_EVT_PORT. */
enum { REG_STS, REG_EN, REG_CNT, NREGS };

static uint16_t reg_read(const struct acpi_pm *pm, unsigned r)
{
	return r == REG_STS ? pm->sts : r == REG_EN ? pm->en : (uint16_t)(pm->cnt | PM1_CNT_SCI_EN);
}

/* The part of an access [port, port+size) that falls in register r: its
 * byte mask in the register, and *shift such that register bits = access
 * value << *shift (a negative shift: the register starts inside it). */
static uint16_t reg_overlap(unsigned r, uint16_t port, unsigned size, int *shift)
{
	int lo = (int)port - (int)(GUEST_ACPI_PM1A_EVT_PORT + 2 * r); /* access start, register-relative */
	uint16_t mask = 0;
	for (int b = 0; b < 2; b++)
		if (b >= lo && b < lo + (int)size)
			mask |= (uint16_t)(0xff << (8 * b));
	*shift = 8 * lo;
	return mask;
}

static uint32_t acpi_pm_read(void *dev, struct vcpu *v, uint16_t port, unsigned size)
{
	(void)v;
	const struct acpi_pm *pm = dev;
	uint64_t val = 0;
	for (unsigned r = 0; r < NREGS; r++) {
		int shift;
		uint16_t mask = reg_overlap(r, port, size, &shift);
		uint64_t bits = reg_read(pm, r) & mask;
		if (mask)
			val |= shift >= 0 ? bits >> shift : bits << -shift;
	}
	return (uint32_t)val;
}

static void cnt_write(struct acpi_pm *pm, struct vcpu *v, uint16_t val)
{
	pm->cnt = val & PM1_CNT_KEPT;
	if (!(val & PM1_CNT_SLP_EN))
		return;
	unsigned type = (val >> PM1_CNT_SLP_TYP_SHIFT) & 7;
	if (type == GUEST_ACPI_S5_SLP_TYP) {
		vm_stop(v->vm, 0, "powered off through ACPI (S5: SLP_TYP %u with SLP_EN in PM1a_CNT)", type);
		return;
	}
	log_warn("vm", "%s: ACPI sleep type %u requested; only S5 (%u) is offered: ignored", v->vm->opts.name, type,
		 GUEST_ACPI_S5_SLP_TYP);
}

static void acpi_pm_write(void *dev, struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
	struct acpi_pm *pm = dev;
	/* Each register is written once with the bytes of it the access
	 * covers: a 16-bit write of PM1_CNT is one write of SLP_TYP and SLP_EN. */
	for (unsigned r = 0; r < NREGS; r++) {
		int shift;
		uint16_t mask = reg_overlap(r, port, size, &shift);
		if (!mask)
			continue;
		uint16_t bits = (uint16_t)((shift >= 0 ? (uint64_t)value << shift : (uint64_t)value >> -shift) & mask);
		if (r == REG_STS)
			pm->sts &= (uint16_t)~bits; /* write 1 to clear (table 4.12) */
		else if (r == REG_EN)
			pm->en = (uint16_t)(((pm->en & ~mask) | bits) & PM1_EN_DEFINED);
		else
			cnt_write(pm, v, (uint16_t)((reg_read(pm, REG_CNT) & ~mask) | bits));
	}
}

static const struct pio_ops acpi_pm_ops = { "acpi-pm", acpi_pm_read, acpi_pm_write };

int acpi_pm_create(struct vm *vm, char *err, size_t errlen)
{
	struct acpi_pm *pm = vm_dev_alloc(vm, sizeof(*pm), err, errlen);
	if (!pm)
		return -1;
	return vm_pio_register(vm, GUEST_ACPI_PM1A_EVT_PORT, GUEST_ACPI_PM1A_CNT_PORT + 2 - GUEST_ACPI_PM1A_EVT_PORT,
			       &acpi_pm_ops, pm, err, errlen);
}
