/*
 * test_svm_exit - SVM #VMEXIT decoding (hv/svm/svm_exit.c) against the AMD
 * APM Vol 2: EXITCODEs (appendix C), IOIO EXITINFO1 (15.10.2, figure
 * 15-2), #NPF EXITINFO1 (15.25.6), NRIPS next_rip (15.7.1).
 */
#include "tests/host/check.h"

#include "hv/svm/svm_exit.h"
#include "hv/svm/vmcb.h"

static uint64_t test_efer;
static uint16_t test_cs_attrib;

static struct vm_exit decode(uint64_t code, uint64_t info1, uint64_t info2, uint64_t rip, uint64_t next_rip)
{
	struct svm_exit_raw raw = { code, info1, info2, rip, next_rip, 0x1234c0000080ull, &test_efer, &test_cs_attrib };
	struct vm_exit e;
	memset(&e, 0xa5, sizeof(e)); /* every field must be set by the decoder */
	svm_exit_decode(&raw, &e);
	return e;
}

TEST(fixed_length_instructions_without_nrips)
{
	struct vm_exit e = decode(SVM_EXIT_CPUID, 0, 0, 0x1000, 0);
	CHECK_EQ(e.reason, EXIT_CPUID);
	CHECK_EQ(e.insn_len, 2);
	CHECK_EQ(e.rip, 0x1000);
	CHECK_EQ(e.gpa, 0);
	CHECK(!e.gla_valid);
	e = decode(SVM_EXIT_HLT, 0, 0, 0x1000, 0);
	CHECK_EQ(e.reason, EXIT_HLT);
	CHECK_EQ(e.insn_len, 1);
	e = decode(SVM_EXIT_VMMCALL, 0, 0, 0x1000, 0);
	CHECK_EQ(e.reason, EXIT_HYPERCALL);
	CHECK_EQ(e.insn_len, 3);
}

TEST(nrips_gives_the_length)
{
	/* A CPUID with two redundant prefixes: 4 bytes by next_rip. */
	struct vm_exit e = decode(SVM_EXIT_CPUID, 0, 0, 0x1000, 0x1004);
	CHECK_EQ(e.insn_len, 4);
	/* A next_rip that cannot be an instruction end is not trusted. */
	e = decode(SVM_EXIT_CPUID, 0, 0, 0x1000, 0x2000);
	CHECK_EQ(e.insn_len, 2);
}

TEST(msr_read_and_write)
{
	struct vm_exit e = decode(SVM_EXIT_MSR, 0, 0, 0x1000, 0);
	CHECK_EQ(e.reason, EXIT_RDMSR);
	CHECK_EQ(e.u.msr.msr, 0xc0000080); /* ECX, upper RCX bits ignored */
	CHECK_EQ(e.insn_len, 2);
	e = decode(SVM_EXIT_MSR, 1, 0, 0x1000, 0);
	CHECK_EQ(e.reason, EXIT_WRMSR);
}

TEST(ioio_forms)
{
	/* OUT dx, al to 0x3f8: TYPE=0, SZ8 (bit 4), A16? no: A32 (bit 8). */
	struct vm_exit e = decode(SVM_EXIT_IOIO, (0x3f8u << 16) | (1u << 4) | (1u << 8), 0x1001, 0x1000, 0);
	CHECK_EQ(e.reason, EXIT_IO);
	CHECK_EQ(e.u.io.port, 0x3f8);
	CHECK_EQ(e.u.io.size, 1);
	CHECK(!e.u.io.in && !e.u.io.string && !e.u.io.rep);
	CHECK_EQ(e.insn_len, 1); /* EXITINFO2 = next RIP, even without NRIPS */
	/* REP INSW from 0x300, 64-bit addressing. */
	e = decode(SVM_EXIT_IOIO, (0x300u << 16) | 1 | 4 | 8 | (2u << 4) | (1u << 9), 0x2002, 0x2000, 0);
	CHECK(e.u.io.in && e.u.io.string && e.u.io.rep);
	CHECK_EQ(e.u.io.size, 2);
	CHECK_EQ(e.u.io.addr_size, 8);
	CHECK_EQ(e.insn_len, 2);
	/* OUTSD with a GS override (segment 5), 16-bit addressing. */
	e = decode(SVM_EXIT_IOIO, (0x80u << 16) | 4 | (4u << 4) | (1u << 7) | (5u << 10), 0x3002, 0x3000, 0);
	CHECK_EQ(e.u.io.size, 4);
	CHECK_EQ(e.u.io.addr_size, 2);
	CHECK_EQ(e.u.io.seg, 5);
	CHECK(!e.u.io.in && e.u.io.string && !e.u.io.rep);
}

