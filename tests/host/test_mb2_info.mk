HOST_TESTS += test_mb2_info
test_mb2_info_SRCS := tests/host/test_mb2_info.c boot/mb2_info.c mm/mem_map.c hv/lib/format.c
