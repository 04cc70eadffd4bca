FUZZ_TARGETS += fuzz_walk
fuzz_walk_SRCS := tests/host/fuzz_walk.c tests/host/ref_walk.c mm/walk.c mm/guest_fmt.c mm/pf_error.c ept/ept_fmt.c npt/npt_fmt.c
