/* emu.c - recognise QEMU and Bochs and end them on request, so tests and
 * panics never leave an emulator hanging. On real hardware nothing here
 * writes to any port unless emu_exit= names an emulator explicitly. */
#include <plinth/options.h>
#include <x86/arch.h>
#include <x86/cpu.h>

#define QEMU_FW_CFG_SEL   0x510   /* fw_cfg selector (16-bit) */
#define QEMU_FW_CFG_DATA  0x511
#define QEMU_DEBUG_EXIT   0xF4    /* -device isa-debug-exit,iobase=0xf4 */
#define BOCHS_E9          0xE9    /* port_e9_hack reads back 0xE9 */
#define BOCHS_SHUTDOWN    0x8900

static bool is_qemu(void)
{
	/* fw_cfg key 0 is the signature "QEMU". */
	outw(QEMU_FW_CFG_SEL, 0);
	char sig[4];
	for (int i = 0; i < 4; i++)
		sig[i] = (char)inb(QEMU_FW_CFG_DATA);
	return sig[0] == 'Q' && sig[1] == 'E' && sig[2] == 'M' && sig[3] == 'U';
}

static bool is_bochs(void)
{
	return inb(BOCHS_E9) == 0xE9;
}

const char *emu_name(void)
{
	if (is_qemu())
		return "QEMU";
	if (is_bochs())
		return "Bochs";
	return NULL;
}

void emu_exit(unsigned code)
{
	enum emu_exit_mode mode = hv_opts.emu_exit;
	if (mode == EMU_EXIT_OFF)
		return;
	if (mode == EMU_EXIT_AUTO)
		mode = is_qemu() ? EMU_EXIT_QEMU : is_bochs() ? EMU_EXIT_BOCHS : EMU_EXIT_OFF;
	if (mode == EMU_EXIT_QEMU) {
		outl(QEMU_DEBUG_EXIT, code);   /* QEMU exits with (code << 1) | 1 */
	} else if (mode == EMU_EXIT_BOCHS) {
		static const char cmd[] = "Shutdown";
		for (unsigned i = 0; i < sizeof(cmd) - 1; i++)
			outb(BOCHS_SHUTDOWN, (uint8_t)cmd[i]);
	}
}
