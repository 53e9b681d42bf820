#!/bin/sh
# Fetches an official Node.js binary from the npm registry (the package node-linux-<arch>, which is what `npm install
# node@24` installs), caches it in ~/.cache/mwbatch/node-v<version>-linux-<arch>/, and prints the path of its `node`.
# Used by `make test-node24` to run the tests once more under Node 24 (NODE_MAJOR=22 for Node 22). Nothing is
# downloaded from outside the registry npm is configured with; a cached binary is reused when the registry cannot be
# reached.
#
#   scripts/node24.sh                   # prints e.g. /root/.cache/mwbatch/node-v24.11.1-linux-x64/bin/node
#   NODE_MAJOR=22 scripts/node24.sh
set -eu

major="${NODE_MAJOR:-24}"
cache="${MWBATCH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mwbatch}"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-x64 ;;
  Linux-aarch64 | Linux-arm64) platform=linux-arm64 ;;
  *)
    echo "scripts/node24.sh: no node-* package for $(uname -s) $(uname -m) (Linux x64 and arm64 only)" >&2
    exit 1
    ;;
esac
package="node-$platform"

# The newest release of that major version the registry has (npm resolves the range like any dependency).
version=$(npm view "$package@$major" version --json 2>/dev/null |
  node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>{const v=[].concat(JSON.parse(s||"[]"));
    const n=(x)=>x.split(".").map(Number);v.sort((a,b)=>{const[p,q]=[n(a),n(b)];return p[0]-q[0]||p[1]-q[1]||p[2]-q[2]});
    if(v.length)console.log(v[v.length-1])})') || version=
if [ -z "$version" ]; then
  # Offline: the newest cached binary of that major version, if any.
  cached=$(ls -d "$cache/node-v$major."*"-$platform" 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$cached" ] && [ -x "$cached/bin/node" ]; then
    echo "$cached/bin/node"
    exit 0
  fi
  echo "scripts/node24.sh: cannot resolve $package@$major from the npm registry ($(npm config get registry))" >&2
  exit 1
fi

dir="$cache/node-v$version-$platform"
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/.node-download.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  # npm pack checks the tarball against the integrity hash the registry publishes.
  (cd "$work" && npm pack "$package@$version" --silent >/dev/null)
  tar -xzf "$work/$package-$version.tgz" -C "$work"
  "$work/package/bin/node" --version >/dev/null
  rm -rf "$dir"
  mv "$work/package" "$dir"
fi
echo "$dir/bin/node"
