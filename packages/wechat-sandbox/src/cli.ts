import { CliUsageError, parseCliArgs, USAGE } from './cli/parse-cli-args';
import { WECHAT_ROUTES } from './http/wechat-routes';
import { startSandbox } from './sandbox';
import type { Sandbox } from './sandbox.types';
import { SANDBOX_TEST_IDENTITIES } from './scenarios';
import { SandboxInputError } from './wechat-errors';

const NAME = 'facegate-sandbox';

function describe(sandbox: Sandbox): string {
  const faults = Object.entries(sandbox.faults())
    .filter(([, value]) => value > 0)
    .map(([key, value]) => `${key}=${value}`);
  const lines = [
    'FaceGate WeChat sandbox: a local api.weixin.qq.com plus the WeChat client side',
    `  base URL   ${sandbox.url}`,
    ...sandbox.apps.map(
      (app, i) => `  ${i === 0 ? 'app       ' : 'extra app '} appid ${app.appId}  secret ${app.appSecret}`,
    ),
    `  tokens     live ${sandbox.tokenTtlSeconds()} s`,
    `  faults     ${faults.length ? faults.join(' ') : 'none'}`,
    '',
    'WeChat endpoints:',
    ...Object.entries(WECHAT_ROUTES).map(([path, route]) => `  ${route.method.padEnd(4)} ${path}`),
    '',
    'Sandbox controls (JSON; never faulted):',
    '  POST /sandbox/device/login {openid, appId?}    -> {code}',
    '  POST /sandbox/device/legacy-check {openid, checkAliveType, name+idCardNumber | userIdKey, scenario?, appId?}',
    '  POST /sandbox/device/v2-check {openid, verifyId, scenario?, appId?}',
    '  GET  /sandbox/counters   POST /sandbox/counters/reset   GET|POST /sandbox/faults',
    '  POST /sandbox/revoke-token {appId?}   GET /sandbox/identities   GET /sandbox/info',
    '',
    'Test identities (the name picks the outcome; any other valid identity passes):',
    ...SANDBOX_TEST_IDENTITIES.map(
      (identity) =>
        `  ${identity.scenario.padEnd(21)} ${identity.name}\t${identity.idCardNumber}  ${identity.note}`,
    ),
    '',
    `Point FaceGate at it: WECHAT_API_BASE_URL=${sandbox.url} WECHAT_APP_ID=${sandbox.appId} WECHAT_APP_SECRET=${sandbox.appSecret}`,
    'Ctrl-C stops it.',
  ];
  return lines.join('\n');
}

async function main(): Promise<number> {
  let command: ReturnType<typeof parseCliArgs>;
  try {
    command = parseCliArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof CliUsageError) {
      console.error(`${NAME}: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (command.kind === 'help') {
    console.log(USAGE);
    return 0;
  }
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox(command.options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${command.options.host ?? '127.0.0.1'}:${command.options.port}`;
    if (code === 'EADDRINUSE') console.error(`${NAME}: ${where} is already in use`);
    else if (code === 'EACCES') console.error(`${NAME}: not allowed to listen on ${where}`);
    else if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      console.error(`${NAME}: cannot listen on ${where}`);
    else if (error instanceof SandboxInputError) console.error(`${NAME}: ${error.message}`);
    else console.error(`${NAME}: could not start: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  console.log(describe(sandbox));
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.log(`${NAME}: ${signal}, stopping`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await sandbox.close();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`${NAME}: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
