#!/usr/bin/env bash
# Records what `wrangler dev` answers to each platform fixture's /run
# (ratelimit, version-metadata, email, secrets-store, analytics,
# unavailable, hyperdrive, hyperdrive-mysql) into wrangler-answers/, for pkg/conformance's
# TestWranglerPlatform to compare valet dev with. Run from anywhere:
# testdata/conformance/platform/record.sh [KIND...]. Needs node and npm
# (wrangler 4.86 is the last release on Node 20; WRANGLER=path skips the
# install) and, for hyperdrive, Debian's postgresql and mariadb-server
# packages: the script starts a PostgreSQL (as the postgres user when run
# as root) and a MariaDB of its own on 127.0.0.1, as the test does.
set -euo pipefail

WRANGLER_VERSION=${WRANGLER_VERSION:-4.86}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
pg_stop=()
my_pid=
cleanup() {
	if ((${#pg_stop[@]})); then "${pg_stop[@]}" >/dev/null 2>&1 || true; fi
	if [ -n "$my_pid" ]; then kill "$my_pid" 2>/dev/null && wait "$my_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

wrangler=${WRANGLER:-}
if [ -z "$wrangler" ]; then
	echo "installing wrangler@$WRANGLER_VERSION in $work/wrangler" >&2
	mkdir -p "$work/wrangler"
	(cd "$work/wrangler" && echo '{"private":true}' >package.json &&
		npm install --no-audit --no-fund --loglevel=error "wrangler@$WRANGLER_VERSION" >&2)
	wrangler="$work/wrangler/node_modules/.bin/wrangler"
fi
version=$("$wrangler" --version | tail -1)
export CI=1 WRANGLER_SEND_METRICS=false

# start_postgres starts PostgreSQL on $1 with the superuser valet
# (password valet-pw) and the database valetdb.
start_postgres() {
	local port=$1 dir=$work/pg bin as=()
	bin=$(dirname "$(readlink -f "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | tail -1)")")
	mkdir -p "$dir"
	echo valet-pw >"$dir/pw"
	if [ "$(id -u)" = 0 ]; then
		chmod 711 "$work"
		chown -R postgres: "$dir"
		as=(runuser -u postgres --)
	fi
	"${as[@]}" "$bin/initdb" -D "$dir/data" -U valet --pwfile "$dir/pw" -A scram-sha-256 --no-sync >/dev/null
	"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -o "-k $dir -h 127.0.0.1 -p $port -F" -l "$dir/log" -w start >/dev/null
	pg_stop=("${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop)
	PGPASSWORD=valet-pw "${as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U valet valetdb
}

# start_mariadb starts MariaDB on $1 with the user valet (password
# valet-pw) and the database valetdb.
start_mariadb() {
	local port=$1 dir=$work/mariadb user=()
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && user=(--user=root)
	mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
		--skip-test-db "${user[@]}" >/dev/null
	mariadbd --no-defaults --datadir="$dir/data" --socket="$dir/sock" --port="$port" --bind-address=127.0.0.1 \
		"${user[@]}" --pid-file="$dir/pid" >"$dir/log" 2>&1 &
	my_pid=$!
	for _ in $(seq 1 100); do [ -S "$dir/sock" ] && break; sleep 0.1; done
	mariadb --no-defaults -S "$dir/sock" -uroot \
		-e "CREATE DATABASE valetdb; CREATE USER 'valet'@'%' IDENTIFIED BY 'valet-pw'; GRANT ALL ON valetdb.* TO 'valet'@'%';"
}

kinds=("$@")
((${#kinds[@]})) || kinds=(ratelimit version-metadata email secrets-store analytics unavailable hyperdrive hyperdrive-mysql)
port=8799
for kind in "${kinds[@]}"; do
	echo "== $kind" >&2
	cp -r "$here/$kind" "$work/$kind"
	state=$work/$kind-state
	flags=()
	case $kind in
	secrets-store)
		(cd "$work/$kind" && "$wrangler" secrets-store secret create store1 --name api-key --value s3cret-value \
			--scopes workers --persist-to "$state" >&2)
		;;
	hyperdrive)
		(cd "$work/$kind" && npm install --no-audit --no-fund --loglevel=error >&2)
		start_postgres 54329
		export CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE=postgresql://valet:valet-pw@127.0.0.1:54329/valetdb
		;;
	hyperdrive-mysql)
		(cd "$work/$kind" && npm install --no-audit --no-fund --loglevel=error >&2)
		start_mariadb 33069
		export CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE=mysql://valet:valet-pw@127.0.0.1:33069/valetdb
		;;
	unavailable)
		# Without --local, wrangler dev does not start: Workers AI is a
		# remote binding, which needs a Cloudflare login.
		flags=(--local)
		;;
	esac
	(cd "$work/$kind" && exec setsid "$wrangler" dev "${flags[@]}" --ip 127.0.0.1 --port "$port" \
		--persist-to "$state" >"$work/wrangler-$kind.log" 2>&1) &
	pid=$!
	for _ in $(seq 1 300); do
		[ "$(curl -so /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready" || true)" = 404 ] && break
		sleep 0.1
	done
	(cd "$repo" && go test ./pkg/conformance -count=1 -run "TestWranglerPlatform/^${kind}\$" \
		-wrangler-url "http://127.0.0.1:$port" -wrangler-version "$version") || {
		cat "$work/wrangler-$kind.log" >&2
		kill -- -"$pid" || true
		exit 1
	}
	kill -- -"$pid" || true
	wait "$pid" 2>/dev/null || true
done
echo "recorded wrangler $version answers in $here/wrangler-answers" >&2
