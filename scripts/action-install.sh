#!/usr/bin/env bash
# GitHub Action step: installs awsredirect — the release binary for this runner, or, when no
# release can be downloaded, a build from the action's own source with `cargo install`.
# Env: INPUT_VERSION (latest | X.Y.Z), ACTION_REPOSITORY (owner/name), GITHUB_ACTION_PATH,
# GITHUB_PATH, RUNNER_TEMP; AWSREDIRECT_RELEASES overrides the download base URL (tests).
set -euo pipefail

version=${INPUT_VERSION:-latest}
dest="${RUNNER_TEMP:-/tmp}/awsredirect-bin"
mkdir -p "$dest"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) target=x86_64-unknown-linux-gnu ;;
  Linux-aarch64) target=aarch64-unknown-linux-gnu ;;
  Darwin-arm64) target=aarch64-apple-darwin ;;
  Darwin-x86_64) target=x86_64-apple-darwin ;;
  MINGW*|MSYS*|CYGWIN*) target=x86_64-pc-windows-msvc ;;
  *) target=unknown ;;
esac

base=${AWSREDIRECT_RELEASES:-https://github.com/${ACTION_REPOSITORY:-awsredirect/awsredirect}/releases}
if [ "$version" = latest ]; then
  url="$base/latest/download/awsredirect-$target.tar.gz"
else
  url="$base/download/v${version#v}/awsredirect-$target.tar.gz"
fi

if [ "$target" != unknown ] && curl -fsSL --retry 2 "$url" -o "$dest/awsredirect.tar.gz"; then
  tar -xzf "$dest/awsredirect.tar.gz" -C "$dest"
  rm "$dest/awsredirect.tar.gz"
  echo "installed awsredirect from $url"
else
  echo "no release binary at $url; building from source with cargo install"
  "${CARGO:-cargo}" install --locked --root "${dest%/}-cargo" --path "$GITHUB_ACTION_PATH"
  cp "${dest%/}-cargo/bin/"awsredirect* "$dest/"
fi
echo "$dest" >> "$GITHUB_PATH"
