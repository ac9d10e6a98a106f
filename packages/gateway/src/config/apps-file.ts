import { readFileSync } from 'node:fs';
import {
  type AppOverrides,
  type AppRecord,
  checkAppSlug,
  checkProtocols,
  checkWeChatAppId,
  DEFAULT_ALTERNATIVE_LABEL,
  parseAlternative,
  type StartAdmissionLimits,
  type VerificationProtocol,
} from '@facegate/domain';
import { parse as parseYaml } from 'yaml';
import { ConfigError, type Env, read } from './env';

/** An app the configuration defines (the apps file or WECHAT_APP_ID), with its secret read from the environment. */
export interface ConfiguredApp extends AppRecord {
  /** Null only in sandbox mode, where the bundled sandbox is told the app's secret instead. */
  readonly secret: string | null;
}

/** The name of the environment variable holding an app's secret (the apps file's secretEnv, apps add --secret-env). */
export const SECRET_VARIABLE = /^[A-Z][A-Z0-9_]{0,63}$/;
const LIMIT_FIELDS: readonly (keyof StartAdmissionLimits)[] = [
  'openidPerDay',
  'idNumberPerMinute',
  'idNumberPerDay',
  'idNumberMismatchesPerDay',
];
const ENTRY_FIELDS = new Set([
  'id',
  'appId',
  'displayName',
  'secretEnv',
  'protocols',
  'disabled',
  'alternative',
  'limits',
  'retentionDays',
]);

/**
 * FACEGATE_APPS_FILE: the apps a deployment keeps in git, as JSON or YAML:
 *
 *   apps:
 *     - id: card
 *       appId: wx0123456789abcdef
 *       displayName: 信用卡
 *       secretEnv: CARD_WECHAT_APP_SECRET   # the secret itself never goes in the file
 *       protocols: [V2]
 *       alternative: { target: /pages/counter/index, label: 到柜台办理 }
 *       limits: { openidPerDay: 10 }
 *       retentionDays: 90                   # FACEGATE_RETENTION_DAYS otherwise
 *
 * Every mistake is a ConfigError naming the file, the entry and the field; the secret's value is never echoed.
 */
export function loadAppsFile(path: string, env: Env, sandboxMode: boolean, now: Date): ConfiguredApp[] {
  const fail = (message: string): never => {
    throw new ConfigError('FACEGATE_APPS_FILE', `${path}: ${message}`);
  };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 0 });
  } catch {
    return fail(/\.json$/i.test(path) ? 'is not valid JSON' : 'is not valid YAML');
  }
  const list = (parsed as { apps?: unknown } | null)?.apps;
  if (!Array.isArray(list)) return fail('must hold `apps:`, a list of apps');
  const apps = list.map((entry, i) => readEntry(entry, `apps[${i}]`, env, sandboxMode, now, fail));
  for (const field of ['id', 'appId'] as const) {
    const seen = new Set<string>();
    for (const app of apps) {
      if (seen.has(app[field])) fail(`two apps have the ${field} "${app[field]}"`);
      seen.add(app[field]);
    }
  }
  return apps;
}

function readEntry(
  entry: unknown,
  where: string,
  env: Env,
  sandboxMode: boolean,
  now: Date,
  fail: (message: string) => never,
): ConfiguredApp {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail(`${where} must be a mapping`);
  const e = entry as Record<string, unknown>;
  const unknown = Object.keys(e).filter((k) => !ENTRY_FIELDS.has(k));
  if (unknown.length > 0)
    fail(`${where}: unknown field ${unknown[0]} (a secret goes in secretEnv's variable)`);
  const invalid = checkAppSlug(e.id, 'id') ?? checkWeChatAppId(e.appId, 'appId');
  if (invalid) fail(`${where}.${invalid.field}: ${invalid.message}`);
  const id = e.id as string;
  const at = `${where} (${id})`;
  const displayName = e.displayName ?? id;
  if (typeof displayName !== 'string' || displayName.trim() === '' || displayName.length > 64)
    fail(`${at}.displayName must be 1-64 characters`);
  const protocols = (e.protocols ?? ['V2', 'LEGACY']) as unknown;
  if (!Array.isArray(protocols) || checkProtocols(protocols.map((p) => String(p).toUpperCase())))
    fail(`${at}.protocols must list V2 and/or LEGACY`);
  if (typeof e.secretEnv !== 'string' || !SECRET_VARIABLE.test(e.secretEnv))
    fail(`${at}.secretEnv must name an environment variable (A-Z, 0-9, _)`);
  const variable = e.secretEnv as string;
  const secret = read(env, variable) ?? null;
  if (secret === null && !sandboxMode) fail(`${at}: ${variable} (its secretEnv) is not set`);
  if (e.disabled !== undefined && typeof e.disabled !== 'boolean')
    fail(`${at}.disabled must be true or false`);
  return {
    id,
    appId: e.appId as string,
    displayName: (displayName as string).trim(),
    protocols: (protocols as string[]).map((p) => p.toUpperCase() as VerificationProtocol),
    disabled: e.disabled === true,
    secretSource: { kind: 'ENV', variable },
    overrides: readOverrides(e, at, fail),
    origin: 'FILE',
    createdAt: now,
    updatedAt: now,
    secret,
  };
}

function readOverrides(
  e: Record<string, unknown>,
  at: string,
  fail: (message: string) => never,
): AppOverrides {
  const overrides: {
    alternative?: AppOverrides['alternative'];
    limits?: Partial<StartAdmissionLimits>;
    retentionDays?: number;
  } = {};
  if (e.retentionDays !== undefined) {
    const days = e.retentionDays;
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 3650)
      fail(`${at}.retentionDays must be a whole number of days, 1-3650`);
    overrides.retentionDays = days as number;
  }
  if (e.alternative !== undefined) {
    const a = e.alternative as { target?: unknown; label?: unknown } | null;
    if (typeof a?.target !== 'string') fail(`${at}.alternative needs a target (a page path or an https URL)`);
    const parsed = parseAlternative(
      a!.target as string,
      typeof a!.label === 'string' ? a!.label : DEFAULT_ALTERNATIVE_LABEL,
    );
    if (!parsed.ok) fail(`${at}.alternative: ${parsed.error}`);
    else overrides.alternative = parsed.value;
  }
  if (e.limits !== undefined) {
    if (typeof e.limits !== 'object' || e.limits === null) fail(`${at}.limits must be a mapping`);
    const limits: Partial<Record<keyof StartAdmissionLimits, number>> = {};
    for (const [key, value] of Object.entries(e.limits as Record<string, unknown>)) {
      if (!(LIMIT_FIELDS as readonly string[]).includes(key))
        fail(`${at}.limits.${key} is not a limit (known: ${LIMIT_FIELDS.join(', ')})`);
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
        fail(`${at}.limits.${key} must be a whole number of at least 1`);
      limits[key as keyof StartAdmissionLimits] = value as number;
    }
    overrides.limits = limits;
  }
  return overrides;
}
