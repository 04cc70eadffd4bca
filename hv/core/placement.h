/*
 * placement.h - which physical CPU each vCPU of a VM runs on (pure).
 *
 * Default: the vCPUs of all VMs, in creation order, are dealt round-robin
 * over the CPUs Nestor runs on, so two one-vCPU VMs on a two-CPU machine
 * run side by side. The module option cpus=LIST deals a VM's vCPUs over
 * LIST instead (cpus=1: all on CPU 1). A passthrough VM stays on the boot
 * CPU unless cpus= says otherwise.
 */
#ifndef NESTOR_CORE_PLACEMENT_H
#define NESTOR_CORE_PLACEMENT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Place nvcpus vCPUs: out[i] = the CPU of vCPU i. allowed = the cpus=
 * mask (0: not given), online = the CPUs running, *rr = the default
 * round-robin position shared by all VMs (advanced by the vCPUs placed by
 * default). 0, or -1 with err naming the option when allowed holds a CPU
 * that is not running.
 */
int place_vcpus(uint64_t allowed, uint64_t online, unsigned nvcpus, unsigned *rr, unsigned *out, char *err,
		size_t errlen);

#endif
