HOST_TESTS += test_rtc
test_rtc_SRCS := tests/host/test_rtc.c hv/dev/rtc.c hv/lib/date.c
