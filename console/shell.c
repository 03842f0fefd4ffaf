/* shell.c - the administration shell (see shell.h). Pure: output through
 * con_write/con_printf, plinth through hc_call. */
#include <plinth/printf.h>
#include <plinth/string.h>
#include "console.h"
#include "shell.h"

struct words {
	unsigned n;
	const char *w[SHELL_MAX_WORDS];   /* NUL-terminated copies in buf */
	unsigned at[SHELL_MAX_WORDS];     /* offset of each word in the line */
	char buf[HC_CREATE_MAX + SHELL_MAX_WORDS];
};

struct command {
	const char *name;
	const char *usage;
	const char *help;
	void (*fn)(struct shell *sh, const struct words *w, const char *line);
};

static struct hc_vm_info vms[SHELL_MAX_VMS];

const char *hc_strerror(long err)
{
	switch (-err) {
	case HC_EPERM:   return "not permitted";
	case HC_ENOENT:  return "no such VM";
	case HC_E2BIG:   return "too large";
	case HC_ENOEXEC: return "not a loadable image";
	case HC_ENOMEM:  return "out of memory";
	case HC_EFAULT:  return "bad buffer address";
	case HC_EBUSY:   return "not possible in the VM's current state";
	case HC_EEXIST:  return "already exists";
	case HC_ENODEV:  return "the VM has no serial console";
	case HC_EINVAL:  return "invalid argument";
	case HC_ENOSPC:  return "no room left";
	case HC_ERANGE:  return "out of range";
	case HC_ENOSYS:  return "not supported by this plinth";
	case HC_ENOTSUP: return "not supported";
	default:         return "unexpected error";
	}
}

static void error(const char *fmt, ...) __printf(1, 2);
static void error(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	con_printf("error: %s\n", buf);
}

static void hc_error(const char *what, long err)
{
	error("%s: %s (%ld)", what, hc_strerror(err), err);
}

/* Split at spaces; a double-quoted part stays in its word (quotes kept:
 * plinth's vms.cfg parser reads them). False if there are too many words
 * or a quote is not closed. */
static bool split(const char *line, struct words *w)
{
	size_t i = 0, out = 0;

	w->n = 0;
	for (;;) {
		bool quoted = false;

		while (line[i] == ' ')
			i++;
		if (!line[i])
			return true;
		if (w->n == SHELL_MAX_WORDS)
			return false;
		w->at[w->n] = (unsigned)i;
		w->w[w->n++] = &w->buf[out];
		while (line[i] && (quoted || line[i] != ' ')) {
			if (line[i] == '"')
				quoted = !quoted;
			w->buf[out++] = line[i++];
		}
		w->buf[out++] = 0;
		if (quoted)
			return false;
	}
}

int shell_parse_size(const char *s, uint64_t *out)
{
	return str_parse_u64(s, strlen(s), true, out) ? -HC_EINVAL : 0;
}

static void print_size(char *buf, size_t size, uint64_t bytes)
{
	if (bytes && bytes % (1024ULL * 1024 * 1024) == 0)
		ksnprintf(buf, size, "%lluG", (unsigned long long)(bytes >> 30));
	else if (bytes % (1024ULL * 1024) == 0)
		ksnprintf(buf, size, "%lluM", (unsigned long long)(bytes >> 20));
	else
		ksnprintf(buf, size, "%lluK", (unsigned long long)(bytes >> 10));
}

/* Whole MiB, rounded down: "253 MiB". */
static void print_mib(char *buf, size_t size, uint64_t bytes)
{
	ksnprintf(buf, size, "%llu MiB", (unsigned long long)(bytes >> 20));
}

static void print_seconds(char *buf, size_t size, uint64_t ns)
{
	ksnprintf(buf, size, "%llu.%02llus", (unsigned long long)(ns / 1000000000ULL),
		  (unsigned long long)(ns / 10000000ULL % 100));
}

static const char *state_name(uint32_t state)
{
	static const char *const names[] = { "created", "running", "paused", "stopped" };
	return state < ARRAY_SIZE(names) ? names[state] : "?";
}

/* Fetch the VM list into vms[]; the count, or a negative error (printed). */
static long list_vms(void)
{
	long n = hc_call(HC_VM_LIST, (uintptr_t)vms, SHELL_MAX_VMS, 0, 0);

	if (n < 0)
		hc_error("cannot list the VMs", n);
	return n < 0 ? n : MIN(n, (long)SHELL_MAX_VMS);
}

