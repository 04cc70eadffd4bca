HOST_TESTS += test_vmx_decode
test_vmx_decode_SRCS := tests/host/test_vmx_decode.c hv/vmx/vmx_decode.c ept/ept_fmt.c
