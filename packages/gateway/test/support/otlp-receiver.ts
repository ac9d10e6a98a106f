import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { listenOnLoopback } from '@facegate/test-support';

/*
 * An OTLP/HTTP trace receiver in the test's own process, as a collector listens on :4318: POST /v1/traces
 * with an ExportTraceServiceRequest, in protobuf (the SDK's default) or JSON. The protobuf is decoded from
 * its wire format by the field numbers of opentelemetry/proto/trace/v1/trace.proto and common.proto: what
 * the tests read is what a collector would read.
 */

export type AttributeValue = string | number | boolean | AttributeValue[] | null;

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly attributes: Record<string, AttributeValue>;
  /** Attributes of the span's events, flattened (exceptions would be recorded there). */
  readonly eventAttributes: Record<string, AttributeValue>[];
  readonly eventNames: string[];
  /** 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly statusMessage: string;
  readonly resource: Record<string, AttributeValue>;
  readonly scope: string;
}

export interface OtlpReceiver {
  readonly url: string;
  readonly spans: ReceivedSpan[];
  /** Every request body exactly as it arrived, with its headers. */
  readonly requests: { headers: IncomingHttpHeaders; body: Buffer; path: string }[];
  close(): Promise<void>;
}

// ---- protobuf wire format ----

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = this.buf[this.pos++];
      if (byte === undefined) throw new Error('truncated varint');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  }
  bytes(): Uint8Array {
    const length = Number(this.varint());
    const out = this.buf.subarray(this.pos, this.pos + length);
    if (out.length !== length) throw new Error('truncated field');
    this.pos += length;
    return out;
  }
  fixed64(): bigint {
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    return view.getBigUint64(0, true);
  }
  fixed32(): number {
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4);
    this.pos += 4;
    return view.getUint32(0, true);
  }
  /** Each field as [number, wire type, value]: length-delimited values as bytes, numbers as bigint. */
  *fields(): Generator<[number, number, Uint8Array | bigint]> {
    while (!this.done) {
      const tag = Number(this.varint());
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire === 0) yield [field, wire, this.varint()];
      else if (wire === 1) yield [field, wire, this.fixed64()];
      else if (wire === 2) yield [field, wire, this.bytes()];
      else if (wire === 5) yield [field, wire, BigInt(this.fixed32())];
      else throw new Error(`unsupported wire type ${wire}`);
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function anyValue(buf: Uint8Array): AttributeValue {
  for (const [field, , value] of new Reader(buf).fields()) {
    if (field === 1) return utf8.decode(value as Uint8Array);
    if (field === 2) return (value as bigint) !== 0n;
    if (field === 3) return Number(BigInt.asIntN(64, value as bigint));
    if (field === 4) {
      const view = new DataView(new ArrayBuffer(8));
      view.setBigUint64(0, value as bigint, true);
      return view.getFloat64(0, true);
    }
    if (field === 5) {
      const values: AttributeValue[] = [];
      for (const [f, , v] of new Reader(value as Uint8Array).fields())
        if (f === 1) values.push(anyValue(v as Uint8Array));
      return values;
    }
    if (field === 6 || field === 7) return hex(value as Uint8Array);
  }
  return null;
}

function keyValues(into: Record<string, AttributeValue>, buf: Uint8Array): void {
  let key = '';
  let value: AttributeValue = null;
  for (const [field, , v] of new Reader(buf).fields()) {
    if (field === 1) key = utf8.decode(v as Uint8Array);
    else if (field === 2) value = anyValue(v as Uint8Array);
  }
  into[key] = value;
}

function decodeProtobuf(body: Uint8Array): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const [field, , resourceSpans] of new Reader(body).fields()) {
    if (field !== 1) continue;
    const resource: Record<string, AttributeValue> = {};
    const scopeSpansList: Uint8Array[] = [];
    for (const [f, , v] of new Reader(resourceSpans as Uint8Array).fields()) {
      if (f === 1) {
        for (const [rf, , rv] of new Reader(v as Uint8Array).fields())
          if (rf === 1) keyValues(resource, rv as Uint8Array);
      } else if (f === 2) scopeSpansList.push(v as Uint8Array);
    }
    for (const scopeSpans of scopeSpansList) {
      let scope = '';
      for (const [f, , v] of new Reader(scopeSpans).fields()) {
        if (f === 1) {
          for (const [sf, , sv] of new Reader(v as Uint8Array).fields())
            if (sf === 1) scope = utf8.decode(sv as Uint8Array);
        } else if (f === 2) {
          spans.push(decodeSpan(v as Uint8Array, resource, scope));
        }
      }
    }
  }
  return spans;
}

