/*
 * guest_opts.h - parse a guest module's string into guest settings.
 *
 * Each guest is one Multiboot2 module whose string reads
 *
 *   name=hello kind=multiboot mem=32M vcpus=1 mode=isolated -- hello.elf a b
 *
 * Everything before " -- " is Nestor's: key=value options parsed with
 * hv/lib/cmdline.c (so errors read the same as for Nestor's own command
 * line). Everything after it is the guest's own command line, passed to
 * the guest untouched; by convention its first word is the file name. A
 * leading image path (as some loaders prepend to module strings, e.g.
 * "/boot/hello.elf name=...") is skipped.
 *
 * Keys (defaults in brackets):
 *   name=WORD                   [guest file name without directory and
 *                                extension, else the image path's, else
 *                                "guest"]
 *   kind=multiboot|elf64|realmode|linux|rom|initrd [multiboot]
 *                               (rom and initrd are not VMs: images other
 *                                modules name with rom=/romd=/initrd=)
 *   mem=SIZE                    [32M] 1M..64G, a multiple of 4K
 *   vcpus=N                     [1] 1..8
 *   mode=isolated|passthrough   [isolated]
 *   entry=ADDR                  required for realmode (below 1M); for
 *                               other kinds it overrides the image's entry
 *   load=ADDR                   where to load a raw image (optional)
 *   cpus=LIST                   physical CPUs for the vCPUs, e.g. 1, 0-1,
 *                               0,2-3 [spread over all; passthrough: 0]
 *   nested=on|off               [off] the guest sees AMD SVM and may run
 *                               its own guests (nested/)
 *   initrd=NAME                 kind=linux: the kind=initrd module loaded
 *                               as its initial ramdisk
 */
#ifndef NESTOR_HV_GUEST_OPTS_H
#define NESTOR_HV_GUEST_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/lib/cmdline.h"

#define GUEST_NAME_MAX 32          /* including the NUL */
#define GUEST_MEM_MIN (1ull << 20)
#define GUEST_MEM_MAX (64ull << 30)
#define GUEST_MEM_DEFAULT (32ull << 20)
#define GUEST_VCPUS_MAX 8

enum guest_kind {
	GUEST_KIND_MULTIBOOT = 0,  /* Multiboot 0.6.96 kernel (we are its loader) */
	GUEST_KIND_ELF64 = 1,      /* plain ELF64, started in long mode */
	GUEST_KIND_REALMODE = 2,   /* raw image, started in real mode at entry */
	GUEST_KIND_ROM = 3,        /* not a VM: an image other VMs map as ROM */
	GUEST_KIND_LINUX = 4,      /* Linux bzImage, 64-bit boot protocol (hv/load/linux_boot.h) */
	GUEST_KIND_INITRD = 5,     /* not a VM: a kind=linux guest's initrd=NAME */
	GUEST_KIND_COUNT
};

enum guest_mode {
	GUEST_MODE_ISOLATED = 0,   /* only virtual devices */
	GUEST_MODE_PASSTHROUGH = 1, /* may touch the host's devices */
};

/* rom=NAME@ADDR / romd=NAME@ADDR */
struct guest_rom_ref {
	bool set;
	char name[GUEST_NAME_MAX];
	uint64_t gpa;
};

/* A guest-physical range of a device region. */
struct guest_range {
	bool set;
	uint64_t gpa, size;
};

struct guest_opts {
	char name[GUEST_NAME_MAX];
	enum guest_kind kind;
	enum guest_mode mode;
	uint64_t mem;              /* bytes of guest RAM */
	uint32_t vcpus;
	bool has_entry;
	uint64_t entry;            /* guest-physical */
	bool has_load;
	uint64_t load;             /* guest-physical */
	bool wait;                 /* the run waits for this VM (default) */
	bool nested;               /* nested=on: L1 hypervisor (nested/) */
	bool input;                /* input=on: Nestor's serial input goes to its COM1 */
	struct guest_rom_ref rom, romd;
	struct guest_range testdev, mmio_uart, unbacked;
	uint64_t cpus;             /* cpus=LIST: bit i = physical CPU i; 0 = not given */
	char initrd[GUEST_NAME_MAX]; /* initrd=NAME, "" if none */
	/* The guest's own command line: points into the module string just
	 * after " -- " (NUL-terminated there), or "" if there is none. */
	const char *cmdline;
};

/*
 * Fill *out from the module string s (NUL-terminated). Every problem is
 * reported through on_error (may be NULL) as a full sentence, e.g.
 *   "unknown option 'mme'"
 *   "option 'mem': '3000' is not a multiple of 4K"
 *   "kind=realmode needs entry=ADDRESS (the real-mode start address)"
 * Returns the number of problems; *out holds defaults plus every valid
 * option even when some were wrong.
 */
int guest_opts_parse(const char *s, struct guest_opts *out,
		     cmdline_error_fn on_error, void *ctx);

/* "multiboot" / "elf64" / "realmode", and "isolated" / "passthrough". */
const char *guest_kind_name(enum guest_kind kind);
const char *guest_mode_name(enum guest_mode mode);

/* Print the accepted keys (for a help screen), via put. */
void guest_opts_print_help(void (*put)(void *ctx, char c), void *ctx);

#endif
