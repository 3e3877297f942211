#!/usr/bin/env bash
# Installs what the local cluster and the integration tests need (npm's pretest and .ci/run call it):
#   - the Debian packages zookeeper (3.8) and clickhouse-server (18.16), with apt-get;
#   - a Python venv at .chdr/venv holding moto_server (AWS APIs for the integration tests) and cfn-lint
#     (pinned: the suite lints the packaged CloudFormation templates and allows no warning).
#   - any further Debian packages named as arguments (`npm run bench` adds curl and netcat-openbsd).
# Node 22 (the Lambda runtime's) is not installed here: it is the `node` devDependency, which `npm ci`
# installs and npm puts first on the PATH of every npm script, whatever the machine's own Node is.
# Idempotent and fast (a few dpkg/stat checks) when everything is present; prints one line per thing it
# installs and nothing otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(zookeeper clickhouse-server "$@")
VENV_DIR=.chdr/venv
CFN_LINT_VERSION=1.58.0

say() { printf 'install-deps: %s\n' "$*"; }
die() {
  printf 'install-deps: error: %s\n' "$*" >&2
  exit 1
}

is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

run_as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run '$*' (run this script as root or install sudo)"
  fi
}

has_cfn_lint() { compgen -G "$VENV_DIR/lib/python3*/site-packages/cfn_lint-$CFN_LINT_VERSION.dist-info" >/dev/null; }

python_has_venv() { command -v python3 >/dev/null 2>&1 && python3 -c 'import venv, ensurepip' >/dev/null 2>&1; }

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${APT_PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
  done
  # moto runs in a venv: a bare Debian has neither python3 nor its venv module.
  if [ ! -x "$VENV_DIR/bin/moto_server" ] && ! python_has_venv; then
    missing+=(python3 python3-venv)
  fi
  if [ "${#missing[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and apt-get is not available"
    run_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    run_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    for pkg in "${missing[@]}"; do
      is_installed "$pkg" || die "apt-get did not install $pkg"
      say "installed $pkg (apt)"
    done
  fi
else
  # Not Debian: the cluster needs java, ZooKeeper's jars and clickhouse-server laid out as Debian does.
  for need in java clickhouse-server; do
    command -v "$need" >/dev/null 2>&1 || [ -x "/usr/sbin/$need" ] ||
      die "$need not found; install ZooKeeper 3.8 and ClickHouse (see lib/localcluster/README.md)"
  done
  [ -f /usr/share/java/zookeeper.jar ] || die "/usr/share/java/zookeeper.jar not found; install ZooKeeper 3.8"
fi

if [ ! -x "$VENV_DIR/bin/moto_server" ]; then
  python_has_venv || die "python3 with the venv module is needed for moto (apt-get install python3-venv)"
  mkdir -p "$(dirname "$VENV_DIR")"
  python3 -m venv "$VENV_DIR"
  "$VENV_DIR/bin/pip" install --quiet --disable-pip-version-check 'moto[server]' >/dev/null
  [ -x "$VENV_DIR/bin/moto_server" ] || die "pip did not install moto_server into $VENV_DIR"
  say "installed moto[server] into $VENV_DIR"
fi

if ! has_cfn_lint; then
  [ -x "$VENV_DIR/bin/pip" ] || die "$VENV_DIR has no pip; remove it and run this script again"
  "$VENV_DIR/bin/pip" install --quiet --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION" >/dev/null
  has_cfn_lint || die "pip did not install cfn-lint $CFN_LINT_VERSION into $VENV_DIR"
  say "installed cfn-lint $CFN_LINT_VERSION into $VENV_DIR"
fi
