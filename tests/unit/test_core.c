/* SPDX-License-Identifier: MIT */
/* Unit tests: buffers and arenas, the int map, the bus, errno names, binfmt probing. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "binfmt.h"
#include "buf.h"
#include "imap.h"
#include "session.h"
#include "sysent.h"

static void test_buf(void **state)
{
	(void)state;
	struct ew_buf b = EW_BUF_INIT;
	assert_string_equal(ew_buf_cstr(&b), "");
	for (int i = 0; i < 1000; i++)
		assert_int_equal(ew_buf_printf(&b, "%d,", i), 0);
	assert_int_equal(strncmp(b.ptr, "0,1,2,", 6), 0);
	assert_int_equal(b.ptr[b.len], '\0');
	size_t len = b.len;
	char big[600];
	memset(big, 'x', sizeof(big));
	assert_int_equal(ew_buf_printf(&b, "%.*s", (int)sizeof(big), big), 0);
	assert_int_equal(b.len, len + sizeof(big));
	ew_buf_clear(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(ew_buf_append(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 3);
	char *s = ew_buf_steal(&b);
	assert_memory_equal(s, "a\0b", 4);
	free(s);
	assert_null(b.ptr);
	ew_buf_free(&b);
}

static void test_arena(void **state)
{
	(void)state;
	struct ew_arena a = EW_ARENA_INIT;
	struct ew_str strs[5000];
	for (int i = 0; i < 5000; i++) {
		char tmp[32];
		int n = snprintf(tmp, sizeof(tmp), "s%d", i);
		strs[i] = ew_arena_str(&a, tmp, (size_t)n);
		assert_non_null(strs[i].ptr);
		assert_int_equal(((uintptr_t)strs[i].ptr) % 16, 0);
	}
	for (int i = 0; i < 5000; i++) {
		char tmp[32];
		snprintf(tmp, sizeof(tmp), "s%d", i);
		assert_string_equal(strs[i].ptr, tmp);
	}
	/* A block bigger than a chunk. */
	void *big = ew_arena_alloc(&a, 1u << 20);
	assert_non_null(big);
	memset(big, 1, 1u << 20);
	ew_arena_reset(&a);
	assert_int_equal(a.used_total, 0);
	assert_non_null(a.head);
	struct ew_str e = ew_arena_str(&a, "", 0);
	assert_non_null(e.ptr);
	assert_int_equal(e.len, 0);
	ew_arena_free(&a);
}

static void test_imap(void **state)
{
	(void)state;
	struct ew_imap m = EW_IMAP_INIT;
	assert_null(ew_imap_get(&m, 5));
	assert_int_equal(ew_imap_put(&m, -1, &m), -EINVAL);
	/* Keys chosen to collide and wrap; delete in an order that exercises backward shift. */
	static int vals[20000];
	for (int i = 0; i < 20000; i++) {
		vals[i] = i;
		assert_int_equal(ew_imap_put(&m, i * 64, &vals[i]), 0);
	}
	assert_int_equal(m.len, 20000);
	for (int i = 0; i < 20000; i += 2)
		assert_ptr_equal(ew_imap_del(&m, i * 64), &vals[i]);
	for (int i = 0; i < 20000; i++) {
		int *v = ew_imap_get(&m, i * 64);
		if (i % 2)
			assert_ptr_equal(v, &vals[i]);
		else
			assert_null(v);
	}
	size_t pos = 0, n = 0;
	int32_t k;
	void *v;
	while (ew_imap_next(&m, &pos, &k, &v)) {
		assert_int_equal(k % 128, 64);
		n++;
	}
	assert_int_equal(n, 10000);
	assert_null(ew_imap_del(&m, 12345));
	ew_imap_free(&m);
}

struct rec {
	int calls;
	uint64_t last_seq;
	struct ew_session *s;
	int unsub_id;
};

static void on_ev(const struct ew_event *ev, void *ud)
{
	struct rec *r = ud;
	r->calls++;
	r->last_seq = ev->seq;
	if (r->unsub_id)
		ew_unsubscribe(r->s, r->unsub_id); /* removing itself while publishing */
}

