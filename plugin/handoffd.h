/*
 * handoffd.h - the daemon's top-level state, shared by main.c, the IPC
 * server and the command handlers.
 */
#ifndef HANDOFF_HANDOFFD_H
#define HANDOFF_HANDOFFD_H

#include <qb/qbipcs.h>
#include <qb/qbloop.h>
#include <stdbool.h>

#include "handoff_conf.h"
#include "corosync_link.h"
#include "notify.h"
#include "notify_derive.h"
#include "resource_manager.h"

struct handoffd {
	struct handoff_config cfg;
	qb_loop_t *loop;
	struct corosync_link link;
	struct resource_manager rm;
	struct notify notify;             /* the notify program's runs */
	struct notify_table notify_seen;  /* the table its events were derived from */
	qb_ipcs_service_t *ipcs;
	int exit_code;
};

#endif
