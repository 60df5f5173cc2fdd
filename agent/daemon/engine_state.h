/*
 * engine_state.h - what the engine has learnt, kept in
 * <state_dir>/engine-state.json across a restart (no blind start).
 *
 * Two parts: the file format (engine_state_json.c: encode, and a decode
 * that refuses anything we would not have written), and the store in the
 * daemon (engine_state.c: saved on a timer and on a clean stop, restored
 * per sensor as each sensor attaches, when fresh and of the same host).
 *
 * The file (version 2, engine snapshot 4): one JSON document a line,
 * each printed by cJSON: a header, a line per sensor, and an end line
 * with their number (a file cut short anywhere, even between lines, is
 * refused):
 *
 *	{"v":2,"engine_snapshot":4,"written":"2026-11-30T02:00:00Z",
 *	 "wall":1764468000.25,"mono_ms":123456,"boot_id":"...",
 *	 "host":"h1","machine_id":"...","rho":0.4,"rho_learnt_s":600,
 *	 "alarm":{"age_ms":95000,"lost_age_ms":2000,"cpu_c":71.2,
 *	  "exhaust_c":48.3,"rho":0.4,"model_c":29.1},
 *	 "model_slow":{"c":28.7,"s":3600},
 *	 "load":{"age_ms":400000,"gap_c":22.9,"warm_age_ms":30000},
 *	 "busy":{"levels":[{"lo":0.21,"c":46.3,"air_c":22.1},...],
 *	  "env":{...}}}
 *	{"id":"coretemp-isa-0000/Package id 0","class":"cpu",
 *	 "noise_c":0.05,"resolution_c":1,"last_age_ms":250,"last_c":71,
 *	 "rise_age_ms":30000,"rise_from_c":60,"rise_peak_c":71,
 *	 "age_ms":[250,750,...],"value_c":[71,70.5,...],
 *	 "run":{...},"trusted":{...},"step":{...}}
 *	{"sensors":1}
 *
 * (each on one line). "alarm" (the zone alarm's references, while one is
 * in force and they are taken; "lost_age_ms" while its quorum is lost),
 * "model_slow" and "load" (the load tracking; "warm_age_ms" while the
 * air has warmed since the alarm began) only when the engine has them,
 * and only with "engine_snapshot":2 to 4 (1, of earlier daemons, is read
 * too: the model alone). A malformed or out-of-range member of those
 * three is ignored with what needs it (est_file.warn), never the file.
 * "busy" (the cpu levels learnt against the load, each with the air it
 * was learnt in, and the load envelopes) only with "engine_snapshot":4;
 * a bad member drops that group alone, with a warning. A
 * sensor's "run" (its run of one value, frozen or not yet), "trusted"
 * (its last trusted reference) and "step" (an inlet's held step down)
 * only with "engine_snapshot":3 or 4, each only when the sensor has one
 * (thermwatchd(8) gives their members); a bad one is dropped alone, with
 * a warning naming the sensor. "last_*" only when the sensor had a
 * value, "rise_*" only while it was rising; the points are newest first
 * (ages in ms before "wall"). It is written through a buffer of
 * EST_CHUNK bytes, never held whole, and read a line at a time.
 *
 * Version 1 (daemons before this one wrote it, and it is still read) is
 * one document: the header's members with "v":1 and "sensors", the array
 * of the sensor objects.
 */
#ifndef THERMWATCH_ENGINE_STATE_H
#define THERMWATCH_ENGINE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "engine.h"

#define EST_FILE    "engine-state.json"
#define EST_VERSION 2     /* what a save writes; 1 is read too */
#define EST_CHUNK   16384 /* bytes a save writes at a time */
#define EST_ID_LEN  64    /* host, machine and boot ids */
/* Trend points written a sensor: its window's shape, thinned (a few kB) */
#define EST_POINTS 64

/* Who wrote a file and when: the identity a restore must match. */
struct est_meta {
	char host[EST_ID_LEN];
	char machine_id[EST_ID_LEN]; /* /etc/machine-id, "" unknown */
	char boot_id[EST_ID_LEN];    /* the kernel's, "" unknown */
	double wall_s;               /* CLOCK_REALTIME, s since the epoch */
	int64_t mono_ms;             /* CLOCK_MONOTONIC of that boot */
};

/* A decoded file. */
#define EST_WARN_LEN 512
struct est_file {
	struct est_meta meta;
	struct eng_snap_host host;
	int n;
	struct eng_snap_sensor *s; /* n of them, malloc'ed */
	/* what of the host's part was ignored and why ("" none): a member
	 * of engine snapshot 2 that is malformed or out of range is left
	 * out (and what needs it), the rest of the file is used */
	char warn[EST_WARN_LEN];
};

/*
 * The largest file a daemon with max_sensors sensors writes (and so
 * reads): a sensor's entry is bounded by its id and ENG_SNAP_POINTS
 * points of two numbers each.
 */
size_t est_max_bytes(int max_sensors);

/*
 * A writer: a few cJSON nodes a sensor's line is printed from (its
 * numbers to 1e-3, json_num.h), made once and reused for every sensor;
 * a save makes one.
 */
struct est_writer;
struct est_writer *est_writer_new(void); /* NULL when out of memory */
/* the same writing version 2 through a buffer of chunk bytes */
struct est_writer *est_writer_new_chunked(size_t chunk);
void est_writer_free(struct est_writer *w);

/*
 * Version 2, what the daemon saves: begin (the header line), a sensor
 * line each, end (the end line); each hands the chunk to
 * sink(arg, buf, n) whenever it is full, end the rest. 0, or -ENOMEM or
 * the sink's first failure (later calls then write nothing and return it).
 */
