import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALL_OPERATIONS } from '../src/lib/graphql-operations';

// The gateway's allow-list for FACEGATE_PERSISTED_OPERATIONS_ONLY, written from ALL_OPERATIONS by
// `pnpm --filter @facegate/gateway run persisted-operations`.
const manifestPath = fileURLToPath(new URL('../../gateway/persisted-operations.json', import.meta.url));
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe("the gateway's persisted-operations.json", () => {
  it('holds exactly the operations the mini program sends, keyed by the SHA-256 of their text', () => {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, string>;
    const expected = Object.fromEntries(ALL_OPERATIONS.map((op) => [sha256(op.document), op.document]));
    // on failure: run `pnpm --filter @facegate/gateway run persisted-operations` and commit the file
    expect(manifest).toEqual(expected);
  });
});
