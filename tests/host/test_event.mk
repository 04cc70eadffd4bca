HOST_TESTS += test_event
test_event_SRCS := tests/host/test_event.c hv/core/event.c
