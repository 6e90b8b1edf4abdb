import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { ReadableStream } from 'node:stream/web';
import { createGunzip, gzipSync } from 'node:zlib';
import { readAtMost } from './bounded-read.js';

const KIB = 1024;

describe('readAtMost', () => {
  it('reads a body that fits whole', async () => {
    const read = await readAtMost(Readable.from([Buffer.from('{"ok":'), Buffer.from('true}')]), 64);
    expect(read).toEqual({ bytes: Buffer.from('{"ok":true}'), complete: true });
    expect(await readAtMost([], 64)).toEqual({ bytes: Buffer.alloc(0), complete: true });
  });

  it('a body of exactly the limit is complete; one byte more is not', async () => {
    expect((await readAtMost(Readable.from([Buffer.alloc(8)]), 8)).complete).toBe(true);
    const over = await readAtMost(Readable.from([Buffer.alloc(5), Buffer.alloc(4)]), 8);
    expect(over).toEqual({ bytes: Buffer.alloc(8), complete: false });
  });

  it('stops inflating a gzip bomb at the limit and destroys the stream', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * KIB));
    const inflating = Readable.from([bomb]).pipe(createGunzip());
    const read = await readAtMost(inflating, 64 * KIB);
    expect(read.bytes).toHaveLength(64 * KIB);
    expect(read.complete).toBe(false);
    expect(inflating.destroyed).toBe(true);
  });

  it('keeps what arrived when the body breaks off', async () => {
    const broken = new Readable({ read() {} });
    broken.push(Buffer.from('partial'));
    setTimeout(() => broken.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })), 5);
    const read = await readAtMost(broken, 64);
    expect(read).toMatchObject({ bytes: Buffer.from('partial'), complete: false, error: { code: 'ECONNRESET' } });
  });

  it('cancels a web stream (fetch) it stops reading', async () => {
    let pulls = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls += 1;
        controller.enqueue(new Uint8Array(KIB).fill(65));
      },
      cancel() {
        cancelled = true;
      },
    });
    const read = await readAtMost(endless, 3 * KIB + 1);
    expect(read.bytes.toString()).toBe('A'.repeat(3 * KIB + 1));
    expect(read.complete).toBe(false);
    expect(cancelled).toBe(true);
    expect(pulls).toBeLessThan(10);
  });
});
