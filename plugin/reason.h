/*
 * reason.h - a parser's or loader's "why it refused" text.
 */
#ifndef HANDOFF_REASON_H
#define HANDOFF_REASON_H

#include <stddef.h>

/* Print FMT into WHY (LEN bytes) and return -1, so that a refusal is one
 * statement: return refuse(why, len, "bad value '%s'", v); */
int refuse(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
