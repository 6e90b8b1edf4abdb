import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import {
  MetricsService,
  ROOT_LOGGER,
  SpanKind,
  Tracing,
  assignRequestId,
  logLevelForStatus,
  redactRequestUrl,
  redactWebhookToken,
} from '#common';
import { INTERNAL_ERROR, NOT_FOUND, type InboundAnswer } from './inbound-responses.js';
import { InboundService } from './inbound.service.js';

export const WEBHOOK_ROUTE = '/:token/bot_api_webhook';
const WEBHOOK_PATH = /^\/([^/?#]+)\/bot_api_webhook(?:\?.*)?$/;

/**
 * `POST /{token}/bot_api_webhook`, served straight from the HTTP server, ahead of Express and Nest's router:
 * this route carries all client traffic, parses its own body (the status table fixes the order of checks), and
 * keeps only what it needs of the stack: a request id, one log line with the route template, and the metrics.
 */
@Injectable()
export class WebhookHandler {
  constructor(
    private readonly inbound: InboundService,
    private readonly metrics: MetricsService,
    private readonly tracing: Tracing,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** Takes the request when its path is the webhook's; false leaves it to Express. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const match = WEBHOOK_PATH.exec(req.url ?? '');
    if (!match) return false;
    // A trace per request (tracing on): it continues the client server's W3C traceparent when it sent one.
    this.tracing
      .span(
        `${req.method ?? 'POST'} ${WEBHOOK_ROUTE}`,
        {
          kind: SpanKind.SERVER,
          parent: { headers: req.headers },
          attributes: { 'http.request.method': req.method ?? 'POST', 'http.route': WEBHOOK_ROUTE },
        },
        async (span) => {
          const answer = await this.serve(decodeSegment(match[1]), req, res);
          span.setAttributes({ 'http.response.status_code': answer.status });
          if (answer.status >= 500) span.fail(String((answer.body as { error?: unknown }).error ?? answer.status));
        },
      )
      .catch((error: unknown) => {
        this.logger.error({ err: error }, 'Inbound webhook response failed');
        res.destroy();
      });
    return true;
  }

  private async serve(token: string, req: IncomingMessage, res: ServerResponse): Promise<InboundAnswer> {
    const started = performance.now();
    const id = assignRequestId(req, res);
    let answer: InboundAnswer;
    try {
      answer = req.method === 'POST' ? await this.inbound.receive(token, req) : NOT_FOUND;
    } catch (error) {
      this.logger.error({ err: error, req: { id } }, 'Inbound webhook failed');
      answer = INTERNAL_ERROR;
    }
    // The server's request deadline may have answered 408 and closed already; a client that went away hears nothing.
    if (!res.headersSent && !res.destroyed) this.write(res, answer);
    this.metrics.observeHttp(req.method ?? 'POST', WEBHOOK_ROUTE, answer.status, started);
    // Rows 4 and 8 answer 500 because the protocol says so, but the fault is the client's: warn, like a 4xx.
    // Only row 12, a failure of ours, is an error.
    const level = answer.quiet
      ? 'debug'
      : answer === INTERNAL_ERROR
        ? 'error'
        : logLevelForStatus(Math.min(answer.status, 499));
    if (this.logger.isLevelEnabled(level)) {
      this.logger[level](
        {
          req: { id, method: req.method, url: redactRequestUrl(redactWebhookToken(req.url ?? '')) },
          route: WEBHOOK_ROUTE,
          res: { statusCode: answer.status },
          ...(answer.reason === undefined ? {} : { reason: answer.reason }),
          responseTime: Math.round(performance.now() - started),
        },
        'request completed',
      );
    }
    return answer;
  }

  private write(res: ServerResponse, answer: InboundAnswer): void {
    const body = JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      ...answer.headers,
      // A body over the limit was not read to its end: close rather than read the rest.
      ...(answer.status === 413 ? { connection: 'close' } : {}),
    });
    res.end(body);
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The route for the OpenAPI document: it is served outside Nest's router, so Swagger cannot find it. */
export const WEBHOOK_OPENAPI_PATH = {
  '/{token}/bot_api_webhook': {
    post: {
      operationId: 'WebhookHandler_handle',
      tags: ['omnichannel (client servers)'],
      summary:
        'A visitor event from a client server. Statuses and bodies follow the status table of docs/protocol.md (section 1), in its order.',
      parameters: [
        {
          name: 'token',
          in: 'path',
          required: true,
          description: 'The channel token from platformWebhookUrl.',
          schema: { type: 'string' },
        },
      ],
      // No bearer token: the channel token in the path (and, on a channel that requires signed webhooks, the
      // webhook-signature headers) authenticates the client server.
      security: [],
      requestBody: {
        content: {
          'application/json': {
            example: {
              event: 'new_message',
              chat_id: 1042,
              visitor: { id: 'v-77', fields: { name: 'Ann', email: 'ann@example.com' } },
              message: { id: 'm-1', kind: 'visitor', text: 'Hello' },
            },
          },
        },
      },
      responses: {
        200: {
          description: 'Accepted, a duplicate, or ignored.',
          content: { 'application/json': { example: { result: 'ok' } } },
        },
        400: {
          description: 'No active channel, or a required parameter is missing.',
          content: { 'application/json': { example: { error: 'There is no active channel for received event.' } } },
        },
        401: {
          description:
            'The channel requires signed webhooks and the post is not signed, or not signed with its signing secret (row 2b); nothing was stored.',
          content: {
            'application/json': {
              example: { error: "The webhook-signature does not match the body with the channel's signing secret." },
            },
          },
        },
        429: {
          description:
            'The channel is over its inbound rate limit (row 2a, decided right after row 2); nothing was stored. Post again after Retry-After seconds.',
          headers: {
            'Retry-After': { schema: { type: 'integer' }, description: 'Seconds until a post is taken again.' },
          },
          content: {
            'application/json': {
              example: {
                error:
                  'Too many requests for this channel: the limit is 100 messages per second with bursts of 500. Retry after 1 s.',
              },
            },
          },
        },
        413: {
          description: 'Body larger than 1 MiB.',
          content: { 'application/json': { example: { error: 'Request body is larger than 1 MiB' } } },
        },
        500: {
          description: 'Invalid JSON, malformed content, or an internal error.',
          content: { 'application/json': { example: { error: 'Invalid JSON in request body' } } },
        },
      },
    },
  },
};
