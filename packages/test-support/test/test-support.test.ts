import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listenOnLoopback, occupiedPort, portOf, runProcess, startProcess, waitFor } from '../src/index';

const node = (script: string) => [process.execPath, ['-e', script]] as const;

describe('waitFor', () => {
  it('resolves with the first truthy value the check returns', async () => {
    let calls = 0;
    await expect(waitFor('the third call', () => ++calls >= 3 && calls, { intervalMs: 1 })).resolves.toBe(3);
    await expect(waitFor('an async check', async () => 'done')).resolves.toBe('done');
  });

  it('times out with what it waited for, and the detail', async () => {
    await expect(
      waitFor('Godot', () => false, { timeoutMs: 50, intervalMs: 5, detail: () => 'still no one' }),
    ).rejects.toThrow('timed out after 50 ms waiting for Godot\nstill no one');
  });

  it('ends at once with the error of a check that throws', async () => {
    const started = Date.now();
    await expect(
      waitFor('a broken check', () => {
        throw new TypeError('broken');
      }),
    ).rejects.toThrow(new TypeError('broken'));
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('child processes', () => {
  it('runs a program to completion with a clean environment and its output', async () => {
    const result = await runProcess(
      ...node(
        'console.log(process.env.ASKED, process.env.VITEST ?? "none"); console.error("e"); process.exit(3)',
      ),
      { env: { ASKED: 'yes' } },
    );
    expect(result).toMatchObject({ code: 3, stdout: 'yes none\n', stderr: 'e\n' });
  });

  it('kills a program that outlives its timeout, and says so', async () => {
    await expect(runProcess(...node('setInterval(() => {}, 1000)'), { timeoutMs: 300 })).rejects.toThrow(
      /timed out after 300 ms/,
    );
  });

  it('waits for a line printed later, on either stream, and stops the process', async () => {
    const started = startProcess(
      ...node(
        'setTimeout(() => console.error("listening on http://127.0.0.1:1234"), 50); setInterval(() => {}, 1000)',
      ),
    );
    const [, url] = await started.waitForOutput(/listening on (\S+)/);
    expect(url).toBe('http://127.0.0.1:1234');
    expect(await started.stop('SIGKILL')).toBeNull();
    expect((await started.exited).signal).toBe('SIGKILL');
  });

  it('rejects the wait when the process ends without printing the line, with what it printed', async () => {
    const started = startProcess(...node('console.log("configuration error"); process.exit(2)'));
    await expect(started.waitForOutput(/listening/)).rejects.toThrow(
      /exited \(code 2, signal null\) before printing \/listening\/; output:\nconfiguration error/,
    );
    // and a wait begun after the end says the same at once
    await expect(started.waitForOutput(/listening/)).rejects.toThrow(/ended before printing/);
  });
});

describe('ports', () => {
  it('listens at a port of the system’s choosing and names it', async () => {
    const server = createServer();
    const url = await listenOnLoopback(server);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(portOf(url)).toBeGreaterThan(0);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('holds an occupied port: nobody else can listen there until it is released', async () => {
    const held = await occupiedPort();
    const other = createServer();
    const refused = await new Promise<NodeJS.ErrnoException>((resolve) => {
      other.once('error', resolve);
      other.listen(held.port, '127.0.0.1');
    });
    expect(refused.code).toBe('EADDRINUSE');
    await held.release();
  });
});
