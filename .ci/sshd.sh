#!/usr/bin/env bash
# sshd.sh — a throw-away sshd on 127.0.0.1 for tests that deploy over ssh://.
#
#   sshd.sh start DIR [PORT]  generates a host key and a client key in DIR,
#                             starts sshd on 127.0.0.1:PORT (default 2222)
#                             accepting that key for the current user, and
#                             prints the variables tests read, for eval:
#                             VALET_TEST_SSH_HOST, VALET_TEST_SSH_KEY,
#                             VALET_TEST_SSH_KNOWN_HOSTS
#   sshd.sh stop DIR          stops it and removes DIR
set -euo pipefail

start() {
	local dir=${1:?usage: sshd.sh start DIR [PORT]} port=${2:-2222}
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
	echo "[127.0.0.1]:$port $(cut -d' ' -f1-2 "$dir/host_key.pub")" >"$dir/known_hosts"
	# sshd refuses to start without its privilege-separation directory.
	mkdir -p /run/sshd
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
	/usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
	for _ in $(seq 1 50); do
		[[ -s $dir/sshd.pid ]] && break
		sleep 0.1
	done
	[[ -s $dir/sshd.pid ]] || {
		echo "sshd.sh: sshd did not start; see $dir/sshd.log" >&2
		exit 1
	}
	echo "export VALET_TEST_SSH_HOST=ssh://$(id -un)@127.0.0.1:$port"
	echo "export VALET_TEST_SSH_KEY=$dir/client_key"
	echo "export VALET_TEST_SSH_KNOWN_HOSTS=$dir/known_hosts"
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
