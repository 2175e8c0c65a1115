#!/usr/bin/python3
"""Socket activation of one instance of a systemd socket/service template
pair, done as systemd does it, for a test where systemd is not PID 1
(tests/suites/systemd_units_test.sh).

    socket_activate.py UNITDIR NAME INSTANCE LOG

reads UNITDIR/NAME@.socket and UNITDIR/NAME@.service, with the drop-ins of
UNITDIR/NAME@.service.d/*.conf, creates the socket as its [Socket] section
says, and returns.  A child left behind waits for the first connection and
then starts the service's ExecStart: the listening socket as fd 0
(StandardInput=socket, Accept=no) and as fd 3 (LISTEN_FDS=1), as User and
Group, with the unit's Environment, its sandbox (ProtectSystem,
ReadWritePaths, PrivateTmp, ProtectHome, NoNewPrivileges, LimitCORE) built
with a mount namespace, and its stderr appended to LOG (the journal).

Every directive of the units must be one this script knows: a unit that
grows a setting the test would silently ignore fails here instead.  One is
accepted without being emulated: KeyringMode=shared (a session keyring
with the user keyring linked in), since Coffer addresses the user keyring
directly (KEY_SPEC_USER_KEYRING) and owns every permission on it as its
user, whatever the session keyring.
"""
import glob
import grp
import os
import pwd
import select
import shlex
import socket
import stat
import sys

# Directives that change nothing a test on one host can observe.
METADATA = {
    "Unit": {"Description", "Documentation", "Requires", "Wants", "After",
             "Before", "PartOf"},
    "Install": {"WantedBy", "RequiredBy", "Also"},
}
SOCKET_KEYS = {"ListenStream", "SocketUser", "SocketGroup", "SocketMode",
               "DirectoryMode", "Accept"}
SERVICE_KEYS = {"Type", "User", "Group", "ExecStart", "StandardInput",
                "StandardOutput", "StandardError", "Environment",
                "KeyringMode", "NoNewPrivileges", "PrivateTmp",
                "ProtectSystem", "ProtectHome", "ReadWritePaths",
                "LimitCORE"}
# Directives that may be given more than once and accumulate.
LISTS = {"Environment", "ReadWritePaths", "ExecStart"}


def die(msg):
    sys.stderr.write("socket_activate: %s\n" % msg)
    sys.exit(1)


def expand(value, instance):
    out, i = [], 0
    while i < len(value):
        c = value[i]
        if c == "%" and i + 1 < len(value):
            s = value[i + 1]
            if s == "i":
                out.append(instance)
            elif s == "%":
                out.append("%")
            else:
                die("specifier %%%s is not emulated" % s)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def parse(paths, instance, known):
    """The sections of the unit files PATHS (later ones override), checked
    against KNOWN {section: keys}."""
    units = {}
    for path in paths:
        section = None
        with open(path) as f:
            text = f.read().replace("\\\n", " ")
        for line in text.splitlines():
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
                if section not in known:
                    die("%s: section [%s] is not emulated" % (path, section))
                units.setdefault(section, {})
                continue
            key, sep, value = line.partition("=")
            key, value = key.strip(), value.strip()
            if not sep or section is None:
                die("%s: cannot parse %r" % (path, line))
            if key not in known[section]:
                die("%s: [%s] %s= is not emulated" % (path, section, key))
            value = expand(value, instance)
            sec = units[section]
            if key in LISTS:
                if value == "":
                    sec[key] = []
                else:
                    sec.setdefault(key, []).append(value)
            else:
                sec[key] = value
    return units


def want(sec, key, allowed, default=None):
    v = sec.get(key, default)
    if v not in allowed:
        die("%s=%s is not emulated (only %s)" % (key, v, ", ".join(
            str(a) for a in allowed)))
    return v


def make_socket(sock_sec):
    path = sock_sec.get("ListenStream", "")
    if not path.startswith("/"):
        die("ListenStream=%s: only a Unix socket path is emulated" % path)
    want(sock_sec, "Accept", {"no", "false", None})
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        # systemd makes missing parents itself, owned by root.
        os.makedirs(parent, int(sock_sec.get("DirectoryMode", "0755"), 8))
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(socket.SOMAXCONN)
    uid = pwd.getpwnam(sock_sec.get("SocketUser", "root")).pw_uid
    gid = grp.getgrnam(sock_sec.get("SocketGroup", "root")).gr_gid
    os.chown(path, uid, gid)
    os.chmod(path, int(sock_sec.get("SocketMode", "0666"), 8))
    return s


