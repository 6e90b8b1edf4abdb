import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { describe, expect, it } from '@jest/globals';
import { AllExceptionsFilter } from './all-exceptions.filter.js';
import { AppError } from './app-error.js';
import { ErrorCode } from './error-code.js';

const filter = new AllExceptionsFilter();

describe('AllExceptionsFilter.toResponse', () => {
  it('maps an AppError to its status, code and details', () => {
    const error = new AppError(ErrorCode.VALIDATION_FAILED, 'The request is invalid: check title.', [
      { field: 'title', message: 'too long' },
    ]);
    expect(filter.toResponse(error, 'r1')).toEqual([
      400,
      {
        error: 'The request is invalid: check title.',
        code: 'VALIDATION_FAILED',
        details: [{ field: 'title', message: 'too long' }],
      },
    ]);
  });

  it('hides the details of unexpected errors behind a generic sentence and the request id', () => {
    expect(filter.toResponse(new Error('password=hunter2 in a stack'), 'r2')).toEqual([
      500,
      { error: 'Internal server error', code: 'INTERNAL_ERROR', requestId: 'r2' },
    ]);
  });

  it("never echoes the router's path in a 404", () => {
    expect(filter.toResponse(new NotFoundException('Cannot GET /api/v1/s3cret'), 'r3', '/api/v1/s3cret')).toEqual([
      404,
      { error: 'Not found', code: 'NOT_FOUND' },
    ]);
    // Outside the admin API, the body is the Omnichannel protocol's row 1, exactly.
    expect(filter.toResponse(new NotFoundException('Cannot POST /s3cret/bot_api'), 'r3', '/s3cret/bot_api')).toEqual([
      404,
      { error: 'Not found' },
    ]);
  });

  it("reads body-parser's error behind Express's wrapper", () => {
    const parseError = Object.assign(new SyntaxError('Unexpected token'), { type: 'entity.parse.failed', status: 400 });
    expect(filter.toResponse(new BadRequestException('Unexpected token', { cause: parseError }), 'r4')).toEqual([
      400,
      { error: 'The request body is not valid JSON.', code: 'MALFORMED_JSON' },
    ]);
    const tooLarge = Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413 });
    expect(filter.toResponse(new HttpException('request entity too large', 413, { cause: tooLarge }), 'r5')).toEqual([
      413,
      { error: 'The request body is too large.', code: 'PAYLOAD_TOO_LARGE' },
    ]);
  });

  it('answers a path parameter the router could not decode as an unknown path, without echoing it', () => {
    const undecodable = Object.assign(new URIError("Failed to decode param '%ED%A0%BD'"), { status: 400 });
    const wrapped = new BadRequestException(undecodable.message, { cause: undecodable });
    expect(filter.toResponse(wrapped, 'r7', '/api/v1/channels/%ED%A0%BD')).toEqual([
      404,
      { error: 'Not found', code: 'NOT_FOUND' },
    ]);
    expect(filter.toResponse(wrapped, 'r7', '/x/%ED%A0%BD')).toEqual([404, { error: 'Not found' }]);
  });

  it('keeps the message of other HTTP exceptions', () => {
    expect(filter.toResponse(new HttpException('Slow down', 429), 'r6')).toEqual([
      429,
      { error: 'Slow down', code: 'TOO_MANY_REQUESTS' },
    ]);
  });
});
