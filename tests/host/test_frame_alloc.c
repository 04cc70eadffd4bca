/* Host tests for mm/frame_alloc.c, with a per-frame model. */
#include "check.h"
#include "mm/frame_alloc.h"

#define MIB (1ull << 20)

static struct mem_range ranges[32];
static struct mem_map map;
static struct frame_alloc fa;
static uint64_t storage[FRAME_ALLOC_STORAGE_WORDS(64 * MIB)];

/* A small PC: 640K low, hole, RAM 1M..40M with an ACPI table, RAM 48M..64M. */
static void small_pc(void)
{
	mem_map_init(&map, ranges, 32);
	mem_map_add(&map, 0, 0x9fc00, MEM_USABLE);
	mem_map_add(&map, 0x9fc00, 0x400, MEM_RESERVED);
	mem_map_add(&map, 0xf0000, 0x10000, MEM_RESERVED);
	mem_map_add(&map, MIB, 39 * MIB, MEM_USABLE);
	mem_map_add(&map, 39 * MIB, MIB, MEM_ACPI_RECLAIM);
	mem_map_add(&map, 48 * MIB, 16 * MIB, MEM_USABLE);
}

TEST(storage_size_macro)
{
	CHECK_EQ(FRAME_ALLOC_STORAGE_WORDS(4ull << 30), 2 * 16384);
	CHECK_EQ(FRAME_ALLOC_STORAGE_WORDS(4096), 2);
	small_pc();
	CHECK_EQ(frame_alloc_top(&map), 64 * MIB);
}

TEST(init_counts_only_whole_usable_frames)
{
	small_pc();
	CHECK(frame_alloc_init(&fa, storage, sizeof storage / 8, &map, NULL, 0) == NULL);
	/* low: frames 1..0x9e (0x9f000..0x9fc00 is a partial frame), frame 0
	 * excluded: 0x9e frames; 1M..39M: 38M; 48M..64M: 16M. */
	uint64_t want = 0x9e + (38 * MIB + 16 * MIB) / FRAME_SIZE;
	CHECK_EQ(frame_free_count(&fa), want);
	CHECK_EQ(fa.uncovered_bytes, 0);
	CHECK(!frame_is_free(&fa, 0));
	CHECK(frame_is_free(&fa, 0x1000));
	CHECK(!frame_is_free(&fa, 0x9f000));
	CHECK(!frame_is_free(&fa, 39 * MIB));
	CHECK(frame_is_free(&fa, 48 * MIB));
}

TEST(bad_storage_is_reported)
{
	small_pc();
	CHECK(frame_alloc_init(&fa, NULL, 0, &map, NULL, 0) != NULL);
	CHECK(frame_alloc_init(&fa, storage, 1, &map, NULL, 0) != NULL);
}

TEST(ram_beyond_storage_is_counted_not_used)
{
	small_pc();
	/* Cover only 32 MiB. */
	CHECK(frame_alloc_init(&fa, storage, FRAME_ALLOC_STORAGE_WORDS(32 * MIB),
			       &map, NULL, 0) == NULL);
	CHECK_EQ(fa.uncovered_bytes, 7 * MIB + 16 * MIB);
	uint64_t a;
	while ((a = frame_alloc(&fa)) != FRAME_NONE)
		CHECK(a < 32 * MIB);
}

static const struct phys_range reserved[] = {
	{ 0, MIB },                  /* low 1 MiB */
	{ 2 * MIB, 3 * MIB + 1 },    /* hypervisor image, odd size */
	{ 0x700123, 0x10 },          /* info block inside one frame */
	{ 10 * MIB, 0 },             /* empty: ignored */
	{ 48 * MIB - 5, 10 },        /* straddles the start of RAM at 48M */
};

static bool in_reserved(uint64_t a)
{
	for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
		uint64_t b = reserved[i].base & ~(FRAME_SIZE - 1);
		uint64_t e = (reserved[i].base + reserved[i].size + FRAME_SIZE - 1) &
			     ~(FRAME_SIZE - 1);
		if (reserved[i].size && a >= b && a < e)
			return true;
	}
	return false;
}

