/*
 * string.h - the few C library string functions Nestor uses.
 *
 * Pure-logic code includes this instead of <string.h>. In the hypervisor
 * these come from hv/lib/string.c; in host tests, from the host's libc.
 */
#ifndef NESTOR_LIB_STRING_H
#define NESTOR_LIB_STRING_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
