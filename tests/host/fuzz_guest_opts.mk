FUZZ_TARGETS += fuzz_guest_opts
fuzz_guest_opts_SRCS := tests/host/fuzz_guest_opts.c hv/load/guest_opts.c hv/lib/cpu_list.c hv/lib/cmdline.c hv/lib/format.c
