#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 with a `test` database (trust auth),
# for the PostgreSQL RefundStore tests. Starts an installed cluster that is down, installs one
# from Debian's packages where none exists. Never fails the run by itself: tests that need it say so.
set -u
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! command -v pg_isready >/dev/null 2>&1 || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  echo "refract: installing PostgreSQL from Debian packages" >&2
  if command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2 || true
  fi
fi
if ! ready; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$version" ]; then
    conf=/etc/postgresql/$version/main
    # Trust auth on loopback for the test database (a CI machine only).
    if [ -w "$conf/pg_hba.conf" ] && ! grep -q "refract-ci" "$conf/pg_hba.conf"; then
      sed -i '1i host all all 127.0.0.1/32 trust # refract-ci\nhost all all ::1/128 trust # refract-ci\nlocal all all trust # refract-ci' "$conf/pg_hba.conf"
    fi
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 2>/dev/null || pg_ctlcluster "$version" main start >&2 || true
  fi
fi
for _ in $(seq 1 30); do ready && break; sleep 1; done
if ready; then
  psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" 2>/dev/null | grep -q 1 || \
    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE test" >/dev/null 2>&1 || true
  echo "refract: PostgreSQL ready on 127.0.0.1:5432" >&2
else
  echo "refract: PostgreSQL is not available on 127.0.0.1:5432" >&2
fi
exit 0
