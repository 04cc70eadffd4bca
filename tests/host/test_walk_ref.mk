HOST_TESTS += test_walk_ref
test_walk_ref_SRCS := tests/host/test_walk_ref.c tests/host/ref_walk.c mm/walk.c mm/guest_fmt.c mm/pf_error.c ept/ept_fmt.c npt/npt_fmt.c
