/*
 * fd_io.h - the whole of a buffer written to an fd, through short writes
 * and EINTR: local_state.c and dump_files.c write files that must be
 * complete before they are fsynced and renamed into place.
 */
#ifndef HANDOFF_FD_IO_H
#define HANDOFF_FD_IO_H

#include <stddef.h>

/* 0, or -1 with errno set (a write that wrote nothing sets EIO). */
int fd_write_all(int fd, const void *buf, size_t len);

#endif
