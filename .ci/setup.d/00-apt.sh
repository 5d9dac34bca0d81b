# Shared helper for setup steps: apt-get install with one `apt-get update` per CI run.
apt_install() {
  if [ -z "${FAIRPOD_APT_UPDATED:-}" ]; then
    apt-get update -qq
    FAIRPOD_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
# Steps push their clean-up commands here; they run when .ci/run exits.
FAIRPOD_CLEANUP=()
fairpod_cleanup() { for c in "${FAIRPOD_CLEANUP[@]}"; do eval "$c" || true; done; }
trap fairpod_cleanup EXIT
