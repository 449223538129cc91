#!/usr/bin/env bash
# Builds the Loopwright image with podman, no daemon, on a machine where `podman build` cannot run
# the Dockerfile's RUN steps: buildah sets RLIMIT_NPROC/RLIMIT_NOFILE for every step, and where
# setrlimit is forbidden (some CI sandboxes) every step fails with "setrlimit ... operation not
# permitted". So the Dockerfile's steps run in one `podman run --ulimit host` (which sets no
# limits) and the result is committed with the Dockerfile's settings.
#
#   scripts/podman-image.sh [image]      default image: localhost/loopwright
#
# Needs the Dockerfile's base image (node:24-bookworm-slim) pulled or imported first, and runc
# (crun refuses "cgroups in hybrid mode" here). NODE_EXTRA_CA_CERTS, when set, is passed to the
# build so npm trusts the same registry certificate as this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
image="${1:-localhost/loopwright}"
base="$(sed -n 's/^FROM //p' Dockerfile | head -n 1)"
conf="$(mktemp)"
printf '[containers]\ndefault_ulimits = []\n' >"$conf"
export CONTAINERS_CONF="$conf"
podman=(podman --runtime runc)
if ! "${podman[@]}" image exists "$base"; then
  echo "podman-image: the base image $base is not here; pull it (podman pull $base) or import one" >&2
  exit 1
fi
ca=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ]; then
  ca=(-v "$NODE_EXTRA_CA_CERTS:/build-ca.crt:ro" -e NODE_EXTRA_CA_CERTS=/build-ca.crt -e npm_config_cafile=/build-ca.crt)
fi
name="loopwright-build-$$"
trap '"${podman[@]}" rm -f "$name" >/dev/null 2>&1 || true; rm -f "$conf"' EXIT
# The same steps as the Dockerfile; .dockerignore's entries are left out of the copy.
"${podman[@]}" run --ulimit host --network host --name "$name" -v "$PWD:/src:ro" "${ca[@]}" \
  -e DEBIAN_FRONTEND=noninteractive -e LOOPWRIGHT_HOME=/data "$base" /bin/bash -c '
    set -e
    apt-get update -qq && apt-get install -y -qq --no-install-recommends ca-certificates rsync >/dev/null
    mkdir -p /app
    rsync -a --exclude-from=/src/.dockerignore /src/ /app/
    cd /app && npm run setup || echo "setup: some checks need the privileges the container runs with"
    rm -rf /var/lib/apt/lists/* /root/.npm'
"${podman[@]}" commit \
  --change 'WORKDIR /app' \
  --change 'ENV LOOPWRIGHT_HOME=/data' --change 'ENV LOOPWRIGHT_HOST=0.0.0.0' --change 'ENV LOOPWRIGHT_PORT=4700' \
  --change 'EXPOSE 4700' \
  --change 'ENTRYPOINT ["node", "src/cli/main.ts"]' --change 'CMD ["start"]' \
  "$name" "$image"
echo "podman-image: built $image"
