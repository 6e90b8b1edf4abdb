import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { readBody } from './request-body.js';

function fakeRequest(
  headers: Record<string, string> = {},
): PassThrough & { headers: Record<string, string>; complete: boolean } {
  return Object.assign(new PassThrough(), { headers, complete: false });
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
});
