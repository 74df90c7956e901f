#!/bin/sh
# tools/deps/deps.sh: install what `make test` needs beyond Go, on Debian.
#
# The fixture bank runs Python (with Debian's python3-gevent), C (gcc, and
# liburing-dev for the io_uring fixtures), Node, Java and Rust servers; tools/grade's test draws report.html in headless Chromium.
# As root the missing Debian packages are installed with apt-get; as any
# other user the script stops at once with the one command to run.
set -eu

need=""
command -v gcc >/dev/null 2>&1 || need="$need gcc libc6-dev"
# The io_uring fixtures (fixtures/students/c-uring*) link liburing.
[ -f /usr/include/liburing.h ] || need="$need liburing-dev"
command -v make >/dev/null 2>&1 || need="$need make"
# The gevent fixture runs on Debian's own Python, where python3-gevent lives.
[ -x /usr/bin/python3 ] || need="$need python3"
/usr/bin/python3 -c 'import gevent' 2>/dev/null || need="$need python3-gevent"
command -v node >/dev/null 2>&1 || need="$need nodejs"
# The correct Java and Rust servers of the bank (java-threads, rust-threads).
command -v javac >/dev/null 2>&1 || need="$need default-jdk-headless"
command -v rustc >/dev/null 2>&1 || need="$need rustc"
[ -x /usr/bin/chromium ] || need="$need chromium"

[ -z "$need" ] && exit 0
need=${need# }
if [ "$(id -u)" != 0 ]; then
  echo "make test needs Debian packages that are missing; run: sudo apt-get update && sudo apt-get install -y $need" >&2
  exit 1
fi
echo "tools/deps: installing $need"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # one word per package
apt-get install -y -qq --no-install-recommends $need >/dev/null
