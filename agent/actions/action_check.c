/*
 * action_check.c - thermwatchd --check-config: every hook's program must
 * exist and be executable where the agent will look for it (an absolute
 * path, or ACT_HOOK_PATH), or the night it is needed it fails: a
 * shutdown hook "systemctll" passes a syntax check.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "action.h"
#include "action_hook.h"

int
act_check_hooks(
    const struct actions_conf *c, const char *path, bool dry_run, FILE *err)
{
	char buf[4096];
	int k, rc, errors = 0;

	for (k = 0; k < ACT_KIND_COUNT; k++) {
		char *const *argv = c->hook[k].argv;

		if (argv == NULL || argv[0] == NULL)
			continue;
		rc = act_hook_resolve(argv[0], buf, sizeof(buf));
		if (rc == 0)
			continue;
		if (c->hook[k].line > 0)
			fprintf(err, "%s:%d: ", path, c->hook[k].line);
		else
			fprintf(err, "%s: (default) ", path);
		fprintf(err, "actions.%s: \"%s\" %s%s%s\n", act_kind_names[k],
		    argv[0], rc == -ENOENT ? "not found" : "not executable",
		    strchr(argv[0], '/') != NULL ? "" : " in " ACT_HOOK_PATH,
		    dry_run ? " (dry run: allowed, it would fail for real)"
			    : "");
		if (!dry_run)
			errors++;
	}
	return errors;
}
