/* SPDX-License-Identifier: MIT */
/*
 * argv_null [env] - execve("/bin/true", NULL, environ): Linux accepts a NULL argv (and, since
 * 5.18, gives the new program argv = [""]). With "env", envp is NULL as well. The exec succeeds,
 * so the exit status is /bin/true's (0); 1 if the exec failed.
 */
#include "progs.h"

int main(int argc, char **argv)
{
	char **envp = environ;

	prog_init(argv[0]);
	if (argc > 1 && !strcmp(argv[1], "env"))
		envp = NULL;
	raw_execve("/bin/true", NULL, envp);
	die(errno, "execve with argv NULL");
}
