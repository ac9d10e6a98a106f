import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printGatewaySchema } from '../src/graphql/index';

describe('schema.graphql', () => {
  it('matches the schema the code builds (run `pnpm --filter @facegate/gateway run schema` after changes)', () => {
    const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(printGatewaySchema()).toBe(committed);
  });
});
