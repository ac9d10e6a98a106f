// Rewrites schema.graphql from the Pothos schema: `pnpm --filter @facegate/gateway run schema`.
import { writeFileSync } from 'node:fs';
import { printGatewaySchema } from '../src/graphql/index';

const target = new URL('../schema.graphql', import.meta.url);
writeFileSync(target, printGatewaySchema());
process.stdout.write(`wrote ${target.pathname}\n`);
