import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError, type ErrorBody } from './app-error.js';
import { ErrorCode, codeForStatus } from './error-code.js';

interface BodyParserError {
  type: string;
  status: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as BodyParserError).type === 'string' &&
    typeof (error as BodyParserError).status === 'number'
  );
}

const BODY_PARSER_MESSAGES: Readonly<Record<string, [ErrorCode, string]>> = {
  'entity.parse.failed': [ErrorCode.MALFORMED_JSON, 'The request body is not valid JSON.'],
  'entity.too.large': [ErrorCode.PAYLOAD_TOO_LARGE, 'The request body is too large.'],
  'encoding.unsupported': [ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'The request body encoding is not supported.'],
  'charset.unsupported': [ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'The request body charset is not supported.'],
};

/** Maps every failure to `{"error","code"}`; a 500 shows a generic sentence and the request id, the log gets the rest. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request & { id?: string }>();
    const response = http.getResponse<Response>();
    const [status, body] = this.toResponse(exception, request.id, request.path);
    // A readiness probe answered 503 is the signal, not a fault of the request: the outage is told once elsewhere.
    const notReady = exception instanceof AppError && exception.code === ErrorCode.NOT_READY;
    if (status >= 500 && !notReady) {
      this.logger.error({ err: exception, requestId: request.id, status }, 'Request failed');
    }
    if (response.headersSent) return;
    response.status(status).json(body);
  }

  toResponse(exception: unknown, requestId: string | undefined, path = '/'): [number, ErrorBody] {
    if (exception instanceof AppError) {
      return [exception.status, exception.status >= 500 ? { ...exception.toBody(), requestId } : exception.toBody()];
    }
    // Express wraps body-parser's errors in an HttpException; the original says what was wrong.
    const parserError = exception instanceof HttpException ? exception.cause : exception;
    if (isBodyParserError(parserError) && parserError.status < 500) {
      const [code, message] = BODY_PARSER_MESSAGES[parserError.type] ?? [
        codeForStatus(parserError.status),
        'The request body could not be read.',
      ];
      return [parserError.status, { error: message, code }];
    }
    // The router could not percent-decode a path parameter (`%ED%A0%BD`, `%C0%80`): such a path names nothing, so it
    // is answered as an unknown path is, without echoing it.
    if (exception instanceof HttpException && exception.cause instanceof URIError)
      return path.startsWith('/api/')
        ? [404, { error: 'Not found', code: ErrorCode.NOT_FOUND }]
        : [404, { error: 'Not found' }];
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // Outside the admin API, an unknown path answers as the Omnichannel protocol documents (row 1).
      if (status === 404 && !path.startsWith('/api/') && messageOf(exception) === 'Not found')
        return [404, { error: 'Not found' }];
      if (status >= 500) return [status, { error: 'Internal server error', code: codeForStatus(status), requestId }];
      return [status, { error: messageOf(exception), code: codeForStatus(status) }];
    }
    return [500, { error: 'Internal server error', code: ErrorCode.INTERNAL_ERROR, requestId }];
  }
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  const text = typeof message === 'string' ? message : exception.message;
  // The router's 404 says "Cannot GET /<path>": the path may hold a channel token, so it is never echoed.
  return /^Cannot [A-Z]+ /.test(text) ? 'Not found' : text;
}
