import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { ConfigError, type Env, read } from '../../config/env';

/** What the SDK's diagnostics and the start line are written to (the gateway's pino logger). */
interface Logger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/*
 * OpenTelemetry traces, configured the standard way (the SDK's own environment variables) and off unless they
 * ask for it. Off, nothing below is loaded: the code that makes spans (the adapters, the GraphQL plugin, the
 * relay and the sweeper) calls the OpenTelemetry API, which without a registered SDK hands out no-op spans.
 */

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export type TracingSettings =
  | { readonly enabled: false }
  | { readonly enabled: true; readonly exporter: 'otlp'; readonly protocol: OtlpProtocol }
  | { readonly enabled: true; readonly exporter: 'console' };

const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

/**
 * Which traces to send where, from OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT
 * and _PROTOCOL; the sampler variables are checked here and read by the SDK. On when an OTLP endpoint is set
 * (or OTEL_TRACES_EXPORTER=console), unless OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. A value the
 * SDK would only warn about and ignore stops start-up with one line naming it, as every other setting does.
 */
export function readTracingSettings(env: Env): TracingSettings {
  const disabled = read(env, 'OTEL_SDK_DISABLED')?.toLowerCase();
  if (disabled === 'true') return { enabled: false };
  const exporter = (read(env, 'OTEL_TRACES_EXPORTER') ?? 'otlp').toLowerCase();
  if (exporter === 'none') return { enabled: false };
  if (exporter !== 'otlp' && exporter !== 'console') {
    throw new ConfigError('OTEL_TRACES_EXPORTER', `must be otlp, console or none, got "${exporter}"`);
  }
  checkSampler(env);
  if (exporter === 'console') return { enabled: true, exporter };

  const endpointVariable = read(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')
    ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
    : read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT')
      ? 'OTEL_EXPORTER_OTLP_ENDPOINT'
      : null;
  if (endpointVariable === null) return { enabled: false };
  const endpoint = read(env, endpointVariable)!;
  let scheme: string;
  try {
    scheme = new URL(endpoint).protocol;
  } catch {
    throw new ConfigError(endpointVariable, 'must be an http:// or https:// URL');
  }
  if (scheme !== 'http:' && scheme !== 'https:') {
    throw new ConfigError(endpointVariable, `must be an http:// or https:// URL, got ${scheme}`);
  }
  const protocolVariable = read(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL')
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = read(env, protocolVariable) ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new ConfigError(
      protocolVariable,
      `must be http/protobuf or http/json (OTLP over HTTP; gRPC is not bundled), got "${protocol}"`,
    );
  }
  return { enabled: true, exporter: 'otlp', protocol };
}

function checkSampler(env: Env): void {
  const sampler = read(env, 'OTEL_TRACES_SAMPLER')?.toLowerCase();
  if (sampler === undefined) return;
  if (!(SAMPLERS as readonly string[]).includes(sampler)) {
    throw new ConfigError('OTEL_TRACES_SAMPLER', `must be one of ${SAMPLERS.join(', ')}, got "${sampler}"`);
  }
  if (sampler.endsWith('traceidratio')) {
    const arg = read(env, 'OTEL_TRACES_SAMPLER_ARG');
    const ratio = arg === undefined ? Number.NaN : Number(arg);
    if (!(ratio >= 0 && ratio <= 1)) {
      throw new ConfigError('OTEL_TRACES_SAMPLER_ARG', `must be a number from 0 to 1 for ${sampler}`);
    }
  }
}

let registered = false;

/** True once startTracing registered the SDK in this process: only then are the request plugin and the log
 * fields installed, so a gateway without tracing runs none of their code. */
export function tracingRegistered(): boolean {
  return registered;
}

export interface RunningTracing {
  /** Sends the spans still buffered and stops (at most `timeoutMs`). */
  shutdown(timeoutMs?: number): Promise<void>;
}

/** At most one warning a minute from the SDK (an unreachable collector fails every export). */
function diagnostics(logger: Logger): DiagLogger {
  let lastAt = Number.NEGATIVE_INFINITY;
  let skipped = 0;
  const warn = (message: string) => {
    const now = performance.now();
    if (now - lastAt < 60_000) {
      skipped += 1;
      return;
    }
    lastAt = now;
    logger.warn({ skipped }, `OpenTelemetry: ${message.slice(0, 300)}`);
    skipped = 0;
  };
  const ignore = () => {};
  return { error: warn, warn, info: ignore, debug: ignore, verbose: ignore };
}

/**
 * Registers the OpenTelemetry Node SDK for traces (the global tracer provider, the W3C trace-context
 * propagator, an AsyncLocalStorage context manager) when `settings` say so; null otherwise. Spans go out in
 * batches (OTEL_BSP_* apply). The resource is `service.name` facegate-gateway, the version and a
 * `service.instance.id`, overridden by OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
 */
export async function startTracing(
  settings: TracingSettings,
  options: { logger: Logger; serviceVersion: string },
): Promise<RunningTracing | null> {
  if (!settings.enabled) return null;
  const [{ NodeTracerProvider, BatchSpanProcessor, ConsoleSpanExporter }, resources, semconv] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/semantic-conventions'),
    ]);
  diag.setLogger(diagnostics(options.logger), DiagLogLevel.WARN);
  const exporter =
    settings.exporter === 'console'
      ? new ConsoleSpanExporter()
      : settings.protocol === 'http/json'
        ? new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter()
        : new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
  const resource = resources
    .defaultResource()
    .merge(
      resources.resourceFromAttributes({
        [semconv.ATTR_SERVICE_NAME]: 'facegate-gateway',
        [semconv.ATTR_SERVICE_VERSION]: options.serviceVersion,
      }),
    )
    // a random service.instance.id per process (workers tell apart), then the environment's, which win; not the
    // process detector: it would export the command line
    .merge(
      resources.detectResources({
        detectors: [resources.serviceInstanceIdDetector, resources.envDetector],
      }),
    );
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  provider.register();
  registered = true;
  options.logger.info(
    settings.exporter === 'console'
      ? { exporter: 'console' }
      : { exporter: 'otlp', protocol: settings.protocol },
    'OpenTelemetry tracing on',
  );
  return {
    async shutdown(timeoutMs = 5_000) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        provider.shutdown().catch(() => {}),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
