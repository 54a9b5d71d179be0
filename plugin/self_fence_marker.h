/*
 * self_fence_marker.h - what STATE_DIR/self-fence records (S1): when the
 * self-fence began, so that a handoffd restarted during it keeps the
 * deadline the quorate side counts on (self_fence_timeout + the watchdog's
 * timeout after the loss) instead of starting a fresh one.
 *
 * The file, three lines (written atomically by self_fence.c):
 *
 *     handoff-self-fence 2
 *     boot_id 0f7c8a9e-1b2d-4c3e-9f00-123456789abc
 *     began_boottime_ms 123456789
 *
 * began_boottime_ms is CLOCK_BOOTTIME (it counts suspend, never jumps) and
 * means something only in the boot named by boot_id
 * (/proc/sys/kernel/random/boot_id).  The file is input from disk: a
 * marker that does not parse exactly (an old "self-fence begun at ..."
 * one, truncated, garbage) counts as a self-fence that began long ago,
 * whose deadline has passed: the safe side.
 */
#ifndef HANDOFF_SELF_FENCE_MARKER_H
#define HANDOFF_SELF_FENCE_MARKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SF_BOOT_ID_LEN 36            /* 8-4-4-4-12 lower-case hex */
#define SF_MARKER_MAX 128            /* a longer file is not a marker */

struct sf_marker {
	char boot_id[SF_BOOT_ID_LEN + 1];
	uint64_t began_ms;           /* CLOCK_BOOTTIME of that boot */
};

/* Is S exactly a boot id (36 characters, NUL-terminated)? */
bool sf_boot_id_valid(const char *s);
/* The marker's text into BUF; its length, or -1 (invalid boot id, too small). */
int sf_marker_format(const struct sf_marker *m, char *buf, size_t len);
/* TEXT (LEN bytes, not NUL-terminated) into M: 0, or -1 when it is not
 * exactly a marker of this format (M is then cleared). */
int sf_marker_parse(const char *text, size_t len, struct sf_marker *m);

/*
 * How much of the self-fence's deadline is left, in ms, for a marker found
 * at start: M (NULL: garbled), BOOT_ID the current boot's (NULL or invalid:
 * unknown), NOW_MS CLOCK_BOOTTIME now, TIMEOUT_MS self_fence_timeout.
 *   - a marker of another boot: the machine was reset since and holds
 *     nothing of then; *FRESH is set and TIMEOUT_MS returned (a new
 *     self-fence with a whole deadline);
 *   - a marker of this boot: began + TIMEOUT_MS - NOW_MS, at most
 *     TIMEOUT_MS; <= 0: the deadline has passed;
 *   - garbled, current boot unknown, or began in the future: 0 (passed).
 */
int64_t sf_marker_remaining_ms(const struct sf_marker *m, const char *boot_id,
			       uint64_t now_ms, uint32_t timeout_ms, bool *fresh);

/* This boot's id into BUF (SF_BOOT_ID_LEN + 1 bytes): 0, or -1 (BUF empty). */
int sf_boot_id_read(char *buf);
/* CLOCK_BOOTTIME in ms. */
uint64_t sf_boottime_ms(void);

#endif
