#include "ipc_access.h"

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>

bool ipc_may_write(uid_t uid, gid_t gid, bool have_admin_gid, gid_t admin_gid,
		   const gid_t *groups, size_t n_groups)
{
	if (uid == 0)
		return true;
	if (!have_admin_gid)
		return false;
	if (gid == admin_gid)
		return true;
	for (size_t i = 0; i < n_groups; i++)
		if (groups[i] == admin_gid)
			return true;
	return false;
}

bool ipc_client_may_write(uid_t uid, gid_t gid, bool have_admin_gid, gid_t admin_gid)
{
	gid_t groups[256];
	int n = (int)(sizeof(groups) / sizeof(groups[0]));
	struct passwd *pw;

	if (ipc_may_write(uid, gid, have_admin_gid, admin_gid, NULL, 0))
		return true;
	if (!have_admin_gid || !(pw = getpwuid(uid)))
		return false;
	if (getgrouplist(pw->pw_name, gid, groups, &n) < 0)
		n = (int)(sizeof(groups) / sizeof(groups[0])); /* truncated list */
	return ipc_may_write(uid, gid, have_admin_gid, admin_gid, groups, (size_t)n);
}
