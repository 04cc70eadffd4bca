FUZZ_TARGETS += fuzz_vmcb12
fuzz_vmcb12_SRCS := tests/host/fuzz_vmcb12.c nested/svm_vmcb12.c