static void test_bus(void **state)
{
	(void)state;
	struct ew_session *s;
	assert_int_equal(ew_session_new(&s), 0);
	struct rec a = {0}, b = {0};
	int ida = ew_subscribe(s, EW_MASK(EW_EV_EXEC), on_ev, &a);
	int idb = ew_subscribe(s, EW_MASK_ALL, on_ev, &b);
	assert_true(ida > 0 && idb > ida);
	assert_int_equal(ew_subscribe(s, 0, on_ev, &a), -EINVAL);
	assert_true(ew_session_wants(s, EW_EV_FORK));
	struct ew_event ev = {.type = EW_EV_FORK};
	ew_publish(s, &ev);
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 1);
	assert_int_equal(ev.seq, 1);
	assert_true(ev.time_mono_ns > 0 && ev.time_wall_ns > 0);
	ev = (struct ew_event){.type = EW_EV_EXEC};
	b.s = s;
	b.unsub_id = idb;
	ew_publish(s, &ev);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 2);
	assert_int_equal(b.last_seq, 2);
	ew_publish(s, &ev);
	assert_int_equal(b.calls, 2); /* unsubscribed */
	assert_int_equal(a.calls, 2);
	assert_false(ew_session_wants(s, EW_EV_FORK));
	assert_int_equal(ew_unsubscribe(s, idb), -ENOENT);
	ev.type = EW_EV__COUNT; /* invalid: dropped */
	ew_publish(s, &ev);
	assert_int_equal(a.calls, 2);
	ew_session_free(s);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ew_errno_name(ENOENT), "ENOENT");
	assert_string_equal(ew_errno_text(ENOENT), "No such file or directory");
	assert_string_equal(ew_errno_name(ENAMETOOLONG), "ENAMETOOLONG");
	assert_null(ew_errno_name(0));
	assert_null(ew_errno_name(100000));
	assert_string_equal(ew_errno_text(100000), "Unknown error");
	assert_string_equal(ew_event_type_name(EW_EV_EXEC), "exec");
	assert_string_equal(ew_event_type_name(EW_EV_LOST), "lost");
	assert_null(ew_event_type_name(EW_EV__COUNT));
	assert_string_equal(ew_action_name(EW_ACT_EXIT), "exit");
}

static void test_sysent(void **state)
{
	(void)state;
	int execve = ew_sys_lookup("execve");
	assert_int_equal(execve, 59);
	assert_int_equal(ew_sys_canon(AUDIT_ARCH_X86_64, 59), 59);
	assert_int_equal(ew_sys_canon(AUDIT_ARCH_I386, 11), 59);     /* i386 execve */
	assert_int_equal(ew_sys_canon(AUDIT_ARCH_I386, 358), 322);   /* i386 execveat */
	assert_int_equal(ew_sys_canon(AUDIT_ARCH_X86_64, 520 | EW_X32_BIT), 59); /* x32 execve */
	assert_int_equal(ew_sys_native(AUDIT_ARCH_I386, 59), 11);
	assert_string_equal(ew_sys_name(322), "execveat");
	assert_int_equal(ew_sys_canon(AUDIT_ARCH_X86_64, 5000), -1);
	assert_int_equal(ew_sys_canon(0x1234, 1), -1);
	assert_string_equal(ew_arch_name(AUDIT_ARCH_I386, 11), "i386");
	assert_string_equal(ew_arch_name(AUDIT_ARCH_X86_64, 520 | EW_X32_BIT), "x32");
}

static void parse(const char *head, struct ew_binfmt *bf)
{
	ew_binfmt_parse((const unsigned char *)head, strlen(head), -1, bf);
}

