HOST_TESTS += test_svm_cr
test_svm_cr_SRCS := tests/host/test_svm_cr.c hv/svm/svm_cr.c
