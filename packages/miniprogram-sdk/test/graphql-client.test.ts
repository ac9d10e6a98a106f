import { describe, expect, it } from 'vitest';
import { GatewayProtocolError, GatewayRequestError, GraphQLClient } from '../src/lib/graphql-client';
import { GET_VERIFICATION, SIGN_IN } from '../src/lib/graphql-operations';
import { NetworkError } from '../src/lib/wx-async';
import { fakeTransport, gqlError, ok } from './support/fake-transport';

const URL = 'https://gateway.test/graphql';
const clientWith = (wx: ReturnType<typeof fakeTransport>) => new GraphQLClient({ wx, url: () => URL });

describe('GraphQLClient over wx.request', () => {
  it('POSTs the operation as JSON with the bearer token and returns data', async () => {
    const wx = fakeTransport([ok({ verification: null })]);
    const data = await clientWith(wx).execute(GET_VERIFICATION, { id: 'v1' }, 'tok-1');
    expect(data).toEqual({ verification: null });
    const [sent] = wx.requests;
    expect(sent?.options.url).toBe(URL);
    expect(sent?.options.method).toBe('POST');
    expect(sent?.options.header?.authorization).toBe('Bearer tok-1');
    expect(sent?.options.header?.['content-type']).toBe('application/json');
    expect(sent?.options.header?.['x-facegate-client']).toBe('miniprogram');
    expect(sent?.body).toMatchObject({ operationName: 'GetVerification', variables: { id: 'v1' } });
    expect(sent?.body.query).toContain('verification(id: $id)');
  });

  it('sends no authorization header before sign-in', async () => {
    const wx = fakeTransport([ok({ signIn: { token: 't', expiresAt: '2030-01-01T00:00:00Z' } })]);
    await clientWith(wx).execute(SIGN_IN, { code: 'c' }, null);
    expect(wx.requests[0]?.options.header?.authorization).toBeUndefined();
  });

  it('accepts a body wx did not parse (string)', async () => {
    const wx = fakeTransport([{ statusCode: 200, data: JSON.stringify({ data: { verification: null } }) }]);
    await expect(clientWith(wx).execute(GET_VERIFICATION, { id: 'v1' }, 't')).resolves.toEqual({
      verification: null,
    });
  });

  it('turns a GraphQL error into a GatewayRequestError with its code and field', async () => {
    const wx = fakeTransport([gqlError('BAD_USER_INPUT', 'bad protocol', { field: 'protocol' })]);
    const error = await clientWith(wx)
      .execute(GET_VERIFICATION, { id: 'v1' }, 't')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayRequestError);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'protocol' });
  });

  it('treats a masked error without a code as INTERNAL', async () => {
    const wx = fakeTransport([
      { statusCode: 200, data: { data: null, errors: [{ message: 'Unexpected error.' }] } },
    ]);
    await expect(clientWith(wx).execute(GET_VERIFICATION, { id: 'v1' }, 't')).rejects.toMatchObject({
      code: 'INTERNAL',
    });
  });

  it('reports wx.request fail (offline, timeout) as a NetworkError', async () => {
    const wx = fakeTransport([{ fail: 'request:fail timeout' }]);
    const error = await clientWith(wx)
      .execute(GET_VERIFICATION, { id: 'v1' }, 't')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).errMsg).toBe('request:fail timeout');
  });

  it('reports a proxy 502 page as a NetworkError and another non-GraphQL answer as a protocol error', async () => {
    const wx = fakeTransport([
      { statusCode: 502, data: '<html>Bad Gateway</html>' },
      { statusCode: 404, data: 'not found' },
    ]);
    const client = clientWith(wx);
    await expect(client.execute(GET_VERIFICATION, { id: 'v1' }, 't')).rejects.toBeInstanceOf(NetworkError);
    await expect(client.execute(GET_VERIFICATION, { id: 'v1' }, 't')).rejects.toBeInstanceOf(
      GatewayProtocolError,
    );
  });
});
