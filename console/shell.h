/* shell.h - the administration shell of the console domain
 * (console/shell.c, pure and host-tested against a fake hypervisor): one
 * const table of commands {name, usage, help, handler}, each handler
 * checking its words and talking to plinth only through hc_call(). Every
 * refusal is one "error: ..." line. Also the VM output mirror: while no
 * console is attached, every line a VM prints is shown as "[NAME] line". */
#ifndef CONSOLE_SHELL_H
#define CONSOLE_SHELL_H

#include <plinth/compiler.h>
#include <plinth/hypercall_abi.h>

#define SHELL_PROMPT   "plinth> "
#define SHELL_MAX_VMS  64
#define SHELL_MAX_WORDS 16
#define SHELL_PARTIAL  200      /* a VM line longer than this is shown in pieces */

struct shell_mirror {
	bool used;                  /* this VM id was seen */
	bool seen_now;              /* in the latest list */
	char name[HC_NAME_MAX];
	uint64_t pos;               /* next byte of its console ring to show */
	char partial[SHELL_PARTIAL];
	unsigned partial_len;
};

struct shell {
	/* `console NAME`: the terminal is that VM's console until Ctrl-]. */
	bool attached;
	uint32_t attach_id;
	char attach_name[HC_NAME_MAX];
	uint64_t attach_pos;
	bool crash;                 /* `crash` asked for a triple fault */
	struct shell_mirror mirror[SHELL_MAX_VMS];
	bool mirror_from_end;       /* a restarted console: the first poll starts at
				       the rings' ends (plinth's log showed the rest) */
	bool mirror_primed;         /* the first poll is done */
	/* Hide the line being edited before asynchronous output and show it
	 * again afterwards (console/main.c: the prompt and the editor). */
	void (*hide_input)(void *ctx);
	void (*show_input)(void *ctx);
	void *ctx;
};

void shell_init(struct shell *sh);
/* Run one command line (NUL-terminated, already free of control bytes). */
void shell_exec(struct shell *sh, const char *line);
/* Show new VM output lines ("[NAME] line") while not attached. Returns the
 * bytes shown. */
size_t shell_mirror_poll(struct shell *sh);
/* While attached: show the VM's new output. Returns bytes shown, or a
 * negative error (the VM is gone: the caller detaches). */
long shell_attached_poll(struct shell *sh);
/* While attached: send typed bytes to the VM's UART. */
long shell_attached_input(struct shell *sh, const char *buf, size_t len);
/* Leave the attached console (Ctrl-]). */
void shell_detach(struct shell *sh);

/* Parse "64M", "1G", "512K", "4096" into bytes (helper, exposed for tests). */
int shell_parse_size(const char *s, uint64_t *out);

#endif