/* The VM called name (its entry in vms[]), or NULL after an error line. */
static const struct hc_vm_info *find_vm(const char *name)
{
	long n = list_vms();

	if (n < 0)
		return NULL;
	for (long i = 0; i < n; i++)
		if (strcmp(vms[i].name, name) == 0)
			return &vms[i];
	error("no VM named '%s' (see vm list)", name);
	return NULL;
}

/* ---- commands ---- */

static const struct command commands[];
static const size_t nr_commands;

static void cmd_help(struct shell *sh, const struct words *w, const char *line)
{
	for (size_t i = 0; i < nr_commands; i++) {
		if (strlen(commands[i].usage) > 40)
			con_printf("  %s\n  %-40s %s\n", commands[i].usage, "", commands[i].help);
		else
			con_printf("  %-40s %s\n", commands[i].usage, commands[i].help);
	}
	con_puts("Keys: Backspace, Left/Right, Up/Down (history), Ctrl-A/Ctrl-E, Ctrl-U, Ctrl-C.\n"
		 "In `console NAME`, Ctrl-] returns to this prompt.\n");
}

static void cmd_version(struct shell *sh, const struct words *w, const char *line)
{
	struct hc_host_info hi;
	long abi = hc_call(HC_VERSION, 0, 0, 0, 0);
	long err = hc_call(HC_HOST_INFO, (uintptr_t)&hi, 0, 0, 0);

	if (err < 0) {
		hc_error("cannot read the host information", err);
		return;
	}
	con_printf("plinth %s, hypercall ABI %ld (console built for ABI %d)\n", hi.version, abi,
		   PLINTH_HC_ABI);
}

static void cmd_info(struct shell *sh, const struct words *w, const char *line)
{
	struct hc_host_info hi;
	long err = hc_call(HC_HOST_INFO, (uintptr_t)&hi, 0, 0, 0);
	char total[24], free_[24], up[24];

	if (err < 0) {
		hc_error("cannot read the host information", err);
		return;
	}
	print_mib(total, sizeof(total), hi.mem_total);
	print_mib(free_, sizeof(free_), hi.mem_free);
	print_seconds(up, sizeof(up), hi.uptime_ns);
	con_printf("plinth %s (hypercall ABI %u)\n", hi.version, hi.abi);
	con_printf("CPUs:           %u online of %u\n", hi.cpus_online, hi.cpus_possible);
	con_printf("memory:         %s total, %s free\n", total, free_);
	con_printf("virtualization: %s, %s\n",
		   hi.virt_vendor == HC_VIRT_VMX ? "Intel VMX" :
		   hi.virt_vendor == HC_VIRT_SVM ? "AMD SVM" : "none", hi.features);
	con_printf("uptime:         %s\n", up);
}

static void cmd_cpus(struct shell *sh, const struct words *w, const char *line)
{
	struct hc_host_info hi;
	struct hc_vcpu_info vc[8];
	long err = hc_call(HC_HOST_INFO, (uintptr_t)&hi, 0, 0, 0);
	long n;

	if (err < 0) {
		hc_error("cannot read the host information", err);
		return;
	}
	con_printf("%u CPUs online of %u\n", hi.cpus_online, hi.cpus_possible);
	n = list_vms();
	for (long i = 0; i < n; i++) {
		long m = hc_call(HC_VCPU_LIST, vms[i].id, (uintptr_t)vc, ARRAY_SIZE(vc), 0);
		for (long j = 0; j < MIN(m, (long)ARRAY_SIZE(vc)); j++)
			if (vc[j].cpu >= 0)
				con_printf("  cpu %d: %s vCPU %u (%s)\n", vc[j].cpu, vms[i].name,
					   vc[j].index, state_name(vms[i].state));
	}
}

