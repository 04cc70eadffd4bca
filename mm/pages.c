/* pages.c - see pages.h.
 *
 * Locking: every CPU allocates (VMX/SVM per-CPU pages at bring-up, TDP
 * table pages in exits): pages_lock covers the frame allocator and the
 * held-back low runs. Nothing here calls out while holding it, except
 * panic() on a broken invariant. */
#include "mm/pages.h"
#include "drivers/console.h"
#include "hv/lib/string.h"
#include "hv/host/shutdown.h"
#include "mm/frame_alloc.h"
#include "mm/host_paging.h"
#include "hv/lib/spinlock.h"

static struct spinlock pages_lock = SPINLOCK_INIT;

extern const char __image_start[], __image_end[];

static struct frame_alloc frames;
static const struct mem_map *host_map;
static uint64_t frame_bits[FRAME_ALLOC_STORAGE_WORDS((uint64_t)HOST_MAP_MAX_GIB << 30)];

void pages_init(const struct mem_map *map, const struct mb2_info *info)
{
	host_map = map;
	struct phys_range reserved[MB2_MAX_MODULES + 3];
	size_t n = 0;
	reserved[n++] = (struct phys_range){ 0, 1ull << 20 }; /* IVT, BDA, EBDA, option ROMs */
	reserved[n++] = (struct phys_range){ (uint64_t)__image_start, (uint64_t)(__image_end - __image_start) };
	reserved[n++] = (struct phys_range){ (uint64_t)info->base, info->total_size };
	for (size_t i = 0; i < info->module_count; i++)
		reserved[n++] = (struct phys_range){ info->modules[i].start,
						     info->modules[i].end - info->modules[i].start };
	const char *why = frame_alloc_init(&frames, frame_bits, sizeof(frame_bits) / sizeof(frame_bits[0]), map,
					   reserved, n);
	if (why)
		panic("frame allocator: %s", why);
	log_info("mm", "%llu MiB free for guests and tables",
		 (unsigned long long)(frame_free_count(&frames) * FRAME_SIZE >> 20));
	if (frames.uncovered_bytes)
		log_warn("mm", "%llu MiB of RAM above %d GiB is not used",
			 (unsigned long long)(frames.uncovered_bytes >> 20), HOST_MAP_MAX_GIB);
}

uint64_t pages_alloc_contig(uint64_t count, uint64_t align)
{
	spin_lock(&pages_lock);
	uint64_t pa = count == 1 && align <= FRAME_SIZE ? frame_alloc(&frames)
							 : frame_alloc_contig(&frames, count, align);
	spin_unlock(&pages_lock);
	if (pa == FRAME_NONE)
		return 0;
	memset(pa_to_ptr(pa), 0, count * FRAME_SIZE);
	return pa;
}

uint64_t page_alloc(void) { return pages_alloc_contig(1, FRAME_SIZE); }

void pages_free(uint64_t pa, uint64_t count)
{
	spin_lock(&pages_lock);
	const char *why = frame_free(&frames, pa, count);
	spin_unlock(&pages_lock);
	if (why)
		panic("pages_free(0x%llx, %llu): %s", (unsigned long long)pa, (unsigned long long)count, why);
}

uint64_t pages_free_count(void)
{
	spin_lock(&pages_lock);
	uint64_t n = frame_free_count(&frames);
	spin_unlock(&pages_lock);
	return n;
}

const struct mem_map *pages_host_map(void) { return host_map; }

/* Free frames below PAGES_LOW_LIMIT, held back from Nestor's own
 * allocations so that a passthrough guest can load where OS kernels load
 * (1 MiB, 16 MiB). Kept as runs; frame_alloc returns the lowest frame. */
static struct {
	uint64_t base, count;
} low_runs[16];
static unsigned nlow_runs;

void pages_hold_low(void)
{
	spin_lock(&pages_lock);
	for (;;) {
		uint64_t pa = frame_alloc(&frames);
		if (pa == FRAME_NONE)
			break;
		if (pa >= PAGES_LOW_LIMIT) {
			frame_free(&frames, pa, 1);
			break;
		}
		if (nlow_runs && low_runs[nlow_runs - 1].base + low_runs[nlow_runs - 1].count * FRAME_SIZE == pa) {
			low_runs[nlow_runs - 1].count++;
		} else if (nlow_runs < sizeof(low_runs) / sizeof(low_runs[0])) {
			low_runs[nlow_runs++] = (typeof(low_runs[0])){ pa, 1 };
		} else {
			frame_free(&frames, pa, 1);
			break;
		}
	}
	spin_unlock(&pages_lock);
}

void pages_release_low(void)
{
	spin_lock(&pages_lock);
	for (unsigned i = 0; i < nlow_runs; i++)
		frame_free(&frames, low_runs[i].base, low_runs[i].count);
	nlow_runs = 0;
	spin_unlock(&pages_lock);
}

void pages_claim_free(uint64_t lo, uint64_t hi, void (*run)(void *ctx, uint64_t base, uint64_t size), void *ctx)
{
	lo = (lo + FRAME_SIZE - 1) & ~(FRAME_SIZE - 1);
	hi &= ~(FRAME_SIZE - 1);
	uint64_t start = 0;
	bool in_run = false;
	/* Only while VMs are created (the boot CPU, before any other CPU
	 * runs a guest); run() may allocate, so the lock is not held. */
	for (uint64_t pa = lo; pa <= hi; pa += FRAME_SIZE) {
		bool is_free = pa < hi && frame_is_free(&frames, pa);
		if (is_free && !in_run) {
			start = pa;
			in_run = true;
		} else if (!is_free && in_run) {
			in_run = false;
			frame_alloc_reserve(&frames, start, pa - start);
			run(ctx, start, pa - start);
		}
	}
}
