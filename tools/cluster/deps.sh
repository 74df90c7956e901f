#!/bin/sh
# tools/cluster/deps.sh: install what `make cluster-test` needs beyond
# `make test`'s packages: Slurm's controller, node daemon and client, and
# munge (Debian's slurmctld, slurmd, slurm-client, munge). As root the
# missing ones are installed with apt-get; as any other user the script
# stops at once with the one command to run.
set -eu

need=""
command -v slurmctld >/dev/null 2>&1 || need="$need slurmctld"
command -v slurmd >/dev/null 2>&1 || need="$need slurmd"
command -v sbatch >/dev/null 2>&1 || need="$need slurm-client"
command -v munged >/dev/null 2>&1 || need="$need munge"

[ -z "$need" ] && exit 0
need=${need# }
if [ "$(id -u)" != 0 ]; then
  echo "make cluster-test needs Debian packages that are missing; run: sudo apt-get update && sudo apt-get install -y $need" >&2
  exit 1
fi
echo "tools/cluster: installing $need"
export DEBIAN_FRONTEND=noninteractive
# The packages' install scripts start munge and the Slurm daemons with the
# system's configuration. make cluster-test starts its own, from a folder
# of its own: where no policy-rc.d keeps services from starting during
# installs (Docker images have one), one is put in place for this install.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  trap 'rm -f "$policy"' EXIT INT TERM
  printf '#!/bin/sh\n# tools/cluster/deps.sh: no service starts while it installs\nexit 101\n' >"$policy"
  chmod 755 "$policy"
fi
apt-get update -qq
# shellcheck disable=SC2086 # one word per package
apt-get install -y -qq --no-install-recommends $need >/dev/null
