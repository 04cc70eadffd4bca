HOST_TESTS += test_irq
test_irq_SRCS := tests/host/test_irq.c hv/dev/irq.c
