HOST_TESTS += test_nested_svm
test_nested_svm_SRCS := tests/host/test_nested_svm.c nested/svm_vmcb12.c nested/svm_reflect.c nested/reflect.c \
	nested/svm_npt.c mm/walk.c mm/guest_fmt.c npt/npt_fmt.c
