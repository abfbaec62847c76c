#!/usr/bin/env bash
# Install every build, test and benchmark dependency of d4m from Debian's
# packages.  Idempotent: packages already present are left alone.
#
# Installing Octave pulls in OpenMPI, which would take over mpicc/mpiexec.
# We settle that once here: the alternatives are pointed at MPICH, and the
# build uses the explicit .mpich names as well, so neither order of install
# nor a later apt run can switch us to OpenMPI behind our back.
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config git
  clang libclang-rt-14-dev
  librocksdb-dev
  libgraphblas-dev
  libmpich-dev mpich
  libcfitsio-dev liblz4-dev libzstd-dev
  libcriterion-dev
  octave liboctave-dev
  gnuplot-nox
  libhdf5-dev
  python3
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all packages present"
fi

# MPICH, not OpenMPI, for mpicc/mpiexec (see above).
for alt in mpi mpirun; do
  target=$(update-alternatives --list "$alt" 2>/dev/null | grep -i mpich | head -n 1 || true)
  if [ -n "$target" ]; then
    $SUDO update-alternatives --set "$alt" "$target" >/dev/null
  fi
done
