import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { readBody } from './request-body.js';

function fakeRequest(
  headers: Record<string, string> = {},
  socket: { errored: Error | null } = { errored: null },
): PassThrough & { headers: Record<string, string>; complete: boolean; socket: { errored: Error | null } } {
  return Object.assign(new PassThrough(), { headers, complete: false, socket });
}

describe('readBody', () => {
  it('reads a body within the limit', async () => {
    const req = fakeRequest();
    const body = readBody(req as unknown as IncomingMessage, 10);
    req.end('{"a":1}');
    expect(await body).toBe('{"a":1}');
  });

  it('refuses a declared Content-Length over the limit without reading', async () => {
    expect(await readBody(fakeRequest({ 'content-length': '11' }) as unknown as IncomingMessage, 10)).toBeNull();
  });

  it('stops at the limit when the body streams in without a length', async () => {
    const req = fakeRequest();
    const body = readBody(req as unknown as IncomingMessage, 10);
    req.write('123456');
    req.write('789012');
    expect(await body).toBeNull();
  });

  it('rejects when the client goes away mid-body', async () => {
    const req = fakeRequest();
    const body = readBody(req as unknown as IncomingMessage, 10);
    req.write('12');
    req.destroy();
    await expect(body).rejects.toThrow('closed the connection');
  });

  it("says so when the server's request deadline cut the body off", async () => {
    const socket = { errored: null as Error | null };
    const req = fakeRequest({}, socket);
    const body = readBody(req as unknown as IncomingMessage, 10);
    req.write('12');
    socket.errored = Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
    req.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    await expect(body).rejects.toThrow('did not arrive in full before the request deadline');
  });
});
