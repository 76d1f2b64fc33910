# berth/service-redis: Redis 7 from Debian's packages on the Berth run stack.
ARG STACK=berth/stack:bookworm
FROM ${STACK}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server redis-tools \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* \
 && mkdir -p /data && chown redis:redis /data && chmod 700 /data
USER redis
LABEL berth.role=service-image berth.service.kind=redis
