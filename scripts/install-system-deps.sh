#!/usr/bin/env bash
# Installs the Debian packages Treffpunkt needs: speech synthesis (espeak-ng, MBROLA German and
# Turkish voices, SVOX Pico), audio tools and headless Chromium for the tests.
# Runs apt-get only for packages that are missing, and only as root; otherwise says what to install.
# As root on Debian it enables the contrib and non-free components (MBROLA voices and Pico live there).
#   --optional-voices  missing voice packages only warn (used by `make run`): the product then
#                      falls back to espeak-ng and says so once at start.
set -euo pipefail

optional_voices=0
[ "${1:-}" = "--optional-voices" ] && optional_voices=1

required=(espeak-ng libespeak-ng1 sox chromium fonts-dejavu-core)
voices=(mbrola mbrola-de6 mbrola-de4 libttspico-utils)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep "install ok installed" >/dev/null; }
available() { apt-cache policy "$1" 2>/dev/null | grep "Candidate: [^(]" >/dev/null; }

enable_contrib_non_free() {
  local sources=/etc/apt/sources.list.d/debian.sources changed=0
  if [ -f "$sources" ]; then
    if grep -qE '^Components: main$' "$sources"; then
      sed -i -E 's/^Components: main$/Components: main contrib non-free non-free-firmware/' "$sources"
      changed=1
    fi
  elif [ -f /etc/apt/sources.list ]; then
    if grep -qE '^deb .* main$' /etc/apt/sources.list; then
      sed -i -E 's/^(deb .* main)$/\1 contrib non-free non-free-firmware/' /etc/apt/sources.list
      changed=1
    fi
  fi
  [ "$changed" -eq 1 ] && echo "Enabled the Debian contrib and non-free components"
  return 0
}

missing=()
for package in "${required[@]}" "${voices[@]}" mbrola-tr1 mbrola-tr2; do
  installed "$package" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}" \
       "(MBROLA voices and Pico need the contrib and non-free components)" >&2
  for package in "${required[@]}"; do installed "$package" || exit 1; done
  [ "$optional_voices" -eq 1 ] && exit 0
  for package in "${voices[@]}"; do installed "$package" || exit 1; done
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
[ -f /etc/debian_version ] && enable_contrib_non_free
apt-get update -qq

install=()
for package in "${required[@]}"; do installed "$package" || install+=("$package"); done
unavailable=()
for package in "${voices[@]}" mbrola-tr1 mbrola-tr2; do
  installed "$package" && continue
  if available "$package"; then install+=("$package"); else unavailable+=("$package"); fi
done
if [ ${#install[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${install[*]}"
  apt-get install -y -qq --no-install-recommends "${install[@]}" >/dev/null
fi
for package in "${unavailable[@]}"; do
  case "$package" in
    mbrola-tr1|mbrola-tr2) echo "Note: $package is not in the package sources; Turkish uses espeak-ng tr" >&2 ;;
    *)
      echo "Warning: $package is not available; speech falls back to espeak-ng" >&2
      [ "$optional_voices" -eq 1 ] || exit 1 ;;
  esac
done
exit 0