static void cmd_mem(struct shell *sh, const struct words *w, const char *line)
{
	struct hc_host_info hi;
	long err = hc_call(HC_HOST_INFO, (uintptr_t)&hi, 0, 0, 0);
	char total[24], free_[24], vmmem[24];
	uint64_t in_vms = 0;
	long n;

	if (err < 0) {
		hc_error("cannot read the host information", err);
		return;
	}
	n = hc_call(HC_VM_LIST, (uintptr_t)vms, SHELL_MAX_VMS, 0, 0);
	for (long i = 0; i < MIN(n, (long)SHELL_MAX_VMS); i++)
		in_vms += vms[i].memory;
	print_mib(total, sizeof(total), hi.mem_total);
	print_mib(free_, sizeof(free_), hi.mem_free);
	print_mib(vmmem, sizeof(vmmem), in_vms);
	con_printf("memory: total %s, free %s (%llu KiB), guest RAM %s\n", total, free_,
		   (unsigned long long)(hi.mem_free >> 10), n >= 0 ? vmmem : "?");
}

static void cmd_vm_list(struct shell *sh, const struct words *w, const char *line)
{
	long n = list_vms();

	if (n < 0)
		return;
	con_printf("%-16s %3s %-8s %5s %7s %6s %4s %9s\n", "NAME", "ID", "STATE", "VCPUS",
		   "MEMORY", "WEIGHT", "CAP", "CPU-TIME");
	for (long i = 0; i < n; i++) {
		char mem[16], t[24];
		print_size(mem, sizeof(mem), vms[i].memory);
		print_seconds(t, sizeof(t), vms[i].cpu_time_ns);
		con_printf("%-16s %3u %-8s %5u %7s %6u %4u %9s\n", vms[i].name, vms[i].id,
			   state_name(vms[i].state), vms[i].vcpus, mem, vms[i].weight,
			   vms[i].cap, t);
	}
}

static void cmd_vm_info(struct shell *sh, const struct words *w, const char *line)
{
	const struct hc_vm_info *vm = find_vm(w->w[2]);
	char mem[16], t[24];

	if (!vm)
		return;
	print_size(mem, sizeof(mem), vm->memory);
	print_seconds(t, sizeof(t), vm->cpu_time_ns);
	con_printf("name:     %s%s\n", vm->name,
		   vm->flags & HC_VM_F_PRIVILEGED ? " (console domain)" : "");
	con_printf("id:       %u\n", vm->id);
	con_printf("state:    %s\n", state_name(vm->state));
	con_printf("vcpus:    %u\n", vm->vcpus);
	con_printf("memory:   %s\n", mem);
	con_printf("weight:   %u\n", vm->weight);
	con_printf("cap:      %u%%\n", vm->cap);
	con_printf("cpu time: %s\n", t);
	if (vm->flags & HC_VM_F_EXIT_CODE)
		con_printf("exit:     code %u\n", vm->exit_code);
	if (vm->stop_reason[0])
		con_printf("stopped:  %s\n", vm->stop_reason);
}

static void cmd_vm_create(struct shell *sh, const struct words *w, const char *line)
{
	const char *text = line + w->at[2];
	char why[160] = "";
	long id = hc_call(HC_VM_CREATE, (uintptr_t)text, strlen(text), (uintptr_t)why,
			  sizeof(why));

	if (id < 0) {
		if (why[0])
			error("vm create: %s", why);
		else
			hc_error("vm create", id);
		return;
	}
	con_printf("vm %s: created with id %ld (vm start %s runs it)\n", w->w[2], id, w->w[2]);
}

/* vm start|pause|resume|reset|destroy NAME */
static void cmd_vm_op(struct shell *sh, const struct words *w, const char *line)
{
	static const struct { const char *name; unsigned nr; const char *done; } ops[] = {
		{ "start", HC_VM_START, "started" }, { "pause", HC_VM_PAUSE, "paused" },
		{ "resume", HC_VM_RESUME, "resumed" }, { "reset", HC_VM_RESET, "reset" },
		{ "destroy", HC_VM_DESTROY, "destroyed" },
	};
	const struct hc_vm_info *vm = find_vm(w->w[2]);
	char what[48];

	if (!vm)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		if (strcmp(w->w[1], ops[i].name) != 0)
			continue;
		long err = hc_call(ops[i].nr, vm->id, 0, 0, 0);
		if (err < 0) {
			ksnprintf(what, sizeof(what), "vm %s %s", ops[i].name, vm->name);
			hc_error(what, err);
		} else {
			con_printf("vm %s: %s\n", vm->name, ops[i].done);
		}
		return;
	}
}

