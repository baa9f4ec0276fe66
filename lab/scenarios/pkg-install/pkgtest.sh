#!/bin/bash
# pkg-install's steps: install the Debian package built by scripts/build-deb into this VM's
# file system through overlays over /usr, /etc and /var whose upper layers live in WORK on
# the VM's /dev/shm (the VM's root is the host's, read-only; nothing reaches the host). Each
# phase runs in its own private mount namespace (one runner step each, under its 120 s limit)
# and re-creates the overlays from the same upper layers, so the phases see one system:
#   install  dpkg -i, the installed files, version, man page, completions, example check
#   verify   systemd-analyze verify of the installed unit
#   boot     a real systemd (the host's Debian systemd 252) as PID 1 of new PID, mount and
#            cgroup namespaces (its own /run tmpfs and cgroup2 mount, container=xfrmd-lab),
#            started on an empty target: the unit runs under a real service manager
#   start    systemctl start xfrmd (Type=notify: active only after READY=1), status, the main
#            process's capabilities, `xfrmd status` through the control socket
#   cycle    systemctl reload (ExecReload: SIGHUP applies an edited file; an invalid one is
#            refused), restart (new main PID; ExecStop's --keep-sas keeps an ESP SA and the
#            interfaces, the new process adopts them), stop (the process, /run/xfrmd, its
#            xfrm interfaces and SAs are gone)
#   remove   start again, then dpkg -r under the manager: the prerm stops the service, every
#            file but the conffile goes, the unit is masked
#   halt     the manager exits (its PID namespace ends with it)
#   purge    dpkg -P: the conffile and /etc/xfrmd go too
# start, cycle, remove and halt run inside the manager's namespaces (nsenter).
# Prints one labelled line per fact; evaltest matches them.
#   unshare -m bash pkgtest.sh BIN_DIR WORK_DIR PHASE   (install verify boot purge)
#   bash pkgtest.sh BIN_DIR WORK_DIR PHASE              (start cycle remove halt)
set -u
BIN="$1"; WORK="$2"; PHASE="$3"
deb=$(ls "$BIN"/../debian/xfrmd_*.deb 2>/dev/null | sort -V | tail -n 1)
[ -n "$deb" ] || { echo "no package under $BIN/../debian: run scripts/build-deb first"; exit 1; }
case "$PHASE" in
start|cycle|remove|halt)
    # Into the manager's mount and PID namespaces (the network namespace is already ours).
    if [ -z "${PKG_INSIDE:-}" ]; then
        sd=$(cat "$WORK/systemd.pid" 2>/dev/null)
        [ -n "$sd" ] && kill -0 "$sd" 2>/dev/null || { echo "no systemd manager running"; exit 1; }
        if [ "$PHASE" = halt ]; then
            nsenter -t "$sd" -m -p systemctl exit 0; echo "systemctl-exit exit=$?"
            i=0; while kill -0 "$sd" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
            if kill -0 "$sd" 2>/dev/null; then echo "manager still running: SIGKILL"; kill -9 "$sd"; else echo "manager gone"; fi
            exit 0
        fi
        exec nsenter -t "$sd" -m -p env PKG_INSIDE=1 bash "$0" "$@"
    fi ;;
*)
mount --make-rprivate /
for d in usr etc var; do
    mkdir -p "$WORK/$d/upper" "$WORK/$d/work"
    mount -t overlay overlay -o "lowerdir=/$d,upperdir=$WORK/$d/upper,workdir=$WORK/$d/work" "/$d" \
        || { echo "overlay on /$d failed"; exit 1; }
