# FaceGate gateway image. Build: docker build -t facegate . ; run with the settings of the README's
# "Deploying for real" (WECHAT_APP_ID, WECHAT_APP_SECRET, FACEGATE_SECRET, DATABASE_URL ...).

# Build stage: install from the frozen lockfile, bundle the JavaScript, then let pnpm deploy the gateway with
# its production dependencies only (no TypeScript, no tsx, no test tools) into /out. --no-optional leaves out
# the WeChat sandbox (an optional dependency, loaded only in sandbox mode): production never runs a fake WeChat.
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY . .
# The pnpm of package.json's packageManager, from the npm registry the build already uses (behind a registry
# mirror nothing else is fetched; tests/packaging/dockerfile.test.ts fails when the two versions differ).
RUN npm i -g pnpm@12.4.2
RUN pnpm install --frozen-lockfile
RUN node scripts/build.mjs
RUN pnpm --filter @facegate/gateway deploy --prod --no-optional /out

# Runtime stage: the official image's unprivileged `node` user, compiled JavaScript only.
FROM node:22-bookworm-slim
# /metrics listens on its own port in production; on 0.0.0.0 here so Prometheus can scrape the container
# (the API port 4000 never serves it). Keep 9464 off the public load balancer: expose it to the scraper only.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    METRICS_HOST=0.0.0.0 \
    METRICS_PORT=9464 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=node:node /out ./
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 4000 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/facegate.mjs", "serve"]
