HOST_TESTS += test_walk
test_walk_SRCS := tests/host/test_walk.c mm/walk.c mm/guest_fmt.c mm/pf_error.c ept/ept_fmt.c npt/npt_fmt.c
