import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length, MaxLength, ValidateIf } from 'class-validator';
import { CHANNEL_TYPES, type ChannelType } from './channel.entity.js';

export const AGENT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export class PutAgentDto {
  @ApiPropertyOptional({ example: 'Support bot', maxLength: 255, description: 'Absent: the stored title is kept.' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  title?: string;

  @ApiProperty({ example: true })
  @IsBoolean()
  trained!: boolean;
}

export class AgentDto {
  @ApiProperty({ example: 'a-1' })
  agentId!: string;

  @ApiProperty({ example: 'Support bot', nullable: true, type: String })
  title!: string | null;

  @ApiProperty({ example: true })
  trained!: boolean;

  @ApiProperty({ example: '2026-11-23T10:00:00.000Z' })
  createdAt!: Date;

  @ApiProperty({ example: '2026-11-23T10:00:00.000Z' })
  updatedAt!: Date;
}

export class CreateChannelDto {
  @ApiProperty({ enum: CHANNEL_TYPES, example: 'omnichannel' })
  @IsIn(CHANNEL_TYPES)
  type!: ChannelType;

  @ApiPropertyOptional({ example: 'Site chat', maxLength: 255, description: 'Titles may repeat.' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  title?: string;

  @ApiProperty({
    example: 'https://client.example.com/chat',
    maxLength: 2048,
    description: 'Absolute https URL (http when ALLOW_HTTP_WEBHOOKS=true), no user info.',
  })
  @IsString()
  webhookUrl!: string;

  @ApiPropertyOptional({
    example: 'client-secret-token',
    writeOnly: true,
    description: 'Sent as `Authorization: Token …`; never returned.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 1024)
  webhookToken?: string;

  @ApiPropertyOptional({ example: true, default: false })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class UpdateChannelDto {
  @ApiPropertyOptional({ example: 'Site chat', maxLength: 255, nullable: true, type: String })
  @IsOptional()
  @ValidateIf((_object, value) => value !== null)
  @IsString()
  @MaxLength(255)
  title?: string | null;

  @ApiPropertyOptional({
    example: 'https://client.example.com/chat',
    description: 'Changing it without a new webhookToken clears the stored token.',
  })
  @IsOptional()
  @IsString()
  webhookUrl?: string;

  @ApiPropertyOptional({
    example: 'client-secret-token',
    nullable: true,
    type: String,
    writeOnly: true,
    description: 'A string sets it, null clears it.',
  })
  @IsOptional()
  @ValidateIf((_object, value) => value !== null)
  @IsString()
  @Length(1, 1024)
  webhookToken?: string | null;

  @ApiPropertyOptional({ example: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class ChannelWarningDto {
  @ApiProperty({ enum: ['CHANNEL_UNREACHABLE', 'WEBHOOK_REGISTRATION_FAILED'], example: 'CHANNEL_UNREACHABLE' })
  code!: string;

  @ApiProperty({ example: "Can't reach channel" })
  message!: string;
}

export class ChannelDto {
  @ApiProperty({ example: '5b0c0f5e-8d6a-4a53-9a43-6f0d3a1f2b7c' })
  id!: string;

  @ApiProperty({ example: 'a-1' })
  agentId!: string;

  @ApiProperty({ enum: CHANNEL_TYPES, example: 'omnichannel' })
  type!: string;

  @ApiProperty({ example: 'Site chat', nullable: true, type: String })
  title!: string | null;

  @ApiProperty({ example: true })
  active!: boolean;

  @ApiProperty({ example: 'https://platform.example.com/9f3cQm9vLWJhci1iYXotcXV4e1/bot_api_webhook' })
  platformWebhookUrl!: string;

  @ApiProperty({ example: 'https://client.example.com/chat' })
  webhookUrl!: string;

  @ApiProperty({ example: true })
  webhookTokenSet!: boolean;

  @ApiProperty({ example: '2026-11-23T10:00:00.000Z' })
  createdAt!: Date;

  @ApiProperty({ example: '2026-11-23T10:00:00.000Z' })
  updatedAt!: Date;

  @ApiPropertyOptional({ type: [ChannelWarningDto], description: 'On create and PATCH only; empty when none.' })
  warnings?: ChannelWarningDto[];
}
