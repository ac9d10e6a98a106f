import { parseArgs } from 'node:util';
import { startFrameFloor } from './frame-floor-server';
import { startRestPeer } from './rest-peer-server';

// The baselines as their own processes, so their CPU is their own (like the gateway's).
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'sandbox-url': { type: 'string' },
    'database-url': { type: 'string' },
    port: { type: 'string', default: '0' },
  },
});
const kind = positionals[0];
let server: { url: string; close(): Promise<void> };
if (kind === 'frame-floor') {
  server = await startFrameFloor({ port: Number(values.port) });
} else if (kind === 'rest-peer' && values['sandbox-url'] && values['database-url']) {
  server = await startRestPeer({
    sandboxUrl: values['sandbox-url'],
    databaseUrl: values['database-url'],
    appId: 'wx_sandbox_app',
    appSecret: 'sandbox-secret',
    port: Number(values.port),
  });
} else {
  console.error('usage: baselines frame-floor | rest-peer --sandbox-url URL --database-url URL [--port N]');
  process.exit(2);
}
console.log(`${kind} listening on ${server.url}`);
const stop = () => {
  server.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
