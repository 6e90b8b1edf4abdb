import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, TypeOrmHealthIndicator, type HealthCheckResult } from '@nestjs/terminus';
import { AppError, ErrorCode, ErrorResponseDto } from '#common';
import { DatabaseOutage, READY_TIMEOUT_MS } from '#database';

const STATUS_OK = { type: 'string', enum: ['ok'] };

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly outage: DatabaseOutage,
  ) {}

  @Get('live')
  // Probes call without credentials: `security: []` says so in the document.
  @ApiOperation({ summary: 'Liveness: 200 while the process runs.', security: [] })
  @ApiOkResponse({
    schema: { type: 'object', required: ['status'], properties: { status: STATUS_OK }, example: { status: 'ok' } },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: 200 when the database answers, else 503.', security: [] })
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['status'],
      properties: { status: STATUS_OK, info: { type: 'object', additionalProperties: true } },
      example: { status: 'ok', info: { database: { status: 'up' } } },
    },
  })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    example: { error: 'The database is not answering.', code: 'NOT_READY' },
  })
  async ready(): Promise<HealthCheckResult> {
    let result: HealthCheckResult;
    try {
      result = await this.health.check([() => this.database.pingCheck('database').withTimeout(READY_TIMEOUT_MS)]);
    } catch {
      // The outage is told once (an API replica has no lane loops to tell it); each 503 itself is not logged.
      this.outage.down(`no answer to a ping within ${READY_TIMEOUT_MS / 1000} s`);
      throw new AppError(ErrorCode.NOT_READY, 'The database is not answering.');
    }
    this.outage.answered();
    return result;
  }
}
