#!/bin/sh
# agent/core is the pure policy engine: it includes no I/O or system
# header and calls no clock, no I/O and no randomness (DESIGN.md principle
# 5). Checks every .c and .h in agent/core (comments and string literals
# stripped first); and checks itself on planted violations, so that a
# check that finds nothing still proves it can find something.
. "$(dirname "$0")/../lib.sh"
tw_need_cmd perl

# Headers the engine may use: language support, math, strings, and
# stdio.h/stdlib.h for snprintf and the allocation in eng_create().
ALLOWED='assert.h|float.h|inttypes.h|limits.h|math.h|stdarg.h|stdbool.h|stddef.h|stdint.h|stdio.h|stdlib.h|string.h'
# Calls that read a clock, do I/O, touch the environment or draw random
# numbers (snprintf/vsnprintf only format into memory: allowed).
CALLS='clock_gettime|clock_getres|gettimeofday|time|clock|times|ftime|timespec_get|localtime|localtime_r|gmtime|gmtime_r|mktime|strftime|sleep|usleep|nanosleep|printf|fprintf|vprintf|vfprintf|dprintf|puts|fputs|putchar|fputc|putc|perror|fopen|fdopen|freopen|fclose|fread|fwrite|fgets|fgetc|getc|getchar|fscanf|scanf|fflush|fseek|ftell|rewind|tmpfile|remove|rename|open|openat|creat|read|write|pread|pwrite|close|lseek|stat|fstat|lstat|unlink|mkdir|opendir|readdir|ioctl|fcntl|socket|connect|bind|send|recv|sendto|recvfrom|poll|select|epoll_wait|syslog|openlog|getenv|setenv|putenv|system|popen|fork|exec[a-z]*|kill|raise|signal|sigaction|abort|exit|_exit|rand|srand|random|srandom|rand_r|drand48|getrandom|pthread_[a-z_]*|mosquitto_[a-z_]*|sensors_[a-z_]*|ipmi_[a-z_]*|cJSON_[A-Za-z_]*'

# core_check DIR: print every violation as FILE:LINE: what; 1 if any
core_check() {
	perl -e '
		my ($allowed, $calls, @files) = @ARGV;
		my $bad = 0;
		for my $f (@files) {
			open(my $h, "<", $f) or die "$f: $!";
			local $/;
			my $src = <$h>;
			close $h;
			my %own = map { (m{([^/]+)$})[0] => 1 } @files;
			# blank out comments and literals, keep the newlines
			$src =~ s{/\*.*?\*/}{ (my $c = $&) =~ s/[^\n]/ /g; $c }gse;
			$src =~ s{//[^\n]*}{}g;
			my $n = 0;
			for my $line (split /\n/, $src, -1) {
				$n++;
				$line =~ s{"(?:\\.|[^"\\])*"}{""}g
				    unless $line =~ /^\s*#\s*include/;
				$line =~ s{\x27(?:\\.|[^\x27\\])*\x27}{0}g;
				if ($line =~ /^\s*#\s*include\s*<([^>]+)>/) {
					next if $1 =~ /^(?:$allowed)$/;
					print "$f:$n: includes <$1>\n";
					$bad = 1;
				} elsif ($line =~ /^\s*#\s*include\s*"([^"]*)"/) {
					next if $own{$1};
					print "$f:$n: includes \"$1\" from outside the core\n";
					$bad = 1;
				} elsif ($line =~ /(?<![\w.>])($calls)\s*\(/) {
					print "$f:$n: calls $1()\n";
					$bad = 1;
				}
			}
		}
		exit $bad;
	' "$ALLOWED" "$CALLS" "$1"/*.c "$1"/*.h
}

out=$(core_check "$TW_SRC/agent/core")
rc=$?
[ -n "$out" ] && echo "$out"
check_eq "agent/core: no I/O header, no clock, no I/O call" "$rc" 0

# The check finds what it is there for.
T=$(mktemp -d /tmp/tw-core.XXXXXX)
tw_at_exit 'rm -rf "$T"'
cat >"$T/bad.c" <<'C'
/* time(NULL) in a comment and "clock_gettime(" in a string are fine */
#include <stdio.h>
#include <time.h>
#include <sys/socket.h>
#include "log.h"
#include "ok.h"
static const char *s = "fopen(";
int
f(void)
{
	struct timespec ts;
	char buf[8];

	snprintf(buf, sizeof(buf), "%d", 1);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int)time(NULL) + printf("x") + rand();
}
C
printf '/* ok.h */\n#include <math.h>\n' >"$T/ok.h"
out=$(core_check "$T")
rc=$?
echo "$out" | sed 's/^/# planted: /'
check_eq "planted violations make it fail" "$rc" 1
for what in "includes <time.h>" "includes <sys/socket.h>" \
    "includes \"log.h\" from outside the core" "calls clock_gettime()" \
    "calls time()"; do
	check "planted: $what" sh -c "echo \"\$1\" | grep -qF \"\$2\"" _ \
	    "$out" "$what"
done
check_eq "comments, strings, snprintf and own headers pass" \
    "$(echo "$out" | grep -c -e ':1:' -e ':6:' -e ':7:' -e ':14:')" 0
check_eq "one report per line (time, printf, rand on one line: the first)" \
    "$(echo "$out" | wc -l)" 5

tw_done
