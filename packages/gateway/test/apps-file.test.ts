import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAppsFile } from '../src/config/apps-file';
import { ConfigError } from '../src/config/env';

const dir = mkdtempSync(join(tmpdir(), 'facegate-apps-file-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const NOW = new Date('2026-01-01T00:00:00Z');
const ENV = { CARD_SECRET: 'card-secret-value', RETAIL_SECRET: 'retail-secret-value' };

function refusal(path: string, env: Record<string, string> = ENV, sandbox = false): string {
  try {
    loadAppsFile(path, env, sandbox, NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('the file was accepted');
}

describe('FACEGATE_APPS_FILE', () => {
  it('reads YAML with every override, and JSON; secrets come from the named variables', () => {
    const yaml = file(
      'apps.yaml',
      `apps:
  - id: card
    appId: wx0123456789abcdef
    displayName: 信用卡
    secretEnv: CARD_SECRET
    protocols: [v2]
    alternative: { target: /pages/counter/index, label: 到柜台办理 }
    limits: { openidPerDay: 5 }
    retentionDays: 90
  - id: retail
    appId: wx1111111111111111
    secretEnv: RETAIL_SECRET
`,
    );
    const [card, retail] = loadAppsFile(yaml, ENV, false, NOW);
    expect(card).toMatchObject({
      id: 'card',
      appId: 'wx0123456789abcdef',
      displayName: '信用卡',
      protocols: ['V2'],
      disabled: false,
      secret: 'card-secret-value',
      secretSource: { kind: 'ENV', variable: 'CARD_SECRET' },
      origin: 'FILE',
      overrides: {
        alternative: { kind: 'PAGE', target: '/pages/counter/index', label: '到柜台办理' },
        limits: { openidPerDay: 5 },
        retentionDays: 90,
      },
    });
    expect(retail).toMatchObject({ displayName: 'retail', protocols: ['V2', 'LEGACY'], overrides: {} });
    const json = file(
      'apps.json',
      JSON.stringify({ apps: [{ id: 'card', appId: 'wx0123456789abcdef', secretEnv: 'CARD_SECRET' }] }),
    );
    expect(loadAppsFile(json, ENV, false, NOW).map((a) => a.id)).toEqual(['card']);
  });

  it('each mistake stops start-up naming the file, entry and field, never a secret', () => {
    const entry = (extra: string) =>
      file(
        `e${Math.random()}.yaml`,
        `apps:\n  - id: card\n    appId: wx0123456789abcdef\n    secretEnv: CARD_SECRET\n${extra}`,
      );
    expect(refusal(entry(''), {})).toMatch(/apps\[0\] \(card\): CARD_SECRET \(its secretEnv\) is not set/);
    expect(refusal(entry('    secret: plain-text\n'))).toMatch(/unknown field secret/);
    expect(refusal(entry('    protocols: [v3]\n'))).toMatch(/protocols must list V2 and\/or LEGACY/);
    expect(refusal(entry('    limits: { perHour: 3 }\n'))).toMatch(/limits.perHour is not a limit/);
    expect(refusal(entry('    retentionDays: 0\n'))).toMatch(/retentionDays must be a whole number of days/);
    expect(refusal(entry('    alternative: { target: "javascript:alert(1)" }\n'))).toMatch(/alternative:/);
    expect(refusal(file('bad-id.yaml', 'apps:\n  - id: Card!\n    appId: wx1\n    secretEnv: X\n'))).toMatch(
      /apps\[0\]\.id: an app id is 1-32/,
    );
    expect(
      refusal(
        file(
          'twice.yaml',
          'apps:\n  - { id: a, appId: wx0123456789abcdef, secretEnv: CARD_SECRET }\n  - { id: b, appId: wx0123456789abcdef, secretEnv: CARD_SECRET }\n',
        ),
      ),
    ).toMatch(/two apps have the appId "wx0123456789abcdef"/);
    expect(refusal(file('broken.json', '{"apps": ['))).toMatch(/is not valid JSON/);
    expect(refusal(file('no-list.yaml', 'apps: card\n'))).toMatch(/must hold `apps:`/);
    expect(refusal(join(dir, 'missing.yaml'))).toMatch(/cannot be read \(ENOENT\)/);
    for (const message of [refusal(entry('    secret: card-secret-value\n'))]) {
      expect(message).not.toContain('card-secret-value');
    }
  });

  it('sandbox mode lets a secret variable be unset (the bundled sandbox gets a made-up one)', () => {
    const path = file(
      'sandbox.yaml',
      'apps:\n  - { id: card, appId: wx0123456789abcdef, secretEnv: UNSET_SECRET }\n',
    );
    expect(loadAppsFile(path, {}, true, NOW)[0]).toMatchObject({ id: 'card', secret: null });
  });
});
