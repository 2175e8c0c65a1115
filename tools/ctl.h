/*
 * ctl.h: what cofferctl's command files share.
 *
 * cofferctl works on the store directly, as the uid the FastCGI programs
 * run as (root becomes the store's owner first: ctl_user.c), so an
 * operator can manage a box its HTTP API cannot reach.
 * Secrets (shares, passwords) are read from files or stdin, never taken
 * from the command line, where ps would show them.  Exit statuses are
 * the same for every command: CTL_OK, CTL_FAIL (the store refused or
 * failed: sealed, unknown, already there, an I/O error) and CTL_USAGE (a
 * bad command line or invalid input; nothing was written).  A command
 * that changes something says so in one line on stdout; errors go to
 * stderr in plain words, and the library's log only with -v.
 */
#ifndef COFFER_CTL_H
#define COFFER_CTL_H

#include <stddef.h>
#include <stdio.h>

#include "base/errors.h"

#define CTL_OK    0
#define CTL_FAIL  1
#define CTL_USAGE 2

struct vault;
struct cf_config;

/* cofferctl.c: one line of text, without echo when stdin is a terminal. */
int ctl_read_secret_line(const char *prompt, char *buf, size_t len);
/* cofferctl.c: a whole PEM file (malloc'd, NUL-terminated), at most
 * PKI_MAX_PEM bytes, or NULL (said on stderr). */
char *ctl_read_pem(const char *file, size_t *len);

/* cofferctl.c: st in an operator's words, saying what to do; never the
 * internal status name. */
const char *ctl_status_text(enum cf_status st);
/* cofferctl.c: one command's entry of the help: syntax, then what it does. */
void ctl_help_line(
    FILE *f, const char *name, const char *syntax, const char *what);

/* ctl_user.c: become the store's owner (by_scheme: cfg->store names no
 * file; may_create: the command may make it), saying who with verbose.
 * 0, also when a gdbm store is missing and may not be made (the caller
 * refuses); -1 said on stderr, nothing opened. */
int ctl_become_owner(
    const struct cf_config *cfg, int by_scheme, int may_create, int verbose);

/* ctl_user.c: as root, before ctl_become_owner, open the files argv names
 * for the command to read (--share-file, --cert, --key, --public-key-file,
 * --password-file, restore's dump) with root's rights.  The commands open
 * their input through ctl_open_input or ctl_fopen_input, which give a
 * preopened file by the name given, else open it now; -1 or NULL and
 * errno. */
void ctl_preopen(int argc, char **argv);
int ctl_open_input(const char *path);
FILE *ctl_fopen_input(const char *path);

#define SHARE_LINE 256 /* a share as text, its newline and NUL */
/* cofferctl.c: t key shares, one a line: file's lines (empty ones
 * skipped), or without file stdin's, without echo on a terminal.  *k is
 * how many were read, which is t unless input ran out; NULL when none
 * could be (said on stderr).  ctl_shares_free wipes and frees them. */
char **ctl_read_shares(const char *file, unsigned t, unsigned *k);
void ctl_shares_free(char **sh, unsigned t);

/* ctl_keys.c: rotate, rewrap and rekey.  The exit status, or -1 when
 * argv[0] names none of its commands. */
int ctl_keys_run(
    struct vault *v, const struct cf_config *cfg, int argc, char **argv);
/* Its entries of the help; one command's (0), or -1 if it has none. */
void ctl_keys_usage(FILE *f);
int ctl_keys_help(FILE *f, const char *name);
/* status's keyring section: each term and the records it seals. */
int ctl_keys_status(struct vault *v);

/* ctl_acme.c: ACME's External Account Binding keys.  The exit status,
 * or -1 when argv[0] names none of its commands. */
int ctl_acme_run(
    struct vault *v, const struct cf_config *cfg, int argc, char **argv);
/* Its entries of the help; one command's (0), or -1 if it has none. */
void ctl_acme_usage(FILE *f);
int ctl_acme_help(FILE *f, const char *name);

/* ctl_iam.c: users, service accounts, groups and grants.  The exit
 * status, or -1 when argv[0] names none of its commands. */
int ctl_iam_run(
    struct vault *v, const struct cf_config *cfg, int argc, char **argv);
/* Its entries of the help; one command's (0), or -1 if it has none. */
void ctl_iam_usage(FILE *f);
int ctl_iam_help(FILE *f, const char *name);

/* ctl_kv.c: the secrets client (get, put, patch, ls, rm, versions) over
 * HTTP to $COFFER_ADDR with $COFFER_TOKEN; it opens no store or config and
 * never changes user, so main() runs it first.  Its put KEY=VALUE is the
 * one secret a command line may carry, as `vault kv put`'s; KEY=@FILE and
 * KEY=- keep it from ps.  The exit status, or -1 when argv[0] names none
 * of its commands. */
int ctl_kv_run(int argc, char **argv);
/* Its entries of the help; one command's (0), or -1 if it has none. */
void ctl_kv_usage(FILE *f);
int ctl_kv_help(FILE *f, const char *name);

/* ctl_transfer.c: export and import of a store over HTTP, clients like
 * ctl_kv.c's (no store, config or user), with a progress bar.  The exit
 * status, or -1 when argv[0] names none of its commands. */
int ctl_transfer_run(int argc, char **argv);
/* Its entries of the help; one command's (0), or -1 if it has none. */
void ctl_transfer_usage(FILE *f);
int ctl_transfer_help(FILE *f, const char *name);

#endif
