HOST_TESTS += test_clock_math
test_clock_math_SRCS := tests/host/test_clock_math.c hv/dev/clock_math.c
