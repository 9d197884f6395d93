# One image for every voice-load command: the driver (`run`), the switch and
# the mock agent. docker-compose.yml starts one container per command.
FROM node:20-bookworm-slim

# espeak-ng synthesizes the speech of scenarios whose audio is not prepared yet.
RUN apt-get update \
  && apt-get install -y --no-install-recommends espeak-ng \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so that a source change reuses this layer. The
# `prepare` script compiles the sources, which are not copied yet.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts

COPY . .
RUN npm run build && npm prune --omit=dev

# Results of `run --out /results`; a volume mounted here keeps them.
RUN mkdir /results && chown node:node /results
USER node

ENTRYPOINT ["node", "bin/voice-load.js"]
CMD ["--help"]
