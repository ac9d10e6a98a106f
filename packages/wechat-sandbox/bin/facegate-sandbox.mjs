#!/usr/bin/env node
// Runs the built sandbox CLI in this process, so signals reach it directly (`npm run build` writes dist/).
// From source, without a build: `node --conditions=source --import tsx packages/wechat-sandbox/src/cli.ts`.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error(
    'facegate-sandbox: the sandbox is not built yet; run `npm run build` at the repository root first',
  );
  process.exit(2);
}
await import(cli.href);
