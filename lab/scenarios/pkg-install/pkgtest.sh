#!/bin/bash
# pkg-install's steps: install the Debian package built by scripts/build-deb into this VM's
# file system through overlays over /usr, /etc and /var whose upper layers live in WORK on
# the VM's /dev/shm (the VM's root is the host's, read-only; nothing reaches the host). Each
# phase runs in its own private mount namespace (one runner step each, under its 120 s limit)
# and re-creates the overlays from the same upper layers, so the phases see one system:
#   install  dpkg -i, the installed files, version, man page, completions, example check
#   verify   systemd-analyze verify of the installed unit
#   run      start the daemon the way the unit does (NOTIFY_SOCKET must receive READY=1),
#            `xfrmd status`, SIGTERM
#   remove   dpkg -r: everything but the conffile goes
#   purge    dpkg -P: the conffile and /etc/xfrmd go too
# Prints one labelled line per fact; evaltest matches them.
#   unshare -m bash pkgtest.sh BIN_DIR WORK_DIR PHASE
set -u
BIN="$1"; WORK="$2"; PHASE="$3"
deb=$(ls "$BIN"/../debian/xfrmd_*.deb 2>/dev/null | sort -V | tail -n 1)
[ -n "$deb" ] || { echo "no package under $BIN/../debian: run scripts/build-deb first"; exit 1; }
mount --make-rprivate /
for d in usr etc var; do
    mkdir -p "$WORK/$d/upper" "$WORK/$d/work"
    mount -t overlay overlay -o "lowerdir=/$d,upperdir=$WORK/$d/upper,workdir=$WORK/$d/work" "/$d" \
        || { echo "overlay on /$d failed"; exit 1; }
done
FILES="/usr/sbin/xfrmd /usr/share/man/man8/xfrmd.8.gz /usr/share/bash-completion/completions/xfrmd
/usr/share/zsh/vendor-completions/_xfrmd /usr/share/fish/vendor_completions.d/xfrmd.fish
/usr/share/xfrmd/site.schema.json /etc/xfrmd/site.yaml.example"
unit=$(dpkg -L xfrmd 2>/dev/null | grep -E 'systemd/system/xfrmd\.service$')

case "$PHASE" in
install)
echo "package: $(basename "$deb")"
# man-db's trigger would rebuild the whole man index under emulation: off (overlay only).
rm -f /var/lib/man-db/auto-update
DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" > "$WORK/dpkg-i.log" 2>&1
echo "dpkg-i exit=$?"
echo "dpkg-status: $(dpkg-query -W -f '${Status} ${Version}' xfrmd 2>&1)"
unit=$(dpkg -L xfrmd | grep -E 'systemd/system/xfrmd\.service$')
sed 's/^/dpkg-i: /' "$WORK/dpkg-i.log"
echo "unit: ${unit:-none}"
for f in $FILES $unit; do [ -e "$f" ] && echo "present $f" || echo "missing $f"; done
echo "version: $(xfrmd --version 2>&1)"
echo "man: $(zcat /usr/share/man/man8/xfrmd.8.gz | grep -m 1 '^\.TH')"
echo "bash-completion: $(bash -c '. /usr/share/bash-completion/completions/xfrmd && complete -p xfrmd' 2>&1)"
echo "zsh-completion: $(head -n 1 /usr/share/zsh/vendor-completions/_xfrmd)"
echo "fish-completion: $(grep -c 'complete -c xfrmd' /usr/share/fish/vendor_completions.d/xfrmd.fish) lines"
echo "example: $(xfrmd check /etc/xfrmd/site.yaml.example 2>&1 | tail -n 1)"
;;
verify)
if [ -n "$unit" ]; then
    out=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "$unit" 2>&1); rc=$?
    echo "$out" | sed 's/^/verify-output: /'
    echo "systemd-analyze verify exit=$rc"
else
    echo "no unit installed"
fi
;;
run)
# Start the daemon as the unit does, with a notification socket of our own.
cp /etc/xfrmd/site.yaml.example /etc/xfrmd/site.yaml
echo Pkg.Lab.Key.One > /etc/xfrmd/east-t1.psk
echo Pkg.Lab.Key.Two > /etc/xfrmd/east-t2.psk
chmod 600 /etc/xfrmd/*.psk
mkdir -p /run/xfrmd
rm -f "$WORK/notify.sock"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(40)
print("notify: " + s.recv(256).decode(), flush=True)
' "$WORK/notify.sock" > "$WORK/notify.txt" 2>&1 &
listener=$!
# Python starts slowly under emulation: the socket must exist before the daemon sends.
i=0; while [ ! -S "$WORK/notify.sock" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
NOTIFY_SOCKET="$WORK/notify.sock" /usr/sbin/xfrmd run --config /etc/xfrmd/site.yaml \
    --control /run/xfrmd/control.sock > "$WORK/xfrmd.log" 2>&1 &
daemon=$!
wait "$listener"
cat "$WORK/notify.txt"
echo "status: $(xfrmd status --control /run/xfrmd/control.sock 2>&1 | head -n 3 | tr '\n' '|')"
kill -TERM "$daemon"; wait "$daemon"; echo "daemon exit=$?"
sed 's/^/xfrmd: /' "$WORK/xfrmd.log"
rm -f /etc/xfrmd/site.yaml /etc/xfrmd/*.psk
;;
remove)

dpkg -r xfrmd > "$WORK/dpkg-r.log" 2>&1
echo "dpkg-r exit=$?"
for f in $FILES $unit; do [ -e "$f" ] && echo "after-remove left $f" || echo "after-remove gone $f"; done
sed 's/^/dpkg-r: /' "$WORK/dpkg-r.log"
;;
purge)
dpkg -P xfrmd > "$WORK/dpkg-p.log" 2>&1
echo "dpkg-P exit=$?"
for f in /etc/xfrmd/site.yaml.example /etc/xfrmd; do [ -e "$f" ] && echo "after-purge left $f" || echo "after-purge gone $f"; done
echo "dpkg-status-after: $(dpkg-query -W -f '${Status}' xfrmd 2>&1)"
sed 's/^/dpkg-P: /' "$WORK/dpkg-p.log"
;;
*) echo "unknown phase $PHASE"; exit 2 ;;
esac
