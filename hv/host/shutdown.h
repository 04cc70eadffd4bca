/*
 * shutdown.h - how Nestor ends: the test contract.
 *
 * With exit=qemu, pass writes 0 and fail writes 1 to the isa-debug-exit port
 * 0xf4 (QEMU then exits with status 1 or 3). With exit=bochs, pass is a
 * magic breakpoint (xchg bx,bx; the harness's debugger script then quits
 * with status 0) and fail writes "Shutdown" to port 0x8900. Otherwise all
 * CPUs halt.
 */
#ifndef NESTOR_SHUTDOWN_H
#define NESTOR_SHUTDOWN_H

#include <stdbool.h>

enum exit_mode { EXIT_MODE_HALT, EXIT_MODE_QEMU, EXIT_MODE_BOCHS };

extern enum exit_mode hv_exit_mode;

/* Print the final status line and end the run. */
__attribute__((noreturn)) void hv_finish(bool pass, const char *why);
__attribute__((noreturn)) void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
