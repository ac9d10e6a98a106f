import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '@facegate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, type ServingGateway, startServing } from './support/facegate-process';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The first ```sh block after the heading, exactly as a reader copies it. */
function shellBlockAfter(heading: string): string {
  const at = README.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README.md has no heading "${heading}"`);
  const block = /```sh\n([\s\S]*?)```/.exec(README.slice(at));
  if (block === null) throw new Error(`README.md has no sh block after "${heading}"`);
  return block[1]!;
}

/** Runs a README block with bash, failing on the first failed command, in a folder of its own. */
const bash = (script: string, env: Record<string, string>, cwd: string) =>
  runProcess('bash', ['-euo', 'pipefail', '-c', script], { env, cwd });

describe("the root README's curl examples, run as written against `facegate serve` in sandbox mode", () => {
  let dataDir: string;
  let server: ServingGateway;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'facegate-readme-'));
    server = await startServing({ env: { DATA_DIR: dataDir } });
    env = { GATEWAY: server.graphqlUrl, SANDBOX: server.sandboxUrl! };
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('the walkthrough goes from a wx.login code through signIn, startVerification and the face check to VERIFIED', async () => {
    const script = shellBlockAfter('### Step by step with curl (sandbox mode)');
    // the defaults a reader gets are the addresses `npm start` prints
    expect(script).toMatch(/^GATEWAY=\$\{GATEWAY:-http:\/\/127\.0\.0\.1:4000\/graphql\}$/m);
    expect(script).toMatch(/^SANDBOX=\$\{SANDBOX:-http:\/\/127\.0\.0\.1:4001\}$/m);
    const run = await bash(script, env, dataDir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const answers = run.stdout.trim().split('\n');
    expect(JSON.parse(answers[0]!).data.signIn.token).toMatch(/^ey/);
    expect(JSON.parse(answers[1]!).data.startVerification).toMatchObject({
      status: 'PENDING',
      maskedName: '核***',
      // the receipt of the consent the walkthrough accepted, recorded before the face check
      consentReceipt: { id: expect.stringMatching(/^cr_/), version: 'facegate-default-1' },
    });
    expect(JSON.parse(answers[2]!)).toEqual({ sandbox: true, errCode: 0, errMsg: 'requestFacialVerify:ok' });
    const confirmed = JSON.parse(answers.at(-1)!).data.confirmVerification;
    expect(confirmed.status).toBe('VERIFIED');
    expect(confirmed.id).toBe(JSON.parse(answers[1]!).data.startVerification.id);
  }, 60_000);

  it('the "Using it" example passes the CSRF check, and the same request without the headers does not', async () => {
    const script = shellBlockAfter('### Calling it with curl');
    const run = await bash(script, env, dataDir);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ data: { __typename: 'Query' } });

    const bare = await bash(script.replace(/-H '[^']*' /g, ''), env, dataDir);
    expect(JSON.parse(bare.stdout).errors[0].message).toBe('Required CSRF header(s) not present');
  }, 60_000);
});
