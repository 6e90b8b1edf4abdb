import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsString,
  Length,
  Validate,
  ValidateIf,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { DURATION_RULE, parseDuration } from '#common';

/** A duration (`30d`, `12h`, `2m`, `45s`) as class-validator checks it. */
@ValidatorConstraint({ name: 'isDuration' })
class IsDuration implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && parseDuration(value) !== null;
  }

  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must be ${DURATION_RULE}, or null for the default`;
  }
}

export class CreateTenantDto {
  @ApiProperty({ example: 'Acme', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;
}

export class TenantDto {
  @ApiProperty({ example: '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed' })
  id!: string;

  @ApiProperty({ example: 'Acme' })
  name!: string;

  @ApiProperty({
    example: '30d',
    description: "How long the tenant's ended messages are kept: its own, or MESSAGE_RETENTION (see the source).",
  })
  messageRetention!: string;

  @ApiProperty({
    enum: ['tenant', 'default'],
    example: 'default',
    description: "'tenant': set for this tenant; 'default': MESSAGE_RETENTION.",
  })
  messageRetentionSource!: 'tenant' | 'default';

  @ApiProperty({ example: '2026-11-23T10:00:00.000Z' })
  createdAt!: Date;
}

export class UpdateTenantDto {
  @ApiPropertyOptional({ example: 'Acme', minLength: 1, maxLength: 200 })
  @ValidateIf((_object, value) => value !== undefined)
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    example: '7d',
    nullable: true,
    type: String,
    description:
      'How long ended messages are kept: a whole number and a unit d, h, m or s, from 1s to 3650d; null returns to MESSAGE_RETENTION.',
  })
  @ValidateIf((_object, value) => value !== undefined && value !== null)
  @Validate(IsDuration)
  messageRetention?: string | null;
}

export class CreatedTenantDto extends TenantDto {
  @ApiProperty({
    example: 'csk_Qm9vLWJhci1iYXotcXV4LXF1dXgtY29yZ2UtZ3JhdWx0',
    description: 'Shown only here; only its hash is stored.',
  })
  apiKey!: string;

  @ApiProperty({
    example: '6ec0bd7f-11c0-43da-975e-2a8ad9ebae0b',
    description: 'The id of that key, to revoke it later.',
  })
  apiKeyId!: string;
}

export class ApiKeySummaryDto {
  @ApiProperty({ example: '6ec0bd7f-11c0-43da-975e-2a8ad9ebae0b' })
  id!: string;

  @ApiProperty({ example: '2026-11-23T10:00:00.000Z' })
  createdAt!: Date;
}

export class ApiKeyDto extends ApiKeySummaryDto {
  @ApiProperty({
    example: 'csk_Qm9vLWJhci1iYXotcXV4LXF1dXgtY29yZ2UtZ3JhdWx0',
    description: 'Shown only here; only its hash is stored.',
  })
  apiKey!: string;
}
