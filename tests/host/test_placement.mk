HOST_TESTS += test_placement
test_placement_SRCS := tests/host/test_placement.c hv/core/placement.c hv/lib/cpu_list.c hv/lib/format.c
