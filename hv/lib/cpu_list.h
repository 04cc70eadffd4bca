/*
 * cpu_list.h - physical CPU lists such as "0", "1-3" or "0,2-3" (the
 * module option cpus=) as a bit mask, bit i = CPU i.
 */
#ifndef NESTOR_LIB_CPU_LIST_H
#define NESTOR_LIB_CPU_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPU_LIST_MAX 64 /* CPUs 0-63 */

/* Parse s[0..len): comma-separated decimal CPUs or ranges A-B (A <= B),
 * each below CPU_LIST_MAX. False on anything else (empty items too). */
bool cpu_list_parse(const char *s, size_t len, uint64_t *mask);
/* The shortest list for mask ("0-1,3"; "none" for 0) into buf. */
void cpu_list_format(uint64_t mask, char *buf, size_t size);

#endif