TEST(tdp_page_faults)
{
	/* Not present, user, final translation, read: QEMU's 0x100000004. */
	struct vm_exit e = decode(SVM_EXIT_NPF, 0x100000004ull, 0x200000, 0x1000, 0);
	CHECK_EQ(e.reason, EXIT_TDP_FAULT);
	CHECK_EQ(e.gpa, 0x200000);
	CHECK_EQ(e.access, EXIT_ACCESS_READ);
	e = decode(SVM_EXIT_NPF, 0x100000007ull, 0x1000010, 0x1000, 0);
	CHECK_EQ(e.access, EXIT_ACCESS_WRITE);
	e = decode(SVM_EXIT_NPF, 0x100000015ull, 0x5000, 0x5000, 0);
	CHECK_EQ(e.access, EXIT_ACCESS_FETCH);
	/* RSVD: Nestor's MMIO marker, the cheap MMIO exit. */
	e = decode(SVM_EXIT_NPF, 0x10000000full, 0xc0000000, 0x1000, 0);
	CHECK_EQ(e.reason, EXIT_TDP_MISCONFIG);
	CHECK_EQ(e.gpa, 0xc0000000);
}

TEST(events_and_failures)
{
	CHECK_EQ(decode(SVM_EXIT_SHUTDOWN, 0, 0, 0, 0).reason, EXIT_TRIPLE_FAULT);
	CHECK_EQ(decode(SVM_EXIT_INTR, 0, 0, 0, 0).reason, EXIT_EXTINT);
	CHECK_EQ(decode(SVM_EXIT_INIT, 0, 0, 0, 0).reason, EXIT_INIT);
	CHECK_EQ(decode(SVM_EXIT_VMRUN, 0, 0, 0, 0).reason, EXIT_VIRT_INSN);
	CHECK_EQ(decode(SVM_EXIT_CLGI, 0, 0, 0, 0).reason, EXIT_VIRT_INSN);
	struct vm_exit e = decode(SVM_EXIT_INVALID, 0, 0, 0, 0);
	CHECK_EQ(e.reason, EXIT_ENTRY_FAILED);
	CHECK_STR(svm_exit_name(e.hw_reason), "INVALID (VMRUN failed)");
	/* QEMU writes a failed VMRUN's -1 as 0x00000000ffffffff. */
	CHECK_EQ(decode(0xffffffffull, 0, 0, 0, 0).reason, EXIT_ENTRY_FAILED);
	CHECK_EQ(decode(0x1ffffffffull, 0, 0, 0, 0).reason, EXIT_ENTRY_FAILED);
	e = decode(SVM_EXIT_EXCP_BASE + 18, 0, 0, 0, 0);
	CHECK_EQ(e.reason, EXIT_EXCEPTION);
	CHECK_EQ(e.u.exc.vector, 18);
	CHECK(!e.u.exc.has_error);
	e = decode(SVM_EXIT_EXCP_BASE + 14, 0x6, 0, 0, 0);
	CHECK(e.u.exc.has_error);
	CHECK_EQ(e.u.exc.error, 6);
	e = decode(SVM_EXIT_EXCP_BASE + 8, 0, 0, 0, 0);
	CHECK(e.u.exc.has_error);
	e = decode(SVM_EXIT_EXCP_BASE + 6, 0, 0, 0, 0);
	CHECK(!e.u.exc.has_error);
	e = decode(SVM_EXIT_CR0_WRITE + 4, 0, 0, 0, 0);
	CHECK_EQ(e.reason, EXIT_CR_ACCESS);
	CHECK_EQ(e.u.cr.cr, 4);
	CHECK(e.u.cr.write);
	CHECK_EQ(e.u.cr.gpr, 0xff); /* no decode assists */
	e = decode(SVM_EXIT_CR0_WRITE + 4, (1ull << 63) | 3, 0, 0, 0);
	CHECK_EQ(e.u.cr.gpr, 3);
	CHECK_EQ(e.u.cr.type, CR_ACCESS_MOV_TO);
	CHECK(!e.u.cr.lm64);
	e = decode(SVM_EXIT_CR0_READ + 3, 0, 0, 0, 0);
	CHECK_EQ(e.u.cr.cr, 3);
	CHECK(!e.u.cr.write);
	CHECK_EQ(e.u.cr.type, CR_ACCESS_MOV_FROM);
	/* 64-bit code: EFER.LMA and CS.L; compatibility mode is not. */
	test_efer = 1u << 10;
	test_cs_attrib = 1u << 9;
	e = decode(SVM_EXIT_CR0_WRITE + 4, 0, 0, 0, 0);
	CHECK(e.u.cr.lm64);
	test_cs_attrib = 0;
	e = decode(SVM_EXIT_CR0_WRITE + 4, 0, 0, 0, 0);
	CHECK(!e.u.cr.lm64);
	test_efer = 0;
	e = decode(SVM_EXIT_VINTR, 0, 0, 0, 0);
	CHECK_EQ(e.reason, EXIT_INTR_WINDOW);
	e = decode(SVM_EXIT_IRET, 0, 0, 0, 0);
	CHECK_EQ(e.reason, EXIT_NMI_WINDOW);
	e = decode(0x401, 0, 0, 0, 0); /* AVIC: never enabled */
	CHECK_EQ(e.reason, EXIT_UNHANDLED);
	CHECK_STR(svm_exit_name(SVM_EXIT_NPF), "NPF");
}

TEST_MAIN()