static const struct {
	const char *sub;
	unsigned min_words, max_words;
	void (*fn)(struct shell *sh, const struct words *w, const char *line);
	const char *usage;
} vm_subs[] = {
	{ "list", 2, 2, cmd_vm_list, "vm list" },
	{ "info", 3, 3, cmd_vm_info, "vm info NAME" },
	{ "create", 3, SHELL_MAX_WORDS, cmd_vm_create,
	  "vm create NAME image=MODULE [memory=64M] [vcpus=1] [weight=W] [cap=C] [pin=CPUS] "
	  "[cmdline=\"...\"]" },
	{ "start", 3, 3, cmd_vm_op, "vm start NAME" },
	{ "pause", 3, 3, cmd_vm_op, "vm pause NAME" },
	{ "resume", 3, 3, cmd_vm_op, "vm resume NAME" },
	{ "reset", 3, 3, cmd_vm_op, "vm reset NAME" },
	{ "destroy", 3, 3, cmd_vm_op, "vm destroy NAME" },
};

static void cmd_vm(struct shell *sh, const struct words *w, const char *line)
{
	if (w->n < 2) {
		error("usage: vm list|info|create|start|pause|resume|reset|destroy ...");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(vm_subs); i++) {
		if (strcmp(w->w[1], vm_subs[i].sub) != 0)
			continue;
		if (w->n < vm_subs[i].min_words || w->n > vm_subs[i].max_words)
			error("usage: %s", vm_subs[i].usage);
		else
			vm_subs[i].fn(sh, w, line);
		return;
	}
	error("unknown vm command '%s' (list, info, create, start, pause, resume, reset, destroy)",
	      w->w[1]);
}

static void cmd_vcpu(struct shell *sh, const struct words *w, const char *line)
{
	struct hc_vcpu_info vc[16];

	if (w->n >= 2 && strcmp(w->w[1], "list") == 0 && w->n <= 3) {
		long n = list_vms();
		bool any = false;
		if (n < 0)
			return;
		con_printf("%-16s %4s %4s %-10s %-18s %9s %10s\n", "VM", "VCPU", "CPU", "STATE",
			   "AFFINITY", "RUN-TIME", "EXITS");
		for (long i = 0; i < n; i++) {
			if (w->n == 3 && strcmp(vms[i].name, w->w[2]) != 0)
				continue;
			any = true;
			long m = hc_call(HC_VCPU_LIST, vms[i].id, (uintptr_t)vc, ARRAY_SIZE(vc), 0);
			if (m < 0) {
				hc_error(vms[i].name, m);
				continue;
			}
			for (long j = 0; j < MIN(m, (long)ARRAY_SIZE(vc)); j++) {
				static const char *const st[] = { "running", "runnable", "halted",
								  "paused", "stopped", "wait-sipi" };
				char t[24], aff[20], cpu[8];
				print_seconds(t, sizeof(t), vc[j].run_time_ns);
				if (vc[j].affinity)
					ksnprintf(aff, sizeof(aff), "0x%llx",
						  (unsigned long long)vc[j].affinity);
				else
					str_copy(aff, "any", sizeof(aff));
				if (vc[j].cpu >= 0)
					ksnprintf(cpu, sizeof(cpu), "%d", vc[j].cpu);
				else
					str_copy(cpu, "-", sizeof(cpu));
				con_printf("%-16s %4u %4s %-10s %-18s %9s %10llu\n", vms[i].name,
					   vc[j].index, cpu, vc[j].state < 6 ? st[vc[j].state] : "?",
					   aff, t, (unsigned long long)vc[j].exits);
			}
		}
		if (w->n == 3 && !any)
			error("no VM named '%s' (see vm list)", w->w[2]);
		return;
	}
	if (w->n == 5 && strcmp(w->w[1], "pin") == 0) {
		const struct hc_vm_info *vm;
		uint64_t vcpu, cpu, mask;
		long err;

		if (str_parse_u64(w->w[3], strlen(w->w[3]), false, &vcpu) || vcpu >= 64) {
			error("vcpu pin: '%s' is not a vCPU number", w->w[3]);
			return;
		}
		if (strcmp(w->w[4], "any") == 0)
			mask = 0;
		else if (str_parse_u64(w->w[4], strlen(w->w[4]), false, &cpu) || cpu >= 64) {
			error("vcpu pin: '%s' is not a CPU number (0-63 or any)", w->w[4]);
			return;
		} else
			mask = 1ULL << cpu;
		vm = find_vm(w->w[2]);
		if (!vm)
			return;
		err = hc_call(HC_VCPU_PIN, vm->id, (uintptr_t)vcpu, (uintptr_t)(mask & 0xFFFFFFFFu),
			      (uintptr_t)(mask >> 32));
		if (err < 0)
			hc_error("vcpu pin", err);
		else
			con_printf("vm %s: vCPU %llu pinned to %s\n", vm->name,
				   (unsigned long long)vcpu, w->w[4]);
		return;
	}
	error("usage: vcpu list [NAME] | vcpu pin NAME VCPU CPU");
}

