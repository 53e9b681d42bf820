# syntax=docker/dockerfile:1
#
# One image for every mwbatch process: the worker (default), the Moveworks simulator and the CLI.
#   docker build -t mwbatch .
#   docker run --rm mwbatch worker                                   # configured by MOVEWORKS_* / TEMPORAL_*
#   docker run --rm -p 4010:4010 mwbatch simulator --host 0.0.0.0 --port 4010
#   docker run --rm -v "$PWD:/data" mwbatch submit /data/questions.csv   # results in /data/results/<batch>
#   docker run --rm -p 8080:8080 -e MWBATCH_SERVE_TOKEN mwbatch serve --host 0.0.0.0   # the HTTP gateway
#
# Debian (glibc), not Alpine: the Temporal SDK's native bridge (@temporalio/core-bridge) and swc ship prebuilt
# binaries for linux-gnu x64/arm64 only. Node 24 (LTS, with npm 11) by default; the project supports Node 20, 22 and
# 24, e.g. docker build --build-arg NODE_IMAGE=node:22-bookworm-slim .
ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------------------------------------------
# build: `npm run build`, as on a developer's machine: TypeScript to dist/, then the workflow bundle
# dist/workflow-bundle.js (scripts/bundle-workflows.ts, with the encrypting failure converter), so workers skip
# webpack at start-up and encrypt failure messages like every other payload, and its twin with the tracing
# interceptors, dist/workflow-bundle-traced.js.
# ---------------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The lock file lists every platform's optional packages (@swc/core-*), so npm 10 and npm 11 both accept `npm ci`.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY activities ./activities
COPY cli ./cli
COPY batch ./batch
COPY evaluation ./evaluation
COPY library ./library
COPY gateway ./gateway
COPY dev ./dev
COPY codec ./codec
COPY common ./common
COPY config ./config
COPY moveworks ./moveworks
COPY observability ./observability
COPY scripts ./scripts
COPY simulator ./simulator
COPY worker ./worker
COPY workflows ./workflows
RUN npm run build

# ---------------------------------------------------------------------------------------------------------------
# deps: production dependencies only (no TypeScript, vitest, eslint, ...)
# ---------------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---------------------------------------------------------------------------------------------------------------
# runtime
# ---------------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (the SDK's Rust runtime runs several) its own malloc
# arena, up to 8 per core, each holding freed memory; two arenas took ~45 MB off a worker with 1,000 conversations
# in flight (bench/COMPARE.md, scenario 3). The worker's V8 heap settings are in worker/heap.ts; on this Node (24) it
# also restarts itself in place with a 16 MB young-generation limit for its main thread (README, "Worker memory").
# No MWBATCH_WORKFLOW_BUNDLE: the worker picks the bundle the build wrote next to its code, dist/workflow-bundle.js,
# or dist/workflow-bundle-traced.js with tracing on (OTEL_EXPORTER_OTLP_ENDPOINT).
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY package.json ./
COPY bin ./bin
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The CLI writes results/<batch>/ under the working directory: /data, writable by the unprivileged user and the
# natural mount point for CSV files (docker run -v "$PWD:/data" ...).
RUN mkdir -p /data/runs && chown -R node:node /data
WORKDIR /data
# The official Node images ship the unprivileged user "node" (uid 1000).
USER node
# No HEALTHCHECK here: the same image also runs the simulator and one-shot CLI commands, and the worker serves its
# /readyz only when MWBATCH_METRICS_ADDR is set; docker-compose.yml holds the health check of each service.
ENTRYPOINT ["node", "/app/bin/mwbatch.js"]
CMD ["worker"]
