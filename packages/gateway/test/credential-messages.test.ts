import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS } from '../src/composition/tokens';
import { PEOPLE } from './support/flows';
import { GET, type GraphQLResponse, START, startTestGateway, type TestGateway } from './support/test-gateway';

const STATUS = 'query($openid: String!) { identityStatus(openid: $openid) { verified } }';

function refusal(response: GraphQLResponse) {
  const error = response.body.errors?.[0];
  return { code: error?.extensions?.code, reason: error?.extensions?.reason, message: error?.message };
}

const MISSING = {
  code: 'UNAUTHENTICATED',
  reason: 'MISSING_CREDENTIAL',
  message: expect.stringMatching(/^sign in first/),
};
const BAD_TOKEN = {
  code: 'UNAUTHENTICATED',
  reason: 'INVALID_TOKEN',
  message: expect.stringMatching(/^this token is not valid or has expired/),
};
const BAD_KEY = { code: 'UNAUTHENTICATED', reason: 'INVALID_API_KEY', message: 'unknown or revoked API key' };

describe('a missing credential and an invalid one get different messages', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ database: 'pglite' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('no credential: "sign in first"', async () => {
    expect(refusal(await t.gql(GET, { id: 'x' }))).toEqual(MISSING);
    expect(refusal(await t.gql(START, { input: PEOPLE.zhang }))).toEqual(MISSING);
  });

  it('a malformed, forged or expired user token: "this token is not valid or has expired"', async () => {
    const token = await t.signIn('o_messages_user');
    expect(refusal(await t.gql(GET, { id: 'x' }, token))).toMatchObject({ code: 'NOT_FOUND' });
    expect(refusal(await t.gql(GET, { id: 'x' }, 'not.a.token'))).toEqual(BAD_TOKEN);
    expect(refusal(await t.gql(START, { input: PEOPLE.zhang }, `${token.slice(0, -2)}xx`))).toEqual(
      BAD_TOKEN,
    );
    t.clock.advance(3 * 60 * 60 * 1000);
    expect(refusal(await t.gql(GET, { id: 'x' }, token))).toEqual(BAD_TOKEN);
  });

  it('an unknown or revoked API key, as Bearer or X-API-Key: "unknown or revoked API key"', async () => {
    const key = await t.createApiKey(['verifications:read']);
    expect((await t.gql(STATUS, { openid: 'o_x' }, key)).body.errors).toBeUndefined();
    const unknown = `fgk_${'0'.repeat(12)}_${'A'.repeat(43)}`;
    expect(refusal(await t.gql(STATUS, { openid: 'o_x' }, unknown))).toEqual(BAD_KEY);
    expect(refusal(await t.gql(STATUS, { openid: 'o_x' }, 'fgk_short'))).toEqual(BAD_KEY);

    await t.container.resolve(TOKENS.ApiKeys).revoke(key.slice(4, 16));
    expect(refusal(await t.gql(STATUS, { openid: 'o_x' }, key))).toEqual(BAD_KEY);
    const viaHeader = await t.gateway.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ query: STATUS, variables: { openid: 'o_x' } }),
    });
    expect(
      refusal({ status: viaHeader.status, headers: viaHeader.headers, body: await viaHeader.json() }),
    ).toEqual(BAD_KEY);
  });
});
