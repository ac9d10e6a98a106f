#!/usr/bin/env node
// The facegate CLI runs the built JavaScript in dist/ (`npm run build` at the repository root writes it).
// From source, without a build: `node --conditions=source --import tsx packages/gateway/src/cli.ts`.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('facegate: the gateway is not built yet; run `npm run build` at the repository root first');
  process.exit(2);
}
await import(cli.href);
