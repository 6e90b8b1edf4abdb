export { TenancyModule } from './tenancy.module.js';
export { TenantEntity } from './tenant.entity.js';
export { ApiKeyEntity } from './api-key.entity.js';
export { TenantGuard, OperatorGuard, TenantId } from './auth.guards.js';
export { TenantsService, isUuid } from './tenants.service.js';
export type { Caller } from './caller.js';
