import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');

/**
 * @facegate/domain as a stranger gets it: `npm pack`, installed into an empty folder outside the workspace,
 * imported by plain Node and type-checked by a project using Node's own module resolution.
 */
describe('@facegate/domain packed and used outside the workspace', () => {
  let scratch: string;
  let files: string[];

  beforeAll(() => {
    // declarations come from tsc -b; the JavaScript from the suite's global build
    execFileSync(process.execPath, [tsc, '-b', 'packages/domain'], { cwd: root });
    scratch = mkdtempSync(join(tmpdir(), 'facegate-domain-consumer-'));
    const packed = JSON.parse(
      // --ignore-scripts: the prepack would rebuild dist/ while other tests' processes run from it
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], {
        cwd: join(root, 'packages/domain'),
        encoding: 'utf8',
      }),
    ) as { filename: string; files: { path: string }[] }[];
    files = packed[0]!.files.map((f) => f.path);
    writeFileSync(
      join(scratch, 'package.json'),
      '{ "name": "consumer", "private": true, "type": "module" }\n',
    );
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', `./${packed[0]!.filename}`], {
      cwd: scratch,
    });
  }, 120_000);

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('contains built JavaScript, declarations and the sources its `source` condition names: no tests, no maps', () => {
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/testing/index.js');
    expect(files).toContain('dist/types/src/index.d.ts');
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('src/'))).toEqual(
      [],
    );
    expect(files.filter((f) => /^(test\/|dist\/types\/test\/)|\.map$|tsbuildinfo$/.test(f))).toEqual([]);
  });

  it('main, types and every target of every exports condition are files inside the tarball; it can be published', () => {
    const manifest = JSON.parse(
      readFileSync(join(scratch, 'node_modules/@facegate/domain/package.json'), 'utf8'),
    ) as Record<string, unknown>;
    const targets: string[] = [];
    const visit = (value: unknown): void => {
      if (typeof value === 'string') targets.push(value.replace(/^\.\//, ''));
      else if (value && typeof value === 'object') for (const v of Object.values(value)) visit(v);
    };
    visit([manifest.exports, manifest.main, manifest.types]);
    expect(targets).toEqual(
      expect.arrayContaining(['dist/index.js', 'dist/types/src/index.d.ts', 'src/index.ts']),
    );
    for (const target of targets) expect(files, target).toContain(target);
    expect(manifest.private).toBeUndefined();
    expect(manifest.dependencies ?? {}).toEqual({});
    // what `npm publish` runs first: the build of dist/ and the declarations
    expect(manifest.scripts).toMatchObject({ prepack: expect.stringMatching(/build\.mjs domain && tsc -b/) });
  });

  it('type-checks a CommonJS project with Node10 resolution (main/types, no exports), as mini program TypeScript does', () => {
    writeFileSync(
      join(scratch, 'cjs.ts'),
      `import type { FailureCode, VerificationStatus } from '@facegate/domain';
const code: FailureCode = 'FACE_MISMATCH';
const status: VerificationStatus = 'VERIFIED';
// @ts-expect-error not a failure code
const wrong: FailureCode = 'NO_SUCH_CODE';
export { code, status, wrong };
`,
    );
    const args = [
      '--noEmit',
      '--strict',
      '--module',
      'commonjs',
      '--moduleResolution',
      'node10',
      '--target',
      'es2020',
    ];
    expect(() => execFileSync(process.execPath, [tsc, ...args, 'cjs.ts'], { cwd: scratch })).not.toThrow();
  }, 120_000);

  it('runs a verification from plain Node with the in-memory fakes, one class identity across entries', () => {
    const script = `
      import { ResidentIdNumber, StartVerification, InvalidInputError } from '@facegate/domain';
      import { makeVerificationDeps, aValidIdentity, TEST_CONSENT_VERSION, TEST_OPENID } from '@facegate/domain/testing';
      const identity = aValidIdentity();
      const deps = makeVerificationDeps();
      const started = await new StartVerification(deps).execute({
        openid: TEST_OPENID, name: identity.name, idCardNumber: identity.idCardNumber,
        protocol: 'V2', initiator: 'user', consent: { version: TEST_CONSENT_VERSION },
      });
      const refused = await new StartVerification(deps).execute({
        openid: TEST_OPENID, name: identity.name, idCardNumber: '110105194912310021',
        protocol: 'V2', initiator: 'user', consent: { version: TEST_CONSENT_VERSION },
      });
      console.log(JSON.stringify({
        status: started.ok && started.value.status,
        valid: ResidentIdNumber.parse('11010519491231002X').ok,
        invalid: ResidentIdNumber.parse('110105194912310021').ok,
        refusedIsDomainError: !refused.ok && refused.error instanceof InvalidInputError,
      }));
    `;
    writeFileSync(join(scratch, 'use.mjs'), script);
    const out = JSON.parse(execFileSync(process.execPath, ['use.mjs'], { cwd: scratch, encoding: 'utf8' }));
    expect(out).toEqual({ status: 'PENDING', valid: true, invalid: false, refusedIsDomainError: true });
  });

  it('type-checks in a project that uses Node16 module resolution', () => {
    // the expect-error directive has teeth: were the missing export not an error, the unused directive would be one
    writeFileSync(
      join(scratch, 'use.ts'),
      `import { ResidentIdNumber, type VerificationSessionSnapshot } from '@facegate/domain';
import { makeVerificationDeps } from '@facegate/domain/testing';
// @ts-expect-error the package has no such export
import { NoSuchExport } from '@facegate/domain';
const parsed = ResidentIdNumber.parse('11010519491231002X');
const id: string = parsed.ok ? parsed.value.value : '';
const status: VerificationSessionSnapshot['status'] | undefined = undefined;
console.log(id, status, typeof makeVerificationDeps, NoSuchExport);
`,
    );
    const args = [
      '--noEmit',
      '--strict',
      '--module',
      'node16',
      '--moduleResolution',
      'node16',
      '--target',
      'es2022',
    ];
    expect(() => execFileSync(process.execPath, [tsc, ...args, 'use.ts'], { cwd: scratch })).not.toThrow();
  }, 120_000);
});
