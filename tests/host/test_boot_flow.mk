HOST_TESTS += test_boot_flow
test_boot_flow_SRCS := tests/host/test_boot_flow.c boot/mb2_info.c mm/mem_map.c mm/frame_alloc.c hv/load/guest_opts.c hv/lib/cpu_list.c hv/lib/cmdline.c hv/lib/format.c
