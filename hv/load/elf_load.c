/*
 * elf_load.c - ELF32/ELF64 validation and PT_LOAD listing (see elf_load.h).
 *
 * Field offsets are from the System V ABI (gABI) ELF header and program
 * header tables; multi-byte fields are little-endian (ELFDATA2LSB), the
 * only byte order x86 images use, and are read byte-wise so the image
 * needs no particular alignment.
 */
#include "hv/load/elf_load.h"

#include "hv/lib/bytes.h"
#include "hv/lib/format.h"
#include "hv/lib/string.h"

#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define ET_DYN 3
#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PN_XNUM 0xffff

#define EHDR32_SIZE 52
#define EHDR64_SIZE 64
#define PHDR32_SIZE 32
#define PHDR64_SIZE 56

/* Read program header i (already bounds-checked) into a segment. */
static void read_phdr(const uint8_t *ph, unsigned bits, uint32_t *type,
		      struct elf_segment *s)
{
	*type = rd32(ph);
	if (bits == 64) {
		s->flags = rd32(ph + 4);
		s->offset = rd64(ph + 8);
		s->vaddr = rd64(ph + 16);
		s->paddr = rd64(ph + 24);
		s->filesz = rd64(ph + 32);
		s->memsz = rd64(ph + 40);
	} else {
		s->offset = rd32(ph + 4);
		s->vaddr = rd32(ph + 8);
		s->paddr = rd32(ph + 12);
		s->filesz = rd32(ph + 16);
		s->memsz = rd32(ph + 20);
		s->flags = rd32(ph + 24);
	}
}

