/* compiler.h - attributes and small helpers shared by every part of plinth.
 * Freestanding: only <stdint.h>, <stddef.h>, <stdbool.h> and <stdarg.h> are used. */
#ifndef PLINTH_COMPILER_H
#define PLINTH_COMPILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define __packed        __attribute__((packed))
#define __aligned(n)    __attribute__((aligned(n)))
#define __noreturn      __attribute__((noreturn))
#define __unused        __attribute__((unused))
#define __section(s)    __attribute__((section(s)))
#define __printf(a, b)  __attribute__((format(printf, a, b)))
#define __must_check    __attribute__((warn_unused_result))
#define likely(x)       __builtin_expect(!!(x), 1)
#define unlikely(x)     __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)  (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define MIN(a, b)       ((a) < (b) ? (a) : (b))
#define MAX(a, b)       ((a) > (b) ? (a) : (b))
#define BIT(n)          (1ULL << (n))
#define KiB             (1024ULL)
#define MiB             (1024ULL * KiB)
#define GiB             (1024ULL * MiB)

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define READ_ONCE(x)     (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define barrier()        __asm__ __volatile__("" ::: "memory")

typedef uint64_t paddr_t;   /* host-physical address */
typedef uint64_t gpa_t;     /* guest-physical address */

/* Error codes returned as negative numbers (Linux-compatible values so the
 * hypercall ABI can document them once). */
#define EPERM    1
#define ENOENT   2
#define EIO      5
#define E2BIG    7
#define ENOEXEC  8
#define EAGAIN  11
#define ENOMEM  12
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define ENODEV  19
#define EINVAL  22
#define ENOSPC  28
#define ERANGE  34
#define ENOSYS  38
#define ENOTSUP 95

#endif
