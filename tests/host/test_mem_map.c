/* Host tests for mm/mem_map.c, checked against a byte-per-unit model. */
#include "check.h"
#include "mm/mem_map.h"

static struct mem_range storage[256];
static struct mem_map map;

/* The map must be sorted, non-overlapping, non-empty, and merged. */
static void check_invariants(const struct mem_map *m)
{
	for (size_t i = 0; i < m->count; i++) {
		CHECK(m->ranges[i].base < m->ranges[i].end);
		if (i > 0) {
			CHECK(m->ranges[i - 1].end <= m->ranges[i].base);
			CHECK(!(m->ranges[i - 1].end == m->ranges[i].base &&
				m->ranges[i - 1].type == m->ranges[i].type));
		}
	}
}

TEST(single_and_disjoint)
{
	mem_map_init(&map, storage, 256);
	CHECK_EQ(mem_map_add(&map, 0x100000, 0x700000, MEM_USABLE), 0);
	CHECK_EQ(mem_map_add(&map, 0, 0x9f000, MEM_USABLE), 0);
	CHECK_EQ(mem_map_add(&map, 0, 0, MEM_RESERVED), 0); /* ignored */
	CHECK_EQ(map.count, 2);
	CHECK_EQ(map.ranges[0].base, 0);
	CHECK_EQ(map.ranges[0].end, 0x9f000);
	CHECK_EQ(map.ranges[1].base, 0x100000);
	CHECK_EQ(map.ranges[1].end, 0x800000);
	CHECK_EQ(mem_map_total(&map, MEM_USABLE), 0x9f000 + 0x700000);
}

TEST(adjacent_same_type_merges)
{
	mem_map_init(&map, storage, 256);
	mem_map_add(&map, 0x2000, 0x1000, MEM_USABLE);
	mem_map_add(&map, 0x1000, 0x1000, MEM_USABLE);
	mem_map_add(&map, 0x3000, 0x1000, MEM_USABLE);
	CHECK_EQ(map.count, 1);
	CHECK_EQ(map.ranges[0].base, 0x1000);
	CHECK_EQ(map.ranges[0].end, 0x4000);
}

TEST(restrictive_type_wins_overlap)
{
	mem_map_init(&map, storage, 256);
	mem_map_add(&map, 0, 0x10000, MEM_USABLE);
	mem_map_add(&map, 0x4000, 0x2000, MEM_RESERVED);
	mem_map_add(&map, 0x5000, 0x8000, MEM_USABLE); /* must not undo it */
	CHECK_EQ(map.count, 3);
	CHECK_EQ(map.ranges[1].base, 0x4000);
	CHECK_EQ(map.ranges[1].end, 0x6000);
	CHECK_EQ(map.ranges[1].type, MEM_RESERVED);
	CHECK_EQ(map.ranges[2].end, 0x10000);
	check_invariants(&map);
}

TEST(range_to_top_of_address_space)
{
	mem_map_init(&map, storage, 256);
	CHECK_EQ(mem_map_add(&map, 0xfffffffffffff000ull, 0x2000, MEM_RESERVED), 0);
	CHECK_EQ(map.ranges[0].end, UINT64_MAX);
}

TEST(capacity_is_reported)
{
	mem_map_init(&map, storage, 2);
	CHECK_EQ(mem_map_add(&map, 0, 0x1000, MEM_USABLE), 0);
	CHECK_EQ(mem_map_add(&map, 0x2000, 0x1000, MEM_USABLE), 0);
	CHECK_EQ(mem_map_add(&map, 0x4000, 0x1000, MEM_USABLE), -1);
	CHECK_EQ(mem_map_add(&map, 0x1000, 0x1000, MEM_USABLE), 0); /* merges */
	CHECK_EQ(map.count, 1);
}

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

TEST(random_paint_matches_model)
{
	enum { UNITS = 96 };
	for (int round = 0; round < 3000; round++) {
		uint8_t model[UNITS] = { 0 };
		mem_map_init(&map, storage, 256);
		int n = 1 + (int)(rnd() % 12);
		for (int k = 0; k < n; k++) {
			uint64_t b = rnd() % UNITS, len = 1 + rnd() % (UNITS - b);
			enum mem_type t = (enum mem_type)(1 + rnd() % 5);
			CHECK_EQ(mem_map_add(&map, b * 0x1000, len * 0x1000, t), 0);
			for (uint64_t u = b; u < b + len; u++)
				if (t > model[u])
					model[u] = (uint8_t)t;
		}
		check_invariants(&map);
		uint8_t got[UNITS] = { 0 };
		for (size_t i = 0; i < map.count; i++)
			for (uint64_t a = map.ranges[i].base; a < map.ranges[i].end;
			     a += 0x1000)
				got[a / 0x1000] = (uint8_t)map.ranges[i].type;
		if (memcmp(got, model, UNITS) != 0) {
			CHECK_FAIL_AT(__FILE__, __LINE__, "round %d differs", round);
			return;
		}
	}
}

TEST(find_free_window)
{
	mem_map_init(&map, storage, 256);
	mem_map_add(&map, 0, 0x9f000, MEM_USABLE);
	mem_map_add(&map, 0x100000, 0x700000, MEM_USABLE); /* 1M..8M */
	mem_map_add(&map, 0x800000, 0x100000, MEM_RESERVED);
	mem_map_add(&map, 0x900000, 0x400000, MEM_USABLE); /* 9M..13M */
	static const struct phys_range rsv[] = {
		{ 0, 0x100000 },
		{ 0x100000, 0x234567 },   /* image: up to 0x334567 */
		{ 0x400000, 0x1000 },     /* info block */
		{ 0x500000, 0 },          /* empty: ignored */
	};
	/* 64 KiB, 4K aligned: right after the image. */
	CHECK_EQ(mem_map_find_free(&map, rsv, 4, 0x10000, 0x1000, 0), 0x335000);
	/* 1 MiB, 1M aligned: 0x400000 is hit by the info block -> 5M. */
	CHECK_EQ(mem_map_find_free(&map, rsv, 4, 0x100000, 0x100000, 0), 0x500000);
	/* 4 MiB from 4M: past the info block it no longer fits below 8M. */
	CHECK_EQ(mem_map_find_free(&map, rsv, 4, 0x400000, 0x1000, 0x400000), 0x900000);
	CHECK_EQ(mem_map_find_free(&map, rsv, 4, 0x300000, 0x1000, 0x400000), 0x401000);
	/* Respect min_addr. */
	CHECK_EQ(mem_map_find_free(&map, rsv, 4, 0x1000, 0, 0xa00001), 0xa00001);
	/* Nothing big enough; bad alignment; zero size. */
	CHECK_EQ(mem_map_find_free(&map, rsv, 4, 0x500000, 0x1000, 0), UINT64_MAX);
	CHECK_EQ(mem_map_find_free(&map, rsv, 4, 0x1000, 0x3000, 0), UINT64_MAX);
	CHECK_EQ(mem_map_find_free(&map, rsv, 4, 0, 0x1000, 0), UINT64_MAX);
	/* Without reservations: address 0 is a valid answer here. */
	CHECK_EQ(mem_map_find_free(&map, NULL, 0, 0x1000, 0x1000, 0), 0);
}

TEST(type_names)
{
	CHECK_STR(mem_type_name(MEM_USABLE), "usable");
	CHECK_STR(mem_type_name(MEM_BAD), "bad");
	CHECK_STR(mem_type_name((enum mem_type)99), "unknown");
}

TEST_MAIN()
