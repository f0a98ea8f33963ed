#!/usr/bin/env bash
# Makes the certificates for an agent cluster with mutual TLS (openssl only; EC P-256 keys).
#
#   make-cluster-ca.sh DIR ca                      -> DIR/ca.pem, DIR/ca-key.pem  (the cluster CA)
#   make-cluster-ca.sh DIR host NAME [ADDR]...     -> DIR/NAME.pem, DIR/NAME-key.pem signed by DIR/ca
#
# ADDR are the IP addresses or DNS names peers and clients dial (every --listen/--advertise address
# of that host): a peer checks the server certificate's subjectAltName against the address it dialed.
# Host certificates are good for both server and client auth, because an agent is both (it serves
# its port and dials its peers with the same certificate). An operator's CLI certificate is a `host`
# with no addresses. Keys are written mode 0600; keep ca-key.pem off the hosts.
set -euo pipefail
usage() { echo "usage: $0 DIR ca | $0 DIR host NAME [IP|DNS]..." >&2; exit 2; }
[ $# -ge 2 ] || usage
dir=$1
kind=$2
shift 2
command -v openssl >/dev/null || { echo "$0: openssl is not installed" >&2; exit 1; }
mkdir -p "$dir"
umask 077
days=${KH_TLS_DAYS:-825}
# openssl chats on stderr even when it succeeds: show its output only when it fails.
quiet() { local out; if ! out=$("$@" 2>&1); then echo "$out" >&2; exit 1; fi; }

case "$kind" in
  ca)
    [ ! -e "$dir/ca-key.pem" ] || { echo "$0: $dir/ca-key.pem exists; refusing to replace the cluster CA" >&2; exit 1; }
    quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" -days "${KH_TLS_CA_DAYS:-3650}" \
      -subj "/CN=khutulun cluster CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    chmod 644 "$dir/ca.pem"
    echo "$dir/ca.pem"
    ;;
  host)
    [ $# -ge 1 ] || usage
    name=$1
    shift
    [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$ ]] || { echo "$0: invalid host name \"$name\"" >&2; exit 2; }
    [ -f "$dir/ca.pem" ] && [ -f "$dir/ca-key.pem" ] || { echo "$0: no CA in $dir (run: $0 $dir ca)" >&2; exit 1; }
    san="DNS:$name"
    for a in "$@"; do
      # IPv4 or IPv6 literal -> IP:, anything else -> DNS:
      if [[ "$a" =~ ^[0-9]+(\.[0-9]+){3}$ || "$a" == *:* ]]; then san="$san,IP:$a"; else san="$san,DNS:$a"; fi
    done
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=$san" > "$tmp/ext"
    quiet openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout "$dir/$name-key.pem" -out "$tmp/csr" -subj "/CN=$name"
    quiet openssl x509 -req -in "$tmp/csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
      -set_serial "0x$(openssl rand -hex 15)" -days "$days" -extfile "$tmp/ext" -out "$dir/$name.pem"
    chmod 644 "$dir/$name.pem"
    echo "$dir/$name.pem ($san)"
    ;;
  *) usage ;;
esac
