/* hypercall_vm.c - the console domain's VM-control hypercalls: thin,
 * argument-checking wrappers around the runtime control API
 * include/plinth/vmctl.h (ABI: include/plinth/hypercall_abi.h). VM ids are
 * checked by vmctl (-ENOENT); sizes, counts and buffers here. */
#include <plinth/log.h>
#include <plinth/mm.h>
#include <plinth/printf.h>
#include <plinth/string.h>
#include <plinth/vmcfg.h>
#include <plinth/vmctl.h>
#include "hypercall.h"
#include "vmctl_internal.h"

static const char *kind_names_for_stats(unsigned kind)
{
	return kind < EXIT_KIND_COUNT ? exit_kind_name((enum exit_kind)kind) : "";
}

struct vm *hc_vm_by_id(uint64_t id)
{
	if (id >= VMCTL_MAX_VMS)
		return NULL;
	return vmctl_vm((unsigned)id);
}

static void info_to_abi(const struct vmctl_vm_info *in, struct hc_vm_info *out)
{
	memset(out, 0, sizeof(*out));
	out->id = in->id;
	out->state = (uint32_t)in->state;
	out->vcpus = in->vcpus;
	out->weight = in->weight;
	out->cap = in->cap;
	out->flags = (in->privileged ? HC_VM_F_PRIVILEGED : 0) |
		     (in->exit_code_valid ? HC_VM_F_EXIT_CODE : 0);
	out->exit_code = in->exit_code;
	out->memory = in->memory;
	out->cpu_time_ns = in->cpu_time_ns;
	str_copy(out->name, in->name, sizeof(out->name));
	str_copy(out->stop_reason, in->stop_reason, sizeof(out->stop_reason));
}

int64_t hc_vm_list(struct vcpu *v, const struct hc_args *a)
{
	struct vmctl_vm_info *infos;
	struct hc_vm_info out;
	uint64_t max = a->a1;
	int n, err = 0;

	if (max > VMCTL_MAX_VMS)
		return -EINVAL;
	infos = kmalloc(VMCTL_MAX_VMS * sizeof(*infos));
	if (!infos)
		return -ENOMEM;
	n = vmctl_list(infos, (unsigned)max);
	for (int i = 0; n > 0 && i < MIN(n, (int)max) && !err; i++) {
		info_to_abi(&infos[i], &out);
		err = hc_copy_out(v, a->a0 + (uint64_t)i * sizeof(out), &out, sizeof(out),
				  sizeof(out));
	}
	kfree(infos);
	return err ? err : n;
}

/* The VM whose id is the call's first argument: 0, or -ENOENT for an id
 * out of range or unused (vmctl_info's answer). */
static int info_of_arg0(const struct hc_args *a, struct vmctl_vm_info *info)
{
	if (a->a0 >= VMCTL_MAX_VMS)
		return -ENOENT;
	return vmctl_info((unsigned)a->a0, info);
}

int64_t hc_vm_info(struct vcpu *v, const struct hc_args *a)
{
	struct vmctl_vm_info info;
	struct hc_vm_info out;
	int err = info_of_arg0(a, &info);

	if (err)
		return err;
	info_to_abi(&info, &out);
	return hc_copy_out(v, a->a1, &out, sizeof(out), sizeof(out));
}

/* Split text into words at spaces, keeping double-quoted parts (with \"
 * and \\ escapes, as vmcfg reads them) inside one word. Returns the words
 * found (at most max), or -EINVAL for an unterminated quote. */
static int split_words(const char *text, size_t len, const char **start, size_t *wlen,
		       int max)
{
	int n = 0;
	size_t i = 0;

	while (i < len) {
		bool quoted = false;
		size_t s;

		while (i < len && text[i] == ' ')
			i++;
		if (i == len)
			break;
		if (n == max)
			return -E2BIG;
		s = i;
		while (i < len && (quoted || text[i] != ' ')) {
			if (quoted && text[i] == '\\' && i + 1 < len)
				i++;
			else if (text[i] == '"')
				quoted = !quoted;
			i++;
		}
		if (quoted)
			return -EINVAL;
		start[n] = text + s;
		wlen[n++] = i - s;
	}
	return n;
}

/* HC_VM_CREATE(text, len, why, why_size): text is "NAME key=value ..." as
 * typed after `vm create`; every word goes through the vms.cfg validator
 * (vmcfg_set_token), so the console's rules are the configuration file's.
 * The reason for a refusal is copied to why. */
int64_t hc_vm_create(struct vcpu *v, const struct hc_args *a)
{
	enum { MAX_WORDS = 24 };
	const char *word[MAX_WORDS];
	size_t wlen[MAX_WORDS];
	char *text = NULL;
	char why[VMCFG_WHY_MAX] = "";
	struct vm_config *cfg = NULL;
	int64_t ret;
	int n;

	if (a->a1 == 0 || a->a1 > HC_CREATE_MAX || a->a3 > 4096)
		return -EINVAL;
	text = kmalloc(HC_CREATE_MAX + 1);
	cfg = kmalloc(sizeof(*cfg));
	if (!text || !cfg) {
		ret = -ENOMEM;
		goto out;
	}
	ret = hc_copy_in(v, a->a0, text, a->a1, HC_CREATE_MAX);
	if (ret)
		goto out;
	n = split_words(text, (size_t)a->a1, word, wlen, MAX_WORDS);
	if (n <= 0) {
		ksnprintf(why, sizeof(why), "%s", n == -E2BIG ? "too many settings" :
			  n == 0 ? "no VM name" : "unterminated quote");
		ret = -EINVAL;
		goto reply;
	}
	vmcfg_init(cfg);
	ret = vmcfg_set_name(cfg, word[0], wlen[0], why, sizeof(why));
	for (int i = 1; !ret && i < n; i++)
		ret = vmcfg_set_token(cfg, word[i], wlen[i], why, sizeof(why));
	if (!ret)
		ret = vmcfg_finish(cfg, why, sizeof(why));
	if (!ret) {
		ret = vmctl_create(cfg);
		if (ret < 0 && !why[0])
			ksnprintf(why, sizeof(why), "cannot create it (error %lld; see `log`)",
				  (long long)ret);
	}
reply:
	if (ret < 0 && a->a3) {
		size_t wl = MIN(strlen(why) + 1, (size_t)a->a3);
		why[wl - 1] = 0;
		if (hc_copy_out(v, a->a2, why, wl, 4096))
			ret = -EFAULT;
	}
out:
	kfree(text);
	kfree(cfg);
	return ret;
}

