HOST_TESTS += test_mem_map
test_mem_map_SRCS := tests/host/test_mem_map.c mm/mem_map.c
