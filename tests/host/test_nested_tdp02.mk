HOST_TESTS += test_nested_tdp02
test_nested_tdp02_SRCS := tests/host/test_nested_tdp02.c nested/tdp02.c nested/svm_npt.c nested/reflect.c \
	mm/walk.c mm/guest_fmt.c mm/ptbuild.c npt/npt_fmt.c