static void cmd_sched(struct shell *sh, const struct words *w, const char *line)
{
	const struct hc_vm_info *vm;
	struct hc_sched s;
	uint64_t weight, cap;
	bool set = false;
	long err;

	if (w->n < 2 || w->n > 4) {
		error("usage: sched NAME [weight=W] [cap=C]");
		return;
	}
	vm = find_vm(w->w[1]);
	if (!vm)
		return;
	err = hc_call(HC_SCHED_GET, vm->id, (uintptr_t)&s, 0, 0);
	if (err < 0) {
		hc_error("sched", err);
		return;
	}
	weight = s.weight;
	cap = s.cap;
	for (unsigned i = 2; i < w->n; i++) {
		const char *a = w->w[i];
		if (strncmp(a, "weight=", 7) == 0 &&
		    !str_parse_u64(a + 7, strlen(a + 7), false, &weight) && weight >= 1 &&
		    weight <= 65535) {
			set = true;
		} else if (strncmp(a, "cap=", 4) == 0 &&
			   !str_parse_u64(a + 4, strlen(a + 4), false, &cap) && cap <= 100) {
			set = true;
		} else {
			error("sched: '%s' is not weight=1..65535 or cap=0..100", a);
			return;
		}
	}
	if (set) {
		err = hc_call(HC_SCHED_SET, vm->id, (uintptr_t)weight, (uintptr_t)cap, 0);
		if (err < 0) {
			hc_error("sched", err);
			return;
		}
	}
	con_printf("vm %s: weight %llu, cap %llu%%%s\n", vm->name, (unsigned long long)weight,
		   (unsigned long long)cap, cap ? "" : " (none)");
}

static void cmd_console(struct shell *sh, const struct words *w, const char *line)
{
	const struct hc_vm_info *vm;
	uint64_t pos = 0;
	long err;

	if (w->n != 2) {
		error("usage: console NAME");
		return;
	}
	vm = find_vm(w->w[1]);
	if (!vm)
		return;
	if (vm->flags & HC_VM_F_PRIVILEGED) {
		error("console: %s is this console", vm->name);
		return;
	}
	err = hc_call(HC_CONSOLE_ATTACH, vm->id, 2048, (uintptr_t)&pos, 0);
	if (err < 0) {
		hc_error("console", err);
		return;
	}
	sh->attached = true;
	sh->attach_id = vm->id;
	str_copy(sh->attach_name, vm->name, sizeof(sh->attach_name));
	sh->attach_pos = pos;
	con_printf("console: attached to %s; Ctrl-] detaches\n", vm->name);
}

static void cmd_stats(struct shell *sh, const struct words *w, const char *line)
{
	static struct hc_vm_stats st;
	const struct hc_vm_info *vm;
	char t[24];
	long err;

	if (w->n != 2) {
		error("usage: stats NAME");
		return;
	}
	vm = find_vm(w->w[1]);
	if (!vm)
		return;
	err = hc_call(HC_VM_STATS, vm->id, (uintptr_t)&st, 0, 0);
	if (err < 0) {
		hc_error("stats", err);
		return;
	}
	print_seconds(t, sizeof(t), st.run_time_ns);
	con_printf("vm %s: run time %s, %llu exits\n", vm->name, t,
		   (unsigned long long)st.exits_total);
	for (unsigned k = 0; k < HC_STATS_KINDS; k++)
		if (st.exits[k])
			con_printf("  %-16.16s %llu\n", st.kind_names[k][0] ? st.kind_names[k] : "?",
				   (unsigned long long)st.exits[k]);
}

