# tingbao: one image for the worker and the bot (the web service is Caddy serving public/).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PTB_TIMEDELTA=true \
    TINGBAO_DATA_DIR=/data

# OpenCV (pulled in by the OCR library) links libGL and GLib, which the slim image lacks; a CJK
# face lets the layout picture sent to editors label its regions in Chinese.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 fonts-wqy-zenhei \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 --user-group tingbao \
    && mkdir -p /data \
    && chown tingbao:tingbao /data

WORKDIR /app
COPY pyproject.toml README.md NOTICE ./
COPY tingbao ./tingbao
RUN pip install --no-cache-dir .

USER tingbao
VOLUME ["/data"]
HEALTHCHECK --interval=60s --timeout=20s --retries=3 CMD ["tingbao", "check", "--no-voice"]
CMD ["tingbao", "worker"]
