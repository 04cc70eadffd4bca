/* vcpu.c - the backend chosen at boot (hv/main.c). */
#include "hv/vcpu.h"

const struct vcpu_ops *virt_ops;
