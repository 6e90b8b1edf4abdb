import type { IncomingMessage } from 'node:http';

export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/**
 * Why a body stopped short. The HTTP server's request deadline (HTTP_REQUEST_TIMEOUT_MS) closes a connection whose
 * request has not arrived in full, which looks to the reader like the client going away: the socket's error tells.
 */
export function incompleteBodyError(req: IncomingMessage, cause?: Error): IncompleteBody {
  const reason = (req.socket?.errored as NodeJS.ErrnoException | null | undefined)?.code;
  return reason === 'ERR_HTTP_REQUEST_TIMEOUT'
    ? new IncompleteBody(
        'The request body did not arrive in full before the request deadline (HTTP_REQUEST_TIMEOUT_MS)',
        {
          cause,
        },
      )
    : new IncompleteBody('The client closed the connection before the body was complete', { cause });
}

/** The body stopped short: the client's doing (it went away, or missed the deadline), not a failure of ours. */
export class IncompleteBody extends Error {
  override readonly name = 'IncompleteBody';
}

/** Reads the raw body up to `limit` bytes; `null` when it is larger (Content-Length is trusted first). */
export function readBody(req: IncomingMessage, limit = WEBHOOK_BODY_LIMIT): Promise<string | null> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(req.complete ? error : incompleteBodyError(req, error));
    };
    // A client that goes away mid-body never sends 'end'.
    const onClose = (): void => {
      if (req.complete) return;
      cleanup();
      reject(incompleteBodyError(req));
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
