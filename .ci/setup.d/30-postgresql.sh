# PostgreSQL on 127.0.0.1 for the registry tests, which run against both SQLite and PostgreSQL.
# Sourced by .ci/run: installs the Debian package, starts the cluster, creates a test role and database,
# exports FAIRPOD_TEST_PG_URL and registers the stop on FAIRPOD_CLEANUP.
# Executed as `bash 30-postgresql.sh start|stop` (by the test setup on a dev machine where postgresql is
# installed): `start` prints `FAIRPOD_TEST_PG_URL=...` and `STARTED=1` if it had to start the cluster.

fairpod_pg_start() {
  local ver port status
  ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  [ -n "$ver" ] || { echo "postgresql is not installed (apt-get install postgresql)" >&2; return 1; }
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$ver main"; then
    pg_createcluster "$ver" main >/dev/null
  fi
  port=$(pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $3}')
  status=$(pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $4}')
  FAIRPOD_PG_STARTED=0
  if [ "$status" != "online" ]; then
    pg_ctlcluster "$ver" main start
    FAIRPOD_PG_STARTED=1
  fi
  FAIRPOD_PG_STOP="pg_ctlcluster $ver main stop"
  su postgres -c "psql -q -p $port -v ON_ERROR_STOP=1" >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fairpod_test') THEN
    CREATE ROLE fairpod_test LOGIN PASSWORD 'fairpod_test';
  END IF;
END $$;
SELECT 'CREATE DATABASE fairpod_test OWNER fairpod_test' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'fairpod_test')\gexec
SQL
  FAIRPOD_TEST_PG_URL="postgres://fairpod_test:fairpod_test@127.0.0.1:$port/fairpod_test"
}

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  apt_install postgresql
  fairpod_pg_start
  export FAIRPOD_TEST_PG_URL
  if [ "$FAIRPOD_PG_STARTED" = 1 ]; then FAIRPOD_CLEANUP+=("$FAIRPOD_PG_STOP"); fi
else
  set -euo pipefail
  case "${1:-}" in
    start)
      fairpod_pg_start
      echo "FAIRPOD_TEST_PG_URL=$FAIRPOD_TEST_PG_URL"
      echo "STARTED=$FAIRPOD_PG_STARTED"
      ;;
    stop) ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1); pg_ctlcluster "$ver" main stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
  esac
fi
