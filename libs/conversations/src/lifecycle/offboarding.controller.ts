import { Controller, Delete, HttpCode, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, PathId, UNAUTHORIZED_DOC } from '#common';
import { OperatorGuard, isUuid, tenantNotFound } from '#tenancy';
import { DeletedTenantDto } from './data-lifecycle.dto.js';
import { DataLifecycleService } from './data-lifecycle.service.js';

@ApiTags('tenants (operator)')
@ApiBearerAuth()
@ApiErrors(UNAUTHORIZED_DOC, [
  403,
  'FORBIDDEN',
  'This route is for the platform operator; a tenant API key cannot use it.',
])
@UseGuards(OperatorGuard)
@Controller('api/v1/tenants')
export class OffboardingController {
  constructor(private readonly lifecycle: DataLifecycleService) {}

  @Delete(':tenantId')
  @HttpCode(202)
  @ApiOperation({
    summary:
      "Offboard a tenant: from this answer its API keys are 401, its channels' webhooks answer 400 and nothing more is delivered; its agents, channels, chats and messages are removed in the background in bounded batches.",
  })
  @ApiAcceptedResponse({ type: DeletedTenantDto })
  @ApiErrors([404, 'NOT_FOUND', 'Tenant not found.'])
  async delete(@PathId('tenantId', isUuid, tenantNotFound) tenantId: string): Promise<DeletedTenantDto> {
    await this.lifecycle.deleteTenant(tenantId);
    return { id: tenantId, status: 'deleting' };
  }
}
