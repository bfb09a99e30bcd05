# Sourced by scripts/start and scripts/test: installs Bun from npm when missing, then the workspace's
# dependencies exactly as locked.
BUN_VERSION="${TERRAPOD_BUN_VERSION:-1.4.5}"
if ! command -v bun >/dev/null 2>&1; then
  echo "[tools] installing bun ${BUN_VERSION} (npm i -g bun@${BUN_VERSION})" >&2
  npm i -g --no-fund --no-audit "bun@${BUN_VERSION}" >/dev/null
  if ! command -v bun >/dev/null 2>&1; then
    PATH="$(npm prefix -g)/bin:$PATH"
    export PATH
  fi
fi

if [[ -f bun.lock ]]; then
  bun install --frozen-lockfile >&2
else
  bun install >&2
fi
