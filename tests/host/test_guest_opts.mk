HOST_TESTS += test_guest_opts
test_guest_opts_SRCS := tests/host/test_guest_opts.c hv/load/guest_opts.c hv/lib/cpu_list.c hv/lib/cmdline.c hv/lib/format.c