int est_write_begin(struct est_writer *w, const struct est_meta *m,
    const struct eng_snap_host *h,
    int (*sink)(void *arg, const void *buf, size_t n), void *arg);
int est_write_sensor(struct est_writer *w, const struct eng_snap_sensor *s);
int est_write_end(struct est_writer *w);
/* Such a file's text whole (malloc'ed; NULL when out of memory), written
 * through a chunk of chunk bytes. */
char *est_encode_lines(const struct est_meta *m, const struct eng_snap_host *h,
    const struct eng_snap_sensor *s, int n, size_t chunk);

/*
 * Version 1, as earlier daemons wrote it (for the tests and tools that
 * make such files): the text (malloc'ed; NULL when out of memory), or
 * built a sensor at a time (begin, add..., finish).
 */
bool est_json_begin(struct est_writer *w, const struct est_meta *m,
    const struct eng_snap_host *h);
void est_json_add(struct est_writer *w, const struct eng_snap_sensor *s);
char *est_json_finish(struct est_writer *w);
char *est_encode(const struct est_meta *m, const struct eng_snap_host *h,
    const struct eng_snap_sensor *s, int n);

/*
 * Parse and check a file of either version: version, types, every number
 * finite and in range (values within their class's valid range of conf,
 * ages and lengths bounded, points newest first), ids unique, at most
 * max_sensors, and of version 2 every line and the end line's count.
 * 0 and *out filled (est_file_free it), or -1 with why (for version 2
 * with the line: "line 3: ...").
 */
int est_decode(const char *text, size_t len, const struct eng_conf *conf,
    int max_sensors, struct est_file *out, char *why, size_t whylen);
/*
 * The same a line at a time (without its newline; none after a last
 * newline): init, a line each, end. A version 1 file is its one line. Each
 * line's document is parsed and let go before the next; -1 with why at
 * the first fault, and *out is then emptied.
 */
struct est_reader {
	const struct eng_conf *conf;
	int max_sensors;
	struct est_file *out;
	int line;    /* lines read */
	int version; /* 0 until the first line */
	int n;       /* sensors read */
	int cap;     /* room in out->s */
	bool ended;  /* version 2: the end line read */
	bool failed;
	/* set after init to take each sensor as it is read, decoded into
	 * scratch, instead of keeping them all in out->s (whose fixed room
	 * for points is some 4 kB a sensor): 0, or -1 with why (refused). */
	int (*take)(void *arg, const struct eng_snap_sensor *s, char *why,
	    size_t whylen);
	void *take_arg;
	struct eng_snap_sensor *scratch;
};
void est_reader_init(struct est_reader *r, const struct eng_conf *conf,
    int max_sensors, struct est_file *out);
int est_reader_line(struct est_reader *r, const char *line, size_t len,
    char *why, size_t whylen);
int est_reader_end(struct est_reader *r, char *why, size_t whylen);
void est_file_free(struct est_file *f);

/*
 * Whether a file of meta m may seed this engine, whose identity is `me`
 * (with the clocks read now): 0 and *gap_ms (how long ago it was written:
 * the monotonic clock's difference within one boot, else the wall
 * clock's), or -1 with why (another host or machine, written in the
 * future, or longer ago than max_age_ms).
 */
int est_check_meta(const struct est_meta *m, const struct est_meta *me,
    int64_t max_age_ms, int64_t *gap_ms, char *why, size_t whylen);

/* --- the store in the daemon (engine_state.c) --- */

struct loop;
struct agent_conf;
struct est;

struct est_env {
	struct loop *loop;
	struct eng *eng;
	const struct agent_conf *conf; /* state_dir, host, interval, windows;
					  read live */
};

/*
 * Read <state_dir>/engine-state.json (a missing file is normal; a bad,
 * foreign, future or stale one is logged with the reason and ignored),
 * restore the host's model, and start saving: every
 * est_save_period_ms() and at est_free. NULL only when out of memory.
 */
struct est *est_create(const struct est_env *env);
/* A sensor was registered (eng index): restore it from the file when the
 * file has it, it is fresh for its class's window, and the class still
 * matches. Logs what it did. No-op for NULL. */
void est_sensor_added(struct est *s, const char *id, int eng_idx);
/* Restore one sensor of a file into e (as est_sensor_added does, once
 * the checks passed): its noise, resolution, rise and trend points. The
 * index, or -1 (eng_restore_sensor). */
int est_restore(struct eng *e, const struct eng_snap_sensor *snap,
    int64_t now_ms, int64_t gap_ms);
/* Save now, without waiting for the disk (fio_replace_nosync; the save
 * at est_free is synced); 0, or -errno (logged once until a save works
 * again). What the file had of sensors already restored is let go. */
int est_save(struct est *s);
/* What the timer does every est_save_period_ms(): save, unless the host
 * is calm and unchanged (est_max_skip_ms()). 1 when skipped, else as
 * est_save. */
int est_timed_save(struct est *s, int64_t now_ms);
/* Save one last time and stop. NULL is a no-op. */
void est_free(struct est *s);

/*
 * How often the state is saved: a twelfth of the shortest trend window
 * of the classes (10 s at the defaults), but not more often than every
 * interval nor every EST_MIN_PERIOD_S.
 */
#define EST_MIN_PERIOD_S 5.0
int64_t est_save_period_ms(const struct agent_conf *c);
/*
 * A timed save is skipped while no sensor is in a rise and what it would
 * hold is, to a restart's use, what the last save held (the same sensors,
 * classes and resolutions, each noise and the host's model within a step
 * of a quarter), for up to this long since that save: a third of the
 * shortest trend window (40 s at the defaults), at least one period.
 */
int64_t est_max_skip_ms(const struct agent_conf *c);

#endif
