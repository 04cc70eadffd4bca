/* selftest.h - deliberate failures that test the fault reporter (selftest=). */
#ifndef NESTOR_SELFTEST_H
#define NESTOR_SELFTEST_H

#include "hv/host/options.h"

/* The address selftest=pagefault reads: canonical, never mapped. */
#define SELFTEST_FAULT_ADDR 0x00000badc0de0000ull

void selftest_run(enum selftest_kind kind);

#endif
