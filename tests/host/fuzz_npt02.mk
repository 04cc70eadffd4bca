FUZZ_TARGETS += fuzz_npt02
fuzz_npt02_SRCS := tests/host/fuzz_npt02.c nested/tdp02.c nested/svm_npt.c nested/reflect.c \
	mm/walk.c mm/guest_fmt.c mm/ptbuild.c npt/npt_fmt.c
