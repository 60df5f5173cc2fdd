/*
 * engine_state_int.h - the engine state file's store in the daemon, shared
 * by its parts: engine_state.c (read, save, the timer),
 * engine_state_calm.c (what a timed save of a calm host would hold) and
 * engine_state_restore.c (what of the file goes back into the engine).
 */
#ifndef THERMWATCH_ENGINE_STATE_INT_H
#define THERMWATCH_ENGINE_STATE_INT_H

#include <stddef.h>

#include "engine_state.h"

/* A saved sensor waiting for its own to attach: the snapshot up to its
 * points, and only the points it has (a struct eng_snap_sensor has room
 * for ENG_SNAP_POINTS, 4 kB: 4 MB at 1,024 sensors, most calm). */
#define SNAP_HEAD offsetof(struct eng_snap_sensor, age_ms)
struct kept {
	unsigned char head[SNAP_HEAD];
	int64_t *age_ms;
	double *value_c; /* after the struct, in its allocation */
};

struct est {
	struct est_env env;
	int timer;
	bool failing;       /* the last save failed (told once) */
	struct est_file f;  /* the file's meta and host (its sensors: kept) */
	struct kept **kept; /* n_kept of them, until used or stale */
	int n_kept;
	bool *used;        /* n_kept of them: handed to the engine */
	int64_t loaded_ms; /* loop time of the read */
	int64_t gap_ms;    /* the file's age at loaded_ms */
	char machine_id[EST_ID_LEN];
	char boot_id[EST_ID_LEN];
	/* the last timed save of a calm host: what it held, coarsely
	 * (calm_sig), and when; a timed save with the same is skipped for up
	 * to est_max_skip_ms() */
	bool calm_saved;
	uint64_t calm_sig;
	int64_t calm_saved_ms;
};

/* The longest trend window of the classes: older, a file says nothing. */
int64_t est_max_window_ms(const struct eng_conf *c);
/* Every saved sensor used (or too old to be: stale, each said): the
 * copy goes. */
void est_drop_file(struct est *s, bool stale);
/* engine_state_calm.c: whether the host is calm, and then in *sig what a
 * save now would hold, coarsely */
bool est_calm_sig(struct est *s, int64_t now, uint64_t *sig);
/* engine_state_restore.c: the host's part of the file read, as me (this
 * engine's identity) allows */
void est_restore_host(struct est *s, const struct est_meta *me);
/* the id of a saved sensor */
const char *est_kept_id(const struct kept *k);

#endif
