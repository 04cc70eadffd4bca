/*
 * io.c - port I/O exits: IN/OUT and the string forms INS/OUTS with or
 * without REP. Every port is intercepted; ports no device claims read as
 * all ones and drop writes (as on a bus with nothing there), logged once.
 */
#include "drivers/console.h"
#include "hv/exit/exits.h"
#include "hv/core/guest_mem.h"
#include "hv/core/vm.h"
#include "mm/pf_error.h"

/* At most this many REP iterations per exit; the rest re-executes. */
#define IO_REP_CHUNK 4096

bool vm_port_intercepted(const struct vm *vm, uint16_t port)
{
	if (!vm->io_passthrough || vm_pio_find(vm, port))
		return true;
	/* The legacy PICs stay Nestor's: the host masks them, and a guest
	 * unmasking them would send IRQs into the host's interrupt window. */
	return port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1;
}

static void warn_port_once(struct vcpu *v, uint16_t port, bool in)
{
	struct vm *vm = v->vm;
	for (unsigned i = 0; i < vm->nwarned_ports; i++)
		if (vm->warned_ports[i] == port)
			return;
	if (vm->nwarned_ports < sizeof(vm->warned_ports) / sizeof(vm->warned_ports[0]))
		vm->warned_ports[vm->nwarned_ports++] = port;
	log_debug("vm", "%s: %s unclaimed port 0x%x (logged once)", vm->opts.name, in ? "IN from" : "OUT to", port);
}

static uint32_t port_in(struct vcpu *v, uint16_t port, unsigned size)
{
	const struct vm_pio_range *d = vm_pio_find(v->vm, port);
	if (d)
		return d->ops->read(d->dev, v, port, size);
	warn_port_once(v, port, true);
	return size == 4 ? 0xffffffff : (1u << (8 * size)) - 1;
}

static void port_out(struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
	const struct vm_pio_range *d = vm_pio_find(v->vm, port);
	if (d)
		d->ops->write(d->dev, v, port, size, value);
	else
		warn_port_once(v, port, false);
}

static uint64_t seg_base(const struct vcpu_paging_state *ps, unsigned seg)
{
	/* In 64-bit mode only FS and GS have bases (SDM 3A 3.4.4). */
	if (ps->cs_l && seg != 4 && seg != 5)
		return 0;
	const uint64_t bases[6] = { ps->es_base, ps->cs_base, ps->ss_base, ps->ds_base, ps->fs_base, ps->gs_base };
	return seg < 6 ? bases[seg] : 0;
}

static enum exit_action string_io_fault(struct vcpu *v, struct vm_exit *e, int rc, const struct walk_fault *f)
{
	if (rc == GUEST_MEM_NESTED) /* an L2's buffer that L1's NPT does not map */
		return guest_mem_nested_fault(v, f);
	if (f->dim == WALK_DIM_GUEST) {
		vcpu_queue_pf(v, f->gla, walk_pf_error_code(f));
		return EXIT_ACTION_RESUME;
	}
	e->gpa = f->gpa;
	vm_stop_with_report(v, e, "string I/O with a buffer that is not RAM of this VM");
	return EXIT_ACTION_STOPPED;
}

static enum exit_action string_io(struct vcpu *v, struct vm_exit *e)
{
	struct vcpu_paging_state ps;
	virt_ops->get_paging_state(v, &ps);
	unsigned size = e->u.io.size;
	uint64_t amask = e->u.io.addr_size == 8 ? ~0ull : e->u.io.addr_size == 4 ? 0xffffffffull : 0xffff;
	int step = (ps.rflags & (1u << 10)) ? -(int)size : (int)size; /* EFLAGS.DF */
	enum gpr idx = e->u.io.in ? GPR_RDI : GPR_RSI;
	uint64_t base = seg_base(&ps, e->u.io.in ? 0 : e->u.io.seg); /* INS always writes ES:rDI */
	uint64_t count = e->u.io.rep ? v->gpr[GPR_RCX] & amask : 1;
	uint64_t done = 0;

	while (done < count && done < IO_REP_CHUNK) {
		uint64_t off = v->gpr[idx] & amask, gla = base + off;
		struct walk_fault f;
		uint32_t val = 0;
		int rc;
		if (e->u.io.in) {
			val = port_in(v, e->u.io.port, size);
			if ((rc = guest_write_linear(v, gla, &val, size, &f)))
				return string_io_fault(v, e, rc, &f);
		} else {
			if ((rc = guest_read_linear(v, gla, &val, size, WALK_ACC_READ, &f)))
				return string_io_fault(v, e, rc, &f);
			port_out(v, e->u.io.port, size, val);
		}
		v->gpr[idx] = (v->gpr[idx] & ~amask) | ((off + (uint64_t)(int64_t)step) & amask);
		done++;
		if (e->u.io.rep)
			v->gpr[GPR_RCX] = (v->gpr[GPR_RCX] & ~amask) | ((v->gpr[GPR_RCX] - 1) & amask);
		if (v->vm->stopped)
			return EXIT_ACTION_STOPPED;
	}
	if (done < count)
		return EXIT_ACTION_RESUME; /* RIP unchanged: the REP instruction continues */
	return exit_skip_instruction(v, e);
}

enum exit_action handle_io(struct vcpu *v, struct vm_exit *e)
{
	if (e->u.io.string)
		return string_io(v, e);
	unsigned size = e->u.io.size;
	if (e->u.io.in) {
		uint32_t val = port_in(v, e->u.io.port, size);
		/* A 32-bit IN zero-extends into RAX; 8/16-bit ones merge. */
		if (size == 4)
			v->gpr[GPR_RAX] = val;
		else
			v->gpr[GPR_RAX] = (v->gpr[GPR_RAX] & ~(uint64_t)((1u << (8 * size)) - 1)) | val;
	} else {
		uint32_t mask = size == 4 ? 0xffffffff : (1u << (8 * size)) - 1;
		port_out(v, e->u.io.port, size, (uint32_t)v->gpr[GPR_RAX] & mask);
	}
	if (v->vm->stopped)
		return EXIT_ACTION_STOPPED;
	return exit_skip_instruction(v, e);
}
