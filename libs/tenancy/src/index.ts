export { TenancyModule } from './tenancy.module.js';
export { TenantEntity } from './tenant.entity.js';
export { ApiKeyEntity } from './api-key.entity.js';
export { TenantGuard, OperatorGuard, TenantId } from './auth.guards.js';
export { AuthenticateFirstMiddleware } from './authenticate-first.middleware.js';
export { TenantsService, isUuid, tenantNotFound } from './tenants.service.js';
export type { Caller } from './caller.js';
