/*
 * fuzz_vmcb12.c - libFuzzer target: the fuzzer's bytes are a VMCB12 page
 * and the L1 CPU's capabilities. The checker and the sanitiser must not
 * crash or hit UB, and their results must hold what APM Vol 2 15.5.1
 * promises, judged here with independent (128-bit) arithmetic: a VMCB12
 * that passes has SVME, a non-zero ASID, the VMRUN intercept, legal
 * EVENTINJ and both permission maps wholly below MAXPHYADDR; sanitising
 * leaves only what L1 may control, is idempotent and never changes the
 * verdict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/x86/asm.h"
#include "nested/svm_vmcb12.h"

#define REQUIRE(c)                                                            \
	do {                                                                  \
		if (!(c)) {                                                   \
			fprintf(stderr, "fuzz_vmcb12: %s failed\n", #c);      \
			abort();                                              \
		}                                                             \
	} while (0)

static bool below(uint64_t base, unsigned size, unsigned maxpa)
{
	unsigned __int128 end = (unsigned __int128)(base & ~0xfffull) + size;
	return end <= ((unsigned __int128)1 << maxpa);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmcb in, v, again;
	struct svm_nested_caps caps = { 0 };
	memset(&in, 0, sizeof(in));
	if (size > 8) {
		caps.maxphyaddr = (uint8_t)(32 + data[0] % 21);
		caps.long_mode = data[1] & 1;
		caps.npt = data[1] & 2;
		caps.vmcb_clean = data[1] & 4;
		caps.cr4_allowed = (uint64_t)data[2] << 16 | (uint64_t)data[3] << 8 | data[4] | CR4_PAE;
		caps.efer_allowed = EFER_SVME | EFER_LME | EFER_LMA | EFER_NXE | ((data[5] & 1) ? EFER_SCE : 0);
		data += 6;
		size -= 6;
	}
	/* The first bytes land on the fields most checks read. */
	memcpy(&in, data, size < sizeof(in) ? size : sizeof(in));
	if (size > 0x100) {
		memcpy(&in.save.efer, data + 0x40, 8);
		memcpy(&in.save.cr4, data + 0x48, 24);
		memcpy(&in.save.dr7, data + 0x60, 16);
		memcpy(&in.save.cs, data + 0x70, 16);
	}
	memset(&v, 0, sizeof(v));
	svm_vmcb12_copy(&v, &in);
	REQUIRE(memcmp(&v, &in, SVM_VMCB12_CONTROL_BYTES) == 0);
	REQUIRE(memcmp(&v.save, &in.save, SVM_VMCB12_SAVE_BYTES) == 0);
	/* Beyond the fields VMRUN reads the copy keeps what it had. */
	memcpy((uint8_t *)&v + 0x400 + SVM_VMCB12_SAVE_BYTES, (uint8_t *)&in + 0x400 + SVM_VMCB12_SAVE_BYTES,
	       sizeof(v) - 0x400 - SVM_VMCB12_SAVE_BYTES);
	memcpy((uint8_t *)&v + SVM_VMCB12_CONTROL_BYTES, (uint8_t *)&in + SVM_VMCB12_CONTROL_BYTES,
	       0x400 - SVM_VMCB12_CONTROL_BYTES);
	enum vmcb12_check k = svm_vmcb12_check(&v, &caps);
	REQUIRE((unsigned)k < VMCB12_CHECK_COUNT);
	REQUIRE(vmcb12_check_name(k) != NULL);
	if (k == VMCB12_OK) {
		REQUIRE(v.save.efer & EFER_SVME);
		REQUIRE(v.control.asid != 0);
		REQUIRE(v.control.intercept_misc2 & SVM_INTERCEPT2_VMRUN);
		REQUIRE(below(v.control.msrpm_base_pa, SVM_MSRPM_SIZE, caps.maxphyaddr));
		REQUIRE(below(v.control.iopm_base_pa, SVM_IOPM_SIZE, caps.maxphyaddr));
		REQUIRE(!(v.save.cr0 >> 32) && !(v.save.dr6 >> 32) && !(v.save.dr7 >> 32));
		REQUIRE(!(v.save.efer & ~caps.efer_allowed) && !(v.save.cr4 & ~caps.cr4_allowed));
		uint64_t ev = v.control.eventinj;
		unsigned type = (ev >> 8) & 7;
		REQUIRE(!(ev & SVM_EVENT_VALID) || type == 0 || type == 2 || type == 4 ||
			(type == 3 && (ev & 0xff) < 32 && (ev & 0xff) != 2));
	}
	/* VMRUN sanitises only a VMCB12 that passed: it must still pass.
	 * (A failing one may pass afterwards: sanitising clears NP_ENABLE
	 * when nested paging is not offered, which is a failure before.) */
	svm_vmcb12_sanitise(&v, &caps);
	if (k == VMCB12_OK)
		REQUIRE(svm_vmcb12_check(&v, &caps) == VMCB12_OK);
	REQUIRE(!(v.control.vintr & ~SVM_VINTR_L1_BITS));
	REQUIRE(v.control.lbr_virt == 0 && v.control.avic_apic_bar == 0 && v.control.ghcb_pa == 0);
	REQUIRE(!(v.control.np_enable & ~1ull) && (caps.npt || !v.control.np_enable));
	REQUIRE(caps.vmcb_clean || v.control.clean_bits == 0);
	memcpy(&again, &v, sizeof(v));
	svm_vmcb12_sanitise(&again, &caps);
	REQUIRE(memcmp(&again, &v, sizeof(v)) == 0);
	/* The save area is L2's state: sanitising never touches it. */
	REQUIRE(memcmp(&v.save, &in.save, sizeof(v.save)) == 0);
	return 0;
}