TEST(reserved_ranges_never_handed_out)
{
	small_pc();
	CHECK(frame_alloc_init(&fa, storage, sizeof storage / 8, &map, reserved,
			       sizeof reserved / sizeof reserved[0]) == NULL);
	uint64_t n = 0, a, expect = frame_free_count(&fa);
	while ((a = frame_alloc(&fa)) != FRAME_NONE) {
		CHECK(a % FRAME_SIZE == 0);
		CHECK(a >= MIB);
		if (in_reserved(a)) {
			CHECK_FAIL_AT(__FILE__, __LINE__, "reserved 0x%" PRIx64, a);
			return;
		}
		n++;
	}
	CHECK_EQ(n, expect);
	/* 38M - 3M-4K image - 4K info + 16M - 4K straddle */
	CHECK_EQ(n, (38 * MIB - (3 * MIB + FRAME_SIZE) - FRAME_SIZE + 16 * MIB -
		     FRAME_SIZE) / FRAME_SIZE);
	CHECK_EQ(frame_free_count(&fa), 0);
	CHECK_EQ(frame_alloc(&fa), FRAME_NONE); /* exhaustion stays reported */
	CHECK_EQ(frame_alloc_contig(&fa, 1, 0), FRAME_NONE);
}

TEST(free_rejects_bad_requests)
{
	small_pc();
	frame_alloc_init(&fa, storage, sizeof storage / 8, &map, reserved,
			 sizeof reserved / sizeof reserved[0]);
	uint64_t a = frame_alloc(&fa);
	CHECK(a != FRAME_NONE);
	CHECK_STR(frame_free(&fa, a + 1, 1), "address is not 4 KiB aligned");
	CHECK_STR(frame_free(&fa, 1ull << 40, 1), "range is outside the memory the allocator manages");
	CHECK_STR(frame_free(&fa, 2 * MIB, 1), "range includes a reserved or non-RAM frame");
	CHECK_STR(frame_free(&fa, 0, 1), "range includes a reserved or non-RAM frame");
	CHECK_STR(frame_free(&fa, 40 * MIB, 1), "range includes a reserved or non-RAM frame");
	uint64_t before = frame_free_count(&fa);
	CHECK(frame_free(&fa, a, 1) == NULL);
	CHECK_EQ(frame_free_count(&fa), before + 1);
	CHECK_STR(frame_free(&fa, a, 1), "range includes a frame that is already free (double free?)");
	/* A range partly free changes nothing. */
	uint64_t b = frame_alloc_contig(&fa, 4, 0);
	CHECK(frame_free(&fa, b + FRAME_SIZE, 1) == NULL);
	before = frame_free_count(&fa);
	CHECK(frame_free(&fa, b, 4) != NULL);
	CHECK_EQ(frame_free_count(&fa), before);
	CHECK(!frame_is_free(&fa, b));
	CHECK(frame_free(&fa, b, 0) == NULL);
}

TEST(contiguous_aligned_allocations)
{
	small_pc();
	frame_alloc_init(&fa, storage, sizeof storage / 8, &map, reserved,
			 sizeof reserved / sizeof reserved[0]);
	/* 2 MiB aligned, 8 MiB long: the image ends at 5M+4K and the info
	 * block's frame at 7M blocks 6M, so the first fit is 8M. */
	uint64_t g = frame_alloc_contig(&fa, 2048, 2 * MIB);
	CHECK_EQ(g, 8 * MIB);
	for (uint64_t a = g; a < g + 8 * MIB; a += FRAME_SIZE)
		CHECK(!frame_is_free(&fa, a));
	/* Below 1 MiB nothing is left (low 1M reserved). */
	CHECK_EQ(frame_alloc_contig_below(&fa, 1, 0, MIB), FRAME_NONE);
	/* Too big for any hole. */
	CHECK_EQ(frame_alloc_contig(&fa, 40 * MIB / FRAME_SIZE, 0), FRAME_NONE);
	/* Non-power-of-two alignment is refused. */
	CHECK_EQ(frame_alloc_contig(&fa, 1, 3 * FRAME_SIZE), FRAME_NONE);
	CHECK_EQ(frame_alloc_contig(&fa, 0, 0), FRAME_NONE);
	/* 1 GiB alignment: only address 0 qualifies, which is reserved. */
	CHECK_EQ(frame_alloc_contig(&fa, 1, 1ull << 30), FRAME_NONE);
	/* A limit that cuts the only fit. */
	CHECK_EQ(frame_alloc_contig_below(&fa, 1024, 2 * MIB, 18 * MIB), FRAME_NONE);
	CHECK_EQ(frame_alloc_contig_below(&fa, 1024, 2 * MIB, 20 * MIB), 16 * MIB);
	/* Small unaligned blocks take the lowest hole (1M..2M). */
	CHECK_EQ(frame_alloc_contig(&fa, 16, 0), MIB);
	CHECK(frame_free(&fa, g, 2048) == NULL);
	CHECK_EQ(frame_alloc_contig(&fa, 2048, 2 * MIB), 8 * MIB);
}