int elf_parse(const void *image, size_t size, struct elf_segment *segs,
	      size_t max_segs, struct elf_image *out, char *err,
	      size_t errlen)
{
	const uint8_t *p = image;

	memset(out, 0, sizeof *out);
	if (err && errlen)
		err[0] = '\0';
	if (!p || size < 16)
		return fmt_error(err, errlen,
			    "image of %zu bytes is too small to be ELF", size);
	if (p[0] != 0x7f || p[1] != 'E' || p[2] != 'L' || p[3] != 'F')
		return fmt_error(err, errlen,
			    "not an ELF image (first bytes %02x %02x %02x %02x, "
			    "expected 7f 45 4c 46)", p[0], p[1], p[2], p[3]);
	if (p[EI_CLASS] == ELFCLASS32)
		out->bits = 32;
	else if (p[EI_CLASS] == ELFCLASS64)
		out->bits = 64;
	else
		return fmt_error(err, errlen,
			    "ELF class %u is neither 32-bit (1) nor 64-bit (2)",
			    p[EI_CLASS]);
	if (p[EI_DATA] != ELFDATA2LSB)
		return fmt_error(err, errlen,
			    "ELF byte order %u is not little-endian (1)",
			    p[EI_DATA]);
	if (p[EI_VERSION] != EV_CURRENT)
		return fmt_error(err, errlen, "ELF version %u is not 1", p[EI_VERSION]);

	unsigned ehsize = out->bits == 64 ? EHDR64_SIZE : EHDR32_SIZE;
	unsigned phmin = out->bits == 64 ? PHDR64_SIZE : PHDR32_SIZE;
	if (size < ehsize)
		return fmt_error(err, errlen,
			    "ELF%u header needs %u bytes but the image has %zu",
			    out->bits, ehsize, size);

	out->type = rd16(p + 16);
	out->machine = rd16(p + 18);
	if (out->type != ET_EXEC && out->type != ET_DYN)
		return fmt_error(err, errlen,
			    "ELF type %u is not an executable (2) or PIE (3)",
			    out->type);
	uint16_t want_machine = out->bits == 64 ? EM_X86_64 : EM_386;
	if (out->machine != want_machine)
		return fmt_error(err, errlen,
			    "ELF%u machine %u is not %s (%u)", out->bits,
			    out->machine, out->bits == 64 ? "x86-64" : "i386",
			    want_machine);

	uint64_t phoff;
	unsigned phentsize, phnum;
	if (out->bits == 64) {
		out->entry = rd64(p + 24);
		phoff = rd64(p + 32);
		phentsize = rd16(p + 54);
		phnum = rd16(p + 56);
	} else {
		out->entry = rd32(p + 24);
		phoff = rd32(p + 28);
		phentsize = rd16(p + 42);
		phnum = rd16(p + 44);
	}
	if (phnum == PN_XNUM)
		return fmt_error(err, errlen,
			    "ELF uses an extended program header count (PN_XNUM), "
			    "which is not supported");
	if (phnum == 0)
		return fmt_error(err, errlen, "ELF has no program headers: nothing to load");
	if (phentsize < phmin)
		return fmt_error(err, errlen,
			    "ELF program header size %u is smaller than the %u "
			    "bytes of an ELF%u program header", phentsize, phmin,
			    out->bits);
	/* phnum * phentsize < 2^32, so only phoff can overflow the sum. */
	uint64_t table = (uint64_t)phnum * phentsize;
	if (phoff > size || table > size - phoff)
		return fmt_error(err, errlen,
			    "ELF program header table (0x%llx + %u x %u bytes) "
			    "runs past the end of the 0x%zx-byte image",
			    (unsigned long long)phoff, phnum, phentsize, size);

	out->load_start = UINT64_MAX;
	for (unsigned i = 0; i < phnum; i++) {
		struct elf_segment s;
		uint32_t type;
		read_phdr(p + phoff + (uint64_t)i * phentsize, out->bits, &type, &s);
		if (type != PT_LOAD || s.memsz == 0)
			continue;
		if (s.filesz > s.memsz)
			return fmt_error(err, errlen,
				    "ELF program header %u (PT_LOAD) has filesz "
				    "0x%llx larger than memsz 0x%llx", i,
				    (unsigned long long)s.filesz,
				    (unsigned long long)s.memsz);
		if (s.offset > size || s.filesz > size - s.offset)
			return fmt_error(err, errlen,
				    "ELF program header %u (PT_LOAD) has file bytes "
				    "0x%llx..0x%llx past the end of the 0x%zx-byte "
				    "image", i, (unsigned long long)s.offset,
				    (unsigned long long)(s.offset + s.filesz), size);
		if (s.paddr + s.memsz < s.paddr)
			return fmt_error(err, errlen,
				    "ELF program header %u (PT_LOAD) at paddr 0x%llx "
				    "with memsz 0x%llx wraps around the address "
				    "space", i, (unsigned long long)s.paddr,
				    (unsigned long long)s.memsz);
		for (size_t k = 0; k < out->nsegments; k++) {
			const struct elf_segment *o = &segs[k];
			if (s.paddr < o->paddr + o->memsz &&
			    o->paddr < s.paddr + s.memsz)
				return fmt_error(err, errlen,
					    "ELF PT_LOAD segments overlap: program "
					    "header %u at paddr 0x%llx..0x%llx and an "
					    "earlier one at 0x%llx..0x%llx", i,
					    (unsigned long long)s.paddr,
					    (unsigned long long)(s.paddr + s.memsz),
					    (unsigned long long)o->paddr,
					    (unsigned long long)(o->paddr + o->memsz));
		}
		if (out->nsegments == max_segs)
			return fmt_error(err, errlen,
				    "ELF has more than %zu PT_LOAD segments", max_segs);
		segs[out->nsegments++] = s;
		if (s.paddr < out->load_start)
			out->load_start = s.paddr;
		if (s.paddr + s.memsz > out->load_end)
			out->load_end = s.paddr + s.memsz;
		if (!out->entry_in_segment && out->entry >= s.vaddr &&
		    out->entry - s.vaddr < s.memsz) {
			out->entry_in_segment = true;
			out->entry_paddr = s.paddr + (out->entry - s.vaddr);
		}
	}
	if (out->nsegments == 0)
		return fmt_error(err, errlen,
			    "ELF has no non-empty PT_LOAD segment: nothing to load");
	return 0;
}
