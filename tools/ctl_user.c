/*
 * ctl_user.c: cofferctl acts as the user who owns the store.
 *
 * The unsealed key lives in the kernel user keyring of the uid the
 * programs run as (vault/keyholder.h), and the store's files must stay
 * that uid's.  A cofferctl run as root (sudo cofferctl seal) would seal,
 * unseal and report on root's keyring, not the programs', and leave files
 * the programs cannot read.  So before it opens the store, cofferctl
 * takes on the owner: the gdbm store file's owner, or, for a store named
 * by a scheme (PostgreSQL), the owner of the per-host state files' folder
 * (config.h: state); a store a user other than root is about to make
 * (restore) will be that user's.  root becomes that user: group,
 * supplementary groups, then uid, each checked, with no way back.  The
 * files the operator names for the command to read (a share, a key, a
 * dump) are opened first, as root, since they are the operator's and
 * often root's alone (ctl_preopen).  Anyone else who is not the owner is
 * refused before the store is opened.  The owner's user keyring is then
 * linked into a session keyring of cofferctl's own, so that the keys it
 * holds are cofferctl's to change.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <keyutils.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/config.h"
#include "ctl.h"

#define OWNER_NAME_MAX 64
#define PREOPEN_MAX    8 /* more input files than any command takes */

/* The options whose value is a file the command reads. */
static const char *const input_opts[] = {"--share-file", "--cert", "--key",
    "--public-key-file", "--password-file", NULL};

/* Files opened before becoming the owner, by the name given; closed at
 * exit. */
static struct {
	const char *path;
	int fd;
} preopened[PREOPEN_MAX];
static size_t npreopened;

static void
preopen_one(const char *path)
{
	int fd;

	if (npreopened == PREOPEN_MAX)
		return;
	/* One that fails is opened again later, which says why. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	preopened[npreopened].path = path;
	preopened[npreopened++].fd = fd;
}

void
ctl_preopen(int argc, char **argv)
{
	int i;
	size_t k;

	if (geteuid() != 0 || argc < 1)
		return;
	if (!strcmp(argv[0], "restore") && argc == 2)
		preopen_one(argv[1]);
	for (i = 1; i + 1 < argc; i++)
		for (k = 0; input_opts[k] != NULL; k++)
			if (!strcmp(argv[i], input_opts[k]))
				preopen_one(argv[i + 1]);
}

int
ctl_open_input(const char *path)
{
	size_t i;

	for (i = 0; i < npreopened; i++)
		if (!strcmp(preopened[i].path, path))
			return fcntl(preopened[i].fd, F_DUPFD_CLOEXEC, 0);
	return open(path, O_RDONLY | O_CLOEXEC);
}

FILE *
ctl_fopen_input(const char *path)
{
	FILE *f;
	int fd;

	if ((fd = ctl_open_input(path)) == -1)
		return NULL;
	if ((f = fdopen(fd, "r")) == NULL)
		close(fd);
	return f;
}

/* The folder of path: "." for a bare name, "/" for one in the root. */
static int
folder_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');
	int n;

	if (slash == NULL)
		n = snprintf(dir, len, ".");
	else if (slash == path)
		n = snprintf(dir, len, "/");
	else
		n = snprintf(dir, len, "%.*s", (int)(slash - path), path);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * The owner's file, in *st: the gdbm store itself; its folder when it is
 * not there yet (only restore, may_create, makes it: *missing is set) or
 * when this user may not enter the folder; for a store named by a scheme,
 * the state files' folder.  1 when a gdbm store is missing and may not be
 * made (the caller says so and creates nothing), -1 said on stderr.
 */
static int
owner_stat(const struct cf_config *cfg, int by_scheme, int may_create,
    struct stat *st, int *missing)
{
	char dir[sizeof(cfg->state)];
	const char *file = by_scheme ? cfg->state : cfg->store;

	*missing = 0;
	if (!by_scheme) {
		if (stat(file, st) == 0)
			return 0;
		if (errno == ENOENT && !may_create)
			return 1;
		if (errno != ENOENT && errno != EACCES)
			goto fail;
		*missing = errno == ENOENT;
	}
	if (folder_of(file, dir, sizeof(dir)) != 0) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	file = dir;
	if (stat(file, st) == 0)
		return 0;
fail:
	fprintf(stderr,
	    "cofferctl: cannot tell who owns the store: %s: %s (check "
	    "`store` and `state_dir` in %s)\n",
	    file, strerror(errno), cfg->path);
	return -1;
}

/* Become uid for good: no supplementary group of root's is kept, and
 * getting root back must fail. */
static int
become(uid_t uid, gid_t gid, const char *user)
{
	if (setgid(gid) == -1 ||
	    (user != NULL ? initgroups(user, gid) : setgroups(0, NULL)) == -1 ||
	    setuid(uid) == -1) {
		fprintf(stderr,
		    "cofferctl: cannot become the store's owner: %s\n",
		    strerror(errno));
		return -1;
	}
	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid || setuid(0) != -1) {
		fprintf(stderr, "cofferctl: cannot become the store's owner "
		                "for good\n");
		return -1;
	}
	return 0;
}

/*
 * The keyholder sets a new key's permissions, which takes possessing the
 * key: reaching it from the session keyring.  The session keyring this
 * process inherited may be another user's (the one sudo's or runuser's
 * PAM session made for root), where the owner's user keyring is not; so a
 * session keyring of its own, with the user keyring in it, as pam_keyinit
 * makes at a login.
 */
static int
own_session_keyring(void)
{
	if (keyctl_join_session_keyring(NULL) == -1 ||
	    keyctl_link(KEY_SPEC_USER_KEYRING, KEY_SPEC_SESSION_KEYRING) ==
	        -1) {
		fprintf(stderr,
		    "cofferctl: cannot reach the store owner's keyring: %s\n",
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
ctl_become_owner(
    const struct cf_config *cfg, int by_scheme, int may_create, int verbose)
{
	char name[OWNER_NAME_MAX];
	struct passwd *pw;
	struct stat st;
	gid_t gid;
	uid_t me = geteuid();
	int rc, known, missing;

	if ((rc = owner_stat(cfg, by_scheme, may_create, &st, &missing)) != 0)
		return rc > 0 ? 0 : -1;
	/* A store this user is about to make (restore) will be theirs:
	 * only root, whose files the programs could not use, takes on the
	 * folder's owner. */
	if (missing && me != 0)
		st.st_uid = me;
	/* A uid without a name (a removed user) still owns the store: then
	 * the file's group, and no supplementary groups. */
	pw = getpwuid(st.st_uid);
	known = pw != NULL && strlen(pw->pw_name) < sizeof(name);
	if (known)
		snprintf(name, sizeof(name), "%s", pw->pw_name);
	else
		snprintf(
		    name, sizeof(name), "uid %lu", (unsigned long)st.st_uid);
	gid = known ? pw->pw_gid : st.st_gid;
	if (st.st_uid != me && me != 0) {
		if (st.st_uid == 0)
			fprintf(stderr,
			    "cofferctl: the store belongs to root: run as "
			    "root\n");
		else
			fprintf(stderr,
			    "cofferctl: the store belongs to %s: run as %s or "
			    "as root\n",
			    name, name);
		return -1;
	}
	if (st.st_uid != me && become(st.st_uid, gid, known ? name : NULL) != 0)
		return -1;
	if (own_session_keyring() != 0)
		return -1;
	if (verbose)
		fprintf(stderr, "cofferctl: acting as %s, the store's owner\n",
		    name);
	return 0;
}
