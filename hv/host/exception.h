/* exception.h - the report printed when the hypervisor itself faults. */
#ifndef NESTOR_CPU_EXCEPTION_H
#define NESTOR_CPU_EXCEPTION_H

#include "hv/host/idt.h"

__attribute__((noreturn)) void exception_report_and_stop(struct int_frame *frame);
const char *exception_name(uint64_t vector);

#endif
