#!/bin/sh
# The official image builds redis with protected mode off (the container network is what
# protects it); Debian's redis-server has it on, which refuses clients from other containers
# when no password is set. Same arguments otherwise.
set -eu
if [ "${1#-}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ]; then
  shift
  set -- redis-server --protected-mode no "$@"
fi
exec "$@"