static void cmd_log(struct shell *sh, const struct words *w, const char *line)
{
	static char buf[HC_READ_MAX];
	struct hc_ring_read rq = { .pos = 0, .buf = (uintptr_t)buf, .size = sizeof(buf) };
	bool clear = false;
	long n;

	if (w->n == 2 && strcmp(w->w[1], "-c") == 0)
		clear = true;
	else if (w->n != 1) {
		error("usage: log [-c]");
		return;
	}
	/* The ring from its oldest byte (a pos before it is moved there). */
	do {
		n = hc_call(HC_LOG_READ, (uintptr_t)&rq, 0, 0, 0);
		if (n < 0) {
			hc_error("log", n);
			return;
		}
		con_write(buf, (size_t)n);
	} while (n > 0 && rq.end > rq.pos);
	if (clear) {
		rq.size = 1;
		n = hc_call(HC_LOG_READ, (uintptr_t)&rq, 1, 0, 0);
		if (n < 0)
			hc_error("log -c", n);
		else
			con_puts("log: cleared\n");
	}
}

static void cmd_power(struct shell *sh, const struct words *w, const char *line)
{
	bool off = strcmp(w->w[0], "poweroff") == 0;
	long err;

	con_printf("%s\n", off ? "powering off" : "rebooting");
	err = hc_call(HC_SYSTEM, off ? HC_SYSTEM_POWEROFF : HC_SYSTEM_REBOOT, 0, 0, 0);
	hc_error(w->w[0], err);
}

static void cmd_crash(struct shell *sh, const struct words *w, const char *line)
{
	con_puts("crash: triple-faulting the console domain; plinth restarts it\n");
	sh->crash = true;
}

static const struct command commands[] = {
	{ "help", "help", "list the commands", cmd_help },
	{ "version", "version", "plinth's version and hypercall ABI", cmd_version },
	{ "info", "info", "host: CPUs, memory, virtualization, uptime", cmd_info },
	{ "cpus", "cpus", "host CPUs and the vCPUs on them", cmd_cpus },
	{ "mem", "mem", "host memory: total, free, in VMs", cmd_mem },
	{ "vm", "vm list", "VMs: NAME ID STATE VCPUS MEMORY WEIGHT CAP CPU-TIME", cmd_vm },
	{ "vm", "vm info NAME", "one VM in detail", cmd_vm },
	{ "vm", "vm create NAME image=MODULE memory=64M vcpus=1 ...", "build a VM from a boot module (also weight= cap= pin= cmdline=\"...\")", cmd_vm },
	{ "vm", "vm start|pause|resume|reset|destroy NAME", "control a VM", cmd_vm },
	{ "vcpu", "vcpu list [NAME]", "vCPUs: host CPU, state, affinity", cmd_vcpu },
	{ "vcpu", "vcpu pin NAME VCPU CPU", "pin a vCPU to a host CPU (CPU any: unpin)", cmd_vcpu },
	{ "sched", "sched NAME [weight=W] [cap=C]", "show or set a VM's scheduler share", cmd_sched },
	{ "console", "console NAME", "become the VM's serial console (Ctrl-] detaches)", cmd_console },
	{ "stats", "stats NAME", "a VM's exits by reason and run time", cmd_stats },
	{ "log", "log [-c]", "the hypervisor log (-c: clear it after)", cmd_log },
	{ "reboot", "reboot", "reset the machine", cmd_power },
	{ "poweroff", "poweroff", "power the machine off", cmd_power },
	{ "crash", "crash", "test: triple-fault the console domain (plinth restarts it)", cmd_crash },
};
static const size_t nr_commands = ARRAY_SIZE(commands);

void shell_init(struct shell *sh)
{
	memset(sh, 0, sizeof(*sh));
}

void shell_exec(struct shell *sh, const char *line)
{
	static struct words w;

	if (strlen(line) > HC_CREATE_MAX) {
		error("line too long");
		return;
	}
	if (!split(line, &w)) {
		error("too many words or an unclosed quote");
		return;
	}
	if (w.n == 0)
		return;
	for (size_t i = 0; i < nr_commands; i++) {
		if (strcmp(w.w[0], commands[i].name) != 0)
			continue;
		/* Commands without arguments refuse extra words. */
		if (commands[i].fn != cmd_vm && commands[i].fn != cmd_vcpu &&
		    commands[i].fn != cmd_sched && commands[i].fn != cmd_console &&
		    commands[i].fn != cmd_stats && commands[i].fn != cmd_log && w.n > 1) {
			error("usage: %s (no arguments)", commands[i].usage);
			return;
		}
		commands[i].fn(sh, &w, line);
		return;
	}
	error("unknown command '%.32s' (help lists the commands)", w.w[0]);
}

