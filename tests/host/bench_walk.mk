# bench_walk KIND ITERATIONS (--list for kinds). Measure with callgrind at
# two iteration counts and subtract: the setup cost cancels. map* kinds
# exclude the teardown with CALLGRIND_TOGGLE_COLLECT when valgrind's
# header is installed.
HOST_BENCHES += bench_walk
bench_walk_SRCS := tests/host/bench_walk.c mm/walk.c mm/guest_fmt.c mm/ptbuild.c ept/ept_fmt.c npt/npt_fmt.c
