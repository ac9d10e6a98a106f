import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { DatabaseKind } from './database';

/*
 * One span per SQL statement, through the OpenTelemetry API only: without a registered SDK every call below
 * is a no-op, and with one the span joins whatever trace the caller is in. A span holds what kind of statement
 * ran on which table (from the code's own SQL text), never the text's values or a parameter: the statements
 * are the code's constants with $1, $2 ... placeholders, and parameters are not looked at here at all.
 */

const tracer = trace.getTracer('@facegate/adapters-postgres');

export interface StatementSummary {
  /** SELECT, INSERT, UPDATE, DELETE, WITH, BEGIN ... (the statement's first keyword). */
  readonly operation: string;
  /** The first table the statement reads or writes, if any. */
  readonly table: string | undefined;
  /** What it does to which tables, in order (`UPDATE verification_sessions INSERT event_outbox`): the span's name. */
  readonly name: string;
}

const summaries = new Map<string, StatementSummary>();
const FIRST_KEYWORD = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*([A-Za-z]+)/;
/** A verb and its table: INSERT INTO t, UPDATE t (not ON CONFLICT's DO UPDATE SET), DELETE FROM t, FROM t, JOIN t. */
const ACCESS =
  /\b(INSERT\s+INTO|UPDATE(?!\s+SET\b)|DELETE\s+FROM|FROM|JOIN)\s+(?:ONLY\s+)?"?([A-Za-z_][A-Za-z0-9_]*)"?/gi;
/** A common table expression's name: `name AS (`; reading it is not reading a table. */
const CTE_NAME = /\b([A-Za-z_][A-Za-z0-9_]*)\s+AS\s+(?:(?:NOT\s+)?MATERIALIZED\s+)?\(/gi;

/** What a statement is, from its text; memoized per text (the texts are the code's own, a few dozen). */
export function summarizeStatement(sql: string): StatementSummary {
  let summary = summaries.get(sql);
  if (summary === undefined) {
    const operation = (FIRST_KEYWORD.exec(sql)?.[1] ?? 'SQL').toUpperCase();
    const ctes = new Set([...sql.matchAll(CTE_NAME)].map((m) => m[1]!.toLowerCase()));
    const parts: string[] = [];
    let table: string | undefined;
    for (const [, verb, name] of sql.matchAll(ACCESS)) {
      if (ctes.has(name!.toLowerCase())) continue;
      const kind = verb!.split(/\s+/)[0]!.toUpperCase();
      const part = `${kind === 'FROM' || kind === 'JOIN' ? 'SELECT' : kind} ${name}`;
      table ??= name;
      if (!parts.includes(part)) parts.push(part);
    }
    const name = parts.length === 0 ? operation : parts.slice(0, 4).join(' ');
    summary = { operation, table, name };
    // bounded: a caller building SQL from data must not grow this
    if (summaries.size < 10_000) summaries.set(sql, summary);
  }
  return summary;
}

/**
 * Runs `run` (one statement, or a transaction's block) in a CLIENT span named by the statement's kind and table.
 * Only inside a recorded trace: a statement that no traced operation asked for (the outbox poller, ticking
 * every 200 ms) makes no root span of its own, and an unsampled request pays one context lookup.
 */
export function withStatementSpan<T>(
  driver: DatabaseKind,
  sql: string,
  run: () => Promise<T>,
  name?: string,
): Promise<T> {
  const parent = trace.getSpan(context.active());
  if (parent === undefined || !parent.isRecording()) return run();
  const summary = summarizeStatement(sql);
  const span = tracer.startSpan(name ?? summary.name, {
    kind: SpanKind.CLIENT,
    attributes: {
      'db.system': 'postgresql',
      'db.system.name': 'postgresql',
      'db.operation.name': summary.operation,
      ...(summary.table === undefined ? {} : { 'db.collection.name': summary.table }),
      'db.query.summary': summary.name,
      'facegate.db.driver': driver,
    },
  });
  return context.with(trace.setSpan(context.active(), span), run).then(
    (result) => {
      span.end();
      return result;
    },
    (error: unknown) => {
      failed(span, error);
      throw error;
    },
  );
}

/** The SQLSTATE (or errno) only: a driver's message can quote a value of the statement. */
function failed(span: Span, error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code;
  const type = typeof code === 'string' && /^[A-Z0-9_]{1,32}$/.test(code) ? code : 'error';
  span.setAttribute('error.type', type);
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code))
    span.setAttribute('db.response.status_code', code);
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
