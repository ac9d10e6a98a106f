#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader: no build step between a fresh clone and `npm start`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
