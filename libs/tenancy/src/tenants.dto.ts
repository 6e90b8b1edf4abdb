import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

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

  @ApiProperty({ example: '2026-11-23T10:00:00.000Z' })
  createdAt!: Date;
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
