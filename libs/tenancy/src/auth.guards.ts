import { Injectable, createParamDecorator, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { AppError, ErrorCode } from '#common';
import type { AuthenticatedRequest, Caller } from './caller.js';
import { TenantsService } from './tenants.service.js';

const UNAUTHORIZED_MESSAGE = 'Missing or invalid credentials: send Authorization: Bearer <token>.';

/** Who sent `request`, found once per request (AuthenticateFirstMiddleware may have done it already); 401 if nobody. */
export async function identifyCaller(request: AuthenticatedRequest, tenants: TenantsService): Promise<Caller> {
  if (request.caller) return request.caller;
  const header = request.headers.authorization;
  const caller = await tenants.identify(Array.isArray(header) ? header[0] : header);
  if (!caller) throw new AppError(ErrorCode.UNAUTHORIZED, UNAUTHORIZED_MESSAGE);
  request.caller = caller;
  return caller;
}

/** Lets through only callers of one kind: any other known caller is 403, an unknown one 401. */
@Injectable()
abstract class CallerKindGuard implements CanActivate {
  protected abstract readonly kind: Caller['kind'];
  protected abstract readonly refusal: string;

  constructor(private readonly tenants: TenantsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const caller = await identifyCaller(context.switchToHttp().getRequest<AuthenticatedRequest>(), this.tenants);
    if (caller.kind !== this.kind) throw new AppError(ErrorCode.FORBIDDEN, this.refusal);
    return true;
  }
}

/** Operator routes: the PLATFORM_ADMIN_TOKEN only. */
@Injectable()
export class OperatorGuard extends CallerKindGuard {
  protected readonly kind = 'operator';
  protected readonly refusal = 'This route is for the platform operator; a tenant API key cannot use it.';
}

/** Tenant routes: a tenant API key only. */
@Injectable()
export class TenantGuard extends CallerKindGuard {
  protected readonly kind = 'tenant';
  protected readonly refusal = 'This route is for tenants; the operator token cannot use it.';
}

/** The calling tenant's id, set by TenantGuard. */
export const TenantId = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const caller = context.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  if (caller?.kind !== 'tenant') throw new Error('TenantId used on a route without TenantGuard');
  return caller.tenantId;
});
