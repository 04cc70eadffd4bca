/* svm_exit.h - decoding of SVM exits into struct vm_exit (pure). */
#ifndef NESTOR_SVM_EXIT_H
#define NESTOR_SVM_EXIT_H

#include <stdint.h>

#include "hv/vcpu.h"

/* What the VMCB says about one #VMEXIT. next_rip is 0 without NRIPS. */
struct svm_exit_raw {
	uint64_t exitcode, exitinfo1, exitinfo2, rip, next_rip, rcx;
};

void svm_exit_decode(const struct svm_exit_raw *raw, struct vm_exit *e);
/* The APM's name for an EXITCODE (reports only). */
const char *svm_exit_name(uint32_t hw_reason);

#endif
