/**
 * Writes persisted-operations.json: every operation the mini program sends, keyed by the SHA-256 of its
 * exact text. Run after changing packages/miniprogram-sdk/src/lib/graphql-operations.ts (the mini program's
 * drift test fails until then): `pnpm --filter @facegate/gateway run persisted-operations`.
 */
import { writeFileSync } from 'node:fs';
import { ALL_OPERATIONS } from '../../miniprogram-sdk/src/lib/graphql-operations';
import { operationHash } from '../src/http/plugins/persisted-operations';

const PERSISTED_OPERATIONS_FILE = new URL('../persisted-operations.json', import.meta.url);

const manifest: Record<string, string> = {};
for (const operation of ALL_OPERATIONS) manifest[operationHash(operation.document)] = operation.document;
writeFileSync(PERSISTED_OPERATIONS_FILE, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`wrote ${Object.keys(manifest).length} operations to ${PERSISTED_OPERATIONS_FILE.pathname}`);
