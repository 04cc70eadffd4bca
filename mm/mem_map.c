/*
 * mem_map.c - normalized physical memory map (see mem_map.h).
 *
 * Maps are small (tens of ranges), so the simple O(n^2) insert-and-split
 * approach is fine and easy to check.
 */
#include "mm/mem_map.h"

#include "hv/lib/string.h"

void mem_map_init(struct mem_map *m, struct mem_range *storage, size_t max)
{
	m->ranges = storage;
	m->count = 0;
	m->max = max;
}

/* Insert r at index i, shifting the tail up. */
static int insert_at(struct mem_map *m, size_t i, struct mem_range r)
{
	if (m->count == m->max)
		return -1;
	memmove(&m->ranges[i + 1], &m->ranges[i],
		(m->count - i) * sizeof m->ranges[0]);
	m->ranges[i] = r;
	m->count++;
	return 0;
}

/*
 * Put a new piece of fresh (gap) address space at index i: grow a touching
 * neighbour of the same type if there is one, so filling a hole in a full
 * map still works. Returns how many entries were added (0 or 1), -1 if
 * the map is full.
 */
static int place_gap(struct mem_map *m, size_t i, struct mem_range r)
{
	if (i > 0 && m->ranges[i - 1].end == r.base &&
	    m->ranges[i - 1].type == r.type) {
		m->ranges[i - 1].end = r.end;
		return 0;
	}
	if (i < m->count && m->ranges[i].base == r.end &&
	    m->ranges[i].type == r.type) {
		m->ranges[i].base = r.base;
		return 0;
	}
	return insert_at(m, i, r) ? -1 : 1;
}

/* Join neighbours that touch and have the same type. */
static void merge_adjacent(struct mem_map *m)
{
	size_t out = 0;
	for (size_t i = 0; i < m->count; i++) {
		if (out > 0 && m->ranges[out - 1].end == m->ranges[i].base &&
		    m->ranges[out - 1].type == m->ranges[i].type) {
			m->ranges[out - 1].end = m->ranges[i].end;
			continue;
		}
		m->ranges[out++] = m->ranges[i];
	}
	m->count = out;
}

int mem_map_add(struct mem_map *m, uint64_t base, uint64_t size,
		enum mem_type type)
{
	if (size == 0)
		return 0;
	uint64_t end = base + size < base ? UINT64_MAX : base + size;
	uint64_t cur = base;
	size_t i = 0;
	int rc = 0; /* 0, or -1 once the map is full */

	/* Walk [cur, end) left to right: fill gaps with the new type, and
	 * upgrade covered pieces whose type is less restrictive. */
	while (cur < end) {
		while (i < m->count && m->ranges[i].end <= cur)
			i++;
		if (i == m->count || m->ranges[i].base >= end) {
			rc = place_gap(m, i, (struct mem_range){ cur, end, type });
			break;
		}
		struct mem_range *r = &m->ranges[i];
		if (r->base > cur) {
			/* Gap before the next existing range. */
			uint64_t gap_end = r->base;
			int added = place_gap(m, i, (struct mem_range){
				cur, gap_end, type });
			if (added < 0) {
				rc = -1;
				break;
			}
			/* If it was absorbed into ranges[i] (the next range),
			 * ranges[i] now starts at cur and is handled below. */
			cur = gap_end;
			i += (size_t)added;
			continue;
		}
		/* r covers cur. */
		uint64_t piece_end = r->end < end ? r->end : end;
		if (type > r->type) {
			struct mem_range old = *r;
			if (old.base < cur) {
				/* Keep the head [old.base, cur) as it was. */
				r->end = cur;
				rc = insert_at(m, i + 1, (struct mem_range){
					cur, old.end, old.type });
				if (rc)
					break;
				i++;
				r = &m->ranges[i];
			}
			if (old.end > piece_end) {
				/* Keep the tail [piece_end, old.end). */
				r->end = piece_end;
				rc = insert_at(m, i + 1, (struct mem_range){
					piece_end, old.end, old.type });
				if (rc)
					break;
				r = &m->ranges[i];
			}
			r->type = type;
		}
		cur = piece_end;
		i++;
	}
	merge_adjacent(m);
	return rc < 0 ? -1 : 0;
}

uint64_t mem_map_total(const struct mem_map *m, enum mem_type type)
{
	uint64_t total = 0;
	for (size_t i = 0; i < m->count; i++)
		if (m->ranges[i].type == type)
			total += m->ranges[i].end - m->ranges[i].base;
	return total;
}

/* Round v up to a multiple of align (a power of two); false on overflow. */
static bool align_up(uint64_t v, uint64_t align, uint64_t *out)
{
	uint64_t r = (v + (align - 1)) & ~(align - 1);
	if (r < v)
		return false;
	*out = r;
	return true;
}

uint64_t mem_map_find_free(const struct mem_map *m,
			   const struct phys_range *reserved, size_t nreserved,
			   uint64_t size, uint64_t align, uint64_t min_addr)
{
	if (align == 0)
		align = 1;
	if (size == 0 || (align & (align - 1)))
		return UINT64_MAX;
	for (size_t i = 0; i < m->count; i++) {
		const struct mem_range *r = &m->ranges[i];
		if (r->type != MEM_USABLE || r->end <= min_addr)
			continue;
		uint64_t cand;
		if (!align_up(r->base > min_addr ? r->base : min_addr, align, &cand))
			continue;
		/* Step past every reserved range the window hits; each step
		 * moves cand strictly up, so this ends. */
		bool moved = true;
		while (moved && cand < r->end && r->end - cand >= size) {
			moved = false;
			for (size_t k = 0; k < nreserved; k++) {
				uint64_t rb = reserved[k].base;
				uint64_t re = rb + reserved[k].size < rb
						      ? UINT64_MAX
						      : rb + reserved[k].size;
				if (reserved[k].size && rb < cand + size && cand < re) {
					if (!align_up(re, align, &cand))
						cand = UINT64_MAX;
					moved = true;
					break;
				}
			}
		}
		if (!moved && cand < r->end && r->end - cand >= size)
			return cand;
	}
	return UINT64_MAX;
}

const char *mem_type_name(enum mem_type type)
{
	switch (type) {
	case MEM_USABLE: return "usable";
	case MEM_ACPI_RECLAIM: return "ACPI reclaimable";
	case MEM_ACPI_NVS: return "ACPI NVS";
	case MEM_RESERVED: return "reserved";
	case MEM_BAD: return "bad";
	}
	return "unknown";
}
