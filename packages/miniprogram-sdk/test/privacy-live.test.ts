// @vitest-environment jsdom
/**
 * <facegate-verify> against a live gateway (sandbox mode) configured with an alternative: a child's ID number
 * is refused before any face API, and choosing the alternative after a failure ends the session
 * ALTERNATIVE_CHOSEN on the server.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { SANDBOX_TEST_IDENTITIES } from '@facegate/wechat-sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildSdkIntoTempDir } from './support/build-sdk';
import { buildHostWith } from './support/host-fixture';
import { type LiveGateway, startLiveGateway } from './support/live-gateway';
import { MiniProgramHarness, MODERN_PHONE } from './support/miniprogram-harness';

const PASSING = SANDBOX_TEST_IDENTITIES.find((i) => i.scenario === 'pass')!;
/** Born 2016-06-01: under 14 until 2030. */
const CHILD = { name: '王小', idCardNumber: '11010520160601003X' };

let sdkDist: string;
let host: string;
let gateway: LiveGateway;

beforeAll(async () => {
  sdkDist = buildSdkIntoTempDir();
  gateway = await startLiveGateway({
    FACEGATE_ALTERNATIVE: '/pages/counter/index',
    FACEGATE_ALTERNATIVE_LABEL: '到柜台办理',
  });
  host = buildHostWith(sdkDist, gateway.graphqlUrl);
}, 300_000);

afterAll(async () => {
  await gateway?.close();
  for (const dir of [sdkDist, host]) if (dir) rmSync(dir, { recursive: true, force: true });
});

const phones: MiniProgramHarness[] = [];
afterEach(() => {
  for (const h of phones.splice(0)) h.closePage();
});

function phone(): MiniProgramHarness {
  const h = new MiniProgramHarness(host, gateway.graphqlUrl, gateway.sandboxUrl, {
    openid: `o_privacy_${randomUUID().slice(0, 8)}`,
    ...MODERN_PHONE,
  });
  phones.push(h);
  return h;
}

async function fill(h: MiniProgramHarness, who: { name: string; idCardNumber: string }) {
  h.open('/pages/index/index');
  await h.waitFor(() => h.exists('.consent-paragraph'), 'the consent text');
  await h.type('.name-input', who.name);
  await h.type('.id-input', who.idCardNumber);
  await h.change('.consent-check', { value: ['agree'] });
  await h.tap('.submit');
}

/** The session as a business backend reads it (service API key). */
async function serviceRead(id: string): Promise<{ status: string; cancelReason: string | null }> {
  const key = await gateway.createServiceKey();
  const response = await fetch(gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({
      query: 'query($id: ID!) { verification(id: $id) { status cancelReason } }',
      variables: { id },
    }),
  });
  const body = (await response.json()) as {
    data: { verification: { status: string; cancelReason: string } };
  };
  return body.data.verification;
}

describe('<facegate-verify> privacy against a live gateway', () => {
  it('a holder under 14: the gateway’s zh-CN refusal and the alternative; no face API', async () => {
    const h = phone();
    await fill(h, CHILD);
    await h.waitFor(() => h.exists('.message'), 'the refusal');
    expect(h.text('.message')).toContain('十四周岁');
    expect(h.text('.alternative-button')).toBe('到柜台办理');
    expect(h.faceChecks).toEqual([]);
  });

  it('after a failed attempt, the alternative ends the session ALTERNATIVE_CHOSEN and opens the page', async () => {
    const h = phone();
    h.nextScenarios.push('face_mismatch');
    await fill(h, PASSING);
    await h.waitFor(() => h.exists('.retry'), 'the failure');
    const start = h.sent.find((s) => s.operationName === 'StartVerification');
    expect(start?.variables).toMatchObject({ input: { consent: { version: 'facegate-default-1' } } });
    await h.tap('.alternative-button');
    await h.waitFor(() => h.navigations.length > 0, 'the alternative page');
    expect(h.navigations).toEqual(['/pages/counter/index']);
    const chosen = h.sent.find((s) => s.operationName === 'ChooseAlternative');
    const id = String(chosen?.variables.verificationId);
    expect(await serviceRead(id)).toEqual({ status: 'CANCELED', cancelReason: 'ALTERNATIVE_CHOSEN' });
  });
});
