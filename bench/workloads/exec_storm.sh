#!/bin/sh
# Exec storm: a shell loop running /bin/true N times (default 2000).
n=${1:-2000}
i=0
while [ "$i" -lt "$n" ]; do
	/bin/true
	i=$((i + 1))
done
