#include "watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int real_ioctl(int fd, unsigned long request, int *arg)
{
	return ioctl(fd, request, arg);
}

int (*watchdog_ioctl)(int fd, unsigned long request, int *arg) = real_ioctl;

#define FEED_MIN_MS 100

int watchdog_open(struct watchdog *w, const char *dev, uint32_t want_ms,
		  uint32_t unknown_feed_ms, char *msg, size_t len)
{
	int want_s = (int)((want_ms + 999) / 1000), got_s = 0, set_errno = 0, e;
	char set_how[128] = "";

	w->fd = open(dev, O_WRONLY | O_CLOEXEC);
	w->timeout_ms = 0;
	w->feed_ms = unknown_feed_ms;
	if (w->fd < 0) {
		e = errno;
		snprintf(msg, len, "cannot open the watchdog %s: %s", dev, strerror(e));
		return -e;
	}
	if (want_s < 1)
		want_s = 1;
	got_s = want_s;
	if (watchdog_ioctl(w->fd, WDIOC_SETTIMEOUT, &got_s) < 0) {
		set_errno = errno;
		snprintf(set_how, sizeof(set_how), "; it refused a timeout of %d s (%s)", want_s,
			 strerror(set_errno));
	}
	got_s = 0;
	e = watchdog_ioctl(w->fd, WDIOC_GETTIMEOUT, &got_s) < 0 ? errno : got_s <= 0 ? EINVAL : 0;
	if (e) {
		snprintf(msg, len, "watchdog %s: its timeout is unknown (WDIOC_GETTIMEOUT: %s%s%s): "
			 "counted as 0, so to the deadline other nodes count on this node has no "
			 "watchdog; fed every %u ms", dev, strerror(e),
			 set_errno ? ", WDIOC_SETTIMEOUT: " : "",
			 set_errno ? strerror(set_errno) : "", w->feed_ms);
	} else {
		w->timeout_ms = (uint32_t)got_s * 1000;
		w->feed_ms = w->timeout_ms / 3 > FEED_MIN_MS ? w->timeout_ms / 3 : FEED_MIN_MS;
		snprintf(msg, len, "watchdog %s: timeout %d s (read back; asked for %d s%s), "
			 "fed every %u ms", dev, got_s, want_s, set_how, w->feed_ms);
	}
	watchdog_feed(w);
	return 0;
}

int watchdog_feed(struct watchdog *w)
{
	if (w->fd < 0)
		return -EBADF;
	return write(w->fd, "\0", 1) == 1 ? 0 : -errno;
}

int watchdog_close(struct watchdog *w, bool disarm)
{
	int rc = 0;

	if (w->fd < 0)
		return 0;
	if (disarm && write(w->fd, "V", 1) != 1)
		rc = -errno;
	close(w->fd);
	w->fd = -1;
	w->timeout_ms = 0;
	return rc;
}
