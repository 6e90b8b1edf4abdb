import { Body, Controller, Delete, Get, HttpCode, Patch, Post, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors, PathId, UNAUTHORIZED_DOC, type DocumentedError } from '#common';
import { OperatorGuard } from './auth.guards.js';
import {
  ApiKeyDto,
  ApiKeySummaryDto,
  CreateTenantDto,
  CreatedTenantDto,
  TenantDto,
  UpdateTenantDto,
} from './tenants.dto.js';
import { TenantsService, apiKeyNotFound, isUuid, tenantNotFound } from './tenants.service.js';

const OPERATOR_ONLY: DocumentedError = [
  403,
  'FORBIDDEN',
  'This route is for the platform operator; a tenant API key cannot use it.',
];

@ApiTags('tenants (operator)')
@ApiBearerAuth()
@ApiErrors(UNAUTHORIZED_DOC, OPERATOR_ONLY)
@UseGuards(OperatorGuard)
@Controller('api/v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a tenant and its first API key (shown only in this response).' })
  @ApiCreatedResponse({ type: CreatedTenantDto })
  @ApiErrors([
    400,
    'VALIDATION_FAILED',
    'The request is invalid: check name.',
    [{ field: 'name', message: 'name must be longer than or equal to 1 characters' }],
  ])
  create(@Body() body: CreateTenantDto): Promise<CreatedTenantDto> {
    return this.tenants.create(body.name);
  }

  @Get()
  @ApiOperation({ summary: 'List tenants.' })
  @ApiOkResponse({ type: [TenantDto] })
  list(): Promise<TenantDto[]> {
    return this.tenants.list();
  }

  @Patch(':tenantId')
  @ApiOperation({
    summary: "Change a tenant's name or message retention (null returns the retention to MESSAGE_RETENTION).",
  })
  @ApiOkResponse({ type: TenantDto })
  @ApiErrors(
    [404, 'NOT_FOUND', 'Tenant not found.'],
    [
      400,
      'VALIDATION_FAILED',
      'The request is invalid: check messageRetention.',
      [
        {
          field: 'messageRetention',
          message:
            'messageRetention must be a whole number and a unit d, h, m or s (e.g. 30d, 12h, 2m), from 1s to 3650d, or null for the default',
        },
      ],
    ],
  )
  update(
    @PathId('tenantId', isUuid, tenantNotFound) tenantId: string,
    @Body() body: UpdateTenantDto,
  ): Promise<TenantDto> {
    return this.tenants.update(tenantId, body);
  }

  @Get(':tenantId/api-keys')
  @ApiOperation({ summary: "List a tenant's API keys, oldest first: ids only, never the keys." })
  @ApiOkResponse({ type: [ApiKeySummaryDto] })
  @ApiErrors([404, 'NOT_FOUND', 'Tenant not found.'])
  listApiKeys(@PathId('tenantId', isUuid, tenantNotFound) tenantId: string): Promise<ApiKeySummaryDto[]> {
    return this.tenants.listApiKeys(tenantId);
  }

  @Post(':tenantId/api-keys')
  @ApiOperation({ summary: 'Create another API key for a tenant (shown only in this response).' })
  @ApiCreatedResponse({ type: ApiKeyDto })
  @ApiErrors([404, 'NOT_FOUND', 'Tenant not found.'])
  createApiKey(@PathId('tenantId', isUuid, tenantNotFound) tenantId: string): Promise<ApiKeyDto> {
    return this.tenants.createApiKey(tenantId);
  }

  @Delete(':tenantId/api-keys/:keyId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key; it stops working at once.' })
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiErrors([404, 'NOT_FOUND', 'API key not found.'])
  revokeApiKey(
    @PathId('tenantId', isUuid, apiKeyNotFound) tenantId: string,
    @PathId('keyId', isUuid, apiKeyNotFound) keyId: string,
  ): Promise<void> {
    return this.tenants.revokeApiKey(tenantId, keyId);
  }
}
