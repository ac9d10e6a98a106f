#!/usr/bin/env node
// Runs the TypeScript CLI in this process through tsx (the workspace has no build step), so signals reach it directly.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
