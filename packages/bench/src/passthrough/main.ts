import { parseArgs } from 'node:util';
import { startPassthrough } from './passthrough-server';

// The passthrough as its own process, so its CPU is its own (like the gateway's) and not the load generator's.
const { values } = parseArgs({
  options: {
    'sandbox-url': { type: 'string' },
    'app-id': { type: 'string', default: 'wx_sandbox_app' },
    'app-secret': { type: 'string', default: 'sandbox-secret' },
    port: { type: 'string', default: '0' },
    connections: { type: 'string', default: '256' },
  },
});
if (!values['sandbox-url']) {
  console.error('usage: passthrough --sandbox-url URL [--port N] [--connections N]');
  process.exit(2);
}
const passthrough = await startPassthrough({
  sandboxUrl: values['sandbox-url'],
  appId: values['app-id'],
  appSecret: values['app-secret'],
  port: Number(values.port),
  connections: Number(values.connections),
});
console.log(`passthrough listening on ${passthrough.url}`);
const stop = () => {
  passthrough.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
