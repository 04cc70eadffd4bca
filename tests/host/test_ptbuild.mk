HOST_TESTS += test_ptbuild
test_ptbuild_SRCS := tests/host/test_ptbuild.c mm/ptbuild.c mm/walk.c ept/ept_fmt.c npt/npt_fmt.c
