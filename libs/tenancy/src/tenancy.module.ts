import { Module } from '@nestjs/common';
import { OperatorGuard, TenantGuard } from './auth.guards.js';
import { AuthenticateFirstMiddleware } from './authenticate-first.middleware.js';
import { TenantsController } from './tenants.controller.js';
import { TenantsRepository } from './tenants.repository.js';
import { TenantsService } from './tenants.service.js';

@Module({
  controllers: [TenantsController],
  providers: [TenantsRepository, TenantsService, OperatorGuard, TenantGuard, AuthenticateFirstMiddleware],
  exports: [TenantsService, OperatorGuard, TenantGuard, AuthenticateFirstMiddleware],
})
export class TenancyModule {}
