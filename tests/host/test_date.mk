HOST_TESTS += test_date
test_date_SRCS := tests/host/test_date.c hv/lib/date.c
