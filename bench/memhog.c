/*
 * memhog - the downtime benchmark's workload (bench/downtime.sh): a process
 * that holds MiB of memory, every page of it written, so that a checkpoint
 * has all of it to dump.
 *
 *   memhog SIZE_FILE
 *
 * Reads the size in MiB from SIZE_FILE (64 when it is missing), fills that
 * much anonymous memory with a pattern that differs on every page, writes
 * "ready MiB" to SIZE_FILE.ready, then increments a counter in one of its
 * pages once a second (a live, if slow, workload) forever.  Built static,
 * so that it runs in the VM tier's guests as is.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char ready[4096];
	size_t mib = 64, len, pages;
	volatile uint64_t *mem;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: memhog SIZE_FILE\n");
		return 2;
	}
	if ((f = fopen(argv[1], "r"))) {
		if (fscanf(f, "%zu", &mib) != 1 || mib == 0)
			mib = 64;
		fclose(f);
	}
	len = mib << 20;
	pages = len / 4096;
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("memhog: mmap");
		return 1;
	}
	for (size_t p = 0; p < pages; p++)
		for (size_t w = 0; w < 4096 / 8; w += 8)
			mem[p * 512 + w] = (p * 0x9e3779b97f4a7c15ull) ^ w;
	snprintf(ready, sizeof(ready), "%s.ready", argv[1]);
	if ((f = fopen(ready, "w"))) {
		fprintf(f, "ready %zu\n", mib);
		fclose(f);
	}
	printf("memhog: %zu MiB written\n", mib);
	fflush(stdout);
	for (;;) {
		mem[1]++;
		sleep(1);
	}
}
