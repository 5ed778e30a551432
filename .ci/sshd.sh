#!/usr/bin/env bash
# sshd.sh — a throw-away sshd on 127.0.0.1 for tests that deploy over ssh://.
#
#   sshd.sh start DIR [PORT]  generates a host key and a client key in DIR,
#                             starts sshd on 127.0.0.1:PORT (default: a free
#                             port) accepting that key for the current user
#                             (root or not), and prints the variables tests
#                             read (pkg/engine/enginetest.StartSSHD), for eval:
#                             VALET_TEST_SSH_HOST, VALET_TEST_SSH_KEY,
#                             VALET_TEST_SSH_KNOWN_HOSTS
#   sshd.sh stop DIR          stops it and removes DIR
set -euo pipefail

start() {
	local dir=${1:?usage: sshd.sh start DIR [PORT]} want=${2:-}
	command -v /usr/sbin/sshd >/dev/null || {
		echo "sshd.sh: /usr/sbin/sshd not found; install Debian's openssh-server" >&2
		exit 1
	}
	mkdir -p "$dir"
	chmod 700 "$dir"
	[[ -f $dir/host_key ]] || ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
	[[ -f $dir/client_key ]] || ssh-keygen -q -t ed25519 -N '' -f "$dir/client_key"
	cp "$dir/client_key.pub" "$dir/authorized_keys"
	chmod 600 "$dir/authorized_keys"
	# As root sshd refuses to start without its privilege-separation
	# directory; as anyone else it does without (and may not create it).
	((EUID != 0)) || mkdir -p /run/sshd
	# A port that another run on this machine does not hold: try from one
	# derived from the pid until sshd binds.
	local port tries=(${want:-$((20000 + $$ % 20000))})
	[[ -n $want ]] || for i in $(seq 1 19); do tries+=($((20000 + ($$ + i * 97) % 20000))); done
	for port in "${tries[@]}"; do
		start_on "$dir" "$port" && break
		port=""
	done
	[[ -n $port ]] || {
		echo "sshd.sh: sshd did not start on any of ports ${tries[*]}; see $dir/sshd.log" >&2
		exit 1
	}
	echo "[127.0.0.1]:$port $(cut -d' ' -f1-2 "$dir/host_key.pub")" >"$dir/known_hosts"
	echo "export VALET_TEST_SSH_HOST=ssh://$(id -un)@127.0.0.1:$port"
	echo "export VALET_TEST_SSH_KEY=$dir/client_key"
	echo "export VALET_TEST_SSH_KNOWN_HOSTS=$dir/known_hosts"
}

# start_on DIR PORT: start sshd on 127.0.0.1:PORT; fails when it cannot bind.
start_on() {
	local dir=$1 port=$2
	rm -f "$dir/sshd.pid"
	cat >"$dir/sshd_config" <<CONF
ListenAddress 127.0.0.1:$port
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
LogLevel ERROR
CONF
	# Without -D sshd binds, then forks into the background: a port taken
	# makes it exit non-zero; once it returned 0 it listens, and its child
	# writes the pid file a moment later.
	/usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log" || return 1
	for _ in $(seq 1 100); do
		[[ -s $dir/sshd.pid ]] && return 0
		sleep 0.05
	done
	echo "sshd.sh: sshd wrote no pid file; see $dir/sshd.log" >&2
	return 1
}

stop() {
	local dir=${1:?usage: sshd.sh stop DIR}
	if [[ -s $dir/sshd.pid ]]; then
		kill "$(cat "$dir/sshd.pid")" 2>/dev/null || true
	fi
	rm -rf "$dir"
}

case ${1:-} in
start) start "${2:-}" "${3:-}" ;;
stop) stop "${2:-}" ;;
*)
	echo "usage: sshd.sh start DIR [PORT] | stop DIR" >&2
	exit 2
	;;
esac
