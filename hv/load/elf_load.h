/*
 * elf_load.h - validate an ELF32/ELF64 x86 image in memory and list what
 * to load.
 *
 * Guest kernels arrive as Multiboot2 modules, i.e. untrusted bytes. Before
 * copying anything the whole image is checked (System V ABI "ELF header"
 * and "Program header" chapters): identification, class, byte order,
 * machine, and that the program header table and every PT_LOAD segment's
 * file bytes lie inside the image, with no arithmetic overflow. Nothing is
 * copied here; the caller loads each segment:
 *   copy filesz bytes from image+offset to guest paddr, zero up to memsz.
 */
#ifndef NESTOR_HV_ELF_LOAD_H
#define NESTOR_HV_ELF_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One PT_LOAD segment. */
struct elf_segment {
	uint64_t paddr;     /* where it goes (guest-physical) */
	uint64_t vaddr;     /* where the program thinks it is */
	uint64_t offset;    /* file offset of its bytes */
	uint64_t filesz;    /* bytes to copy */
	uint64_t memsz;     /* bytes it occupies (the rest is zeroed: .bss) */
	uint32_t flags;     /* PF_X 1, PF_W 2, PF_R 4 */
};

struct elf_image {
	unsigned bits;      /* 32 or 64 */
	uint16_t type;      /* ET_EXEC 2, ET_DYN 3 */
	uint16_t machine;   /* EM_386 3, EM_X86_64 62 */
	uint64_t entry;     /* e_entry as written */
	/* e_entry translated through the segment whose vaddr range holds it
	 * (kernels linked at a higher-half vaddr start with paging off, so
	 * the physical entry is what a loader jumps to, as GRUB does). */
	bool entry_in_segment;
	uint64_t entry_paddr;
	size_t nsegments;   /* PT_LOAD segments stored in segs[] */
	uint64_t load_start; /* lowest paddr of any segment */
	uint64_t load_end;   /* highest paddr + memsz (exclusive) */
};

/*
 * Check image[0..size) and store its PT_LOAD segments (in file order) in
 * segs[0..max_segs). Returns 0, or -1 with a reason in err such as
 *   "ELF program header 2 (PT_LOAD) has file bytes 0x1000..0x3000 past the
 *    end of the 0x2000-byte image".
 * Segments whose paddr ranges overlap are rejected (loading one would
 * clobber another); empty (memsz 0) segments are skipped.
 */
int elf_parse(const void *image, size_t size, struct elf_segment *segs,
	      size_t max_segs, struct elf_image *out, char *err,
	      size_t errlen);

#endif
