/*
 * vmcs12.c - VMREAD/VMWRITE over Nestor's VMCS12 layout (see vmcs12.h).
 */
#include "nested/vmcs12.h"

static const uint16_t vmcs12_encodings[VMCS12_NFIELDS] = {
#define VMCS12_ENCODING(name, enc) [VMCS12_##name] = (enc),
	VMCS_FIELDS(VMCS12_ENCODING)
#undef VMCS12_ENCODING
};

uint32_t vmcs12_encoding(unsigned i) { return i < VMCS12_NFIELDS ? vmcs12_encodings[i] : ~0u; }

int vmcs12_index_of(uint32_t enc)
{
	/* Bit 0 selects the high half: only 64-bit fields have one
	 * (SDM 3C 25.11.2); every other bit must name a listed field. */
	uint32_t full = enc & ~1u;
	int i;
	switch (full) {
#define VMCS12_CASE(name, e) case (e): i = VMCS12_##name; break;
	VMCS_FIELDS(VMCS12_CASE)
#undef VMCS12_CASE
	default: return -1;
	}
	if ((enc & 1) && vmcs_field_width(full) != VMCS_W64)
		return -1;
	return i;
}

/* The bits a field of this width holds. */
static uint64_t width_mask(enum vmcs_width w)
{
	switch (w) {
	case VMCS_W16: return 0xffffull;
	case VMCS_W32: return 0xffffffffull;
	default: return ~0ull;
	}
}

int vmcs12_read(const struct vmcs12 *v, uint32_t enc, bool long64, uint64_t *val)
{
	int i = vmcs12_index_of(enc);
	if (i < 0)
		return VMXERR_UNSUPPORTED_FIELD;
	uint64_t x = v->field[i];
	if (enc & 1)
		x >>= 32; /* high access: bits 63:32, zero-extended */
	else
		x &= width_mask(vmcs_field_width(enc));
	/* A 32-bit destination gets the low half (SDM 3C 31.3 VMREAD). */
	*val = long64 ? x : (x & 0xffffffffull);
	return 0;
}

int vmcs12_write(struct vmcs12 *v, uint32_t enc, bool long64, uint64_t val, bool write_any)
{
	int i = vmcs12_index_of(enc);
	if (i < 0)
		return VMXERR_UNSUPPORTED_FIELD;
	if (vmcs_field_type(enc) == VMCS_T_EXIT_INFO && !write_any)
		return VMXERR_READONLY_FIELD;
	/* A field longer than the operand gets its high bits cleared; a
	 * shorter one ignores the operand's high bits (SDM 3C 31.3 VMWRITE). */
	if (!long64)
		val &= 0xffffffffull;
	if (enc & 1) {
		v->field[i] = (v->field[i] & 0xffffffffull) | ((val & 0xffffffffull) << 32);
		return 0;
	}
	v->field[i] = val & width_mask(vmcs_field_width(enc));
	return 0;
}

uint64_t vmcs12_enum_msr(void)
{
	unsigned hi = 0;
	for (unsigned i = 0; i < VMCS12_NFIELDS; i++) {
		unsigned idx = (vmcs12_encodings[i] >> 1) & 0x1ff;
		if (idx > hi)
			hi = idx;
	}
	return (uint64_t)hi << 1;
}
