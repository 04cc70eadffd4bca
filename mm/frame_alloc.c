/*
 * frame_alloc.c - bitmap physical frame allocator (see frame_alloc.h).
 *
 * A bitmap (rather than a free-range list) because frees in random order
 * can fragment a range list without bound, and a fixed-size list would
 * then fail a free; a bitmap's size is fixed by the RAM it covers.
 */
#include "mm/frame_alloc.h"

#include "hv/lib/string.h"

static bool bit_get(const uint64_t *bits, uint64_t i)
{
	return (bits[i / 64] >> (i % 64)) & 1;
}

/* Set or clear bits [from, to); returns how many changed. */
static uint64_t bits_assign(uint64_t *bits, uint64_t from, uint64_t to,
			    bool value)
{
	uint64_t changed = 0;

	while (from < to) {
		uint64_t word = from / 64, bit = from % 64;
		uint64_t n = 64 - bit < to - from ? 64 - bit : to - from;
		uint64_t mask = (n == 64 ? ~0ull : ((1ull << n) - 1)) << bit;
		uint64_t before = bits[word];
		bits[word] = value ? before | mask : before & ~mask;
		uint64_t diff = before ^ bits[word];
		/* Portable popcount: __builtin_popcountll may call libgcc. */
		while (diff) {
			diff &= diff - 1;
			changed++;
		}
		from += n;
	}
	return changed;
}

/* First set bit in [from, to), or to if none. */
static uint64_t next_set(const uint64_t *bits, uint64_t from, uint64_t to)
{
	while (from < to) {
		uint64_t w = bits[from / 64] >> (from % 64);
		if (w)
			return from + (uint64_t)__builtin_ctzll(w) < to
				       ? from + (uint64_t)__builtin_ctzll(w)
				       : to;
		from = (from / 64 + 1) * 64;
	}
	return to;
}

/* First clear bit in [from, to), or to if none. */
static uint64_t next_clear(const uint64_t *bits, uint64_t from, uint64_t to)
{
	while (from < to) {
		uint64_t w = ~bits[from / 64] >> (from % 64);
		if (w)
			return from + (uint64_t)__builtin_ctzll(w) < to
				       ? from + (uint64_t)__builtin_ctzll(w)
				       : to;
		from = (from / 64 + 1) * 64;
	}
	return to;
}

uint64_t frame_alloc_top(const struct mem_map *map)
{
	uint64_t top = 0;
	for (size_t i = 0; i < map->count; i++)
		if (map->ranges[i].type == MEM_USABLE && map->ranges[i].end > top)
			top = map->ranges[i].end;
	return top;
}

/* Frames wholly or partly inside [base, base+size), clamped to coverage. */
static void outer_frames(const struct frame_alloc *fa, uint64_t base,
			 uint64_t size, uint64_t *first, uint64_t *last)
{
	uint64_t end = base + size < base ? UINT64_MAX : base + size;
	*first = base >> FRAME_SHIFT;
	*last = (end >> FRAME_SHIFT) + ((end & (FRAME_SIZE - 1)) != 0);
	if (*last > fa->nframes)
		*last = fa->nframes;
}

static void unmanage(struct frame_alloc *fa, uint64_t base, uint64_t size)
{
	uint64_t first, last;

	if (size == 0)
		return;
	outer_frames(fa, base, size, &first, &last);
	if (first >= last)
		return;
	fa->free_count -= bits_assign(fa->free_bits, first, last, false);
	fa->managed_count -= bits_assign(fa->managed_bits, first, last, false);
}

