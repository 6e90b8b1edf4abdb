export interface BoundedRead {
  /** At most the limit's worth of bytes, from the start of the body. */
  bytes: Buffer;
  /** True when the body ended within the limit. */
  complete: boolean;
  /** Why the body stopped early (reset, timeout, a corrupt compressed stream), if it did. */
  error?: unknown;
}

/**
 * Reads at most `maxBytes` of a body (a Node stream or a web ReadableStream, already decompressed), then stops:
 * leaving the loop destroys or cancels the stream, so a peer that sends gigabytes, or a gzip bomb that inflates to
 * them, costs no more than `maxBytes` of memory and inflating.
 */
export async function readAtMost(
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  maxBytes: number,
): Promise<BoundedRead> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      if (size + bytes.length > maxBytes) {
        chunks.push(bytes.subarray(0, maxBytes - size));
        return { bytes: Buffer.concat(chunks), complete: false };
      }
      chunks.push(bytes);
      size += bytes.length;
    }
  } catch (error) {
    return { bytes: Buffer.concat(chunks), complete: false, error };
  }
  return { bytes: Buffer.concat(chunks), complete: true };
}
