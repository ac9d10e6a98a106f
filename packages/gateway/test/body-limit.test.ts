import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/test-gateway';

/** Writes raw HTTP and resolves with what the server answered (the socket's whole output). */
function exchange(port: number, head: string, body: string[], opts: { waitForAnswerFirst?: boolean } = {}) {
  return new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('error', (error) => (answer === '' ? reject(error) : resolve(answer)));
    socket.on('close', () => resolve(answer));
    socket.write(head);
    if (opts.waitForAnswerFirst) return;
    for (const part of body) socket.write(part);
    socket.end();
  });
}

describe('request body limit over real HTTP (FACEGATE_MAX_BODY_BYTES)', () => {
  let t: TestGateway;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    t = await startTestGateway({
      database: 'pglite',
      env: { NODE_ENV: 'production', FACEGATE_MAX_BODY_BYTES: '4096' },
    });
    server = createServer(t.gateway);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await t?.close();
  });

  it('refuses a declared Content-Length over the limit with 413 before the body is sent', async () => {
    // the body never comes: the answer can only be based on the header
    const answer = await exchange(
      port,
      'POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 10000000\r\nconnection: close\r\n\r\n',
      [],
      { waitForAnswerFirst: true },
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('"code":"REQUEST_ENTITY_TOO_LARGE"');
  });

  it('counts a chunked body while reading it and cuts it at the limit with 413', async () => {
    const chunk = `${'['.repeat(1024)}`;
    const parts = Array.from({ length: 8 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    const answer = await exchange(
      port,
      'POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n',
      [...parts, '0\r\n\r\n'],
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('"code":"REQUEST_ENTITY_TOO_LARGE"');
  });

  it('answers a chunked body under the limit and one with a Content-Length at the limit', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    const chunked = await exchange(
      port,
      'POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n',
      [`${body.length.toString(16)}\r\n${body}\r\n`, '0\r\n\r\n'],
    );
    expect(chunked).toMatch(/^HTTP\/1\.1 200 /);
    expect(chunked).toContain('"__typename":"Query"');
    const padded = JSON.stringify({ query: '{ __typename }', variables: { pad: '' } });
    const exact = padded.replace('"pad":""', `"pad":"${'x'.repeat(4096 - padded.length)}"`);
    expect(Buffer.byteLength(exact)).toBe(4096);
    const declared = await exchange(
      port,
      `POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 4096\r\nconnection: close\r\n\r\n`,
      [exact],
    );
    expect(declared).toMatch(/^HTTP\/1\.1 200 /);
  });
});
