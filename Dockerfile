# Loopwright: one image for the web server (`start --no-worker`) and the workers (`worker`).
# The build runs the same setup as a fresh clone (README: `npm run setup`): system packages
# (Chromium, ffmpeg, bubblewrap, git), Loopwright's and Datadesk's npm dependencies, the ffmpeg link.
FROM node:24-bookworm-slim

ENV DEBIAN_FRONTEND=noninteractive \
    LOOPWRIGHT_HOME=/data \
    LOOPWRIGHT_HOST=0.0.0.0 \
    LOOPWRIGHT_PORT=4700

WORKDIR /app
# curl/ca-certificates only for the build's npm; setup.sh installs the rest (it runs as root here).
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends ca-certificates >/dev/null \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN npm run setup && rm -rf /var/lib/apt/lists/* /root/.npm

VOLUME /data
EXPOSE 4700
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s \
    CMD node -e "fetch('http://127.0.0.1:'+(process.env.LOOPWRIGHT_PORT||4700)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "src/cli/main.ts"]
CMD ["start"]
