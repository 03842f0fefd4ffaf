/* test_console_shell.c - the console domain's shell (console/shell.c)
 * against a fake plinth: hc_call() here answers from a small VM table and
 * records what was asked. Checks the command table (help lists every
 * command), the output formats, that each command sends the right call
 * with the right VM id, and that bad input of every kind gives exactly one
 * "error: " line and no call that would change anything. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../console/console.h"
#include "../../console/shell.h"
#include "host_support.h"

/* ---- the terminal ---- */
static char out[65536];
static size_t out_len;

void con_write(const char *s, size_t len)
{
	if (out_len + len < sizeof(out)) {
		memcpy(out + out_len, s, len);
		out_len += len;
		out[out_len] = 0;
	}
}

static void clear_out(void)
{
	out_len = 0;
	out[0] = 0;
}

static unsigned count(const char *needle)
{
	unsigned n = 0;
	for (const char *p = out; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* ---- the fake plinth ---- */
struct fake_vm {
	struct hc_vm_info info;
	char console[256];
	size_t console_len;
	char input[64];
	size_t input_len;
};
static struct fake_vm fvms[3];
static unsigned nr_fvms;
struct call { unsigned nr; uintptr_t a0, a1, a2, a3; };
static struct call calls[64];
static unsigned nr_calls;
static char created_text[256];
static const char *log_text = "[    0.000000] plinth booted\n[    1.000000] vm web: started\n";
static bool log_cleared;

static bool mutating(unsigned nr)
{
	return nr == HC_VM_CREATE || nr == HC_VM_START || nr == HC_VM_PAUSE ||
	       nr == HC_VM_RESUME || nr == HC_VM_RESET || nr == HC_VM_DESTROY ||
	       nr == HC_VCPU_PIN || nr == HC_SCHED_SET || nr == HC_SYSTEM ||
	       nr == HC_CONSOLE_WRITE;
}

static unsigned mutating_calls(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < nr_calls && i < 64; i++)
		n += mutating(calls[i].nr);
	return n;
}

static struct fake_vm *fvm(uintptr_t id)
{
	for (unsigned i = 0; i < nr_fvms; i++)
		if (fvms[i].info.id == id)
			return &fvms[i];
	return NULL;
}

long hc_call(unsigned nr, uintptr_t a0, uintptr_t a1, uintptr_t a2, uintptr_t a3)
{
	struct fake_vm *v;

	if (nr_calls < 64)
		calls[nr_calls] = (struct call){ nr, a0, a1, a2, a3 };
	nr_calls++;
	switch (nr) {
	case HC_VERSION:
		return PLINTH_HC_ABI;
	case HC_HOST_INFO: {
		struct hc_host_info *hi = (void *)a0;
		memset(hi, 0, sizeof(*hi));
		hi->abi = PLINTH_HC_ABI;
		hi->cpus_online = hi->cpus_possible = 2;
		hi->virt_vendor = HC_VIRT_SVM;
		hi->mem_total = 512ULL << 20;
		hi->mem_free = 300ULL << 20;
		hi->uptime_ns = 12345000000ULL;
		strcpy(hi->version, "0.1.0");
		strcpy(hi->features, "slat");
		return 0;
	}
	case HC_VM_LIST: {
		struct hc_vm_info *o = (void *)a0;
		for (unsigned i = 0; i < nr_fvms && i < a1; i++)
			o[i] = fvms[i].info;
		return nr_fvms;
	}
	case HC_VM_CREATE: {
		char *why = (char *)a2;
		snprintf(created_text, sizeof(created_text), "%.*s", (int)a1, (const char *)a0);
		if (strstr(created_text, "memory=lots")) {
			snprintf(why, a3, "memory: \"lots\" is not a size");
			return -HC_EINVAL;
		}
		return 7;
	}
	case HC_VM_START: case HC_VM_PAUSE: case HC_VM_RESUME: case HC_VM_RESET:
		return fvm(a0) ? 0 : -HC_ENOENT;
	case HC_VM_DESTROY:
		v = fvm(a0);
		return !v ? -HC_ENOENT : (v->info.flags & HC_VM_F_PRIVILEGED) ? -HC_EPERM : 0;
	case HC_SCHED_GET: {
		struct hc_sched *s = (void *)a1;
		if (!(v = fvm(a0)))
			return -HC_ENOENT;
		s->weight = v->info.weight;
		s->cap = v->info.cap;
		return 0;
	}
	case HC_SCHED_SET:
		if (!(v = fvm(a0)))
			return -HC_ENOENT;
		v->info.weight = (uint32_t)a1;
		v->info.cap = (uint32_t)a2;
		return 0;
	case HC_VCPU_PIN:
		return fvm(a0) ? 0 : -HC_ENOENT;
	case HC_VCPU_LIST: {
		struct hc_vcpu_info *o = (void *)a1;
		if (!fvm(a0))
			return -HC_ENOENT;
		memset(o, 0, sizeof(*o));
		o->vm_id = (uint32_t)a0;
		o->cpu = 1;
		o->exits = 42;
		return 1;
	}
	case HC_CONSOLE_ATTACH:
		if (!(v = fvm(a0)))
			return -HC_ENOENT;
		*(uint64_t *)a2 = 0;
		return 0;
	case HC_CONSOLE_READ: {
		struct hc_ring_read *rq = (void *)a1;
		size_t n;
		if (!(v = fvm(a0)))
			return -HC_ENOENT;
		if (rq->pos > v->console_len)
			rq->pos = v->console_len;
		n = v->console_len - rq->pos;
		if (n > rq->size)
			n = rq->size;
		memcpy((void *)(uintptr_t)rq->buf, v->console + rq->pos, n);
		rq->pos += n;
		rq->end = v->console_len;
		return (long)n;
	}
	case HC_CONSOLE_WRITE:
		if (!(v = fvm(a0)))
			return -HC_ENOENT;
		memcpy(v->input + v->input_len, (void *)a1, a2);
		v->input_len += a2;
		return (long)a2;
	case HC_LOG_READ: {
		struct hc_ring_read *rq = (void *)a0;
		size_t len = strlen(log_text), n;
		if (a1)
			log_cleared = true;
		if (rq->pos > len)
			rq->pos = len;
		n = len - rq->pos < rq->size ? len - rq->pos : rq->size;
		memcpy((void *)(uintptr_t)rq->buf, log_text + rq->pos, n);
		rq->pos += n;
		rq->end = rq->pos + (n == rq->size);
		return (long)n;
	}
	case HC_VM_STATS: {
		struct hc_vm_stats *st = (void *)a1;
		if (!fvm(a0))
			return -HC_ENOENT;
		memset(st, 0, sizeof(*st));
		st->run_time_ns = 1500000000ULL;
		st->exits_total = 30;
		st->exits[4] = 20;
		strcpy(st->kind_names[4], "io");
		st->exits[6] = 10;
		strcpy(st->kind_names[6], "hypercall");
		return 0;
	}
	case HC_SYSTEM:
		return -5;   /* EIO: the fake cannot power off */
	default:
		return -HC_ENOSYS;
	}
}

static void add_vm(unsigned id, const char *name, uint32_t state, uint32_t flags)
{
	struct fake_vm *v = &fvms[nr_fvms++];
	memset(v, 0, sizeof(*v));
	v->info.id = id;
	v->info.state = state;
	v->info.vcpus = 1;
	v->info.weight = 256;
	v->info.memory = 64ULL << 20;
	v->info.cpu_time_ns = 2340000000ULL;
	v->info.flags = flags;
	strcpy(v->info.name, name);
}

static struct shell sh;

static int setup(void **state)
{
	nr_fvms = 0;
	add_vm(0, "console", HC_VM_RUNNING, HC_VM_F_PRIVILEGED);
	add_vm(1, "web", HC_VM_RUNNING, 0);
	add_vm(5, "db", HC_VM_PAUSED, 0);
	nr_calls = 0;
	clear_out();
	log_cleared = false;
	shell_init(&sh);
	return 0;
}

static void run(const char *line)
{
	clear_out();
	shell_exec(&sh, line);
}

static void test_help_lists_every_command(void **state)
{
	static const char *const names[] = {
		"help", "version", "info", "cpus", "mem", "vm list", "vm info NAME", "vm create NAME",
		"vm start|pause|resume|reset|destroy NAME", "vcpu list [NAME]", "vcpu pin NAME VCPU CPU",
		"sched NAME", "console NAME", "stats NAME", "log [-c]", "reboot", "poweroff",
	};
	run("help");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_non_null(strstr(out, names[i]));
	assert_int_equal(count("error:"), 0);
	assert_int_equal(mutating_calls(), 0);
}

static void test_info_version_mem(void **state)
{
	run("version");
	assert_non_null(strstr(out, "plinth 0.1.0, hypercall ABI 2"));
	run("info");
	assert_non_null(strstr(out, "2 online of 2"));
	assert_non_null(strstr(out, "512 MiB total, 300 MiB free"));
	assert_non_null(strstr(out, "AMD SVM"));
	assert_non_null(strstr(out, "uptime:         12.34s"));
	run("mem");
	assert_non_null(strstr(out, "free 300 MiB (307200 KiB), guest RAM 192 MiB"));
	run("cpus");
	assert_non_null(strstr(out, "cpu 1: web vCPU 0"));
}

static void test_vm_list_and_info(void **state)
{
	run("vm list");
	assert_non_null(strstr(out, "NAME"));
	assert_non_null(strstr(out, "CPU-TIME"));
	assert_non_null(strstr(out, "web                1 running      1     64M    256    0     2.34s"));
	assert_non_null(strstr(out, "db                 5 paused"));
	run("vm info web");
	assert_non_null(strstr(out, "state:    running"));
	run("vm info console");
	assert_non_null(strstr(out, "(console domain)"));
}

static void test_vm_control(void **state)
{
	run("vm pause db");
	assert_non_null(strstr(out, "vm db: paused"));
	assert_int_equal(calls[nr_calls - 1].nr, HC_VM_PAUSE);
	assert_int_equal(calls[nr_calls - 1].a0, 5);
	run("vm resume web");
	assert_int_equal(calls[nr_calls - 1].nr, HC_VM_RESUME);
	assert_int_equal(calls[nr_calls - 1].a0, 1);
	run("vm destroy console");
	assert_non_null(strstr(out, "error: vm destroy console: not permitted"));
	run("vm create t2 image=ticker.elf memory=16M cmdline=\"a b\"");
	assert_string_equal(created_text, "t2 image=ticker.elf memory=16M cmdline=\"a b\"");
	assert_non_null(strstr(out, "created with id 7"));
	run("vm create t3 image=x memory=lots");
	assert_string_equal(out, "error: vm create: memory: \"lots\" is not a size\n");
	run("sched web weight=512 cap=50");
	assert_non_null(strstr(out, "vm web: weight 512, cap 50%"));
	assert_int_equal(fvms[1].info.weight, 512);
	run("sched web");
	assert_non_null(strstr(out, "weight 512, cap 50%"));
	run("vcpu pin web 0 1");
	assert_int_equal(calls[nr_calls - 1].nr, HC_VCPU_PIN);
	assert_int_equal(calls[nr_calls - 1].a2, 2);
	run("vcpu list web");
	assert_non_null(strstr(out, "42"));
	run("stats web");
	assert_non_null(strstr(out, "vm web: run time 1.50s, 30 exits"));
	assert_non_null(strstr(out, "hypercall"));
}

static void test_bad_input(void **state)
{
	static const char *const bad[] = {
		"frobnicate", "vm", "vm list extra", "vm info", "vm info nosuch", "vm pause",
		"vm pause nosuch", "vm explode web", "vm create", "vcpu", "vcpu pin web x 1",
		"vcpu pin web 0 99", "vcpu pin nosuch 0 1", "vcpu list nosuch", "sched",
		"sched web weight=0", "sched web cap=101", "sched web weight=abc", "sched nosuch",
		"console", "console nosuch", "console console", "stats", "stats nosuch",
		"log -x", "help me", "poweroff now", "a b c d e f g h i j k l m n o p q r",
		"vm create x cmdline=\"unterminated",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nr_calls = 0;
		run(bad[i]);
		if (count("error: ") != 1)
			fail_msg("'%s' gave:\n%s", bad[i], out);
		assert_int_equal(mutating_calls(), 0);
	}
	/* Blank lines do nothing at all. */
	nr_calls = 0;
	run("");
	run("    ");
	assert_int_equal(out_len, 0);
	assert_int_equal(nr_calls, 0);
	/* A too-long line for the shell's own buffer. */
	{
		char longline[HC_CREATE_MAX + 10];
		memset(longline, 'a', sizeof(longline) - 1);
		longline[sizeof(longline) - 1] = 0;
		run(longline);
		assert_int_equal(count("error: "), 1);
	}
}

static void test_console_attach_and_mirror(void **state)
{
	strcpy(fvms[1].console, "boot line\npartial");
	fvms[1].console_len = strlen(fvms[1].console);
	/* First poll on a first console: everything from the start; only
	 * complete lines are shown. */
	clear_out();
	assert_int_equal(shell_mirror_poll(&sh), 1);
	assert_string_equal(out, "[web] boot line\n");
	/* The rest of the line arrives. */
	strcat(fvms[1].console, " done\n");
	fvms[1].console_len = strlen(fvms[1].console);
	clear_out();
	shell_mirror_poll(&sh);
	assert_string_equal(out, "[web] partial done\n");
	/* Attach: replayed output, typing goes to the VM, Ctrl-] detaches. */
	run("console web");
	assert_true(sh.attached);
	assert_int_equal(sh.attach_id, 1);
	clear_out();
	assert_true(shell_attached_poll(&sh) > 0);
	assert_non_null(strstr(out, "boot line\npartial done\n"));
	shell_attached_input(&sh, "ls\r", 3);
	assert_memory_equal(fvms[1].input, "ls\r", 3);
	strcat(fvms[1].console, "while attached\n");
	fvms[1].console_len = strlen(fvms[1].console);
	clear_out();
	shell_mirror_poll(&sh);                 /* not mirrored while attached */
	assert_null(strstr(out, "[web]"));
	shell_attached_poll(&sh);
	assert_non_null(strstr(out, "while attached"));
	shell_detach(&sh);
	assert_false(sh.attached);
	clear_out();
	shell_mirror_poll(&sh);                 /* seen attached: not shown again */
	assert_null(strstr(out, "while attached"));
}

static void test_mirror_after_restart(void **state)
{
	strcpy(fvms[1].console, "old line\n");
	fvms[1].console_len = strlen(fvms[1].console);
	sh.mirror_from_end = true;
	clear_out();
	assert_int_equal(shell_mirror_poll(&sh), 0);
	strcat(fvms[1].console, "new line\n");
	fvms[1].console_len = strlen(fvms[1].console);
	shell_mirror_poll(&sh);
	assert_string_equal(out, "[web] new line\n");
}

static void test_log(void **state)
{
	run("log");
	assert_non_null(strstr(out, "plinth booted"));
	assert_non_null(strstr(out, "vm web: started"));
	assert_false(log_cleared);
	run("log -c");
	assert_true(log_cleared);
	assert_non_null(strstr(out, "log: cleared"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_help_lists_every_command, setup),
		cmocka_unit_test_setup(test_info_version_mem, setup),
		cmocka_unit_test_setup(test_vm_list_and_info, setup),
		cmocka_unit_test_setup(test_vm_control, setup),
		cmocka_unit_test_setup(test_bad_input, setup),
		cmocka_unit_test_setup(test_console_attach_and_mirror, setup),
		cmocka_unit_test_setup(test_mirror_after_restart, setup),
		cmocka_unit_test_setup(test_log, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