function decodeSpan(buf: Uint8Array, resource: Record<string, AttributeValue>, scope: string): ReceivedSpan {
  const span = {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    name: '',
    kind: 0,
    startNs: 0n,
    endNs: 0n,
    attributes: {} as Record<string, AttributeValue>,
    eventAttributes: [] as Record<string, AttributeValue>[],
    eventNames: [] as string[],
    statusCode: 0,
    statusMessage: '',
    resource,
    scope,
  };
  for (const [field, , value] of new Reader(buf).fields()) {
    if (field === 1) span.traceId = hex(value as Uint8Array);
    else if (field === 2) span.spanId = hex(value as Uint8Array);
    else if (field === 4) span.parentSpanId = hex(value as Uint8Array);
    else if (field === 5) span.name = utf8.decode(value as Uint8Array);
    else if (field === 6) span.kind = Number(value);
    else if (field === 7) span.startNs = value as bigint;
    else if (field === 8) span.endNs = value as bigint;
    else if (field === 9) keyValues(span.attributes, value as Uint8Array);
    else if (field === 11) {
      const attributes: Record<string, AttributeValue> = {};
      for (const [ef, , ev] of new Reader(value as Uint8Array).fields()) {
        if (ef === 2) span.eventNames.push(utf8.decode(ev as Uint8Array));
        else if (ef === 3) keyValues(attributes, ev as Uint8Array);
      }
      span.eventAttributes.push(attributes);
    } else if (field === 15) {
      for (const [sf, , sv] of new Reader(value as Uint8Array).fields()) {
        if (sf === 2) span.statusMessage = utf8.decode(sv as Uint8Array);
        else if (sf === 3) span.statusCode = Number(sv);
      }
    }
  }
  return span;
}

// ---- OTLP/JSON (the http/json protocol): ids in hex, integers as strings ----

// biome-ignore lint/suspicious/noExplicitAny: the JSON mapping of the proto, read field by field
function jsonValue(value: any): AttributeValue {
  if (value == null) return null;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return value.doubleValue;
  if ('arrayValue' in value) return (value.arrayValue.values ?? []).map(jsonValue);
  return null;
}

// biome-ignore lint/suspicious/noExplicitAny: as above
function jsonAttributes(list: any[] | undefined): Record<string, AttributeValue> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, jsonValue(kv.value)]));
}

function decodeJson(body: Buffer): ReceivedSpan[] {
  const request = JSON.parse(body.toString('utf8'));
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = jsonAttributes(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const s of scopeSpans.spans ?? []) {
        spans.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          kind: s.kind,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          attributes: jsonAttributes(s.attributes),
          // biome-ignore lint/suspicious/noExplicitAny: as above
          eventAttributes: (s.events ?? []).map((e: any) => jsonAttributes(e.attributes)),
          // biome-ignore lint/suspicious/noExplicitAny: as above
          eventNames: (s.events ?? []).map((e: any) => e.name),
          statusCode: s.status?.code ?? 0,
          statusMessage: s.status?.message ?? '',
          resource,
          scope: scopeSpans.scope?.name ?? '',
        });
      }
    }
  }
  return spans;
}

/** Listens on loopback; answers every export with an empty ExportTraceServiceResponse (success). */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests: OtlpReceiver['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = new URL(req.url ?? '/', 'http://receiver').pathname;
      requests.push({ headers: req.headers, body, path });
      const type = String(req.headers['content-type'] ?? '');
      if (req.method !== 'POST' || path !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      try {
        spans.push(...(type.startsWith('application/json') ? decodeJson(body) : decodeProtobuf(body)));
      } catch (error) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
        return;
      }
      if (type.startsWith('application/json')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.alloc(0));
      }
    });
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    spans,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
