FUZZ_TARGETS += fuzz_mb2_info
fuzz_mb2_info_SRCS := tests/host/fuzz_mb2_info.c boot/mb2_info.c mm/mem_map.c hv/lib/format.c
