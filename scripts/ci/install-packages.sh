#!/usr/bin/env bash
# Installs the Debian packages the build and the system tests need.
# Idempotent and fast when everything is present: dpkg is asked first, apt only for what is missing.
set -euo pipefail
PKGS=(
  # process runtime / namespaces; curl: daemons.sh polls the podman API socket
  iproute2 procps psmisc busybox-static curl
  # containers: podman serves the Docker-compatible API (no Docker engine on this machine kind)
  podman crun runc conmon slirp4netns uidmap catatonit containernetworking-plugins
  golang-github-containers-common iptables
  # firewalld on a private D-Bus, inside its own network namespace
  dbus firewalld python3-nftables nftables
  # sandboxed containers: gVisor runsc as an OCI runtime of podman/docker (Kata is not packaged)
  runsc
  # a real Docker engine on a private socket (scripts/ci/daemons.sh), beside podman's compat API
  docker.io containerd
  # system containers: systemd-nspawn
  systemd-container
  # libvirt VMs: npm @unraid/libvirt (optional dependency) builds from source against libvirt-dev
  # during npm ci; unit tests use the in-process test:///default driver (no libvirtd)
  libvirt-dev libvirt-clients build-essential pkg-config python3
  # a real tiny guest under libvirtd + QEMU (TCG without /dev/kvm)
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-daemon-system qemu-system-x86
  # the live page's browser test: Debian's Chromium driven by playwright-core (executablePath)
  chromium
  # script operations: an Ansible playbook artifact runs where Ansible is installed
  ansible-core
  # OVN networks: Open vSwitch (userspace datapath) + OVN central and host; ethtool turns off
  # tx checksum offload on veths (TCP fails on the netdev datapath otherwise)
  openvswitch-switch ovn-central ovn-host ethtool
  # pristine containers: Distrobox on rootless podman as an unprivileged user
  distrobox
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d keeps postinst scripts from trying to start services (there is no init system here)
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq -o DPkg::Lock::Timeout=600
  apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}"
fi
echo "packages ok"