static void test_binfmt_script(void **state)
{
	(void)state;
	struct ew_binfmt bf;
	parse("#!/bin/sh\necho hi\n", &bf);
	assert_int_equal(bf.kind, EW_BINFMT_SCRIPT);
	assert_string_equal(bf.interp, "/bin/sh");
	assert_string_equal(bf.arg, "");
	parse("#! \t/usr/bin/env   python3 -u  \n", &bf);
	assert_string_equal(bf.interp, "/usr/bin/env");
	assert_string_equal(bf.arg, "python3 -u"); /* the kernel passes the rest as one argument */
	parse("#!", &bf);
	assert_int_equal(bf.kind, EW_BINFMT_SCRIPT);
	assert_int_equal(bf.interp_len, 0);
	parse("#!/bin/bash", &bf); /* no newline */
	assert_string_equal(bf.interp, "/bin/bash");
	parse("plain text", &bf);
	assert_int_equal(bf.kind, EW_BINFMT_UNKNOWN);
	/* A line longer than the kernel's buffer: only the first 256 bytes count. */
	char longl[400];
	memset(longl, 'a', sizeof(longl));
	memcpy(longl, "#!/x ", 5);
	longl[sizeof(longl) - 1] = '\0';
	parse(longl, &bf);
	assert_string_equal(bf.interp, "/x");
	assert_int_equal(bf.arg_len, EW_BINPRM_BUF - 5);
}

static void test_binfmt_elf(void **state)
{
	(void)state;
	/* A minimal 64-bit ELF with one PT_INTERP phdr in the head buffer. */
	unsigned char img[512];
	memset(img, 0, sizeof(img));
	Elf64_Ehdr *eh = (Elf64_Ehdr *)(void *)img;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_DYN;
	eh->e_machine = EM_X86_64;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 1;
	Elf64_Phdr *ph = (Elf64_Phdr *)(void *)(img + sizeof(*eh));
	ph->p_type = PT_INTERP;
	ph->p_offset = 300;
	ph->p_filesz = 28;
	memcpy(img + 300, "/lib64/ld-linux-x86-64.so.2", 28);
	struct ew_binfmt bf;
	ew_binfmt_parse(img, sizeof(img), -1, &bf);
	assert_int_equal(bf.kind, EW_BINFMT_ELF);
	assert_int_equal(bf.elf_class, ELFCLASS64);
	assert_int_equal(bf.elf_type, ET_DYN);
	assert_string_equal(bf.interp, "/lib64/ld-linux-x86-64.so.2");
	/* Hostile: interpreter beyond the buffer, huge phnum, bad phentsize: no crash, no guess. */
	ph->p_offset = 1u << 30;
	ew_binfmt_parse(img, sizeof(img), -1, &bf);
	assert_int_equal(bf.interp_len, 0);
	ph->p_offset = 300;
	eh->e_phnum = 60000;
	ew_binfmt_parse(img, sizeof(img), -1, &bf);
	assert_int_equal(bf.interp_len, 0);
	eh->e_phnum = 1;
	eh->e_phentsize = 3;
	ew_binfmt_parse(img, sizeof(img), -1, &bf);
	assert_int_equal(bf.interp_len, 0);
	/* Truncated header. */
	ew_binfmt_parse(img, 20, -1, &bf);
	assert_int_equal(bf.kind, EW_BINFMT_ELF);
	assert_int_equal(bf.interp_len, 0);
}

static void test_binfmt_real(void **state)
{
	(void)state;
	struct ew_binfmt bf;
	if (ew_binfmt_probe_at(-100, "/bin/true", false, &bf) < 0)
		skip();
	assert_int_equal(bf.kind, EW_BINFMT_ELF);
	assert_true(bf.interp_len > 0);
	assert_true(strstr(bf.interp, "ld-linux") != NULL);
	assert_int_equal(ew_binfmt_probe_at(-100, "/", false, &bf), -EACCES); /* not regular */
	assert_int_equal(ew_binfmt_probe_at(-100, "/nonexistent/x", false, &bf), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf),	     cmocka_unit_test(test_arena),
		cmocka_unit_test(test_imap),	     cmocka_unit_test(test_bus),
		cmocka_unit_test(test_names),	     cmocka_unit_test(test_sysent),
		cmocka_unit_test(test_binfmt_script), cmocka_unit_test(test_binfmt_elf),
		cmocka_unit_test(test_binfmt_real),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
