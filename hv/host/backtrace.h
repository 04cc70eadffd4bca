/* backtrace.h - frame-pointer backtraces with symbol names. */
#ifndef NESTOR_BACKTRACE_H
#define NESTOR_BACKTRACE_H

#include <stdint.h>

/* Print "name+0xoff" for a code address, or "?" when no symbol covers it. */
void backtrace_print_symbol(uint64_t addr);
/* Follow the saved-RBP chain starting at rbp, one line per frame. */
void backtrace_print(uint64_t rbp);
/* Backtrace of the caller. */
void backtrace_here(void);

#endif
