# tingbao's SIP edge: Debian's kamailio 5.6 with deploy/kamailio.cfg (the registrar the phone
# line registers on; the carrier's trunk or the town's PBX sends calls here).
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends kamailio \
    && rm -rf /var/lib/apt/lists/*
COPY deploy/kamailio.cfg /etc/tingbao/kamailio.cfg
EXPOSE 5060/udp
CMD ["kamailio", "-DD", "-E", "-f", "/etc/tingbao/kamailio.cfg", "-l", "udp:0.0.0.0:5060"]
