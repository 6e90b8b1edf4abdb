import { Injectable, type NestMiddleware } from '@nestjs/common';
import { identifyCaller } from './auth.guards.js';
import type { AuthenticatedRequest } from './caller.js';
import { TenantsService } from './tenants.service.js';

/** A Content-Length above 0, or a chunked body. */
function announcesBody(request: AuthenticatedRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Mounted on /api ahead of the admin JSON parser: a request that brings a body is authenticated before a byte of it is
 * read, and an unknown caller is answered 401 with the body unread. Otherwise anyone could make the service hold an
 * admin body (up to its 256 KiB limit) for as long as they trickle it. Requests without a body are left to the guards,
 * so an unknown path still answers 404.
 */
@Injectable()
export class AuthenticateFirstMiddleware implements NestMiddleware<AuthenticatedRequest, unknown> {
  constructor(private readonly tenants: TenantsService) {}

  use(request: AuthenticatedRequest, _response: unknown, next: (error?: unknown) => void): void {
    if (!announcesBody(request)) return next();
    identifyCaller(request, this.tenants).then(() => next(), next);
  }
}
