import { DataDirInUseError } from '@facegate/adapters-postgres';
import {
  type AppChange,
  AppExistsError,
  type AppRecord,
  auditTarget,
  checkAppSlug,
  checkProtocols,
  checkWeChatAppId,
  type NewApp,
  type VerificationProtocol,
} from '@facegate/domain';
import { cliActor } from '../application/audit/audited-administration';
import { buildContainer, disposeContainer } from '../composition/container';
import { TOKENS } from '../composition/tokens';
import { SECRET_VARIABLE } from '../config/apps-file';
import { describeDatabase, loadConfig } from '../config/load-config';
import { createLogger } from '../infrastructure/observability/logger';
import { out, UsageError } from './output';

const USAGE = `usage: facegate apps list
       facegate apps add --id ID --appid WXAPPID [--name NAME] [--protocols v2,legacy] (--secret-env VAR | --secret-stdin)
       facegate apps update ID [--appid WXAPPID] [--name NAME] [--protocols ...] [--secret-env VAR | --secret-stdin]
       facegate apps disable ID | apps enable ID
The secret is read from the variable VAR when the gateway runs (it never reaches the database), or from standard
input now and stored sealed with FACEGATE_SECRET. Running gateways pick changes up within FACEGATE_APPS_REFRESH_MS.`;

export interface AppsArgs {
  readonly positionals: string[];
  readonly id?: string;
  readonly appid?: string;
  readonly name?: string;
  readonly protocols?: string;
  readonly secretEnv?: string;
  readonly secretStdin?: boolean;
}

/** Apps kept in the database (`facegate apps`); the apps file's and WECHAT_APP_ID's are listed, not changed. */
export async function appsCommand(
  args: AppsArgs,
  env: NodeJS.ProcessEnv,
  readStdin: () => Promise<string> = readAllStdin,
): Promise<number> {
  const [sub, target] = args.positionals;
  if (!['list', 'add', 'update', 'disable', 'enable'].includes(sub ?? '')) throw new UsageError(USAGE);
  if (sub !== 'list' && sub !== 'add' && !target) throw new UsageError(USAGE);
  if (args.secretEnv !== undefined && args.secretStdin) {
    throw new UsageError('give the secret one way: --secret-env VAR or --secret-stdin');
  }
  const config = loadConfig(env);
  let container: Awaited<ReturnType<typeof buildContainer>>;
  try {
    container = await buildContainer(config, { databaseOnly: true, logger: createLogger({ level: 'warn' }) });
  } catch (error) {
    if (error instanceof DataDirInUseError) {
      throw new UsageError(
        `${error.message}: stop it to change apps (the embedded database has one user), or use PostgreSQL`,
      );
    }
    throw error;
  }
  out(`Database: ${describeDatabase(config)}`);
  try {
    const store = container.resolve(TOKENS.AppStore);
    const catalog = container.resolve(TOKENS.Apps);
    const audit = container.resolve(TOKENS.Audit);
    const record = (
      action: 'app.created' | 'app.changed',
      app: AppRecord,
      details: Record<string, string | boolean>,
    ) =>
      audit.record(
        { actor: cliActor(), requestId: null, clientAddress: null },
        action,
        [auditTarget('app', app.id)],
        'success',
        details,
      );
    const now = new Date();
    switch (sub) {
      case 'list': {
        for (const app of catalog.describe()) {
          const secret =
            app.secretSource.kind === 'ENV'
              ? `secret from ${app.secretSource.variable}`
              : 'secret stored sealed';
          const state = app.disabled ? 'disabled' : app.serving ? 'serving' : 'not serving (no secret here)';
          out(
            `${app.id}  ${app.appId}  ${app.displayName}  ${app.protocols.join(',')}  ${app.origin.toLowerCase()}  ${secret}  ${state}`,
          );
        }
        return 0;
      }
      case 'add': {
        if (!args.id || !args.appid) throw new UsageError(USAGE);
        const secret = await secretOf(args, readStdin);
        if (secret === null) throw new UsageError('give the secret: --secret-env VAR or --secret-stdin');
        const input: NewApp = {
          id: checked(checkAppSlug(args.id, 'id'), args.id, '--id'),
          appId: checked(checkWeChatAppId(args.appid), args.appid, '--appid'),
          displayName: displayName(args.name ?? args.id),
          protocols: protocolsOf(args.protocols ?? 'v2,legacy'),
          secret,
          now,
        };
        if (catalog.describe().some((a) => a.id === input.id || a.appId === input.appId)) {
          throw new UsageError(`an app with id ${input.id} or appid ${input.appId} exists`);
        }
        const added = await store.add(input).catch(existsAsUsage);
        record('app.created', added, { appId: added.appId, secret: added.secretSource.kind });
        out(`Added app ${added.id} (${added.appId}, ${added.protocols.join(',')}).`);
        return 0;
      }
      default: {
        const known = catalog.describe().find((a) => a.id === target);
        if (known && known.origin !== 'DATABASE') {
          throw new UsageError(
            `${target} comes from ${known.origin === 'FILE' ? 'FACEGATE_APPS_FILE' : 'the environment'}: change it there`,
          );
        }
        const change: AppChange =
          sub === 'disable'
            ? { disabled: true }
            : sub === 'enable'
              ? { disabled: false }
              : await updateOf(args, readStdin);
        if (Object.keys(change).length === 0) throw new UsageError(USAGE);
        const updated = await store.update(target!, change, now).catch(existsAsUsage);
        if (updated === null) {
          out(`No app ${target} in the database.`);
          return 1;
        }
        record('app.changed', updated, { changed: Object.keys(change).join(',') });
        out(`Updated app ${updated.id}: ${Object.keys(change).join(', ')}.`);
        return 0;
      }
    }
  } finally {
    await disposeContainer(container);
  }
}

async function updateOf(args: AppsArgs, readStdin: () => Promise<string>): Promise<AppChange> {
  const secret = await secretOf(args, readStdin);
  return {
    ...(args.appid !== undefined
      ? { appId: checked(checkWeChatAppId(args.appid), args.appid, '--appid') }
      : {}),
    ...(args.name !== undefined ? { displayName: displayName(args.name) } : {}),
    ...(args.protocols !== undefined ? { protocols: protocolsOf(args.protocols) } : {}),
    ...(secret !== null ? { secret } : {}),
  };
}

async function secretOf(args: AppsArgs, readStdin: () => Promise<string>): Promise<NewApp['secret'] | null> {
  if (args.secretEnv !== undefined) {
    if (!SECRET_VARIABLE.test(args.secretEnv)) {
      throw new UsageError('--secret-env names an environment variable (A-Z, 0-9, _)');
    }
    return { kind: 'ENV', variable: args.secretEnv };
  }
  if (!args.secretStdin) return null;
  const value = (await readStdin()).trim();
  if (value === '' || value.length > 256)
    throw new UsageError('--secret-stdin: standard input held no secret');
  return { kind: 'STORED', value };
}

function checked(invalid: { message: string } | null, value: string, flag: string): string {
  if (invalid) throw new UsageError(`${flag}: ${invalid.message}`);
  return value;
}

function displayName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 64) throw new UsageError('--name: 1-64 characters');
  return trimmed;
}

function protocolsOf(raw: string): VerificationProtocol[] {
  const protocols = raw.split(',').map((p) => p.trim().toUpperCase());
  if (checkProtocols(protocols)) throw new UsageError('--protocols: v2 and/or legacy, e.g. v2,legacy');
  return protocols as VerificationProtocol[];
}

function existsAsUsage(error: unknown): never {
  if (error instanceof AppExistsError) throw new UsageError(error.message);
  throw error;
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
