HOST_TESTS += test_pic
test_pic_SRCS := tests/host/test_pic.c hv/dev/pic.c