def sandbox(svc):
    """The shell lines that build the service's mount sandbox."""
    lines = ["set -e", "mount --make-rprivate /"]
    rw = []
    for v in svc.get("ReadWritePaths", []):
        rw += v.split()
    for p in rw:
        if p.startswith("-"):
            die("ReadWritePaths=-PATH is not emulated")
        # A path that does not exist fails the service, as under systemd.
        lines.append("mount --bind %s %s" % (shlex.quote(p), shlex.quote(p)))
    ps = want(svc, "ProtectSystem", {"strict", "no", None})
    if ps == "strict":
        # Every mount read-only but the API file systems and the
        # ReadWritePaths.
        skip = " ".join(shlex.quote(p) for p in rw)
        lines.append("""awk '{ print $5 }' /proc/self/mountinfo | sort -u |
while read -r m; do
	case "$m" in /proc | /proc/* | /sys | /sys/* | /dev | /dev/*) continue ;; esac
	for p in %s; do [ "$m" = "$p" ] && continue 2; done
	# A mount hidden under another one cannot be reached: skip it.
	mount -o remount,bind,ro "$m" 2>/dev/null || ! mountpoint -q "$m"
done""" % skip)
    if want(svc, "ProtectHome", {"yes", "no", None}) == "yes":
        for d in ("/home", "/root", "/run/user"):
            lines.append("[ ! -d %s ] || mount -t tmpfs -o mode=000 tmpfs %s"
                         % (d, d))
    if want(svc, "PrivateTmp", {"yes", "no", None}) == "yes":
        for d in ("/tmp", "/var/tmp"):
            lines.append("mount -t tmpfs -o mode=1777 tmpfs %s" % d)
    core = svc.get("LimitCORE")
    if core is not None:
        lines.append("ulimit -c %s" % shlex.quote(core))
    return "\n".join(lines)


def main():
    if len(sys.argv) != 5:
        die("usage: socket_activate.py UNITDIR NAME INSTANCE LOG")
    unitdir, name, instance, log = sys.argv[1:]
    sock_units = parse([os.path.join(unitdir, name + "@.socket")], instance,
                       dict(METADATA, Socket=SOCKET_KEYS))
    paths = [os.path.join(unitdir, name + "@.service")]
    paths += sorted(glob.glob(os.path.join(unitdir, name + "@.service.d",
                                           "*.conf")))
    svc_units = parse(paths, instance, dict(METADATA, Service=SERVICE_KEYS))
    svc = svc_units.get("Service", {})
    want(svc, "Type", {"simple", None})
    want(svc, "StandardInput", {"socket"})
    want(svc, "StandardOutput", {"null"})
    want(svc, "StandardError", {"journal", None})
    want(svc, "KeyringMode", {"shared", None})
    argv = svc.get("ExecStart", [])
    if len(argv) != 1:
        die("exactly one ExecStart= is emulated")
    argv = shlex.split(argv[0])
    if argv[0][0] in "-@+!:":
        die("ExecStart prefixes are not emulated")
    user = pwd.getpwnam(svc.get("User", "root"))
    group = svc.get("Group", grp.getgrgid(user.pw_gid).gr_name)
    env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin",
           "USER=" + user.pw_name, "LOGNAME=" + user.pw_name,
           "HOME=" + user.pw_dir, "SHELL=" + user.pw_shell,
           "LISTEN_FDS=1", "LISTEN_FDNAMES=%s@%s.socket" % (name, instance)]
    for v in svc.get("Environment", []):
        env += shlex.split(v)
    nnp = want(svc, "NoNewPrivileges", {"yes", "no", None}) == "yes"

    s = make_socket(sock_units.get("Socket", {}))
    if os.fork() > 0:
        return
    os.setsid()
    # Accept=no: the service starts when the first client connects.
    select.select([s], [], [])
    fd = s.fileno()
    os.dup2(fd, 0)
    os.dup2(fd, 3)
    os.set_inheritable(0, True)
    os.set_inheritable(3, True)
    if fd not in (0, 3):
        os.close(fd)
    devnull = os.open("/dev/null", os.O_WRONLY)
    os.dup2(devnull, 1)
    err = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.dup2(err, 2)
    script = sandbox(svc) + """
exec setpriv --reuid=%s --regid=%s --init-groups %s \\
    env -i "$@" LISTEN_PID=$$ %s""" % (
        user.pw_uid, grp.getgrnam(group).gr_gid,
        "--no-new-privs" if nnp else "",
        " ".join(shlex.quote(a) for a in argv))
    os.execvp("unshare", ["unshare", "--mount", "--propagation", "private",
                          "sh", "-c", script, "service"] + env)


if __name__ == "__main__":
    main()
