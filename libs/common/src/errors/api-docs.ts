import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: 'webhookUrl' })
  field!: string;

  @ApiProperty({ example: 'must be an absolute https URL' })
  message!: string;
}

export class ErrorResponseDto {
  @ApiProperty({ example: 'Channel not found.' })
  error!: string;

  @ApiProperty({ example: 'NOT_FOUND' })
  code!: string;

  @ApiPropertyOptional({ type: [FieldErrorDto] })
  details?: FieldErrorDto[];
}

export type DocumentedError = [status: number, code: string, error: string, details?: FieldErrorDto[]];

/** Documents a route's error answers, each with an example body of the one error shape. */
export function ApiErrors(...errors: DocumentedError[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...errors.map(([status, code, error, details]) =>
      ApiResponse({
        status,
        description: `${code}: ${error}`,
        type: ErrorResponseDto,
        example: details ? { error, code, details } : { error, code },
      }),
    ),
  );
}

export const UNAUTHORIZED_DOC: DocumentedError = [
  401,
  'UNAUTHORIZED',
  'Missing or invalid credentials: send Authorization: Bearer <token>.',
];
