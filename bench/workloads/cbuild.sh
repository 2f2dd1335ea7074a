#!/bin/bash
# cbuild.sh DIR: (re)creates a tiny C project in DIR (8 sources, a Makefile) for `make -j2 -B`.
set -euo pipefail
d=$1
mkdir -p "$d"
for i in 1 2 3 4 5 6 7 8; do
	cat >"$d/m$i.c" <<C
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
int f$i(int x);
int f$i(int x) { char b[64]; snprintf(b, sizeof b, "%d", x * $i); return (int)strlen(b) + atoi(b); }
C
done
cat >"$d/main.c" <<'C'
#include <stdio.h>
int f1(int), f2(int), f3(int), f4(int), f5(int), f6(int), f7(int), f8(int);
int main(void) { printf("%d\n", f1(1) + f2(2) + f3(3) + f4(4) + f5(5) + f6(6) + f7(7) + f8(8)); return 0; }
C
printf 'OBJS = main.o m1.o m2.o m3.o m4.o m5.o m6.o m7.o m8.o\nprog: $(OBJS)\n\tcc -o $@ $(OBJS)\n%%.o: %%.c\n\tcc -O1 -c -o $@ $<\n' >"$d/Makefile"
