/* Fuzz nested VMX's VMCS12 handling: arbitrary VMWRITE sequences (encoding,
 * operand size, value) into a VMCS12, then every VM-entry check. Checks:
 * no crash or UB; a VMREAD right after a successful VMWRITE returns the
 * value as the field's width keeps it; every failure names its rule and
 * has its error number; a VMCS12 that passes the control checks really
 * has controls within the capability MSRs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nested/vmx_entry_checks.h"
#include "tests/host/vmx_caps_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool no_memory(void *mem, uint64_t gpa, uint64_t *val)
{
	(void)mem;
	*val = gpa == 0x5000 ? VMCS12_REVISION : 0;
	return gpa < 0x10000;
}

static uint64_t width_keep(uint32_t enc, uint64_t val, bool long64)
{
	if (!long64)
		val &= 0xffffffffull;
	if (enc & 1)
		return val & 0xffffffffull;
	switch (vmcs_field_width(enc)) {
	case VMCS_W16: return val & 0xffff;
	case VMCS_W32: return val & 0xffffffffull;
	default: return val;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmx_caps hc;
	hc = vmx_caps_fixture();
	struct vmx_l1_host h = { .vmx = &hc, .rdtscp = true, .guest_cr4_allowed = ~0ull };
	struct vmx_l1_caps caps;
	vmx_l1_caps_compute(&h, &caps);
	struct vmcs12 v;
	memset(&v, 0, sizeof(v));
	/* Records of 11 bytes: encoding index (1), flags (1), an encoding
	 * (1: raw low byte mixed in), value (8). */
	for (size_t o = 0; o + 11 <= size; o += 11) {
		uint32_t enc = vmcs12_encoding(data[o] % VMCS12_NFIELDS);
		uint8_t fl = data[o + 1];
		if (fl & 1)
			enc |= 1; /* high access (valid only for 64-bit fields) */
		if (fl & 2)
			enc ^= (uint32_t)data[o + 2] << (fl & 0x1c); /* sometimes an encoding that does not exist */
		bool long64 = fl & 0x20;
		uint64_t val;
		memcpy(&val, data + o + 3, 8);
		int r = vmcs12_write(&v, enc, long64, val, fl & 0x40);
		uint64_t back = 0;
		int rr = vmcs12_read(&v, enc, true, &back);
		if (vmcs12_index_of(enc) < 0) {
			if (r != VMXERR_UNSUPPORTED_FIELD || rr != VMXERR_UNSUPPORTED_FIELD)
				abort();
			continue;
		}
		if (rr != 0)
			abort();
		if (r == 0 && back != width_keep(enc, val, long64))
			abort();
		if (r != 0 && (r != VMXERR_READONLY_FIELD || (fl & 0x40) || vmcs_field_type(enc) != VMCS_T_EXIT_INFO))
			abort();
	}
	struct vmx_entry_ctx c = { .caps = &caps, .maxphyaddr = 39, .l1_long_mode = size & 1, .read_u64 = no_memory };
	struct vmx_check_result r = vmx_check_controls(&v, &c);
	if ((r.error != 0) != (r.what != 0) || (r.error && r.error != VMXERR_ENTRY_BAD_CONTROLS))
		abort();
	if (!r.error) {
		if (!vmx_ctl_fits(caps.true_pin, (uint32_t)v.field[VMCS12_PIN_BASED_CTLS]) ||
		    !vmx_ctl_fits(caps.true_proc, (uint32_t)v.field[VMCS12_PROC_BASED_CTLS]) ||
		    !vmx_ctl_fits(caps.true_exit, (uint32_t)v.field[VMCS12_EXIT_CTLS]) ||
		    !vmx_ctl_fits(caps.true_entry, (uint32_t)v.field[VMCS12_ENTRY_CTLS]))
			abort();
	}
	r = vmx_check_host_state(&v, &c);
	if ((r.error != 0) != (r.what != 0) || (r.error && r.error != VMXERR_ENTRY_BAD_HOST_STATE))
		abort();
	r = vmx_check_guest_state(&v, &c);
	if ((r.error != 0) != (r.what != 0) || (r.error && r.error != VMX_EXIT_ENTRY_FAIL_GUEST) || r.qual > 4 ||
	    r.qual == 1)
		abort();
	return 0;
}
