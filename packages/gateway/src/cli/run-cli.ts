import { parseArgs } from 'node:util';
import { API_KEY_SCOPE_MEANINGS, API_KEY_SCOPES } from '../application/auth/viewer';
import { ConfigError } from '../config/env';
import { appsCommand } from './apps.command';
import { auditCommand } from './audit.command';
import { databaseErrorLine } from './database-errors';
import { demoCommand } from './demo.command';
import { keysCommand } from './keys.command';
import { migrateCommand } from './migrate.command';
import { EXIT_FAILURE, EXIT_USAGE, fail, UsageError } from './output';
import { privacyCommand } from './privacy.command';
import { secretsCommand } from './secrets.command';
import { serveCommand } from './serve.command';
import { webhooksCommand } from './webhooks.command';

const SCOPE_HELP = API_KEY_SCOPES.map(
  (scope) => `    ${scope.padEnd(21)}${API_KEY_SCOPE_MEANINGS[scope]}`,
).join('\n');

const HELP = `facegate — WeChat face verification gateway

usage:
  facegate [serve] [--workers N|auto]   start the gateway (sandbox mode when WECHAT_APP_ID/SECRET are unset);
                                        N processes on one port (PostgreSQL only; FACEGATE_WORKERS)
  facegate demo [--url URL] [--sandbox-url URL] [--protocols legacy,v2] [--app APP]
                                        run both flows end to end against a running gateway
                                        (--app: as that app's mini program; sandbox mode serves default, card)
  facegate apps list                    the apps served: WECHAT_APP_ID's default, FACEGATE_APPS_FILE's, the database's
  facegate apps add --id ID --appid WXAPPID [--name NAME] [--protocols v2,legacy] (--secret-env VAR | --secret-stdin)
  facegate apps update ID [--appid ..] [--name ..] [--protocols ..] [--secret-env VAR | --secret-stdin]
  facegate apps disable ID | enable ID
  facegate keys create --name NAME --scopes SCOPE,... [--apps APP,...]   (--apps: the key sees only those apps)
  facegate keys list
  facegate keys revoke ID_OR_PREFIX     (the CLI may grant any scope; a key only the scopes it holds)
${SCOPE_HELP}
  facegate webhooks add --url URL --events verification.verified,... [--description TEXT] [--apps APP,...]
  facegate webhooks list | rotate ENDPOINT_ID | disable ENDPOINT_ID | enable ENDPOINT_ID | delete ENDPOINT_ID
  facegate webhooks deliveries ENDPOINT_ID [--status PENDING|DELIVERED|FAILED]
  facegate webhooks redeliver DELIVERY_ID
  facegate audit public-key             the public key that checks the audit trail's checkpoints
  facegate audit verify [--from TIME] [--to TIME]
                                        walk the audit trail's chain and checkpoints; exit 1 at the first
                                        broken link, which it names
  facegate audit export --from TIME --to TIME [--out FILE]
                                        the period as JSON lines, verifiable with the public key alone
  facegate consent publish --file TEXT.json [--app APP]
                                        publish a consent text {version, kind, purpose, textZh, textEn}
                                        (--app: that app's own, else the deployment's for every app)
  facegate privacy redact VERIFICATION_ID
  facegate privacy erase --openid OPENID [--app APP]
  facegate privacy report --openid OPENID [--app APP]
                                        (these talk to the gateway at --url with FACEGATE_API_KEY)
  facegate migrate                      apply database migrations
  facegate secrets rotate [--batch-size N]
                                        after FACEGATE_SECRET changed (the old one in FACEGATE_SECRET_FALLBACKS):
                                        re-seal stored values under it; report what still needs a fallback
Configuration comes from the environment (PORT, HOST, WECHAT_APP_ID, WECHAT_APP_SECRET, DATABASE_URL,
DATA_DIR, FACEGATE_SECRET, ...); see the README.`;

function parseProtocols(raw: string): ('LEGACY' | 'V2')[] {
  const list = raw.split(',').map((p) => p.trim().toUpperCase());
  if (list.length === 0 || list.some((p) => p !== 'LEGACY' && p !== 'V2')) {
    throw new UsageError('--protocols must be legacy, v2 or legacy,v2');
  }
  return list as ('LEGACY' | 'V2')[];
}

export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        'sandbox-url': { type: 'string' },
        protocols: { type: 'string' },
        name: { type: 'string' },
        scopes: { type: 'string' },
        events: { type: 'string' },
        description: { type: 'string' },
        status: { type: 'string' },
        workers: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        out: { type: 'string' },
        'batch-size': { type: 'string' },
        file: { type: 'string' },
        openid: { type: 'string' },
        id: { type: 'string' },
        appid: { type: 'string' },
        app: { type: 'string' },
        apps: { type: 'string' },
        'secret-env': { type: 'string' },
        'secret-stdin': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const [command = 'serve', ...rest] = positionals;
    if (values.help || command === 'help') {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    switch (command) {
      case 'serve':
        return await serveCommand(
          values.workers === undefined ? env : { ...env, FACEGATE_WORKERS: values.workers },
        );
      case 'demo':
        return await demoCommand({
          url: values.url ?? 'http://127.0.0.1:4000/graphql',
          sandboxUrl: values['sandbox-url'] ?? 'http://127.0.0.1:4001',
          protocols: parseProtocols(values.protocols ?? 'legacy,v2'),
          app: values.app,
        });
      case 'consent':
      case 'privacy':
        return await privacyCommand(
          command,
          { positionals: rest, url: values.url, file: values.file, openid: values.openid, app: values.app },
          env,
        );
      case 'keys':
        return await keysCommand(
          { positionals: rest, name: values.name, scopes: values.scopes, apps: values.apps },
          env,
        );
      case 'apps':
        return await appsCommand(
          {
            positionals: rest,
            id: values.id,
            appid: values.appid,
            name: values.name,
            protocols: values.protocols,
            secretEnv: values['secret-env'],
            secretStdin: values['secret-stdin'],
          },
          env,
        );
      case 'webhooks':
        return await webhooksCommand(
          {
            positionals: rest,
            url: values.url,
            events: values.events,
            description: values.description,
            status: values.status,
            apps: values.apps,
          },
          env,
        );
      case 'audit':
        return await auditCommand(
          { positionals: rest, from: values.from, to: values.to, out: values.out },
          env,
        );
      case 'migrate':
        return await migrateCommand(env);
      case 'secrets':
        return await secretsCommand({ positionals: rest, batchSize: values['batch-size'] }, env);
      default:
        throw new UsageError(`unknown command "${command}" (try: facegate --help)`);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      fail(`configuration error: ${error.message}`);
      return EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      fail(error.message);
      return EXIT_USAGE;
    }
    if ((error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      fail(`${(error as Error).message} (try: facegate --help)`);
      return EXIT_USAGE;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'DATABASE_CONFIG') {
      fail(`configuration error: ${(error as Error).message}`);
      return EXIT_USAGE;
    }
    // at start-up the database is the only remote service contacted (WeChat tokens are fetched lazily)
    const databaseLine = typeof code === 'string' ? databaseErrorLine(code, env.DATABASE_URL) : null;
    if (databaseLine !== null) {
      fail(`configuration error: ${databaseLine}`);
      return EXIT_USAGE;
    }
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
      fail(`cannot listen on ${e.address ?? ''}:${e.port ?? ''} (${code}); set PORT/HOST or SANDBOX_PORT`);
      return EXIT_FAILURE;
    }
    // one line, no stack: the message of an unexpected start-up failure carries no personal data
    fail(`failed: ${(error as Error)?.message ?? String(error)}`);
    return EXIT_FAILURE;
  }
}
