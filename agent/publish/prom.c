/*
 * prom.c - the Prometheus text format writer (see prom.h).
 */
#include "prom.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

struct prom {
	FILE *f;
	char *buf;
	size_t len;
	char family[128];
	bool failed;
};

struct prom *
prom_new(void)
{
	struct prom *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->f = open_memstream(&p->buf, &p->len);
	if (p->f == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void
prom_free(struct prom *p)
{
	if (p == NULL)
		return;
	if (p->f != NULL)
		fclose(p->f);
	free(p->buf);
	free(p);
}

/* The length of the valid UTF-8 sequence at s, or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned c = s[0];
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* no overlong forms, no surrogates, nothing above U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* Text with \ and newline escaped, and " too in label values. */
static void
put_escaped(struct prom *p, const char *s, bool label)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n;

	while (*u != '\0') {
		if (*u == '\\')
			fputs("\\\\", p->f);
		else if (*u == '\n')
			fputs("\\n", p->f);
		else if (*u == '"' && label)
			fputs("\\\"", p->f);
		else if ((n = utf8_len(u)) == 0)
			fputc('?', p->f);
		else {
			fwrite(u, 1, n, p->f);
			u += n;
			continue;
		}
		u++;
	}
}

static bool
name_ok(const char *s, bool metric)
{
	if (s == NULL ||
	    !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		*s == '_' || (metric && *s == ':')))
		return false;
	for (s++; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			(*s >= '0' && *s <= '9') || *s == '_' ||
			(metric && *s == ':')))
			return false;
	return true;
}

void
prom_family(
    struct prom *p, const char *name, const char *type, const char *help)
{
	if (p->f == NULL || !name_ok(name, true) ||
	    strlen(name) >= sizeof(p->family)) {
		p->failed = true;
		return;
	}
	snprintf(p->family, sizeof(p->family), "%s", name);
	fprintf(p->f, "# HELP %s ", name);
	put_escaped(p, help, false);
	fprintf(p->f, "\n# TYPE %s %s\n", name, type);
}

static void
put_value(struct prom *p, double v)
{
	if (isnan(v))
		fputs("NaN", p->f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", p->f);
	else
		fprintf(p->f, "%.15g", v);
}

void
prom_sample(struct prom *p, const char *const *labels, double v)
{
	int i;

	if (p->f == NULL || p->family[0] == '\0') {
		p->failed = true;
		return;
	}
	fputs(p->family, p->f);
	for (i = 0; labels != NULL && labels[i] != NULL; i += 2) {
		if (!name_ok(labels[i], false) || labels[i + 1] == NULL) {
			p->failed = true;
			break;
		}
		fprintf(p->f, "%s%s=\"", i == 0 ? "{" : ",", labels[i]);
		put_escaped(p, labels[i + 1], true);
		fputc('"', p->f);
	}
	if (i > 0)
		fputc('}', p->f);
	fputc(' ', p->f);
	put_value(p, v);
	fputc('\n', p->f);
}

const char *
prom_text(struct prom *p, size_t *len)
{
	if (p->f == NULL || fflush(p->f) != 0 || ferror(p->f) || p->failed)
		return NULL;
	if (len != NULL)
		*len = p->len;
	return p->buf;
}

int
prom_write_file(struct prom *p, const char *path)
{
	char tmp[PATH_MAX];
	const char *text;
	size_t len;
	int fd, rc;

	if ((text = prom_text(p, &len)) == NULL)
		return -ENOMEM;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(
	    tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	rc = fio_write_all(fd, text, len);
	/* the umask may have taken the read bits node_exporter needs */
	if (rc == 0 && fchmod(fd, 0644) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}
