#!/usr/bin/env bash
# Starts/stops the daemons the system tests need, everything under $KH_CI_BASE, stopped by PID.
#   daemons.sh start   podman API service + busybox image, private D-Bus, firewalld in its own netns
#   daemons.sh start-ovn   only Open vSwitch + OVN (developers)
#   daemons.sh start-distrobox   only the Distrobox user + its images (after start or start-ovn)
#   daemons.sh stop    removes our containers, kills exactly the recorded PIDs, deletes our netns
# Writes $KH_CI_BASE/daemons.env (KEY=VALUE lines) that .ci/run sources before the system tests.
# Why each odd step exists: see shared/notes/runtimes-detail.md (no systemd, hybrid cgroups,
# no CAP_SYS_RESOURCE, no registry, firewalld must not firewall the machine itself).
set -euo pipefail
BASE=${KH_CI_BASE:?KH_CI_BASE must be set}
mkdir -p "$BASE/pids"
HERE=$(cd "$(dirname "$0")" && pwd)
# One netns name per base, so parallel runs (other sessions, other CI bases) never collide.
NS_SUFFIX=$(printf '%s' "$BASE" | cksum | cut -d' ' -f1)
FW_NETNS=${KH_FW_NETNS:-khfw$NS_SUFFIX}
IMAGE=localhost/khutulun-busybox:latest
export CONTAINERS_CONF="$BASE/containers/containers.conf"
export CONTAINERS_STORAGE_CONF="$BASE/containers/storage.conf"
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$BASE/dbus/system_bus_socket"

log() { echo "[daemons $(date +%T)] $*"; }

