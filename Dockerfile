# FaceGate gateway image. Build: docker build -t facegate . ; run with the settings of the README's
# "Deploying for real" (WECHAT_APP_ID, WECHAT_APP_SECRET, FACEGATE_SECRET, DATABASE_URL ...).

# Build stage: install from the frozen lockfile, bundle the JavaScript, then let pnpm deploy the gateway with
# its production dependencies only (no TypeScript, no tsx, no test tools) into /out.
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN node scripts/pnpm.mjs install --frozen-lockfile
RUN node scripts/build.mjs
RUN node scripts/pnpm.mjs --filter @facegate/gateway deploy --prod /out

# Runtime stage: the official image's unprivileged `node` user, compiled JavaScript only.
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=node:node /out ./
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 4000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/facegate.mjs", "serve"]
