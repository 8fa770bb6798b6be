#!/bin/sh
# `npm test` runs this first (the "pretest" script): the tests drive real tools, and this installs the Debian
# packages of those that are missing, when running as root on a machine with apt-get. Elsewhere it names
# what is missing and the tests that need it fail or, for root-only suites, do not run.
#   rpm, rpmbuild          rpm             the tool's rpm and its transaction file triggers, under real rpm
#   rpmlint                rpmlint         lint of the built rpm
#   lintian                lintian         lint of the built deb
#   dpkg-deb, dpkg         dpkg, dpkg-dev  the tool's deb, the package-hook tests
#   apt-get                apt             the apt hook, run by real apt
#   systemd-analyze        systemd         verify and security-rate the shipped units
#   promtool               prometheus      lint and parse the metrics
#   prometheus_client      python3-prometheus-client   a second parser of the metrics
#   setcap, getcap         libcap2-bin     file capabilities
#   mandoc, bfs            mandoc, bfs     the manual page and the walk comparisons
#   unshare, flock, ionice, setpriv  util-linux  the throw-away systems, the cron line, the unit's bounds
#   man                    man-db          the manual page rendered as a person reads it
#   zsh                    zsh             the zsh completion, run in zsh
#   script                 bsdutils        a real terminal for the progress line
#   strace                 strace          the order of the fix's system calls
set -eu

need=''
want() { command -v "$1" >/dev/null 2>&1 || need="$need $2"; }
want rpm rpm
want rpmbuild rpm
want rpmlint rpmlint
want lintian lintian
want dpkg-deb dpkg
want dpkg-architecture dpkg-dev
want systemd-analyze systemd
want promtool prometheus
want setcap libcap2-bin
want mandoc mandoc
want bfs bfs
want unshare util-linux
want flock util-linux
want ionice util-linux
want setpriv util-linux
want man man-db
want zsh zsh
want script bsdutils
want strace strace
/usr/bin/python3 -c 'import prometheus_client' >/dev/null 2>&1 || need="$need python3-prometheus-client"

[ -z "$need" ] && exit 0
need=$(printf '%s\n' $need | sort -u | tr '\n' ' ')
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "test tools: missing Debian packages: $need(install them as root: apt-get install $need)" >&2
    exit 0
fi
echo "test tools: installing $need" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $need >/dev/null
