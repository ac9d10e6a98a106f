import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const consoleDir = fileURLToPath(new URL('..', import.meta.url));
const cli = join(dirname(createRequire(import.meta.url).resolve('gql.tada/package.json')), 'bin/cli.js');

/** The gql.tada CLI, run in packages/console (its tsconfig names schema.graphql and graphql-env.d.ts). */
async function gqlTada(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      cwd: consoleDir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('the console documents are typed from packages/gateway/schema.graphql', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'facegate-console-graphql-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('src/graphql-env.d.ts is generated from the committed schema (run `pnpm --filter @facegate/console run graphql-env` after a schema change)', async () => {
    const output = join(scratch, 'graphql-env.d.ts');
    const generated = await gqlTada('generate-output', '--output', output);
    expect(generated.code, generated.output).toBe(0);
    const committed = readFileSync(join(consoleDir, 'src/graphql-env.d.ts'), 'utf8');
    expect(readFileSync(output, 'utf8')).toBe(committed);
  });

  describe('gql-tada check (every graphql() document validated against schema.graphql)', () => {
    // One run over src/ and a fixture asking for a field the schema lacks (tsconfig.graphql-check.json): it
    // must report the fixture and nothing else, so a document in src/ that no longer fits the schema fails
    // here, and so does a check that finds no documents at all.
    let check: { code: number; output: string };
    beforeAll(async () => {
      check = await gqlTada('check', '--tsconfig', 'tsconfig.graphql-check.json');
    }, 60_000);

    it('reports the field the schema lacks', () => {
      expect(check.code, check.output).not.toBe(0);
      expect(check.output).toContain('Cannot query field "noSuchField" on type "SystemStatus"');
    });

    it('finds nothing wrong in src/', () => {
      const files = check.output.split('\n').filter((line) => /^\S+\.tsx?$/.test(line.trim()));
      expect(
        files.map((line) => line.trim()),
        check.output,
      ).toEqual(['test/fixtures/invalid-document.ts']);
      expect(check.output).toContain('1 problems (1 errors');
    });
  });
});
