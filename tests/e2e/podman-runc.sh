#!/usr/bin/env bash
# e2e: the runtime matrix under Podman with runc (see podman.sh).
PODMAN_OCI=runc exec bash "$(dirname "$0")/podman.sh" "$@"
