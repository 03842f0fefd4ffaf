/* pit8254.c - channel 2 of the 8254 PIT as a one-shot reference interval
 * for calibration (Intel 8254 datasheet; the PC/AT wiring of channel 2's
 * gate and output to port 0x61). Needs no interrupts: the output is polled. */
#include <plinth/pit.h>
#include <x86/cpu.h>

#define PIT_CH2_DATA        0x42
#define PIT_MODE_CMD        0x43
/* Control word (8254 datasheet, "Control Word Format"): counter 2 (SC=10b),
 * read/write LSB then MSB (RW=11b), mode 0 "interrupt on terminal count"
 * (M=000b), binary (BCD=0). */
#define PIT_CW_CH2_MODE0    0xB0

/* Port 0x61, "NMI status and control" (PC/AT; e.g. Intel ICH datasheets):
 * bit 0 gates counter 2, bit 1 routes its output to the speaker, bit 5
 * reads counter 2's output. */
#define PORT_NMI_SC         0x61
#define NMI_SC_TIM2_GATE    0x01
#define NMI_SC_SPKR_DAT     0x02
#define NMI_SC_TIM2_OUT     0x20
#define NMI_SC_WRITABLE     0x0F   /* bits 7:4 are status, read-only */

static uint8_t saved_nmi_sc;

void pit_ch2_start(uint16_t count)
{
	if (count == 0)
		count = 1;   /* 0 would mean 65536 in binary mode */
	saved_nmi_sc = inb(PORT_NMI_SC) & NMI_SC_WRITABLE;

	/* Gate high, speaker off; in mode 0 the output goes low when the
	 * control word is written and high again at terminal count, counting
	 * starts on the clock after the count's MSB is written (8254 datasheet,
	 * "Mode 0"). */
	outb(PORT_NMI_SC, (uint8_t)((saved_nmi_sc & ~NMI_SC_SPKR_DAT) | NMI_SC_TIM2_GATE));
	outb(PIT_MODE_CMD, PIT_CW_CH2_MODE0);
	outb(PIT_CH2_DATA, (uint8_t)(count & 0xFF));
	outb(PIT_CH2_DATA, (uint8_t)(count >> 8));
}

bool pit_ch2_expired(void)
{
	return (inb(PORT_NMI_SC) & NMI_SC_TIM2_OUT) != 0;
}

void pit_ch2_stop(void)
{
	outb(PORT_NMI_SC, (uint8_t)(saved_nmi_sc & ~NMI_SC_SPKR_DAT));
}