TEST(low_memory_for_trampoline)
{
	small_pc();
	static const struct phys_range r[] = { { 2 * MIB, MIB } };
	frame_alloc_init(&fa, storage, sizeof storage / 8, &map, r, 1);
	uint64_t t = frame_alloc_contig_below(&fa, 1, 0, MIB);
	CHECK_EQ(t, 0x1000);
}

TEST(reserve_after_init)
{
	small_pc();
	frame_alloc_init(&fa, storage, sizeof storage / 8, &map, NULL, 0);
	uint64_t before = frame_free_count(&fa);
	frame_alloc_reserve(&fa, 50 * MIB, 2 * MIB);
	CHECK_EQ(frame_free_count(&fa), before - 512);
	CHECK(!frame_is_free(&fa, 51 * MIB));
	CHECK(frame_free(&fa, 51 * MIB, 1) != NULL);
}

static uint64_t rng = 0x853c49e6748fea9bull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

TEST(random_sequences_match_model)
{
	enum { FRAMES = 64 * MIB / FRAME_SIZE };
	static uint8_t owned[FRAMES];   /* 1 = handed out by the allocator */
	static uint8_t allocatable[FRAMES];
	static uint64_t held[4096][2];  /* (addr, count) we hold */
	size_t nheld = 0;

	small_pc();
	frame_alloc_init(&fa, storage, sizeof storage / 8, &map, reserved,
			 sizeof reserved / sizeof reserved[0]);
	memset(owned, 0, sizeof owned);
	uint64_t total = 0;
	for (uint64_t f = 0; f < FRAMES; f++) {
		allocatable[f] = frame_is_free(&fa, f * FRAME_SIZE);
		total += allocatable[f];
		if (allocatable[f] && in_reserved(f * FRAME_SIZE)) {
			CHECK_FAIL_AT(__FILE__, __LINE__, "reserved frame free");
			return;
		}
	}
	CHECK_EQ(total, frame_free_count(&fa));
	uint64_t model_free = total;

	for (int step = 0; step < 200000; step++) {
		uint64_t op = rnd() % 10;
		if (op < 4 && nheld < 4096) {
			uint64_t a = frame_alloc(&fa);
			if (a == FRAME_NONE) {
				CHECK_EQ(model_free, 0);
				continue;
			}
			uint64_t f = a / FRAME_SIZE;
			if (!allocatable[f] || owned[f]) {
				CHECK_FAIL_AT(__FILE__, __LINE__,
					      "bad frame 0x%" PRIx64, a);
				return;
			}
			owned[f] = 1;
			model_free--;
			held[nheld][0] = a;
			held[nheld][1] = 1;
			nheld++;
		} else if (op < 6 && nheld < 4096) {
			uint64_t count = 1 + rnd() % 700;
			uint64_t align = FRAME_SIZE << (rnd() % 10);
			uint64_t a = frame_alloc_contig(&fa, count, align);
			if (a == FRAME_NONE)
				continue;
			CHECK_EQ(a % align, 0);
			for (uint64_t f = a / FRAME_SIZE; f < a / FRAME_SIZE + count; f++) {
				if (!allocatable[f] || owned[f]) {
					CHECK_FAIL_AT(__FILE__, __LINE__,
						      "bad contig frame 0x%" PRIx64,
						      f * FRAME_SIZE);
					return;
				}
				owned[f] = 1;
			}
			model_free -= count;
			held[nheld][0] = a;
			held[nheld][1] = count;
			nheld++;
		} else if (nheld > 0) {
			size_t k = (size_t)(rnd() % nheld);
			uint64_t a = held[k][0], count = held[k][1];
			const char *why = frame_free(&fa, a, count);
			if (why) {
				CHECK_FAIL_AT(__FILE__, __LINE__, "free: %s", why);
				return;
			}
			for (uint64_t f = a / FRAME_SIZE; f < a / FRAME_SIZE + count; f++)
				owned[f] = 0;
			model_free += count;
			held[k][0] = held[nheld - 1][0];
			held[k][1] = held[nheld - 1][1];
			nheld--;
		}
		if (frame_free_count(&fa) != model_free) {
			CHECK_FAIL_AT(__FILE__, __LINE__, "step %d: count 0x%" PRIx64
				      " model 0x%" PRIx64, step,
				      frame_free_count(&fa), model_free);
			return;
		}
	}
	/* Every frame's state agrees with the model at the end. */
	for (uint64_t f = 0; f < FRAMES; f++)
		if (frame_is_free(&fa, f * FRAME_SIZE) != (allocatable[f] && !owned[f])) {
			CHECK_FAIL_AT(__FILE__, __LINE__, "frame 0x%" PRIx64, f);
			return;
		}
}

TEST_MAIN()