/* ---- output of the VMs ---- */

static void show_line(struct shell *sh, struct shell_mirror *m, bool *hidden)
{
	if (!*hidden && sh->hide_input) {
		sh->hide_input(sh->ctx);
		*hidden = true;
	}
	con_printf("[%s] %.*s\n", m->name, (int)m->partial_len, m->partial);
	m->partial_len = 0;
}

size_t shell_mirror_poll(struct shell *sh)
{
	static char buf[1024];
	long n = hc_call(HC_VM_LIST, (uintptr_t)vms, SHELL_MAX_VMS, 0, 0);
	bool hidden = false;
	size_t shown = 0;

	if (n < 0)
		return 0;
	n = MIN(n, (long)SHELL_MAX_VMS);
	for (unsigned i = 0; i < SHELL_MAX_VMS; i++)
		sh->mirror[i].seen_now = false;
	for (long i = 0; i < n; i++) {
		struct shell_mirror *m;
		struct hc_ring_read rq;
		long got;

		if (vms[i].id >= SHELL_MAX_VMS || (vms[i].flags & HC_VM_F_PRIVILEGED))
			continue;
		m = &sh->mirror[vms[i].id];
		m->seen_now = true;
		if (!m->used || strcmp(m->name, vms[i].name) != 0) {
			/* A VM new to this console is shown from its start,
			 * except after a console restart: while no console
			 * domain ran, plinth's log showed the VMs' lines. */
			m->used = true;
			str_copy(m->name, vms[i].name, sizeof(m->name));
			m->partial_len = 0;
			m->pos = sh->mirror_from_end && !sh->mirror_primed ? UINT64_MAX : 0;
		}
		if (sh->attached && vms[i].id == sh->attach_id)
			continue;
		rq = (struct hc_ring_read){ .pos = m->pos, .buf = (uintptr_t)buf, .size = sizeof(buf) };
		got = hc_call(HC_CONSOLE_READ, vms[i].id, (uintptr_t)&rq, 0, 0);
		if (got < 0)
			continue;
		m->pos = rq.pos;
		for (long j = 0; j < got; j++) {
			char c = buf[j];
			if (c == '\n') {
				show_line(sh, m, &hidden);
				shown++;
			} else if (c != '\r') {
				m->partial[m->partial_len++] = (c >= 0x20 && c < 0x7F) || c == '\t' ? c : '?';
				if (m->partial_len == SHELL_PARTIAL)
					show_line(sh, m, &hidden);
			}
		}
	}
	for (unsigned i = 0; i < SHELL_MAX_VMS; i++)
		if (sh->mirror[i].used && !sh->mirror[i].seen_now)
			sh->mirror[i].used = false;     /* destroyed: forget it */
	sh->mirror_primed = true;
	if (hidden && sh->show_input)
		sh->show_input(sh->ctx);
	return shown;
}

long shell_attached_poll(struct shell *sh)
{
	static char buf[1024];
	struct hc_ring_read rq = { .pos = sh->attach_pos, .buf = (uintptr_t)buf, .size = sizeof(buf) };
	long n = hc_call(HC_CONSOLE_READ, sh->attach_id, (uintptr_t)&rq, 0, 0);

	if (n < 0)
		return n;
	sh->attach_pos = rq.pos;
	con_write(buf, (size_t)n);
	return n;
}

long shell_attached_input(struct shell *sh, const char *buf, size_t len)
{
	return hc_call(HC_CONSOLE_WRITE, sh->attach_id, (uintptr_t)buf, len, 0);
}

void shell_detach(struct shell *sh)
{
	struct shell_mirror *m = sh->attach_id < SHELL_MAX_VMS ? &sh->mirror[sh->attach_id] : NULL;

	/* What was seen attached is not mirrored again. */
	if (m && m->used) {
		m->pos = sh->attach_pos;
		m->partial_len = 0;
	}
	sh->attached = false;
	con_printf("\nconsole: detached from %s\n", sh->attach_name);
}
