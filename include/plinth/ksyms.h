/* ksyms.h - plinth's own symbol table (generated at link time by
 * scripts/gen-ksyms.sh) for symbolised backtraces. */
#ifndef PLINTH_KSYMS_H
#define PLINTH_KSYMS_H

#include <plinth/compiler.h>

/* The name of the function containing addr and the offset into it, or NULL
 * if addr is outside plinth's text. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

#endif
