import { Injectable, createParamDecorator, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { AppError, ErrorCode } from '#common';
import type { AuthenticatedRequest, Caller } from './caller.js';
import { TenantsService } from './tenants.service.js';

async function authenticate(context: ExecutionContext, tenants: TenantsService): Promise<Caller> {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  const header = request.headers.authorization;
  const caller = await tenants.identify(Array.isArray(header) ? header[0] : header);
  if (!caller)
    throw new AppError(ErrorCode.UNAUTHORIZED, 'Missing or invalid credentials: send Authorization: Bearer <token>.');
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
    const caller = await authenticate(context, this.tenants);
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
