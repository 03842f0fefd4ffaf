/* host_support.h - what host unit tests use in place of the kernel's log and
 * panic: the log is captured so tests can assert that bad input was reported. */
#ifndef TESTS_HOST_SUPPORT_H
#define TESTS_HOST_SUPPORT_H

#include <plinth/log.h>

/* Number of records logged at 'level' since the last host_log_reset(). */
unsigned host_log_count(enum log_level level);
/* The most recent record at LOG_WARN or worse ("" if none). */
const char *host_last_problem(void);
/* True if any record since the last reset contains 'needle'. */
bool host_log_contains(const char *needle);
void host_log_reset(void);
/* Set quiet=1 to keep captured records off stdout. */
void host_log_quiet(bool quiet);

#endif