static int64_t vm_op(const struct hc_args *a, int (*op)(unsigned id))
{
	if (a->a0 >= VMCTL_MAX_VMS)
		return -ENOENT;
	return op((unsigned)a->a0);
}

int64_t hc_vm_start(struct vcpu *v, const struct hc_args *a) { return vm_op(a, vmctl_start); }
int64_t hc_vm_pause(struct vcpu *v, const struct hc_args *a) { return vm_op(a, vmctl_pause); }
int64_t hc_vm_resume(struct vcpu *v, const struct hc_args *a) { return vm_op(a, vmctl_resume); }
int64_t hc_vm_reset(struct vcpu *v, const struct hc_args *a) { return vm_op(a, vmctl_reset); }
int64_t hc_vm_destroy(struct vcpu *v, const struct hc_args *a) { return vm_op(a, vmctl_destroy); }

int64_t hc_vcpu_list(struct vcpu *v, const struct hc_args *a)
{
	struct vmctl_vcpu_info *infos;
	struct hc_vcpu_info out;
	uint64_t max = a->a2;
	int n, err = 0;

	if (a->a0 >= VMCTL_MAX_VMS)
		return -ENOENT;
	if (max > VMCTL_MAX_VCPUS)
		return -EINVAL;
	infos = kmalloc(VMCTL_MAX_VCPUS * sizeof(*infos));
	if (!infos)
		return -ENOMEM;
	n = vmctl_vcpu_list((unsigned)a->a0, infos, (unsigned)max);
	for (int i = 0; n > 0 && i < MIN(n, (int)max) && !err; i++) {
		memset(&out, 0, sizeof(out));
		out.vm_id = infos[i].vm_id;
		out.index = infos[i].index;
		out.cpu = infos[i].cpu;
		out.state = (uint32_t)infos[i].state;
		out.affinity = infos[i].affinity;
		out.run_time_ns = infos[i].run_time_ns;
		out.exits = infos[i].exits;
		err = hc_copy_out(v, a->a1 + (uint64_t)i * sizeof(out), &out, sizeof(out),
				  sizeof(out));
	}
	kfree(infos);
	return err ? err : n;
}

int64_t hc_vcpu_pin(struct vcpu *v, const struct hc_args *a)
{
	uint64_t mask = (a->a2 & 0xFFFFFFFFu) | (a->a3 << 32);

	if (a->a0 >= VMCTL_MAX_VMS)
		return -ENOENT;
	if (a->a1 >= VMCTL_MAX_VCPUS || a->a3 > 0xFFFFFFFFu)
		return -EINVAL;
	return vmctl_vcpu_pin((unsigned)a->a0, (unsigned)a->a1, mask);
}

int64_t hc_sched_get(struct vcpu *v, const struct hc_args *a)
{
	struct vmctl_vm_info info;
	struct hc_sched out;
	int err = info_of_arg0(a, &info);

	if (err)
		return err;
	out.weight = info.weight;
	out.cap = info.cap;
	return hc_copy_out(v, a->a1, &out, sizeof(out), sizeof(out));
}

int64_t hc_sched_set(struct vcpu *v, const struct hc_args *a)
{
	if (a->a0 >= VMCTL_MAX_VMS)
		return -ENOENT;
	if (a->a1 < VMCFG_WEIGHT_MIN || a->a1 > VMCFG_WEIGHT_MAX || a->a2 > VMCFG_CAP_MAX)
		return -EINVAL;
	return vmctl_set_sched((unsigned)a->a0, (uint32_t)a->a1, (uint32_t)a->a2);
}

int64_t hc_vm_stats(struct vcpu *v, const struct hc_args *a)
{
	struct vmctl_stats st;
	struct hc_vm_stats *out;
	int64_t ret;

	if (a->a0 >= VMCTL_MAX_VMS)
		return -ENOENT;
	ret = vmctl_stats((unsigned)a->a0, &st);
	if (ret)
		return ret;
	out = kzalloc(sizeof(*out));
	if (!out)
		return -ENOMEM;
	out->run_time_ns = st.run_time_ns;
	out->exits_total = st.exits_total;
	_Static_assert(EXIT_KIND_COUNT <= HC_STATS_KINDS, "every exit kind has a slot");
	for (unsigned k = 0; k < EXIT_KIND_COUNT; k++) {
		out->exits[k] = st.exits[k];
		str_copy(out->kind_names[k], kind_names_for_stats(k), sizeof(out->kind_names[k]));
	}
	ret = hc_copy_out(v, a->a1, out, sizeof(*out), sizeof(*out));
	kfree(out);
	return ret;
}
