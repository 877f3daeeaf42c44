#!/usr/bin/env bash
# Refreshes the browser libraries of the web app (marked, DOMPurify, highlight.js, KaTeX) from Debian's packages:
# no npm registry is needed. It downloads the .deb files of one Debian suite (default: sid, the newest) from the
# mirror this machine's apt already uses, unpacks them without installing anything, and copies the built browser
# files, the licence (Debian's copyright file) and a VERSION file into
# Sources/ChatMirror/Web/Resources/public/vendor/<library>/.
#
#   scripts/refresh-vendor.sh            # refresh from sid
#   SUITE=trixie scripts/refresh-vendor.sh
#   MIRROR=http://host/debian scripts/refresh-vendor.sh
#   scripts/refresh-vendor.sh --check    # exit 1 when the suite has newer packages than the vendored ones
#
# Run it (and the browser tests) whenever Debian ships a DOMPurify security fix. Needs apt-get, dpkg-deb and
# Debian's archive keyring; changes nothing outside a temporary folder and the vendor folder.
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=Sources/ChatMirror/Web/Resources/public/vendor
SUITE=${SUITE:-sid}
KEYRING=${KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
PACKAGES=(libjs-marked node-dompurify libjs-highlight.js libjs-katex fonts-katex)
CHECK=false
[ "${1:-}" = "--check" ] && CHECK=true

# The Debian archive this machine's apt uses (the suite that is Debian's own, not its security archive).
default_mirror() {
  apt-cache policy | awk '
    / Packages$/ { url = $2 }
    /release / && /o=Debian,/ && /l=Debian,/ && url != "" { print url; exit }'
}
MIRROR=${MIRROR:-$(default_mirror)}
if [ -z "$MIRROR" ]; then
  echo "no Debian mirror found in apt's sources (run apt-get update first, or set MIRROR)" >&2
  exit 2
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK"/apt/{lists/partial,archives/partial,etc/apt.conf.d,etc/preferences.d} "$WORK/debs" "$WORK/root"
touch "$WORK/apt/status"
echo "deb [signed-by=$KEYRING] $MIRROR $SUITE main" > "$WORK/apt/etc/sources.list"
APT=(-o "Dir::State=$WORK/apt" -o "Dir::State::Lists=$WORK/apt/lists" -o "Dir::State::status=$WORK/apt/status"
     -o "Dir::Cache=$WORK/apt" -o "Dir::Cache::Archives=$WORK/apt/archives" -o "Dir::Etc=$WORK/apt/etc"
     -o "Dir::Etc::SourceList=$WORK/apt/etc/sources.list" -o "Dir::Etc::SourceParts=-"
     -o "Dir::Etc::Parts=$WORK/apt/etc/apt.conf.d" -o "Dir::Etc::Preferences=$WORK/apt/etc/preferences.d/none"
     -o "Dir::Etc::PreferencesParts=$WORK/apt/etc/preferences.d" -o "Acquire::Languages=none"
     -o "APT::Sandbox::User=root")
echo "== reading $SUITE from $MIRROR"
apt-get "${APT[@]}" -qq update

candidate() { apt-cache "${APT[@]}" policy "$1" | awk '/Candidate:/ { print $2 }'; }

if $CHECK; then
  stale=0
  for pkg in "${PACKAGES[@]}"; do
    have=$(grep -rhs "^$pkg " "$VENDOR"/*/VERSION | awk '{ print $2 }' | head -1)
    want=$(candidate "$pkg")
    if [ "$have" != "$want" ]; then echo "$pkg: vendored ${have:-none}, $SUITE has $want"; stale=1; fi
  done
  [ $stale = 0 ] && echo "vendored libraries are current with $SUITE"
  exit $stale
fi

(cd "$WORK/debs" && apt-get "${APT[@]}" -qq download "${PACKAGES[@]}")
for deb in "$WORK"/debs/*.deb; do dpkg-deb -x "$deb" "$WORK/root"; done
U="$WORK/root/usr/share"

# vendor_meta LIBRARY PACKAGE... : the upstream version and the Debian packages (with versions) it came from.
vendor_meta() {
  local library=$1
  shift
  {
    echo "# $library $(upstream "$1"), from Debian $SUITE by scripts/refresh-vendor.sh; packages:"
    for pkg in "$@"; do echo "$pkg $(dpkg-deb -f "$WORK"/debs/"${pkg}"_*.deb Version)"; done
  } > "$VENDOR/$library/VERSION"
}

fresh() { rm -rf "${VENDOR:?}/$1"; mkdir -p "$VENDOR/$1"; }
upstream() { dpkg-deb -f "$WORK"/debs/"$1"_*.deb Version | sed -E 's/^[0-9]+://; s/[+~-].*//'; }

fresh marked
cp "$U/javascript/marked/marked.umd.min.js" "$VENDOR/marked/"
cp "$U/doc/libjs-marked/copyright" "$VENDOR/marked/LICENSE"
vendor_meta marked libjs-marked

fresh dompurify
cp "$U/nodejs/dompurify/dist/purify.min.js" "$U/nodejs/dompurify/dist/purify.min.js.map" "$VENDOR/dompurify/"
cp "$U/doc/node-dompurify/copyright" "$VENDOR/dompurify/LICENSE"
vendor_meta dompurify node-dompurify

fresh highlight.js
cp "$U/javascript/highlight.js/highlight.min.js" "$VENDOR/highlight.js/"
cp "$U/doc/libjs-highlight.js/copyright" "$VENDOR/highlight.js/LICENSE"
vendor_meta highlight.js libjs-highlight.js

# KaTeX: the script, its CSS and only the woff2 fonts (every browser that runs the app reads woff2, and the CSS
# lists woff2 first, so the woff and ttf files it also names are never asked for).
fresh katex
cp -L "$U/javascript/katex/katex.min.js" "$U/javascript/katex/katex.min.css" "$VENDOR/katex/"
mkdir -p "$VENDOR/katex/fonts"
cp "$U"/fonts/truetype/katex/*.woff2 "$VENDOR/katex/fonts/"
cp "$U/doc/libjs-katex/copyright" "$VENDOR/katex/LICENSE"
vendor_meta katex libjs-katex fonts-katex

echo "== vendored from Debian $SUITE:"
grep -h -v '^#' "$VENDOR"/*/VERSION
