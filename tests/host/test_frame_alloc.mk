HOST_TESTS += test_frame_alloc
test_frame_alloc_SRCS := tests/host/test_frame_alloc.c mm/frame_alloc.c mm/mem_map.c
