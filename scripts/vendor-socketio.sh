#!/usr/bin/env bash
# Vendor the Socket.IO browser client into core/server/static/vendor/ so that
# Antrian's pages load nothing from the internet.
#
# Usage: scripts/vendor-socketio.sh [VERSION]
#
# The default VERSION is pinned on purpose: socket.io-client 4.x speaks
# Socket.IO protocol 5 over Engine.IO protocol 4, which is what
# python-socketio 5.x / python-engineio 4.x serve. Bump it deliberately and
# update core/server/static/vendor/README.md in the same commit.
set -euo pipefail

VERSION="${1:-4.8.4}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$REPO_ROOT/core/server/static/vendor"

case "$VERSION" in
  4.*) ;;
  *) echo "refusing socket.io-client $VERSION: only 4.x matches python-socketio 5.x" >&2; exit 2 ;;
esac

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

(cd "$WORK" && npm pack --silent "socket.io-client@$VERSION" >/dev/null)
tar -xzf "$WORK/socket.io-client-$VERSION.tgz" -C "$WORK"
PKG="$WORK/package"

mkdir -p "$DEST"
cp "$PKG/dist/socket.io.min.js" "$DEST/socket.io.min.js"
if [[ -f "$PKG/dist/socket.io.min.js.map" ]]; then
  cp "$PKG/dist/socket.io.min.js.map" "$DEST/socket.io.min.js.map"
fi
cp "$PKG/LICENSE" "$DEST/socket.io-client.LICENSE"

echo "vendored socket.io-client $VERSION into ${DEST#"$REPO_ROOT"/}"
