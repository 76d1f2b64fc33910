# berth/service-postgres: PostgreSQL 15 from Debian's packages on the Berth run stack.
# The entrypoint initialises an empty data volume once (scram password from
# POSTGRES_PASSWORD), then runs postgres in the foreground as `postgres`.
ARG STACK=berth/stack:bookworm
FROM ${STACK}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && pg_dropcluster 15 main 2>/dev/null || true \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql \
 && chmod 700 /var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/berth-postgres
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data
USER postgres
LABEL berth.role=service-image berth.service.kind=postgres
