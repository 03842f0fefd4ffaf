/* console.c - plinth.efi's log: the <plinth/log.h> interface that the shared
 * pure code (boot_info.c, efi_mmap.c, the config and ELF checks) reports
 * through. Text goes to the firmware's console output (UEFI 2.10 §12.4,
 * EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL.OutputString) while boot services exist,
 * then directly to the COM1 UART: after ExitBootServices() no firmware
 * service may be called (UEFI 2.10 §7.4.6). */
#include "efi_app.h"

#include <plinth/log.h>
#include <plinth/printf.h>
#include <plinth/string.h>

#define COM1          0x3F8
#define UART_LSR      5           /* line status register */
#define UART_LSR_THRE 0x20        /* transmit holding register empty */
#define LINE_MAX_CHARS 512

static SIMPLE_TEXT_OUTPUT_INTERFACE *con_out;
static bool firmware_gone;

void efi_console_init(EFI_SYSTEM_TABLE *st)
{
	con_out = st->ConOut;
	firmware_gone = false;
}

/* From now on boot services are gone: never touch ConOut again. */
void efi_console_firmware_gone(void)
{
	firmware_gone = true;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ __volatile__("outb %0, %1" :: "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* Polled 16550 output on COM1 as the firmware left it configured. The wait
 * is bounded so a missing UART (reads as 0xFF, or never ready) cannot hang. */
static void com1_putc(char c)
{
	for (unsigned spins = 0; spins < 100000; spins++)
		if (inb(COM1 + UART_LSR) & UART_LSR_THRE)
			break;
	outb(COM1, (uint8_t)c);
}

/* Write s[0..len) with "\n" as "\r\n" (both sinks expect CR LF). */
static void write_text(const char *s, size_t len)
{
	if (firmware_gone || !con_out) {
		for (size_t i = 0; i < len; i++) {
			if (s[i] == '\n')
				com1_putc('\r');
			com1_putc(s[i]);
		}
		return;
	}
	CHAR16 buf[130];
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			buf[n++] = L'\r';
		/* UCS-2: the log text is 7-bit ASCII; anything else becomes '?'. */
		buf[n++] = (unsigned char)s[i] < 0x80 ? (CHAR16)s[i] : L'?';
		if (n >= 128 || i + 1 == len) {
			buf[n] = 0;
			uefi_call_wrapper(con_out->OutputString, 2, con_out, buf);
			n = 0;
		}
	}
}

void console_write(const char *s, size_t len)
{
	write_text(s, len);
}

/* One record: "plinth.efi: [error: |warning: ]text\n". Debug records are
 * dropped: the loader has no log level option. */
void log_printf(enum log_level level, const char *fmt, ...)
{
	static const char *const tag[] = {
		[LOG_ERR] = "error: ", [LOG_WARN] = "warning: ",
		[LOG_INFO] = "", [LOG_DEBUG] = "debug: ",
	};
	char line[LINE_MAX_CHARS];
	va_list ap;

	if (level > LOG_INFO)
		return;
	int n = ksnprintf(line, sizeof(line), "%s: %s", EFI_APP_NAME, tag[level]);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	va_start(ap, fmt);
	int m = kvsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;      /* truncated record: still ends the line */
	line[len++] = '\n';
	write_text(line, len);
}

/* The text of the EFI_STATUS codes firmware returns to loaders (UEFI 2.10
 * appendix D). */
const char *efi_status_text(EFI_STATUS status)
{
	switch (status) {
	case EFI_SUCCESS:              return "success";
	case EFI_LOAD_ERROR:           return "load error";
	case EFI_INVALID_PARAMETER:    return "invalid parameter";
	case EFI_UNSUPPORTED:          return "unsupported";
	case EFI_BAD_BUFFER_SIZE:      return "bad buffer size";
	case EFI_BUFFER_TOO_SMALL:     return "buffer too small";
	case EFI_NOT_READY:            return "not ready";
	case EFI_DEVICE_ERROR:         return "device error";
	case EFI_WRITE_PROTECTED:      return "write protected";
	case EFI_OUT_OF_RESOURCES:     return "out of resources";
	case EFI_VOLUME_CORRUPTED:     return "volume corrupted";
	case EFI_VOLUME_FULL:          return "volume full";
	case EFI_NO_MEDIA:             return "no media";
	case EFI_MEDIA_CHANGED:        return "media changed";
	case EFI_NOT_FOUND:            return "not found";
	case EFI_ACCESS_DENIED:        return "access denied";
	case EFI_END_OF_FILE:          return "end of file";
	case EFI_SECURITY_VIOLATION:   return "security violation";
	default:                       return "unknown error";
	}
}
