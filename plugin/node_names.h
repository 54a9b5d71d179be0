/*
 * node_names.h - node names from corosync's nodelist in cmap, so that
 * handoffctl can print "node2" where corosync only gives a nodeid.
 */
#ifndef HANDOFF_NODE_NAMES_H
#define HANDOFF_NODE_NAMES_H

#include <corosync/cmap.h>
#include <stddef.h>
#include <stdint.h>

#define NODE_NAME_MAX 256
#define NODE_NAMES_MAX 64

struct node_name {
	uint32_t nodeid;
	char name[NODE_NAME_MAX];
};

struct node_names {
	struct node_name nodes[NODE_NAMES_MAX];
	size_t n;
};

/* Read nodelist.node.X.{nodeid,name,ring0_addr}; a node without a name
 * gets its ring0_addr.  Returns CS_OK or the cmap error. */
cs_error_t node_names_load(cmap_handle_t cmap, struct node_names *names);
/* The name of NODEID, or "" when the nodelist does not know it. */
const char *node_names_get(const struct node_names *names, uint32_t nodeid);

#endif
