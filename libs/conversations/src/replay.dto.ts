import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';

export class ReplayDto {
  @ApiProperty({
    example: '2026-12-06T08:00:00Z',
    description: 'ISO 8601 time: failed messages created at or after it are queued again.',
  })
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 time, such as 2026-12-06T08:00:00Z' })
  since!: string;

  @ApiPropertyOptional({
    example: '2026-12-06T09:00:00Z',
    description: 'ISO 8601 time: … and before it. Default: now.',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO 8601 time, such as 2026-12-06T09:00:00Z' })
  until?: string;
}

export class ReplayResultDto {
  @ApiProperty({
    example: 42,
    description: 'Failed messages queued again: replies to the client server, visitor messages to the Agent.',
  })
  requeued!: number;
}
