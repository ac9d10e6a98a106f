import * as domain from '@facegate/domain';
import * as testing from '@facegate/domain/testing';
import { describe, expect, it } from 'vitest';
import readme from '../README.md?raw';

const MODULES: Record<string, Record<string, unknown>> = {
  '@facegate/domain': domain,
  '@facegate/domain/testing': testing,
};

/**
 * Runs a README block as written: its `import { ... } from '...'` lines are bound to the same modules, the rest
 * runs as an async function body (the example has no TypeScript-only syntax). Nothing else is changed.
 */
async function run(block: string, log: (line: string) => void): Promise<void> {
  const names: string[] = [];
  const values: unknown[] = [];
  const body = block.replace(
    /^import \{([^}]+)\} from '([^']+)';\n/gm,
    (_line, list: string, from: string) => {
      const module = MODULES[from];
      if (module === undefined)
        throw new Error(`the example imports ${from}, which this test does not provide`);
      for (const name of list
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean)) {
        if (!(name in module)) throw new Error(`${from} exports no ${name}`);
        names.push(name);
        values.push(module[name]);
      }
      return '';
    },
  );
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
    ...args: string[]
  ) => (...values: unknown[]) => Promise<void>;
  await new AsyncFunction(...names, 'console', body)(...values, { log });
}

describe('packages/domain/README.md', () => {
  it('its example runs as written: a v2 verification started and confirmed with the in-memory fakes', async () => {
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks).toHaveLength(1);
    const lines: string[] = [];
    await run(blocks[0]!, (line) => lines.push(line));
    expect(lines).toEqual(['张* verified after 1 attempt']);
  });
});
