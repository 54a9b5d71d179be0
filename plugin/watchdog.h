/*
 * watchdog.h - the last resort of a self-fence (S1, S2): a watchdog device
 * (softdog: `modprobe softdog`, /dev/watchdog) that resets the machine
 * when handoffd stops feeding it.
 *
 * handoffd asks the device for a timeout (WDIOC_SETTIMEOUT) and reads back
 * what it took (WDIOC_GETTIMEOUT): drivers round, and some have a maximum
 * below what was asked.  Other nodes count on self_fence_timeout plus that
 * read-back timeout, so a device that answers neither ioctl (a plain file
 * in the tests: ENOTTY) has no known timeout (0), which means to the
 * deadline "no watchdog".  It is fed every third of its timeout.
 *
 * Closing writes the magic 'V' only when asked to disarm (a clean stop
 * with no self-fence pending); otherwise the device stays armed and resets
 * the machine when its timeout passes.
 */
#ifndef HANDOFF_WATCHDOG_H
#define HANDOFF_WATCHDOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct watchdog {
	int fd;                  /* -1: none */
	uint32_t timeout_ms;     /* as the device reports it; 0: unknown */
	uint32_t feed_ms;        /* how often it is fed */
};

/*
 * Open DEV and ask for WANT_MS (rounded up to whole seconds).  FEED_MS is
 * the feed interval used when the timeout is unknown.  Returns 0 (W holds
 * the device, MSG says what it took) or -errno (no device, MSG says why).
 */
int watchdog_open(struct watchdog *w, const char *dev, uint32_t want_ms,
		  uint32_t unknown_feed_ms, char *msg, size_t len);
/* One keep-alive.  0 or -errno. */
int watchdog_feed(struct watchdog *w);
/* Close; DISARM writes the magic 'V' first.  0 or -errno of that write. */
int watchdog_close(struct watchdog *w, bool disarm);

/* The ioctl used (tests put a fake device's in its place). */
extern int (*watchdog_ioctl)(int fd, unsigned long request, int *arg);

#endif
