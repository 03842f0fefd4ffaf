/* printf.c - formatted output into a bounded buffer (C11 §7.21.6.1 subset).
 * Pure: used by the kernel's log and by host unit tests. */
#include <plinth/printf.h>

struct out {
	char *buf;
	size_t size;
	size_t len;      /* characters the full output has so far */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_repeat(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

enum { F_LEFT = 1, F_ZERO = 2, F_PLUS = 4, F_SPACE = 8, F_ALT = 16 };

/* Emit one integer conversion: sign/prefix, precision zeros, digits, padding. */
static void put_number(struct out *o, uint64_t v, bool negative, unsigned base, bool upper,
		       int flags, int width, int prec)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	if (!(prec == 0 && v == 0)) {
		do {
			tmp[n++] = digits[v % base];
			v /= base;
		} while (v);
	}
	const char *prefix = "";
	if (negative)
		prefix = "-";
	else if (flags & F_PLUS)
		prefix = "+";
	else if (flags & F_SPACE)
		prefix = " ";
	if ((flags & F_ALT) && base == 16 && n > 0 && !(n == 1 && tmp[0] == '0'))
		prefix = upper ? "0X" : "0x";
	if ((flags & F_ALT) && base == 8 && (n == 0 || tmp[n - 1] != '0'))
		prefix = "0";
	int plen = 0;
	while (prefix[plen])
		plen++;
	int zeros = prec > n ? prec - n : 0;
	int body = plen + zeros + n;
	int pad = width > body ? width - body : 0;
	if ((flags & F_ZERO) && !(flags & F_LEFT) && prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!(flags & F_LEFT))
		put_repeat(o, ' ', pad);
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	put_repeat(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (flags & F_LEFT)
		put_repeat(o, ' ', pad);
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		p++;
		int flags = 0;
		for (;; p++) {
			if (*p == '-') flags |= F_LEFT;
			else if (*p == '0') flags |= F_ZERO;
			else if (*p == '+') flags |= F_PLUS;
			else if (*p == ' ') flags |= F_SPACE;
			else if (*p == '#') flags |= F_ALT;
			else break;
		}
		int width = 0;
		if (*p == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_LEFT;
				width = -width;
			}
			p++;
		} else {
			while (*p >= '0' && *p <= '9')
				width = width * 10 + (*p++ - '0');
		}
		int prec = -1;
		if (*p == '.') {
			p++;
			prec = 0;
			if (*p == '*') {
				prec = va_arg(ap, int);
				if (prec < 0)
					prec = -1;
				p++;
			} else {
				while (*p >= '0' && *p <= '9')
					prec = prec * 10 + (*p++ - '0');
			}
		}
		/* length: 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t/ptrdiff/intmax */
		int lenmod = 0;
		if (*p == 'h') {
			lenmod = -1;
			if (*++p == 'h') { lenmod = -2; p++; }
		} else if (*p == 'l') {
			lenmod = 1;
			if (*++p == 'l') { lenmod = 2; p++; }
		} else if (*p == 'z' || *p == 't' || *p == 'j') {
			lenmod = 3;
			p++;
		}
		char c = *p;
		if (c == '\0')
			break;
		switch (c) {
		case 'd': case 'i': {
			int64_t v;
			if (lenmod >= 1) v = (lenmod == 1) ? va_arg(ap, long) : va_arg(ap, long long);
			else v = va_arg(ap, int);
			if (lenmod == -1) v = (short)v;
			if (lenmod == -2) v = (signed char)v;
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			put_number(&o, mag, v < 0, 10, false, flags, width, prec);
			break;
		}
		case 'u': case 'x': case 'X': case 'o': {
			uint64_t v;
			if (lenmod >= 1) v = (lenmod == 1) ? va_arg(ap, unsigned long) : va_arg(ap, unsigned long long);
			else v = va_arg(ap, unsigned int);
			if (lenmod == -1) v = (unsigned short)v;
			if (lenmod == -2) v = (unsigned char)v;
			unsigned base = c == 'u' ? 10 : c == 'o' ? 8 : 16;
			put_number(&o, v, false, base, c == 'X', flags & ~(F_PLUS | F_SPACE), width, prec);
			break;
		}
		case 'p': {
			uintptr_t v = (uintptr_t)va_arg(ap, void *);
			put_number(&o, v, false, 16, false, F_ALT | (flags & F_LEFT), width, prec);
			break;
		}
		case 'c': {
			char ch = (char)va_arg(ap, int);
			if (!(flags & F_LEFT)) put_repeat(&o, ' ', width - 1);
			put(&o, ch);
			if (flags & F_LEFT) put_repeat(&o, ' ', width - 1);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int n = 0;
			while (s[n] && (prec < 0 || n < prec))
				n++;
			if (!(flags & F_LEFT)) put_repeat(&o, ' ', width - n);
			for (int i = 0; i < n; i++)
				put(&o, s[i]);
			if (flags & F_LEFT) put_repeat(&o, ' ', width - n);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default:
			/* Unknown conversion: show it rather than guess at arguments. */
			put(&o, '%');
			put(&o, c);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
