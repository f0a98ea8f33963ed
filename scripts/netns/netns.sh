#!/usr/bin/env bash
# A multi-host test network made of Linux network namespaces: one bridge namespace and N host
# namespaces, each host with one veth link to the bridge and its own private address. Everything
# lives inside namespaces this script creates (nothing touches the machine's own interfaces), and
# `down` removes all of it.
#
#   netns.sh up RUN N      create kh-RUN-br and kh-RUN-h0..h(N-1); host I gets 10.231.0.(10+I)/24
#   netns.sh cut RUN I     partition host I (its link is set down at the bridge)
#   netns.sh heal RUN I    reconnect host I
#   netns.sh addr RUN I    print host I's address
#   netns.sh down RUN      delete every namespace of RUN
# RUN: 1-6 letters/digits (interface names must stay within 15 characters).
set -euo pipefail
cmd=${1:-}; run=${2:-}
[[ "$run" =~ ^[a-z0-9]{1,6}$ ]] || { echo "usage: $0 up|cut|heal|addr|down RUN [N|I]  (RUN = 1-6 of [a-z0-9])" >&2; exit 2; }
br="kh-$run-br"
host() { echo "kh-$run-h$1"; }
addr() { echo "10.231.0.$((10 + $1))"; }
case "$cmd" in
  up)
    n=${3:?number of hosts}
    (( n >= 1 && n <= 200 )) || { echo "N must be 1..200" >&2; exit 2; }
    ip netns add "$br"
    ip -n "$br" link set lo up
    ip -n "$br" link add br0 type bridge
    ip -n "$br" link set br0 up
    for ((i = 0; i < n; i++)); do
      h=$(host "$i")
      ip netns add "$h"
      ip -n "$h" link set lo up
      # Create the pair inside the host namespace, then move its bridge end: the machine's own
      # namespace never holds either end.
      ip -n "$h" link add eth0 type veth peer name "v${run}b$i"
      ip -n "$h" link set "v${run}b$i" netns "$br"
      ip -n "$h" addr add "$(addr "$i")/24" dev eth0
      ip -n "$h" link set eth0 up
      ip -n "$br" link set "v${run}b$i" master br0
      ip -n "$br" link set "v${run}b$i" up
    done
    ;;
  cut) ip -n "$br" link set "v${run}b${3:?host index}" down ;;
  heal) ip -n "$br" link set "v${run}b${3:?host index}" up ;;
  addr) addr "${3:?host index}" ;;
  down)
    for ns in $(ip netns list | awk '{print $1}' | grep -E "^kh-$run-(br|h[0-9]+)$" || true); do
      ip netns del "$ns" || true
    done
    ;;
  *) echo "usage: $0 up|cut|heal|addr|down RUN [N|I]" >&2; exit 2 ;;
esac