const char *frame_alloc_init(struct frame_alloc *fa, uint64_t *storage,
			     size_t storage_words, const struct mem_map *map,
			     const struct phys_range *reserved, size_t nreserved)
{
	memset(fa, 0, sizeof *fa);
	if (!storage || storage_words < 2)
		return "frame allocator storage is missing or smaller than 2 words";
	size_t words = storage_words / 2;
	fa->free_bits = storage;
	fa->managed_bits = storage + words;
	fa->nframes = (uint64_t)words * 64;
	memset(storage, 0, 2 * words * sizeof storage[0]);

	for (size_t i = 0; i < map->count; i++) {
		const struct mem_range *r = &map->ranges[i];
		if (r->type != MEM_USABLE)
			continue;
		/* Only whole frames inside the range are RAM we may use. */
		uint64_t first = (r->base >> FRAME_SHIFT) +
				 ((r->base & (FRAME_SIZE - 1)) != 0);
		uint64_t last = r->end >> FRAME_SHIFT;
		if (last > fa->nframes) {
			uint64_t from = first > fa->nframes ? first : fa->nframes;
			if (last > from)
				fa->uncovered_bytes += (last - from) * FRAME_SIZE;
			last = fa->nframes;
		}
		if (first >= last)
			continue;
		fa->managed_count +=
			bits_assign(fa->managed_bits, first, last, true);
		fa->free_count += bits_assign(fa->free_bits, first, last, true);
	}

	for (size_t i = 0; i < nreserved; i++)
		unmanage(fa, reserved[i].base, reserved[i].size);
	/* Frame 0 is never handed out: 0 must not look like a valid frame,
	 * and it holds the real-mode IVT. */
	unmanage(fa, 0, FRAME_SIZE);
	return NULL;
}

void frame_alloc_reserve(struct frame_alloc *fa, uint64_t base, uint64_t size)
{
	unmanage(fa, base, size);
}

uint64_t frame_alloc(struct frame_alloc *fa)
{
	size_t words = (size_t)(fa->nframes / 64);

	if (fa->free_count == 0)
		return FRAME_NONE;
	/* Start at the hint, wrap around once. */
	for (size_t k = 0; k < words; k++) {
		size_t w = (fa->hint + k) % words;
		if (fa->free_bits[w]) {
			uint64_t frame = (uint64_t)w * 64 +
					 (uint64_t)__builtin_ctzll(fa->free_bits[w]);
			fa->free_bits[w] &= fa->free_bits[w] - 1; /* lowest bit */
			fa->free_count--;
			fa->hint = w;
			return frame << FRAME_SHIFT;
		}
	}
	return FRAME_NONE; /* free_count out of sync; not reachable */
}

uint64_t frame_alloc_contig_below(struct frame_alloc *fa, uint64_t count,
				  uint64_t align, uint64_t limit)
{
	if (count == 0 || count > fa->free_count)
		return FRAME_NONE;
	if (align < FRAME_SIZE)
		align = FRAME_SIZE;
	if (align & (align - 1))
		return FRAME_NONE; /* not a power of two */
	uint64_t step = align >> FRAME_SHIFT;
	uint64_t end = limit >> FRAME_SHIFT;
	if (end > fa->nframes)
		end = fa->nframes;

	uint64_t pos = 0;
	while (pos < end) {
		pos = next_set(fa->free_bits, pos, end);
		/* Round up to the alignment without overflowing. */
		uint64_t start = (pos + step - 1) / step * step;
		if (start < pos || start >= end || end - start < count)
			return FRAME_NONE;
		uint64_t busy = next_clear(fa->free_bits, start, start + count);
		if (busy == start + count) {
			bits_assign(fa->free_bits, start, start + count, false);
			fa->free_count -= count;
			return start << FRAME_SHIFT;
		}
		pos = busy + 1;
	}
	return FRAME_NONE;
}

uint64_t frame_alloc_contig(struct frame_alloc *fa, uint64_t count,
			    uint64_t align)
{
	return frame_alloc_contig_below(fa, count, align, UINT64_MAX);
}

const char *frame_free(struct frame_alloc *fa, uint64_t addr, uint64_t count)
{
	if (addr & (FRAME_SIZE - 1))
		return "address is not 4 KiB aligned";
	uint64_t first = addr >> FRAME_SHIFT;
	if (count == 0)
		return NULL;
	if (first >= fa->nframes || fa->nframes - first < count)
		return "range is outside the memory the allocator manages";
	/* Check everything before changing anything. */
	if (next_clear(fa->managed_bits, first, first + count) != first + count)
		return "range includes a reserved or non-RAM frame";
	if (next_set(fa->free_bits, first, first + count) != first + count)
		return "range includes a frame that is already free (double free?)";
	bits_assign(fa->free_bits, first, first + count, true);
	fa->free_count += count;
	return NULL;
}

uint64_t frame_free_count(const struct frame_alloc *fa)
{
	return fa->free_count;
}

bool frame_is_free(const struct frame_alloc *fa, uint64_t addr)
{
	uint64_t frame = addr >> FRAME_SHIFT;
	return frame < fa->nframes && bit_get(fa->free_bits, frame);
}