done ;;
esac
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
boot)
# The site file and keys the unit's ExecStart reads (ConditionPathExists=/etc/xfrmd/site.yaml).
cp /etc/xfrmd/site.yaml.example /etc/xfrmd/site.yaml
echo Pkg.Lab.Key.One > /etc/xfrmd/east-t1.psk
echo Pkg.Lab.Key.Two > /etc/xfrmd/east-t2.psk
chmod 600 /etc/xfrmd/*.psk
# The build machine's /usr/sbin/policy-rc.d (a container image's) refuses every service action
# (exit 101), so the prerm's `deb-systemd-invoke stop` would do nothing: an installed Debian
# system has none. Removed in the overlay only.
[ -e /usr/sbin/policy-rc.d ] && rm -f /usr/sbin/policy-rc.d && echo "policy-rc.d: removed (overlay)"
# A minimal boot: an empty start target, no generators (fstab, getty, ...), and every unit the
# host's targets pull in masked except journald (slow under emulation and not ours to test);
# `systemctl start xfrmd` still goes through sysinit.target and basic.target as on a real host.
python3 - <<'PY'
import glob, os
def mask(path):
    if os.path.lexists(path):
        os.remove(path)
    os.symlink("/dev/null", path)
os.makedirs("/etc/systemd/system-generators", exist_ok=True)
for g in glob.glob("/lib/systemd/system-generators/*") + glob.glob("/usr/lib/systemd/system-generators/*"):
    mask("/etc/systemd/system-generators/" + os.path.basename(g))
wants = [w for pat in ("/lib/systemd/system/*.wants/*", "/lib/systemd/system/*.requires/*",
                       "/etc/systemd/system/*.wants/*") for w in glob.glob(pat)]
for n in sorted({os.path.basename(w) for w in wants}):
    if n.endswith(".target") or n.startswith(("systemd-journald", "xfrmd.")):
        continue
    mask("/etc/systemd/system/" + n)
with open("/etc/systemd/system/pkg-lab.target", "w") as f:
    f.write("[Unit]\nDescription=pkg-install lab start target\nDefaultDependencies=no\n")
PY
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 cgroup2 /sys/fs/cgroup
mkdir -p /sys/fs/cgroup/pkg-systemd
(
    echo "$BASHPID" > /sys/fs/cgroup/pkg-systemd/cgroup.procs
    exec setsid unshare --pid --fork --cgroup --mount-proc bash -c '
        mount -t tmpfs -o mode=755 tmpfs /run && umount -l /sys/fs/cgroup &&
        mount -t cgroup2 cgroup2 /sys/fs/cgroup &&
        exec env -i container=xfrmd-lab PATH=/usr/sbin:/usr/bin:/sbin:/bin \
            /lib/systemd/systemd --system --unit=pkg-lab.target --show-status=no --log-level=notice'
) < /dev/null > "$WORK/systemd-console.log" 2>&1 &
up=$!
sd=""; i=0
while [ -z "$sd" ] && [ $i -lt 100 ]; do sleep 0.2; sd=$(pgrep -P "$up"); i=$((i + 1)); done
[ -n "$sd" ] || { echo "systemd did not start"; cat "$WORK/systemd-console.log"; exit 1; }
echo "$sd" > "$WORK/systemd.pid"
# Only the manager's tree stays in its cgroup (no process in an inner node of the hierarchy).
echo "$up" > /sys/fs/cgroup/cgroup.procs
t0=$EPOCHREALTIME; state=""
while [ $SECONDS -lt 100 ]; do
    state=$(nsenter -t "$sd" -m -p systemctl is-system-running 2>/dev/null)
    case "$state" in running|degraded) break ;; esac
    sleep 0.5
done
echo "manager: $state after $(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 )) ms"
echo "pid1: $(nsenter -t "$sd" -m -p cat /proc/1/comm) $(nsenter -t "$sd" -m -p systemctl --version | head -n 1)"
echo "virt: $(nsenter -t "$sd" -m -p systemd-detect-virt --container)"
nsenter -t "$sd" -m -p systemctl --failed --no-legend --plain | sed 's/^/failed-unit: /'
;;
start)
# Type=notify: `systemctl start` returns once the daemon sent READY=1 (or fails on timeout).
t0=$EPOCHREALTIME
systemctl start xfrmd.service; rc=$?
echo "systemctl-start exit=$rc after $(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 )) ms"
systemctl show -p Type -p NotifyAccess -p ActiveState -p SubState -p Result xfrmd.service | sed 's/^/show: /'
systemctl status --no-pager --lines=0 xfrmd.service | sed 's/^/systemctl-status: /'
pid=$(systemctl show -p MainPID --value xfrmd.service)
echo "main-pid: $pid $(cat /proc/$pid/comm 2>/dev/null)"
for c in CapEff CapPrm CapBnd CapAmb; do
    hex=$(awk -v c="$c:" '$1 == c { print $2 }' /proc/$pid/status)
    echo "$c: $(capsh --decode="$hex" | sed 's/^[^=]*=//')"
done
echo "sandbox: $(awk '$1 == "NoNewPrivs:" || $1 == "Seccomp:" { printf "%s%s ", $1, $2 }' /proc/$pid/status)"
echo "unit-caps: $(systemctl show -p CapabilityBoundingSet --value xfrmd.service)"
echo "status: $(xfrmd status --control /run/xfrmd/control.sock 2>&1 | tr '\n' '|')"
echo "xfrm-interfaces: $(ip -o link show type xfrm | wc -l)"
journalctl -u xfrmd.service -o cat --no-pager | sed 's/^/journal: /'
;;
cycle)
pid=$(systemctl show -p MainPID --value xfrmd.service)
# ExecReload (SIGHUP) with t2 removed from the file: the running daemon drops it.
sed -i '/- name: t2/,$d' /etc/xfrmd/site.yaml
systemctl reload xfrmd.service; rc=$?
sleep 2
echo "reload: exit=$rc pid=$( [ "$(systemctl show -p MainPID --value xfrmd.service)" = "$pid" ] && echo same || echo changed)"
echo "reload-status: $(xfrmd status --control /run/xfrmd/control.sock 2>&1 | tr '\n' '|')"
# An invalid file: refused, the daemon keeps running.
echo "bogus: [" >> /etc/xfrmd/site.yaml
systemctl reload xfrmd.service; echo "reload-invalid exit=$?"
sleep 2
echo "after-invalid: $(systemctl is-active xfrmd.service) $( [ "$(systemctl show -p MainPID --value xfrmd.service)" = "$pid" ] && echo same-pid || echo new-pid)"
cp /etc/xfrmd/site.yaml.example /etc/xfrmd/site.yaml
# Restart keeps the kernel's state (the unit's ExecStop: `xfrmd stop --keep-sas` during a
# restart job). No peer here, so t1 gets an ESP SA by hand with its reqid and if_id (as if
# negotiated): it must survive the restart and be adopted, and t1's interface keep its ifindex.
pol=$(ip -o xfrm policy list dir out src 169.254.10.0/30)
ifid=""; reqid=""
[[ $pol =~ if_id\ (0x[0-9a-f]+) ]] && ifid=${BASH_REMATCH[1]}
[[ $pol =~ reqid\ ([0-9]+) ]] && reqid=${BASH_REMATCH[1]}
ip xfrm state add src 192.0.2.1 dst 198.51.100.1 proto esp spi 0xc0dec0de reqid "$reqid" mode tunnel \
    if_id "$ifid" aead 'rfc4106(gcm(aes))' 0x000102030405060708090a0b0c0d0e0f10111213 128
rc=$?
echo "hand-sa: reqid=$reqid if_id=$ifid exit=$rc sas=$(ip xfrm state count | grep -o '[0-9]*' | head -n 1)"
idx=$(cat /sys/class/net/xfrm-east-t1/ifindex)
# Restart: a new process with the whole file again.
systemctl restart xfrmd.service; rc=$?
pid2=$(systemctl show -p MainPID --value xfrmd.service)
echo "restart: exit=$rc pid=$( [ -n "$pid2" ] && [ "$pid2" != 0 ] && [ "$pid2" != "$pid" ] && echo new || echo "same-or-none:$pid2") state=$(systemctl is-active xfrmd.service)"
echo "restart-kept: ifindex=$([ "$(cat /sys/class/net/xfrm-east-t1/ifindex 2>/dev/null)" = "$idx" ] && echo same || echo changed) hand-sa=$(ip xfrm state get src 192.0.2.1 dst 198.51.100.1 proto esp spi 0xc0dec0de > /dev/null 2>&1 && echo kept || echo gone)"
echo "restart-status: $(xfrmd status --control /run/xfrmd/control.sock 2>&1 | tr '\n' '|')"
# Stop: SIGTERM, the daemon removes its kernel objects; systemd removes /run/xfrmd.
systemctl stop xfrmd.service; rc=$?
echo "stop: exit=$rc state=$(systemctl is-active xfrmd.service) process=$(kill -0 "$pid2" 2>/dev/null && echo alive || echo gone) rundir=$([ -e /run/xfrmd ] && echo left || echo gone) xfrm-interfaces=$(ip -o link show type xfrm | wc -l) sas=$(ip xfrm state count | grep -o '[0-9]*' | head -n 1)"
journalctl -u xfrmd.service -o cat --no-pager | sed 's/^/journal: /'
;;
remove)
systemctl start xfrmd.service; echo "start-again exit=$? $(systemctl is-active xfrmd.service)"
pid=$(systemctl show -p MainPID --value xfrmd.service)
out=$(dpkg -r xfrmd 2>&1); echo "dpkg-r exit=$?"
echo "$out" | sed 's/^/dpkg-r: /'
echo "after-remove: process=$(kill -0 "$pid" 2>/dev/null && echo alive || echo gone) unit=$(systemctl show -p LoadState --value xfrmd.service)/$(systemctl is-active xfrmd.service) xfrm-interfaces=$(ip -o link show type xfrm | wc -l)"
for f in $FILES $unit; do [ -e "$f" ] && echo "after-remove left $f" || echo "after-remove gone $f"; done
rm -f /etc/xfrmd/site.yaml /etc/xfrmd/*.psk
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