# Waits (bounded) until "$@" succeeds.
wait_for() {
  local what=$1 tries=$2; shift 2
  for ((i = 0; i < tries; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  log "timed out waiting for $what"; return 1
}

# gVisor from Debian (2022 build): ptrace platform, no network of its own, no cgroup setup (the
# hybrid v1 layout). Engines take no per-runtime flags from containers.conf, hence a wrapper.
RUNSC="$BASE/bin/runsc-kh"
write_runsc_wrapper() {
  command -v runsc >/dev/null || { log "runsc not installed: sandbox gvisor unavailable"; return 1; }
  mkdir -p "$BASE/bin"
  printf '#!/bin/sh\nexec %s --platform=ptrace --network=none --ignore-cgroups "$@"\n' "$(command -v runsc)" > "$RUNSC"
  chmod +x "$RUNSC"
}

write_container_conf() {
  mkdir -p "$BASE/containers" "$BASE/podman/root" "$BASE/podman/run" "$BASE/podman/tmp"
  local runtime=crun
  # crun refuses the hybrid cgroup layout while hugetlb sits on cgroup v2: move it to a v1 mount.
  if grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
    if ! { mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb; } 2>/dev/null; then
      log "cannot move hugetlb off cgroup v2; using runc"; runtime=runc
    fi
  fi
  command -v crun >/dev/null || runtime=runc
  local nofile nproc
  nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
  [ "$nofile" = unlimited ] && nofile=1048576
  [ "$nproc" = unlimited ] && nproc=32768
  [ "$nproc" -gt 32768 ] && nproc=32768
  cat > "$CONTAINERS_CONF" <<CONF
[containers]
# Default rlimits must stay at or below the hard limits: CAP_SYS_RESOURCE is missing here.
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$BASE/podman/events.log"
runtime = "$runtime"
tmp_dir = "$BASE/podman/tmp"
# conmon keeps each exec session's status this long; short, so none outlives daemons.sh stop.
exit_command_delay = 5
CONF
  write_runsc_wrapper && cat >> "$CONTAINERS_CONF" <<CONF
# sandbox: gvisor -> OCI runtime "runsc" (runtimes/container/sandbox.ts)
[engine.runtimes]
runsc = ["$RUNSC"]
CONF
  cat > "$CONTAINERS_STORAGE_CONF" <<CONF
[storage]
driver = "overlay"
graphroot = "$BASE/podman/root"
runroot = "$BASE/podman/run"
CONF
}

# No registry here: the test image is a busybox-static root file system imported as an image.
import_busybox() {
  if podman image exists "$IMAGE" 2>/dev/null; then return 0; fi
  make_busybox_tar
  podman import --change 'CMD ["/bin/sh"]' "$BASE/busybox-rootfs.tar" "$IMAGE" >/dev/null
}

make_busybox_tar() {
  [ -f "$BASE/busybox-rootfs.tar" ] && return 0
  local root="$BASE/busybox-root"
  rm -rf "$root"; mkdir -p "$root"/{bin,etc,tmp,proc,sys,dev,root,var/www}
  cp /bin/busybox "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
  echo 'khutulun' > "$root/var/www/index.html"
  tar -C "$root" -cf "$BASE/busybox-rootfs.tar" .
  rm -rf "$root"
}

# A system-container tree for systemd-nspawn: busybox plus what nspawn looks for (/usr, an
# os-release) and an init for boot mode (busybox init reading /etc/inittab).
make_nspawn_tree() {
  command -v systemd-nspawn >/dev/null || return 0
  local root="$BASE/nspawn-root"
  rm -rf "$root"; mkdir -p "$root"/{bin,sbin,etc,tmp,proc,sys,dev,root,run,var/www,usr/lib}
  cp /bin/busybox "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  ln -s ../bin/busybox "$root/sbin/init"
  printf 'ID=khutulun-busybox\nNAME="Khutulun busybox"\n' > "$root/usr/lib/os-release"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
  printf '::sysinit:/bin/echo booted\n::respawn:/bin/httpd -f -p ${NSPAWN_HTTP_PORT:-18280} -h /var/www\n' > "$root/etc/inittab"
  echo 'khutulun' > "$root/var/www/index.html"
  tar -C "$root" -cf "$BASE/nspawn-busybox.tar" .
  rm -rf "$root"
  NSPAWN_TAR="$BASE/nspawn-busybox.tar"
  log "nspawn tree ready ($NSPAWN_TAR)"
}
NSPAWN_TAR=""

start_podman() {
  write_container_conf
  import_busybox
  rm -f "$BASE/podman.sock"
  nohup podman system service --time=0 "unix://$BASE/podman.sock" > "$BASE/podman-service.log" 2>&1 &
  echo $! > "$BASE/pids/podman.pid"
  if ! wait_for "podman API" 60 curl -sf --unix-socket "$BASE/podman.sock" http://d/_ping; then
    tail -n 30 "$BASE/podman-service.log" 2>/dev/null || true
    return 1
  fi
  log "podman API up ($(grep "^runtime =" "$CONTAINERS_CONF" | tr -d ' '))"
  start_podman_runsc
}

# Podman 4's API runs every container with the service's default runtime (HostConfig.Runtime and
# libpod's oci_runtime are ignored), so sandbox gvisor creates through a service of its own whose
# default is runsc; the main service then runs, stops and inspects those containers with runsc.
start_podman_runsc() {
  [ -x "$RUNSC" ] || return 0
  rm -f "$BASE/podman-runsc.sock"
  nohup podman --runtime runsc system service --time=0 "unix://$BASE/podman-runsc.sock" > "$BASE/podman-runsc-service.log" 2>&1 &
  echo $! > "$BASE/pids/podman-runsc.pid"
  if ! wait_for "podman runsc API" 60 curl -sf --unix-socket "$BASE/podman-runsc.sock" http://d/_ping; then
    tail -n 30 "$BASE/podman-runsc-service.log" 2>/dev/null || true
    return 1
  fi
  PODMAN_RUNTIME_SOCKETS="runsc=$BASE/podman-runsc.sock"
  log "podman runsc API up (sandbox gvisor)"
}
PODMAN_RUNTIME_SOCKETS=""


# A real Docker engine (Debian docker.io) beside podman, confined to $BASE: its own socket, data
# and exec roots (its own containerd under the exec root), cgroupfs, and no change to the
# machine's firewall: --iptables=false, no masquerading, and a bridge of its own (published ports
# go through docker-proxy on the host, so they work without NAT rules).
DOCKER_BRIDGE=${KH_DOCKER_BRIDGE:-khd$NS_SUFFIX}
DOCKER_BRIDGE=${DOCKER_BRIDGE:0:15}
start_docker() {
  command -v dockerd >/dev/null || { log "dockerd not installed: no Docker engine"; return 0; }
  local d="$BASE/docker"
  mkdir -p "$d/root" "$d/exec"
  local runtimes='{}'
  [ -x "$RUNSC" ] && runtimes="{ \"runsc\": { \"path\": \"$(command -v runsc)\", \"runtimeArgs\": [\"--platform=ptrace\", \"--network=none\", \"--ignore-cgroups\"] } }"
  local nofile nproc
  nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
  [ "$nofile" = unlimited ] && nofile=1048576
  { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
  cat > "$d/daemon.json" <<CONF
{
  "runtimes": $runtimes,
  "default-ulimits": {
    "nofile": { "Name": "nofile", "Soft": $nofile, "Hard": $nofile },
    "nproc": { "Name": "nproc", "Soft": $nproc, "Hard": $nproc }
  }
}
CONF
  if ! ip link show "$DOCKER_BRIDGE" >/dev/null 2>&1; then
    # 10.213.<n>.0/24, n from the base, so parallel bases get distinct subnets.
    local n=$(( NS_SUFFIX % 250 + 1 ))
    ip link add "$DOCKER_BRIDGE" type bridge
    ip addr add "10.213.$n.1/24" dev "$DOCKER_BRIDGE"
    ip link set "$DOCKER_BRIDGE" up
    echo "$DOCKER_BRIDGE" >> "$BASE/links.list"
  fi
  rm -f "$d/docker.sock"
  nohup dockerd --config-file "$d/daemon.json" -H "unix://$d/docker.sock" --data-root "$d/root" --exec-root "$d/exec" \
    --pidfile "$d/docker.pid" --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
    --bridge="$DOCKER_BRIDGE" --storage-driver=overlay2 --exec-opt native.cgroupdriver=cgroupfs > "$d/dockerd.log" 2>&1 &
  echo $! > "$BASE/pids/dockerd.pid"
  if ! wait_for "Docker engine" 60 curl -sf --unix-socket "$d/docker.sock" http://d/_ping; then
    tail -n 30 "$d/dockerd.log" 2>/dev/null || true
    return 1
  fi
  # The same busybox root file system as podman's image (import_busybox made the tarball).
  curl -sf --unix-socket "$d/docker.sock" -X POST -H 'Content-Type: application/x-tar' --data-binary "@$BASE/busybox-rootfs.tar" \
    "http://d/images/create?fromSrc=-&repo=localhost/khutulun-busybox&tag=latest&changes=CMD%20%5B%22%2Fbin%2Fsh%22%5D" >/dev/null
  DOCKER_SOCKET="$d/docker.sock"
  log "Docker engine up (bridge $DOCKER_BRIDGE, no iptables$([ -x "$RUNSC" ] && echo ', runsc registered'))"
}
DOCKER_SOCKET=""

# libvirtd (system mode, its sockets under $BASE) for the VM system test, and a tiny guest: the
# Debian kernel (apt-get download) plus a busybox initramfs whose init prints a marker.
start_libvirt() {
  command -v libvirtd >/dev/null || { log "libvirtd not installed: no VM tests"; return 0; }
  local d="$BASE/libvirt"
  mkdir -p "$d/run" /var/log/libvirt
  printf 'unix_sock_dir = "%s"\nunix_sock_rw_perms = "0700"\nauth_unix_rw = "none"\nauth_unix_ro = "none"\n' "$d/run" > "$d/libvirtd.conf"
  pgrep -x virtlogd >/dev/null || virtlogd -d -p "$BASE/pids/virtlogd.pid"
  libvirtd -d -f "$d/libvirtd.conf" -p "$BASE/pids/libvirtd.pid"
  LIBVIRT_URI="qemu:///system?socket=$d/run/libvirt-sock"
  if ! wait_for "libvirtd" 60 virsh -c "$LIBVIRT_URI" version; then
    tail -n 20 /var/log/libvirt/libvirtd.log 2>/dev/null || true; LIBVIRT_URI=""; return 1
  fi
  local vm="$BASE/vm"
  mkdir -p "$vm" && (
    cd "$vm"
    local pkg
    pkg=$(apt-cache depends linux-image-amd64 | grep -o 'linux-image-6[^ ]*-amd64' | head -1)
    apt-get download -qq "$pkg" 2>/dev/null
    dpkg-deb --fsys-tarfile ./*.deb | tar -x --wildcards './boot/vmlinuz-*'
    mv boot/vmlinuz-* vmlinuz && rm -rf boot ./*.deb
    mkdir -p ir/bin ir/proc ir/sys ir/dev && cp /bin/busybox ir/bin/ && ln -s busybox ir/bin/sh
    printf '#!/bin/sh\n/bin/busybox mount -t proc proc /proc\n/bin/busybox echo "khutulun guest up"\nexec /bin/busybox sleep 1000000\n' > ir/init
    chmod +x ir/init
    (cd ir && find . | busybox cpio -o -H newc 2>/dev/null | gzip > ../initrd.img) && rm -rf ir
  )
  log "libvirtd up ($LIBVIRT_URI), guest kernel $(du -h "$vm/vmlinuz" | cut -f1)"
}
LIBVIRT_URI=""

# Open vSwitch + OVN on this host, every daemon with its rundir, database and log under $BASE/ovn
# (no ovs-ctl, no kernel module: the userspace `netdev` datapath). The integration bridge has a
# name of its own per base, so parallel runs never share one. See runtimes-detail.md section 5.
OVN_BRIDGE=${KH_OVN_BRIDGE:-khbr$NS_SUFFIX}
OVN_BRIDGE=${OVN_BRIDGE:0:15}
start_ovn() {
  command -v ovn-northd >/dev/null && command -v ovs-vswitchd >/dev/null || { log "OVS/OVN not installed: no OVN networks"; return 0; }
  local d="$BASE/ovn"
  rm -rf "$d"; mkdir -p "$d"
  export OVS_RUNDIR="$d" OVS_LOGDIR="$d" OVS_DBDIR="$d" OVN_RUNDIR="$d" OVN_LOGDIR="$d" OVN_DBDIR="$d"
  ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
  ovsdb-tool create "$d/ovnnb_db.db" /usr/share/ovn/ovn-nb.ovsschema
  ovsdb-tool create "$d/ovnsb_db.db" /usr/share/ovn/ovn-sb.ovsschema
  exec 3>&2 2>>"$d/start.log"  # the daemons announce their log files on stderr
  ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" --pidfile="$BASE/pids/ovsdb-server.pid" \
    --unixctl="$d/ovsdb-server.ctl" --log-file="$d/ovsdb-server.log" --detach
  ovsdb-server "$d/ovnnb_db.db" --remote="punix:$d/ovnnb_db.sock" --pidfile="$BASE/pids/ovn-nb.pid" \
    --unixctl="$d/ovnnb_db.ctl" --log-file="$d/ovnnb_db.log" --detach
  ovsdb-server "$d/ovnsb_db.db" --remote="punix:$d/ovnsb_db.sock" --pidfile="$BASE/pids/ovn-sb.pid" \
    --unixctl="$d/ovnsb_db.ctl" --log-file="$d/ovnsb_db.log" --detach
  ovs-vsctl --db="unix:$d/db.sock" --no-wait init
  ovs-vswitchd "unix:$d/db.sock" --pidfile="$BASE/pids/ovs-vswitchd.pid" --unixctl="$d/ovs-vswitchd.ctl" \
    --log-file="$d/ovs-vswitchd.log" --detach
  ovn-northd --ovnnb-db="unix:$d/ovnnb_db.sock" --ovnsb-db="unix:$d/ovnsb_db.sock" --pidfile="$BASE/pids/ovn-northd.pid" \
    --unixctl="$d/ovn-northd.ctl" --log-file="$d/ovn-northd.log" --detach
  ovs-vsctl --db="unix:$d/db.sock" set open . external_ids:system-id="kh-$NS_SUFFIX" \
    external_ids:ovn-remote="unix:$d/ovnsb_db.sock" external_ids:ovn-encap-type=geneve \
    external_ids:ovn-encap-ip=127.0.0.1 external_ids:ovn-bridge="$OVN_BRIDGE" \
    external_ids:ovn-bridge-datapath-type=netdev
  ovn-controller "unix:$d/db.sock" --pidfile="$BASE/pids/ovn-controller.pid" --log-file="$d/ovn-controller.log" --detach
  exec 2>&3 3>&-
  if ! wait_for "ovn-controller's bridge" 60 ovs-vsctl --db="unix:$d/db.sock" br-exists "$OVN_BRIDGE"; then
    tail -n 20 "$d/ovn-controller.log" 2>/dev/null || true; return 1
  fi
  echo "$OVN_BRIDGE" >> "$BASE/links.list"
  OVN_ENV="KH_OVN_NB_DB=unix:$d/ovnnb_db.sock
KH_OVS_DB=unix:$d/db.sock
KH_OVN_BRIDGE=$OVN_BRIDGE"
  log "OVN up (bridge $OVN_BRIDGE, netdev datapath)"
}
OVN_ENV=""

# Distrobox refuses root: an unprivileged user with rootless podman whose storage lives under
# $BASE/distrobox (owned by the user), the busybox root file system imported into its store, and,
# when $KH_DBX_ROOTFS_TAR names a distro tarball (debootstrap | tar), that too as localhost/dbx-distro.
DBX_USER=${KH_DBX_USER:-khdbx}
setup_distrobox() {
  command -v distrobox >/dev/null || { log "distrobox not installed: no pristine containers"; return 0; }
  id "$DBX_USER" >/dev/null 2>&1 || useradd -m -s /bin/bash "$DBX_USER"
  grep -q "^$DBX_USER:" /etc/subuid || usermod --add-subuids 300000-365535 --add-subgids 300000-365535 "$DBX_USER"
  local home uid d="$BASE/distrobox"
  home=$(getent passwd "$DBX_USER" | cut -d: -f6); uid=$(id -u "$DBX_USER")
  mkdir -p "$d/storage" "$d/run" "$home/.config/containers" "/run/user/$uid"
  chown "$DBX_USER:" "$d" "$d/storage" "$d/run" "/run/user/$uid"; chmod 700 "/run/user/$uid"
  local nofile nproc
  nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
  [ "$nofile" = unlimited ] && nofile=1048576
  { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
  printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nruntime = "%s"\n' \
    "$nofile" "$nofile" "$nproc" "$nproc" "$(grep -q '^runtime = "crun"' "$CONTAINERS_CONF" 2>/dev/null && echo crun || echo runc)" > "$home/.config/containers/containers.conf"
  printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' "$d/storage" "$d/run" > "$home/.config/containers/storage.conf"
  chown -R "$DBX_USER:" "$home/.config"
  as_dbx() { setpriv --reuid="$uid" --regid="$(id -g "$DBX_USER")" --init-groups env -i HOME="$home" USER="$DBX_USER" XDG_RUNTIME_DIR="/run/user/$uid" PATH=/usr/bin:/bin:/usr/sbin:/sbin "$@"; }
  make_busybox_tar; chmod 644 "$BASE/busybox-rootfs.tar"
  as_dbx podman import "$BASE/busybox-rootfs.tar" localhost/khutulun-busybox:latest >/dev/null 2>>"$d/import.log"
  DBX_IMAGE=localhost/khutulun-busybox:latest
  if [ -n "${KH_DBX_ROOTFS_TAR:-}" ] && [ -f "$KH_DBX_ROOTFS_TAR" ]; then
    as_dbx podman import "$KH_DBX_ROOTFS_TAR" localhost/dbx-distro:latest >/dev/null 2>>"$d/import.log" && DBX_DISTRO_IMAGE=localhost/dbx-distro:latest
  fi
  log "distrobox user $DBX_USER ready (rootless storage in $d)"
}
DBX_IMAGE=""
DBX_DISTRO_IMAGE=""

stop_distrobox() {
  [ -d "$BASE/distrobox" ] && id "$DBX_USER" >/dev/null 2>&1 || return 0
  local uid home; uid=$(id -u "$DBX_USER"); home=$(getent passwd "$DBX_USER" | cut -d: -f6)
  # Every container in this user's store under $BASE is ours.
  timeout 60 setpriv --reuid="$uid" --regid="$(id -g "$DBX_USER")" --init-groups env -i HOME="$home" XDG_RUNTIME_DIR="/run/user/$uid" \
    PATH=/usr/bin:/bin:/usr/sbin:/sbin podman rm -af -t 1 >/dev/null 2>&1 || true
  mountpoint -q "$BASE/distrobox/storage/overlay" 2>/dev/null && umount "$BASE/distrobox/storage/overlay" 2>/dev/null || true
}

start_dbus() {
  mkdir -p "$BASE/dbus"
  cat > "$BASE/dbus/system.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$BASE/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="root"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
  </policy>
  <includedir>/usr/share/dbus-1/system.d</includedir>
</busconfig>
CONF
  rm -f "$BASE/dbus/system_bus_socket"
  dbus-daemon --config-file="$BASE/dbus/system.conf" --fork --print-pid --nopidfile > "$BASE/pids/dbus.pid"
  wait_for "private D-Bus" 20 test -S "$BASE/dbus/system_bus_socket"
  log "private D-Bus up"
}

start_firewalld() {
  mkdir -p "$BASE/fw"
  rm -rf "$BASE/fw/etc"; cp -a /etc/firewalld "$BASE/fw/etc"
  if ! ip netns list | grep -qw "$FW_NETNS"; then
    ip netns add "$FW_NETNS"
    echo "$FW_NETNS" >> "$BASE/netns.list"
  fi
  ip netns exec "$FW_NETNS" ip link set lo up
  # `ip netns exec` execs firewalld, so $! is firewalld's own PID.
  nohup ip netns exec "$FW_NETNS" firewalld --nofork --nopid --system-config "$BASE/fw/etc" \
    --log-target file --log-file "$BASE/fw/firewalld.log" > "$BASE/fw/stdout.log" 2>&1 &
  echo $! > "$BASE/pids/firewalld.pid"
}

wait_firewalld() {
  # firewalld takes 10-30 s to start on 2 shared cores.
  if ! wait_for "firewalld" 180 sh -c 'firewall-cmd --state 2>/dev/null | grep -q running'; then
    tail -n 30 "$BASE/fw/firewalld.log" "$BASE/fw/stdout.log" 2>/dev/null || true
    return 1
  fi
  log "firewalld running in netns $FW_NETNS"
}

stop_all() {
  stop_distrobox
  if [ -S "$BASE/podman.sock" ] && [ -f "$CONTAINERS_CONF" ]; then
    # Every container in this storage root is ours: stop them so no conmon outlives the run.
    timeout 60 podman rm -af -t 2 >/dev/null 2>&1 || true
    timeout 30 podman pod rm -af >/dev/null 2>&1 || true
  fi
  if [ -S "$BASE/libvirt/run/libvirt-sock" ]; then
    # Our guests first (every kh-* domain on this private libvirtd is ours).
    uri="qemu:///system?socket=$BASE/libvirt/run/libvirt-sock"
    for dom in $(timeout 20 virsh -c "$uri" list --all --name 2>/dev/null | grep '^kh-' || true); do
      timeout 20 virsh -c "$uri" destroy "$dom" >/dev/null 2>&1 || true
      timeout 20 virsh -c "$uri" undefine "$dom" >/dev/null 2>&1 || true
    done
  fi
  if [ -S "$BASE/docker/docker.sock" ]; then
    # Our engine's containers first, so dockerd and its containerd stop with nothing running.
    for id in $(curl -sf --unix-socket "$BASE/docker/docker.sock" 'http://d/containers/json?all=1' | grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4); do
      curl -sf --max-time 30 --unix-socket "$BASE/docker/docker.sock" -X DELETE "http://d/containers/$id?force=1&v=1" >/dev/null || true
    done
  fi
  for f in "$BASE"/pids/*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      # dockerd stops its containerd on the way out: give it time (15 s) before forcing.
      for ((i = 0; i < 60; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
  # podman's overlay driver leaves a private mount of its graphroot: drop it so $BASE can be deleted.
  mountpoint -q "$BASE/podman/root/overlay" 2>/dev/null && umount "$BASE/podman/root/overlay" 2>/dev/null || true
  if [ -f "$BASE/links.list" ]; then
    while read -r link; do [ -n "$link" ] && ip link delete "$link" 2>/dev/null || true; done < "$BASE/links.list"
    rm -f "$BASE/links.list"
  fi
  if [ -f "$BASE/netns.list" ]; then
    while read -r ns; do [ -n "$ns" ] && ip netns delete "$ns" 2>/dev/null || true; done < "$BASE/netns.list"
    rm -f "$BASE/netns.list"
  fi
  log "stopped"
}

case "${1:-}" in
  start)
    T0=$(date +%s)
    # Restarting over a previous start: stop exactly what that start recorded first.
    if ls "$BASE"/pids/*.pid >/dev/null 2>&1; then stop_all; fi
    : > "$BASE/daemons.env"
    start_dbus
    start_firewalld          # slow to come up: start it first, wait for it last
    start_podman
    start_docker
    start_libvirt || true
    start_ovn || true
    make_nspawn_tree
    setup_distrobox || true
    wait_firewalld
    cat > "$BASE/daemons.env" <<ENV
KH_PODMAN_SOCKET=$BASE/podman.sock
KH_PODMAN_RUNTIME_SOCKETS=$PODMAN_RUNTIME_SOCKETS
KH_BUSYBOX_IMAGE=$IMAGE
CONTAINERS_CONF=$CONTAINERS_CONF
CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF
DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS
KH_FW_NETNS=$FW_NETNS
KH_FW_ZONE=public
ENV
    [ -n "$LIBVIRT_URI" ] && printf 'KH_CI_LIBVIRT_URI=%s\nKH_VM_KERNEL=%s\nKH_VM_INITRD=%s\n' "$LIBVIRT_URI" "$BASE/vm/vmlinuz" "$BASE/vm/initrd.img" >> "$BASE/daemons.env"
    [ -n "$NSPAWN_TAR" ] && echo "KH_NSPAWN_TAR=$NSPAWN_TAR" >> "$BASE/daemons.env"
    [ -n "$DOCKER_SOCKET" ] && echo "KH_DOCKER_SOCKET=$DOCKER_SOCKET" >> "$BASE/daemons.env"
    [ -n "$OVN_ENV" ] && echo "$OVN_ENV" >> "$BASE/daemons.env"
    [ -n "$DBX_IMAGE" ] && printf 'KH_DBX_USER=%s\nKH_DBX_IMAGE=%s\n' "$DBX_USER" "$DBX_IMAGE" >> "$BASE/daemons.env"
    [ -n "$DBX_DISTRO_IMAGE" ] && echo "KH_DBX_DISTRO_IMAGE=$DBX_DISTRO_IMAGE" >> "$BASE/daemons.env"
    log "all daemons up in $(( $(date +%s) - T0 ))s; env in $BASE/daemons.env"
    ;;
  # One daemon group alone (developers; the same functions .ci/run uses).
  start-distrobox) setup_distrobox; [ -n "$DBX_IMAGE" ] && printf 'KH_DBX_USER=%s\nKH_DBX_IMAGE=%s\n' "$DBX_USER" "$DBX_IMAGE" >> "$BASE/daemons.env"; [ -n "$DBX_DISTRO_IMAGE" ] && echo "KH_DBX_DISTRO_IMAGE=$DBX_DISTRO_IMAGE" >> "$BASE/daemons.env"; true ;;
  start-ovn) : > "$BASE/daemons.env"; start_ovn; [ -n "$OVN_ENV" ] && echo "$OVN_ENV" >> "$BASE/daemons.env" ;;
  stop) stop_all ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
