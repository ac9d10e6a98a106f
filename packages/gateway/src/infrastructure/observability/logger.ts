import { isSpanContextValid, trace } from '@opentelemetry/api';
import { type DestinationStream, destination, type Logger, pino } from 'pino';
import { tracingRegistered } from './tracing';

export type { Logger };

/**
 * No generic redaction pass (it walks every logged object on every line): each log call names its fields,
 * and none of them carries personal data or a credential (mutation variables, headers and query text are
 * never logged; a test reads every line of a full flow for the identity, tokens and keys). Epoch
 * milliseconds, not an ISO string, for the time. `sync: false` buffers stdout (see bufferedStdout); unset, pino's
 * default synchronous stdout (the short CLI commands, whose lines must be out before they exit).
 */
export function createLogger(
  options: { level?: string; destination?: DestinationStream; sync?: boolean } = {},
): Logger {
  return pino(
    {
      // with tracing on, a line written inside a span names it (trace_id, span_id: what log backends join on)
      ...(tracingRegistered() ? { mixin: traceFields } : {}),
      name: 'facegate',
      level: options.level ?? 'info',
      base: { service: 'facegate-gateway' },
      timestamp: pino.stdTimeFunctions.epochTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? (options.sync === false ? bufferedStdout() : undefined),
  );
}

/** A new object each time: pino merges the line's own fields into what a mixin returns. */
function traceFields(): object {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return {};
  return {
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
    trace_flags: `0${spanContext.traceFlags.toString(16)}`,
  };
}
/**
 * stdout written asynchronously in batches (one write per BATCH_BYTES, or per FLUSH_MS when traffic is low)
 * instead of one synchronous write per line. pino flushes it synchronously when the process exits, after an
 * uncaught error too, so a crash loses nothing already logged; only a SIGKILL loses what is buffered.
 */
function bufferedStdout(): DestinationStream {
  return destination({ dest: 1, sync: false, minLength: BATCH_BYTES, periodicFlush: FLUSH_MS });
}

const BATCH_BYTES = 4096;
const FLUSH_MS = 250;
