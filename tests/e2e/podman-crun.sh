#!/usr/bin/env bash
# e2e: the runtime matrix under Podman with crun (see podman.sh).
PODMAN_OCI=crun exec bash "$(dirname "$0")/podman.sh" "$@"
