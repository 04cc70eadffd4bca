HOST_TESTS += test_svm_exit
test_svm_exit_SRCS := tests/host/test_svm_exit.c hv/svm/svm_exit.c
