/*
 * dlload.h - a shared library's functions resolved at run time
 * (dlopen(3)), for libraries that only some hosts need: what is not used
 * is not mapped. sdlib.c (libsystemd) and sodlib.c (libsodium) use it.
 */
#ifndef THERMWATCH_DLLOAD_H
#define THERMWATCH_DLLOAD_H

#include <stdbool.h>
#include <stddef.h>

/* A function to resolve: its name, where its pointer goes, the size of
 * that pointer. */
struct dll_sym {
	const char *name;
	void *fnp;
	size_t size;
};

#define DLL_SYM(name, ptr)                \
	{                                 \
		name, &(ptr), sizeof(ptr) \
	}

/* Whether a library was tried, and with what result. */
struct dll_once {
	bool tried, ok;
};

/* The first time: open soname (kept open for the process) and fill every
 * pointer. Then: that result again. False (every pointer NULL) when it
 * or one of the functions is missing. */
bool dll_load(struct dll_once *once, const char *soname,
    const struct dll_sym *syms, int n);

/* The same type as the library's header declares for f: checked at
 * compile time, without linking f (_Generic does not evaluate). */
#define DLL_SAME_TYPE(f, T) _Generic(&(f), T * : 1, default : 0)

#endif
