/* SPDX-License-Identifier: MIT */
/* main.c - execwatch's entry point: dispatch to a verb. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "execwatch.h"

static const char usage[] =
	"usage: execwatch <verb> [OPTIONS] ...\n"
	"\n"
	"  record [-o FILE] [--json FILE|-] -- COMMAND   record COMMAND's execs to a database\n"
	"  trace [--json FILE|-] -- COMMAND              print COMMAND's execs live\n"
	"  report [-i FILE] [--json]                     show a recorded process tree\n"
	"  policy check FILE... | learn [-i FILE]        validate or learn an exec policy\n"
	"  deps [-i FILE] [--format text|json|tree]      the dependency manifest (record --deps)\n"
	"  deps --diff A.db B.db | --check FILE.json     compare runs / check this machine\n"
	"  monitor [--json FILE|-] [-o FILE.db] [--comm NAME] [--failed]\n"
	"                                                every exec on the host, live (eBPF, root)\n"
	"\n"
	"  execwatch <verb> --help   options of a verb\n"
	"  execwatch --version       version\n"
	"See execwatch(1).\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *verb = argv[1];
	if (!strcmp(verb, "record") || !strcmp(verb, "trace"))
		return ew_cmd_record(argc - 1, argv + 1);
	if (!strcmp(verb, "report"))
		return ew_cmd_report(argc - 1, argv + 1);
	if (!strcmp(verb, "policy"))
		return ew_cmd_policy(argc - 1, argv + 1);
	if (!strcmp(verb, "deps"))
		return ew_cmd_deps(argc - 1, argv + 1);
	if (!strcmp(verb, "monitor"))
		return ew_cmd_monitor(argc - 1, argv + 1);
	if (!strcmp(verb, "--version") || !strcmp(verb, "version")) {
		printf("execwatch %s\n", ew_version());
		return 0;
	}
	if (!strcmp(verb, "--help") || !strcmp(verb, "-h") || !strcmp(verb, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	ew_err("unknown verb '%s' (try 'execwatch --help')", verb);
	return 2;
}
