/*
 * loader.h - put a guest image into its VM's memory and say how it starts.
 *
 * hv/load/ holds what turns a GRUB module into a VM's contents: the
 * module string (guest_opts.c), the image loaders (Multiboot v1, ELF64,
 * real mode, Linux) with the boot information they pass, the passthrough VM's
 * memory, and kind=rom images. It may call hv/core (struct vm), mm/ and
 * hv/lib; it runs on the boot CPU while VMs are created, before any runs.
 */
#ifndef NESTOR_LOADER_H
#define NESTOR_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "hv/core/vcpu.h"

struct vm;

/* Guest-physical layout of what the loader builds below 1 MiB. */
#define LOADER_PT_GPA 0x1000      /* kind=elf64: PML4, PDPT, 4 PDs (identity map of 4 GiB) */
#define LOADER_INFO_GPA 0x9000    /* Multiboot information, command line, memory map */
#define LOADER_INFO_MAX 0x7000
#define LOADER_STACK_TOP 0x80000  /* kind=elf64: initial RSP */
#define LOADER_LOW_RAM_END 0x9fc00 /* conventional memory (mem_lower = 639 KiB) */
/* kind=linux: its boot GDT, zero page and command line (in LOADER_INFO's place). */
#define LINUX_GDT_GPA 0x8000
#define LINUX_ZERO_PAGE_GPA LOADER_INFO_GPA
#define LINUX_CMDLINE_GPA (LOADER_INFO_GPA + 0x1000)
#define LINUX_CMDLINE_MAX 0x1000

/* Load image per vm->opts.kind into vm's RAM and fill *start. Returns 0,
 * or -1 with a message a person can act on in err. */
int guest_load(struct vm *vm, const void *image, uint64_t size, struct vcpu_start *start, char *err,
	       size_t errlen);

#endif
