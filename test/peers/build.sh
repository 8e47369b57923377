#!/usr/bin/env bash
# Builds one real test peer (consul, etcd, kube-apiserver, …) from the Go module proxy into a
# cache outside the repo, once, and prints the binary's path. Each peer is a wrapper module in
# test/peers/<name>/ (go.mod, go.sum, tools.go) plus peer.env, which sets VERSION, PACKAGE and
# optionally LDFLAGS, and MODULE to build from another peer's wrapper module (kubectl from
# kube-apiserver's). See ../shared/reference/peers-build.md.
#
#   test/peers/build.sh consul        # → ~/.cache/pilotfish-peers/bin/consul-1.14.11
set -euo pipefail

name=${1:?usage: build.sh PEER}
here=$(cd "$(dirname "$0")" && pwd)
cache=${PILOTFISH_PEERS_CACHE:-$HOME/.cache/pilotfish-peers}
# shellcheck source=/dev/null
source "$here/$name/peer.env"
bin="$cache/bin/$name-$VERSION"

if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
mkdir -p "$cache/bin"
# One Go build at a time: the machine has 2 cores, and parallel builds only thrash.
exec 9>"$cache/build.lock"
flock 9
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
module="$here/${MODULE:-$name}"
cp "$module/go.mod" "$module/tools.go" "$work/"
[ -f "$module/go.sum" ] && cp "$module/go.sum" "$work/"
cd "$work"
export GOTOOLCHAIN=local GOFLAGS=-modcacherw CGO_ENABLED=0
started=$(date +%s)
echo "building $name $VERSION ($PACKAGE) …" >&2
go mod tidy >&2
go build -trimpath -ldflags "-s -w ${LDFLAGS:-}" -o "$bin.partial" "$PACKAGE" >&2
mv "$bin.partial" "$bin"
# A first build records the module sums; keep them in the repo so later builds are verified.
[ -f "$module/go.sum" ] || cp go.sum "$module/go.sum"
echo "built $name in $(( $(date +%s) - started )) s: $(du -h "$bin" | cut -f1)" >&2
echo "$bin"
