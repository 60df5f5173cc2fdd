/*
 * dlload.c - resolve a library's functions with dlopen(3)/dlsym(3). See
 * dlload.h.
 */
#include "dlload.h"

#include <dlfcn.h>
#include <string.h>

static bool
load(const char *soname, const struct dll_sym *syms, int n)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	int i;

	for (i = 0; i < n; i++)
		memset(syms[i].fnp, 0, syms[i].size);
	if (h == NULL)
		return false;
	for (i = 0; i < n; i++) {
		void *sym = dlsym(h, syms[i].name);

		/* POSIX has a void * from dlsym convert to a function
		 * pointer; ISO C has no such conversion: copy the bytes */
		if (sym == NULL || syms[i].size != sizeof(sym))
			break;
		memcpy(syms[i].fnp, &sym, sizeof(sym));
	}
	if (i == n)
		return true;
	for (i = 0; i < n; i++)
		memset(syms[i].fnp, 0, syms[i].size);
	return false;
}

bool
dll_load(struct dll_once *once, const char *soname, const struct dll_sym *syms,
    int n)
{
	if (!once->tried) {
		once->tried = true;
		once->ok = load(soname, syms, n);
	}
	return once->ok;
}
