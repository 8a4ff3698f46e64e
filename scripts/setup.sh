#!/usr/bin/env bash
# Idempotent setup: installs the Debian packages this project needs when they
# are missing, and runs `npm ci` when package-lock.json changed since the last
# install. Safe to run before every `npm test` / `npm run demo`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: command that proves it is installed -> package name.
declare -A wanted=(
  [/usr/sbin/rabbitmq-server]=rabbitmq-server
  [/usr/bin/redis-server]=redis-server
  [/usr/bin/rpm]=rpm
  [/usr/bin/rpmbuild]=rpm
  [/usr/bin/createrepo_c]=createrepo-c
  [/usr/sbin/sshd]=openssh-server
  [/usr/bin/dnf]=dnf
  [/usr/lib/python3/dist-packages/dnf-plugins/config_manager.py]=dnf-plugins-core
  [/usr/bin/chromium]=chromium
  [/usr/bin/bwrap]=bubblewrap
  [/usr/bin/wget]=wget
  [/usr/bin/gpg]=gpg
  [/usr/bin/gpg-agent]=gpg-agent
  [/usr/bin/gpgconf]=gpgconf
  [/usr/bin/rpmsign]=rpm
  [/usr/bin/prlimit]=util-linux
)
missing=()
for path in "${!wanted[@]}"; do
  [ -e "$path" ] || missing+=("${wanted[$path]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # Installing must not start (or later own) the machine's own services:
  # policy-rc.d answers "101 = action forbidden" to every start request.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
    created_policy=1
  fi
  trap '[ "$created_policy" = 1 ] && $SUDO rm -f "$policy"' EXIT
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
fi

# npm ci when the lockfile differs from the one node_modules was installed from.
stamp=node_modules/.setup-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: npm ci (package-lock.json changed)"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

# The `copr` command (apps/copr-web/dist/cli/copr.mjs): rebuilt every time, it takes well under a second.
npx --no-install tsx scripts/buildCli.ts >/dev/null
