/*
 * logwatch - timestamps of log lines as they are written (bench/scale.sh).
 *
 *   logwatch FILE START END COUNT TIMEOUT_S
 *
 * Follows FILE from its current end (inotify).  The first new line that
 * contains START is time 0; from then on every line that contains END is
 * printed as "MICROSECONDS LINE" (microseconds since the START line, by
 * CLOCK_MONOTONIC when the line was read), and logwatch exits 0 after the
 * COUNT-th.  The START line is printed first, as "0 LINE".  Exit 1 after
 * TIMEOUT_S seconds.  Run it with a real-time priority (chrt) so that a
 * busy machine does not delay the reading.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	char line[4096];
	size_t used = 0;
	int fd, in, count, seen = 0;
	int64_t t0 = -1, deadline;

	if (argc != 6) {
		fprintf(stderr, "usage: logwatch FILE START END COUNT TIMEOUT_S\n");
		return 2;
	}
	count = atoi(argv[4]);
	deadline = now_us() + (int64_t)atoi(argv[5]) * 1000000;
	fd = open(argv[1], O_RDONLY);
	in = inotify_init1(IN_CLOEXEC);
	if (fd < 0 || in < 0 || inotify_add_watch(in, argv[1], IN_MODIFY) < 0) {
		fprintf(stderr, "logwatch: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	lseek(fd, 0, SEEK_END);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		int64_t t = now_us();

		if (n < 0 && errno != EINTR)
			return 1;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (used < sizeof(line) - 1)
					line[used++] = buf[i];
				continue;
			}
			line[used] = '\0';
			used = 0;
			if (t0 < 0) {
				if (strstr(line, argv[2])) {
					t0 = t;
					printf("0 %s\n", line);
				}
				continue;
			}
			if (strstr(line, argv[3])) {
				printf("%lld %s\n", (long long)(t - t0), line);
				if (++seen >= count) {
					fflush(stdout);
					return 0;
				}
			}
		}
		if (n > 0)
			continue;
		{
			struct pollfd p = { .fd = in, .events = POLLIN };
			int64_t left = (deadline - now_us()) / 1000;
			if (left <= 0) {
				fprintf(stderr, "logwatch: timed out (%d of %d lines)\n", seen, count);
				fflush(stdout);
				return 1;
			}
			if (poll(&p, 1, (int)(left > 1000 ? 1000 : left)) > 0) {
				char ev[4096];
				if (read(in, ev, sizeof(ev)) < 0 && errno != EAGAIN && errno != EINTR)
					return 1;
			}
		}
	}
}
