import type { ReceivedSpan } from './otlp-receiver';

const KINDS = ['', 'internal', 'server', 'client', 'producer', 'consumer'];
/** The attributes shown beside a span's name (every attribute is in the export; these say what it is). */
const SHOWN = [
  'http.response.status_code',
  'graphql.operation.type',
  'graphql.operation.name',
  'db.system',
  'db.collection.name',
  'facegate.db.driver',
  'server.address',
  'wechat.errcode',
  'http.request.resend_count',
  'error.type',
];
const BAR = 24;

/**
 * A text view of one trace, as a trace viewer lays it out: the tree of spans from `root`, each with its kind,
 * duration, a bar placing it in the trace's time, and a few of its attributes.
 */
export function renderTrace(spans: readonly ReceivedSpan[], root: ReceivedSpan): string {
  const children = new Map<string, ReceivedSpan[]>();
  for (const span of spans) {
    const list = children.get(span.parentSpanId) ?? [];
    list.push(span);
    children.set(span.parentSpanId, list);
  }
  for (const list of children.values()) list.sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
  const start = root.startNs;
  const total = Number(root.endNs - root.startNs) || 1;
  const rows: [string, string, string, string, string][] = [];
  const walk = (span: ReceivedSpan, prefix: string, last: boolean, depth: number) => {
    const branch = depth === 0 ? '' : `${prefix}${last ? '└─ ' : '├─ '}`;
    const from = Math.floor((Number(span.startNs - start) / total) * BAR);
    const width = Math.max(1, Math.round((Number(span.endNs - span.startNs) / total) * BAR));
    const bar = `${' '.repeat(Math.max(0, Math.min(BAR - 1, from)))}${'█'.repeat(Math.min(width, BAR - Math.min(BAR - 1, from)))}`;
    const shown = SHOWN.filter((k) => span.attributes[k] !== undefined)
      .map((k) => `${k}=${span.attributes[k]}`)
      .join(' ');
    rows.push([
      `${branch}${span.name}`,
      KINDS[span.kind] ?? String(span.kind),
      `${(Number(span.endNs - span.startNs) / 1e6).toFixed(2)} ms`,
      bar.padEnd(BAR),
      shown,
    ]);
    const next = depth === 0 ? '' : `${prefix}${last ? '   ' : '│  '}`;
    const kids = children.get(span.spanId) ?? [];
    for (const [i, kid] of kids.entries()) walk(kid, next, i === kids.length - 1, depth + 1);
  };
  walk(root, '', true, 0);
  const width = (i: number) => Math.max(...rows.map((r) => [...r[i]!].length));
  const pad = (text: string, n: number) => text + ' '.repeat(Math.max(0, n - [...text].length));
  const header = `trace ${root.traceId}  (parent: the caller's span ${root.parentSpanId || 'none'}; service ${root.resource['service.name']})`;
  return [
    header,
    ...rows.map((r) =>
      `${pad(r[0], width(0))}  ${pad(r[1], width(1))}  ${r[2].padStart(width(2))}  |${r[3]}|  ${r[4]}`.trimEnd(),
    ),
    '',
  ].join('\n');
}
