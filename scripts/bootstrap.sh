#!/usr/bin/env bash
# Installs what the forge needs on Debian 12 and creates the virtualenv. Safe to run again: it only
# installs what is missing. Called by `make demo` and `make test`; nothing needs installing by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
# chromium + chromium-driver: the ops UI's browser tests (tests/ui), Debian's build and its matching driver.
APT_PACKAGES=(python3 python3-venv python3-dev php-cli php-xml php-mbstring php-sqlite3 phpunit composer php-codesniffer
              bubblewrap softhsm2 openssl unzip nodejs subversion chromium chromium-driver)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  if [[ $(id -u) -eq 0 ]]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo); else
    echo "bootstrap: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [[ ! -x "$VENV/bin/python" ]]; then
  echo "bootstrap: creating $VENV with $($PYTHON --version)"
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)"
if [[ ! -f "$stamp" ]]; then
  echo "bootstrap: installing Python packages (hash-locked in constraints.txt)"
  # Every package, pip and the build backend included, at the version and sha256 constraints.txt names (`make lock`
  # writes it; docs/dependencies.md): a changed or substituted file fails the install. The project itself is a
  # local folder, which has no hash: it is installed apart, without its dependencies and with the locked setuptools.
  "$VENV/bin/python" -m pip install -q --require-hashes -r constraints.txt
  "$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation -e .
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi

# WordPress builds for the Sandbox step (npm @wp-playground/wordpress-builds: WordPress 6.2-6.5 + the SQLite
# integration plugin), kept outside git in .vendor/wp. Debian 12's nodejs has no npm; NodeSource's has.
WP_BUILDS_VERSION=0.9.19
WP_BUILDS=.vendor/wp/node_modules/@wp-playground/wordpress-builds
if ! grep -qs "\"version\": \"$WP_BUILDS_VERSION\"" "$WP_BUILDS/package.json"; then
  if ! command -v npm >/dev/null; then
    echo "bootstrap: installing Debian package: npm"
    if [[ $(id -u) -eq 0 ]]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo); else
      echo "bootstrap: need root (or sudo) to install: npm" >&2; exit 1
    fi
    "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  echo "bootstrap: installing @wp-playground/wordpress-builds@$WP_BUILDS_VERSION into .vendor/wp"
  mkdir -p .vendor/wp
  [[ -f .vendor/wp/package.json ]] || echo '{"name": "forge-vendor-wordpress", "private": true}' > .vendor/wp/package.json
  npm install --prefix .vendor/wp --no-audit --no-fund --loglevel=error "@wp-playground/wordpress-builds@$WP_BUILDS_VERSION"
fi

# The Shopify CLI the shopify_app_store connector runs (`shopify app deploy`), pinned; kept outside git in .tools/.
# 3.94.2 is the newest release whose engines allow Debian's Node 20 (4.x needs Node 22).
SHOPIFY_CLI_VERSION=3.94.2
SHOPIFY_CLI=.tools/shopify-cli
if ! grep -qs "\"version\": \"$SHOPIFY_CLI_VERSION\"" "$SHOPIFY_CLI/node_modules/@shopify/cli/package.json"; then
  echo "bootstrap: installing @shopify/cli@$SHOPIFY_CLI_VERSION into $SHOPIFY_CLI"
  mkdir -p "$SHOPIFY_CLI"
  [[ -f "$SHOPIFY_CLI/package.json" ]] || echo '{"name": "forge-tools-shopify-cli", "private": true}' > "$SHOPIFY_CLI/package.json"
  npm install --prefix "$SHOPIFY_CLI" --no-audit --no-fund --loglevel=error "@shopify/cli@$SHOPIFY_CLI_VERSION"
fi

# The ops UI (ui/: React + TypeScript, built by Vite), from ui/package-lock.json with `npm ci`, built into ui/dist,
# which `forge up` serves at /. Rebuilt when the lock or a source file changes.
ui_stamp="ui/node_modules/.forge-built-$(cat ui/package-lock.json ui/index.html ui/vite.config.ts ui/tsconfig.json \
  $(find ui/src -type f | sort) | sha256sum | cut -c1-16)"
if [[ ! -f "$ui_stamp" || ! -f ui/dist/index.html ]]; then
  echo "bootstrap: installing the ops UI's npm packages (ui/package-lock.json) and building ui/dist"
  if ! command -v npm >/dev/null; then
    if [[ $(id -u) -eq 0 ]]; then SUDO=(); else SUDO=(sudo); fi
    "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  (cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build >/dev/null)
  rm -f ui/node_modules/.forge-built-*
  touch "$ui_stamp"
fi

# The npm caches the Node platforms build, test and sandbox from: those steps have no network, so the cache of each
# platform's lock file (the Shopify app's templates/package-lock.json) is filled here, once per lock, from the
# registry (`python -m forge.cms.toolchains`; FORGE_NPM_CACHE moves it from .vendor/npm-cache).
"$VENV/bin/python" -m forge.cms.toolchains >/dev/null
