import { describeFailure, FAILURE_CODES } from '@facegate/domain';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, gql } from '../src/api';
import { chartFormats, X_TICK_STEPS, xRange, Y_TICK_STEPS } from '../src/chart-format';
import { errorKind } from '../src/errors';
import { failureReason } from '../src/failure-reason';
import { graphql } from '../src/graphql';

/** Seconds since the epoch of a China Standard Time wall clock. */
const cst = (wall: string) => Date.parse(`${wall}+08:00`) / 1000;

describe('chartFormats: the overview chart in the console language, China Standard Time', () => {
  const hourSplits = [
    cst('2026-12-06T20:00:00'),
    cst('2026-12-06T22:00:00'),
    cst('2026-12-07T00:00:00'),
    cst('2026-12-07T02:00:00'),
  ];

  it('zh-CN hourly ticks: 24-hour times, the day in Chinese on the first tick and where the day changes', () => {
    const { xTicks } = chartFormats('zh-CN', 'HOUR');
    expect(xTicks(hourSplits)).toEqual(['20:00\n12月6日', '22:00', '00:00\n12月7日', '02:00']);
  });

  it('en hourly ticks: 24-hour times and a short month, no am/pm', () => {
    const { xTicks } = chartFormats('en', 'HOUR');
    expect(xTicks(hourSplits)).toEqual(['20:00\nDec 6', '22:00', '00:00\nDec 7', '02:00']);
  });

  it('daily ticks are days, never m/d/yy', () => {
    const days = [cst('2026-11-30T00:00:00'), cst('2026-12-01T00:00:00')];
    expect(chartFormats('zh-CN', 'DAY').xTicks(days)).toEqual(['11月30日', '12月1日']);
    expect(chartFormats('en', 'DAY').xTicks(days)).toEqual(['Nov 30', 'Dec 1']);
  });

  it('ticks are in China Standard Time whatever the machine zone (16:00 UTC is midnight the next day)', () => {
    expect(chartFormats('zh-CN', 'HOUR').xTicks([Date.parse('2026-12-06T16:00:00Z') / 1000])).toEqual([
      '00:00\n12月7日',
    ]);
  });

  it('the legend names the bucket: its day and hours, or its day', () => {
    const at = cst('2026-12-06T14:00:00');
    expect(chartFormats('zh-CN', 'HOUR').legendTime(at)).toBe('2026年12月6日 14:00–15:00');
    expect(chartFormats('en', 'HOUR').legendTime(at)).toBe('Dec 6, 2026 14:00–15:00');
    expect(chartFormats('zh-CN', 'DAY').legendTime(cst('2026-12-06T00:00:00'))).toBe('2026年12月6日');
    expect(chartFormats('en', 'DAY').legendTime(null)).toBe('—');
  });

  it('counts are whole numbers grouped the local way', () => {
    expect(chartFormats('en', 'DAY').count(12345)).toBe('12,345');
    expect(chartFormats('zh-CN', 'DAY').count(0)).toBe('0');
    expect(chartFormats('zh-CN', 'DAY').count(null)).toBe('—');
  });

  it('the x axis spans at least one bucket, so a single bucket still gets ticks', () => {
    const midnight = cst('2026-12-07T00:00:00');
    expect(xRange('HOUR', [midnight])).toEqual([midnight, midnight + 3600]);
    expect(xRange('DAY', [midnight])).toEqual([midnight, midnight + 86_400]);
    expect(xRange('HOUR', [midnight, midnight + 3600, midnight + 7200])).toEqual([midnight, midnight + 7200]);
  });

  it('tick steps are whole buckets and whole counts', () => {
    for (const step of X_TICK_STEPS.HOUR) expect(step % 3600).toBe(0);
    for (const step of X_TICK_STEPS.DAY) expect(step % 86_400).toBe(0);
    for (const step of Y_TICK_STEPS) expect(Number.isInteger(step)).toBe(true);
  });
});

