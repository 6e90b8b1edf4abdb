import { describe, expect, it } from '@jest/globals';
import { Coalescer } from './coalescer.js';

describe('Coalescer', () => {
  it('runs calls made in one turn as one batch and hands each caller its own result', async () => {
    const batches: number[][] = [];
    const doubler = new Coalescer<number, number>(async (items) => {
      batches.push(items);
      return items.map((item) => item * 2);
    });
    expect(await Promise.all([1, 2, 3].map((n) => doubler.push(n)))).toEqual([2, 4, 6]);
    expect(await doubler.push(5)).toBe(10);
    expect(batches).toEqual([[1, 2, 3], [5]]);
  });

  it('waits the window for company, and never past the largest batch', async () => {
    const batches: number[][] = [];
    const coalescer = new Coalescer<number, null>(async (items) => (batches.push(items), items.map(() => null)), 20, 3);
    const first = coalescer.push(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await Promise.all([first, coalescer.push(2), coalescer.push(3), coalescer.push(4)]);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('rejects every caller of a failed batch, and carries on', async () => {
    let fail = true;
    const coalescer = new Coalescer<number, number>(async (items) => {
      if (fail) throw new Error('database down');
      return items;
    });
    const results = await Promise.allSettled([coalescer.push(1), coalescer.push(2)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await coalescer.push(3)).toBe(3);
  });
});
