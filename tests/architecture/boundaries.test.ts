import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const depcruise = join(root, 'node_modules/.bin/depcruise');

async function cruise(cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(depcruise, ['packages', '--config', '.dependency-cruiser.cjs'], { cwd });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, output: failed.stdout };
  }
}

describe('package boundaries (dependency-cruiser)', () => {
  const fixture = mkdtempSync(join(tmpdir(), 'facegate-boundaries-'));
  afterAll(() => rmSync(fixture, { recursive: true, force: true }));

  it('hold in this repository', async () => {
    const result = await cruise(root);
    expect(result.output).toContain('no dependency violations found');
    expect(result.code).toBe(0);
  });

  it('fail when a package imports across the allowed directions', async () => {
    const files: Record<string, string> = {
      'packages/domain/src/index.ts':
        "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
      'packages/domain/src/leak.ts': "export { y } from '../../gateway/src/y';\n",
      'packages/gateway/src/y.ts': 'export const y = 1;\n',
      'packages/adapters-wechat/src/http/client.ts': 'export const client = 1;\n',
      'packages/adapters-wechat/src/jsapi/face.ts':
        "import { createHash } from 'node:crypto';\nexport const h = createHash;\n",
      'packages/miniprogram/src/page.ts': "export { client } from '../../adapters-wechat/src/http/client';\n",
      'packages/miniprogram-sdk/src/http.ts':
        "export { client } from '../../adapters-wechat/src/http/client';\n",
      'packages/miniprogram-sdk/src/fs.ts':
        "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
      'packages/adapters-postgres/src/index.ts': "export { seed } from './testing';\n",
      'packages/adapters-postgres/src/testing.ts': 'export const seed = 1;\n',
      'packages/gateway/src/wait.ts': "export { waitFor } from '../../test-support/src/index';\n",
      'packages/test-support/src/index.ts': 'export const waitFor = 1;\n',
      // a type-only import of an adapter outside the composition root is refused as much as a value import
      'packages/gateway/src/graphql/row.ts':
        "import type { Row } from '../../../adapters-postgres/src/row';\nexport type R = Row;\n",
      'packages/gateway/src/http/policy.ts': "export { isDown } from '../../../adapters-postgres/src/row';\n",
      'packages/adapters-postgres/src/row.ts':
        'export interface Row { id: string }\nexport const isDown = 1;\n',
      // the composition root may
      'packages/gateway/src/composition/container.ts':
        "export { isDown } from '../../../adapters-postgres/src/row';\n",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(fixture, path)), { recursive: true });
      writeFileSync(join(fixture, path), text);
    }
    cpSync(join(root, '.dependency-cruiser.cjs'), join(fixture, '.dependency-cruiser.cjs'));
    cpSync(join(root, 'tsconfig.base.json'), join(fixture, 'tsconfig.base.json'));

    const result = await cruise(fixture);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('domain-is-pure');
    expect(result.output).toContain('packages/domain/src/leak.ts');
    expect(result.output).toContain('jsapi-has-no-node-imports');
    expect(result.output).toContain('miniprogram-never-imports-http-adapter-or-server-packages');
    expect(result.output).toContain('miniprogram-sdk-imports-only-domain-and-jsapi');
    expect(result.output).toContain('packages/miniprogram-sdk/src/http.ts');
    expect(result.output).toContain('miniprogram-sdk-has-no-node-imports');
    expect(result.output).toContain(
      'production-code-loads-no-test-support: packages/adapters-postgres/src/index.ts → packages/adapters-postgres/src/testing.ts',
    );
    expect(result.output).toContain(
      'production-code-loads-no-test-support: packages/gateway/src/wait.ts → packages/test-support/src/index.ts',
    );
    expect(result.output).toContain(
      'gateway-only-composition-root-imports-adapters: packages/gateway/src/graphql/row.ts → packages/adapters-postgres/src/row.ts',
    );
    expect(result.output).toContain(
      'gateway-only-composition-root-imports-adapters: packages/gateway/src/http/policy.ts → packages/adapters-postgres/src/row.ts',
    );
    expect(result.output).not.toContain('packages/gateway/src/composition/container.ts →');
  });
});