describe('failureReason: one formatter for every page', () => {
  it('gives every failure code a reason in both languages, from the domain taxonomy', () => {
    for (const code of FAILURE_CODES) {
      const zh = failureReason(code, 'zh-CN');
      const en = failureReason(code, 'en');
      expect(zh).toBe(describeFailure(code).zh);
      expect(en.toLowerCase()).toBe(describeFailure(code).en.toLowerCase());
      expect(zh).not.toBe(code);
      expect(en).not.toBe(code);
      // a table cell starts with a capital
      expect(en[0]).toBe(en[0]!.toUpperCase());
    }
  });

  it('reads the reason the Failures page shows for a mismatch', () => {
    expect(failureReason('ID_NUMBER_MISMATCH', 'zh-CN')).toBe('姓名与身份证号码不匹配');
    expect(failureReason('ID_NUMBER_MISMATCH', 'en')).toBe('The name and the ID number do not match');
  });

  it('shows a code this build does not know (a newer gateway) as itself', () => {
    expect(failureReason('SOMETHING_NEW', 'zh-CN')).toBe('SOMETHING_NEW');
  });
});

describe('errorKind: what an operator is told about a failed request', () => {
  it.each([
    [{ code: 'NETWORK' }, 'network'],
    [{ code: 'UNAUTHENTICATED', status: 200 }, 'unauthorized'],
    [{ code: 'FORBIDDEN', status: 200 }, 'forbidden'],
    [{ code: 'RATE_LIMITED', status: 200 }, 'rateLimited'],
    [{ code: 'UPSTREAM_UNAVAILABLE', status: 200 }, 'server'],
    [{ code: 'INTERNAL_SERVER_ERROR', status: 500 }, 'server'],
    [{ code: 'BAD_USER_INPUT', status: 200 }, 'badInput'],
    [{ code: 'NOT_FOUND', status: 200 }, 'notFound'],
    [{ code: 'CONFLICT', status: 200 }, 'conflict'],
    // answers that are not GraphQL: a proxy's page, a limiter in front of the gateway
    [{ code: 'BAD_RESPONSE', status: 502 }, 'server'],
    [{ code: 'BAD_RESPONSE', status: 429 }, 'rateLimited'],
    [{ code: 'BAD_RESPONSE', status: 401 }, 'unauthorized'],
    [{ code: 'BAD_RESPONSE', status: 403 }, 'forbidden'],
    [{ code: 'BAD_RESPONSE', status: 200 }, 'server'],
    // the gateway's masked error carries no code
    [{ code: 'ERROR', status: 200 }, 'server'],
    [{ code: 'SOMETHING_ELSE', status: 200 }, 'unknown'],
  ] as const)('%o is %s', (error, kind) => {
    expect(errorKind(error)).toBe(kind);
  });
});

describe('gql(): a failed request becomes an ApiError an ErrorNotice can classify', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });
  const document = graphql('query ConsoleViewer { consoleViewer { name scopes } }');

  async function failure(answer: () => Promise<Response>): Promise<ApiError> {
    globalThis.fetch = answer as typeof fetch;
    const error = await gql(document, {}, null).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }

  it('no answer at all (fetch rejects: "TypeError: Failed to fetch") is a network error', async () => {
    const error = await failure(() => Promise.reject(new TypeError('Failed to fetch')));
    expect(error.code).toBe('NETWORK');
    expect(errorKind(error)).toBe('network');
  });

  it("a proxy's HTML page keeps its status: 502 is the server's, 429 a rate limit", async () => {
    const html = (status: number) => () => Promise.resolve(new Response('<h1>error</h1>', { status }));
    expect(errorKind(await failure(html(502)))).toBe('server');
    expect(errorKind(await failure(html(429)))).toBe('rateLimited');
  });

  it('a GraphQL error keeps its extensions.code', async () => {
    const error = await failure(() =>
      Promise.resolve(
        Response.json({
          errors: [{ message: 'Unknown or revoked API key', extensions: { code: 'UNAUTHENTICATED' } }],
        }),
      ),
    );
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(errorKind(error)).toBe('unauthorized');
  });
});
