#include "self_fence_marker.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HEADER "handoff-self-fence 2\n"
#define BOOT_KEY "boot_id "
#define BEGAN_KEY "\nbegan_boottime_ms "

bool sf_boot_id_valid(const char *s)
{
	for (size_t i = 0; i < SF_BOOT_ID_LEN; i++) {
		char c = s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return false;
		}
	}
	return s[SF_BOOT_ID_LEN] == '\0';
}

int sf_marker_format(const struct sf_marker *m, char *buf, size_t len)
{
	int n;

	if (!sf_boot_id_valid(m->boot_id))
		return -1;
	n = snprintf(buf, len, HEADER BOOT_KEY "%s" BEGAN_KEY "%llu\n", m->boot_id,
		     (unsigned long long)m->began_ms);
	return n > 0 && (size_t)n < len ? n : -1;
}

int sf_marker_parse(const char *text, size_t len, struct sf_marker *m)
{
	const char *p = text, *end = text + len;
	uint64_t v = 0;
	size_t digits = 0;

	memset(m, 0, sizeof(*m));
	if (len > SF_MARKER_MAX || memchr(text, '\0', len))
		return -1;
	if ((size_t)(end - p) < strlen(HEADER BOOT_KEY) ||
	    memcmp(p, HEADER BOOT_KEY, strlen(HEADER BOOT_KEY)))
		return -1;
	p += strlen(HEADER BOOT_KEY);
	if (end - p < SF_BOOT_ID_LEN)
		return -1;
	memcpy(m->boot_id, p, SF_BOOT_ID_LEN);
	m->boot_id[SF_BOOT_ID_LEN] = '\0';
	p += SF_BOOT_ID_LEN;
	if (!sf_boot_id_valid(m->boot_id) || (size_t)(end - p) < strlen(BEGAN_KEY) ||
	    memcmp(p, BEGAN_KEY, strlen(BEGAN_KEY)))
		goto bad;
	p += strlen(BEGAN_KEY);
	/* decimal digits only (no sign, no space), no overflow, then "\n" and the end */
	for (; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			goto bad;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (digits == 0 || end - p != 1 || *p != '\n')
		goto bad;
	m->began_ms = v;
	return 0;
bad:
	memset(m, 0, sizeof(*m));
	return -1;
}

int64_t sf_marker_remaining_ms(const struct sf_marker *m, const char *boot_id,
			       uint64_t now_ms, uint32_t timeout_ms, bool *fresh)
{
	uint64_t elapsed;

	*fresh = false;
	if (!m || !sf_boot_id_valid(m->boot_id) || !boot_id || !sf_boot_id_valid(boot_id))
		return 0;
	if (strcmp(m->boot_id, boot_id)) {
		*fresh = true;
		return timeout_ms;
	}
	if (m->began_ms > now_ms)
		return 0;    /* CLOCK_BOOTTIME does not go back: not a marker of ours */
	elapsed = now_ms - m->began_ms;
	if (elapsed > (uint64_t)INT64_MAX / 2)
		elapsed = (uint64_t)INT64_MAX / 2;
	return (int64_t)timeout_ms - (int64_t)elapsed;
}

int sf_boot_id_read(char *buf)
{
	char text[SF_BOOT_ID_LEN + 2];
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text));

	buf[0] = '\0';
	if (fd >= 0)
		close(fd);
	if (n != SF_BOOT_ID_LEN + 1 || text[SF_BOOT_ID_LEN] != '\n')
		return -1;
	text[SF_BOOT_ID_LEN] = '\0';
	if (!sf_boot_id_valid(text))
		return -1;
	memcpy(buf, text, SF_BOOT_ID_LEN + 1);
	return 0;
}

uint64_t sf_boottime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
