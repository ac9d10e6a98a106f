import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { DataDirInUseError } from '@facegate/adapters-postgres';
import { AuditChainVerifier, type AuditEvent, type AuditLog, auditRowCanonicalJson } from '@facegate/domain';
import { buildContainer, disposeContainer } from '../composition/container';
import { type GatewayContainer, resolve, TOKENS } from '../composition/tokens';
import { describeDatabase, loadConfig } from '../config/load-config';
import {
  AuditCheckpointKey,
  checkpointSignatureCheck,
  sha256Hex,
} from '../infrastructure/crypto/audit-checkpoint-key';
import { KeyRing } from '../infrastructure/crypto/key-ring';
import { createLogger } from '../infrastructure/observability/logger';
import { loadOrCreateSandboxSecret } from '../infrastructure/sandbox-secret';
import { EXIT_FAILURE, fail, out, UsageError } from './output';

const USAGE = `usage: facegate audit public-key
       facegate audit verify [--from TIME] [--to TIME]
       facegate audit export --from TIME --to TIME [--out FILE]   (TIME: ISO 8601, e.g. 2026-01-01T00:00:00Z)`;

/** Rows read per round trip while walking the trail. */
const PAGE = 1_000;

export interface AuditCommandArgs {
  readonly positionals: string[];
  readonly from?: string;
  readonly to?: string;
  readonly out?: string;
}

/**
 * `facegate audit`: print the checkpoints' public key, verify the chain and the checkpoints (the first broken
 * link, exit code 1), or export a period as JSON lines an auditor verifies with the public key alone
 * (docs/security.md).
 */
export async function auditCommand(args: AuditCommandArgs, env: NodeJS.ProcessEnv): Promise<number> {
  const [sub] = args.positionals;
  if (sub !== 'public-key' && sub !== 'verify' && sub !== 'export') throw new UsageError(USAGE);
  if (sub === 'export' && (args.from === undefined || args.to === undefined)) throw new UsageError(USAGE);
  const from = parseTime('--from', args.from);
  const to = parseTime('--to', args.to);
  const config = loadConfig(env);

  if (sub === 'public-key') {
    // needs the secret only, not the database: works beside a running gateway
    const secret = config.secret ?? (await loadOrCreateSandboxSecret(config.dataDir)).secret;
    const key = new AuditCheckpointKey(new KeyRing(secret).key('audit-checkpoint-signing'));
    process.stdout.write(key.publicKeyPem());
    return 0;
  }

  let container: GatewayContainer;
  try {
    container = await buildContainer(config, { databaseOnly: true, logger: createLogger({ level: 'warn' }) });
  } catch (error) {
    if (error instanceof DataDirInUseError) {
      fail(`${error.message} (the audit commands read the database directly)`);
      return EXIT_FAILURE;
    }
    throw error;
  }
  try {
    const log = resolve(container, TOKENS.AuditLog);
    const key = resolve(container, TOKENS.AuditCheckpointKey);
    const bounds = await log.sequenceBounds(from, to);
    if (sub === 'verify') {
      out(`Database: ${describeDatabase(config)}`);
      return await verify(log, bounds, from !== null, checkpointSignatureCheck([key.publicKeyPem()]));
    }
    return await exportRange(log, bounds, args.out);
  } finally {
    await disposeContainer(container);
  }
}

function parseTime(flag: string, raw: string | undefined): Date | null {
  if (raw === undefined) return null;
  const time = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(time.getTime())) {
    throw new UsageError(`${flag} must be an ISO 8601 time such as 2026-01-01T00:00:00Z, got "${raw}"`);
  }
  return time;
}

async function* walk(log: AuditLog, first: number, last: number): AsyncGenerator<AuditEvent[]> {
  let next = first;
  while (next <= last) {
    const page = await log.read(next, last, PAGE);
    if (page.length === 0) return;
    yield page;
    next = page.at(-1)!.sequence + 1;
  }
}

async function verify(
  log: AuditLog,
  bounds: { first: number; last: number } | null,
  fromGiven: boolean,
  checkSignature: ReturnType<typeof checkpointSignatureCheck>,
): Promise<number> {
  if (bounds === null) {
    out('The audit trail has no rows in this period.');
    return 0;
  }
  // from the start of the trail, the first row must be the genesis row (or the retention's checkpoint)
  const verifier = new AuditChainVerifier({
    sha256: sha256Hex,
    checkSignature,
    start: fromGiven ? 'range' : 'trail',
  });
  for await (const page of walk(log, fromGiven ? bounds.first : 0, bounds.last)) {
    if (verifier.add(page) !== null) break;
  }
  const verdict = verifier.finish();
  if (!verdict.ok) {
    out(`BROKEN at row ${verdict.broken.sequence} (${verdict.broken.kind}): ${verdict.broken.message}`);
    return EXIT_FAILURE;
  }
  out(
    `Audit trail verified: rows ${verdict.firstSequence}-${verdict.lastSequence} (${verdict.rows} rows), ` +
      `${verdict.checkpoints} checkpoints, signed through row ${verdict.signedThrough ?? 'none'}` +
      (verdict.signedThrough !== verdict.lastSequence ? ' (later rows are chained, not yet signed)' : '') +
      '.',
  );
  return 0;
}

/**
 * Writes the rows of the period, one canonical JSON object per line (the row's content, then previousHash and
 * hash), up to the first checkpoint after the period when there is one, so its last rows are signed too.
 */
async function exportRange(
  log: AuditLog,
  bounds: { first: number; last: number } | null,
  file: string | undefined,
): Promise<number> {
  const sink = file === undefined ? process.stdout : createWriteStream(file, { flags: 'wx', mode: 0o600 });
  let rows = 0;
  let last: number | null = null;
  const write = async (row: AuditEvent) => {
    const line = `${auditRowCanonicalJson(row).slice(0, -1)},"previousHash":${JSON.stringify(row.previousHash)},"hash":${JSON.stringify(row.hash)}}\n`;
    if (!sink.write(line)) await once(sink, 'drain');
    rows++;
    last = row.sequence;
  };
  if (bounds !== null) {
    for await (const page of walk(log, bounds.first, bounds.last)) for (const row of page) await write(row);
    // on to the next checkpoint, which signs the period's last row
    const head = await log.head();
    let signed = false;
    for await (const page of walk(log, bounds.last + 1, head.sequence)) {
      for (const row of page) {
        await write(row);
        if (row.action === 'audit.checkpoint') {
          signed = true;
          break;
        }
      }
      if (signed) break;
    }
  }
  if (sink !== process.stdout) {
    sink.end();
    await once(sink, 'finish');
    out(`Exported ${rows} rows${last === null ? '' : ` (${bounds?.first}-${last})`} to ${file}.`);
  }
  return 0;
}
