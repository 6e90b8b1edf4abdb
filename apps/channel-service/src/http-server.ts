import { createServer } from 'node:http';
import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { AppConfig } from '#common';

/**
 * How often Node looks for requests past their deadline. Its default (30 s) would let a request run up to 30 s past
 * it; checking every second keeps each deadline within a second.
 */
export const DEADLINE_CHECK_MS = 1_000;

/**
 * Express on an HTTP server that enforces Node's own request deadlines: the headers within HTTP_HEADERS_TIMEOUT_MS and
 * the whole request, body included, within HTTP_REQUEST_TIMEOUT_MS; past either, Node answers 408 and closes the
 * connection. They cover every route on the server, the inbound webhook (served ahead of Express) included, and they
 * stop at the end of the request: the time spent answering it (activation checks, say) does not count.
 */
export class ExpressAdapterWithDeadlines extends ExpressAdapter {
  constructor(private readonly config: AppConfig) {
    super();
  }

  // Nest's own creates the server without options. It would also honour the options below, which createApp does not
  // use; refusing them keeps a later change from losing them silently.
  override initHttpServer(options: NestApplicationOptions): void {
    if (options.httpsOptions || options.forceCloseConnections || options.return503OnClosing)
      throw new Error(
        'ExpressAdapterWithDeadlines does not support httpsOptions, forceCloseConnections or return503OnClosing',
      );
    this.setHttpServer(
      createServer(
        {
          headersTimeout: this.config.httpHeadersTimeoutMs,
          requestTimeout: this.config.httpRequestTimeoutMs,
          connectionsCheckingInterval: DEADLINE_CHECK_MS,
        },
        this.getInstance(),
      ),
    );
  }
}
