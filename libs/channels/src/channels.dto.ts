import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { FILE_MODES, MARKDOWN_MODES, MAX_MESSAGE_LENGTH_LIMIT } from './capabilities.js';
import { CHANNEL_TYPES, type ChannelType } from './channel.entity.js';

export const AGENT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The webhook token goes out as `Authorization: Token …`: a header value carries no line break, and Node sends
 * anything past Latin-1 altered. Visible ASCII only, so the client receives exactly what was saved.
 */
export const WEBHOOK_TOKEN_PATTERN = /^[\x21-\x7e]*$/;
const WEBHOOK_TOKEN_RULE = {
  message: 'webhookToken must be visible ASCII characters (0x21 to 0x7E): no spaces, line breaks or other characters',
};

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

export const RATE_LIMIT_MAX = 100_000;

/** A channel's own inbound rate limit (docs/protocol.md, row 2a). */
export class InboundRateLimitDto {
  @ApiProperty({ example: 100, minimum: 1, maximum: RATE_LIMIT_MAX, description: 'Messages per second, sustained.' })
  @IsInt()
  @Min(1)
  @Max(RATE_LIMIT_MAX)
  perSecond!: number;

  @ApiProperty({
    example: 500,
    minimum: 1,
    maximum: RATE_LIMIT_MAX,
    description: 'Messages taken at once after a quiet spell.',
  })
  @IsInt()
  @Min(1)
  @Max(RATE_LIMIT_MAX)
  burst!: number;
}

/** What the client server accepts beyond the seed's protocol; each field absent keeps its value (on create: off). */
export class CapabilitiesDto {
  @ApiPropertyOptional({
    enum: FILE_MODES,
    example: 'file',
    description: "'link' (default): a reply's file is sent as its URL in a text; 'file': as a file_operator message.",
  })
  @IsOptional()
  @IsIn(FILE_MODES)
  files?: 'link' | 'file';

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: MAX_MESSAGE_LENGTH_LIMIT,
    example: 1000,
    description:
      'null (default): text replies are sent whole; a number: a longer text reply is sent as several messages of at most this many characters (code points), split at word boundaries.',
  })
  @ValidateIf((_object, value) => value !== undefined && value !== null)
  @IsInt()
  @Min(1)
  @Max(MAX_MESSAGE_LENGTH_LIMIT)
  maxMessageLength?: number | null;

  @ApiPropertyOptional({
    enum: MARKDOWN_MODES,
    example: 'strip',
    description:
      "'pass' (default): text as the Agent wrote it; 'strip': Markdown converted to plain text, links keeping their URL.",
  })
  @IsOptional()
  @IsIn(MARKDOWN_MODES)
  markdown?: 'pass' | 'strip';

  @ApiPropertyOptional({
    example: true,
    description:
      "false (default): the Agent's redirect actions are recorded as skipped; true: sent as POST redirect_chat.",
  })
  @IsOptional()
  @IsBoolean()
  redirectChat?: boolean;

  @ApiPropertyOptional({
    example: true,
    description: "false (default): the Agent's close actions are recorded as skipped; true: sent as POST close_chat.",
  })
  @IsOptional()
  @IsBoolean()
  closeChat?: boolean;
}

export class CapabilitiesInForceDto {
  @ApiProperty({ enum: FILE_MODES, example: 'link' })
  files!: 'link' | 'file';

  @ApiProperty({ type: Number, nullable: true, example: null })
  maxMessageLength!: number | null;

  @ApiProperty({ enum: MARKDOWN_MODES, example: 'pass' })
  markdown!: 'pass' | 'strip';

  @ApiProperty({ example: false })
  redirectChat!: boolean;

  @ApiProperty({ example: false })
  closeChat!: boolean;
}

export class DeliveryRateLimitDto {
  @ApiProperty({ example: 10, minimum: 1, maximum: 10000, description: 'send_message calls per second at most.' })
  @IsInt()
  @Min(1)
  @Max(10000)
  perSecond!: number;
}

const DELIVERY_RATE_DESCRIPTION =
  "A cap on send_message calls per second to this channel's client server, across replicas (calls are spaced evenly); null: none.";

const REQUIRE_SIGNED_DESCRIPTION =
  "The client server must sign its bot_api_webhook posts with the channel's signing secret (Standard Webhooks); an unsigned or badly signed post is answered 401 and stores nothing (docs/protocol.md, row 2b).";
const CAPABILITIES_DESCRIPTION =
  "What the client server accepts beyond the seed's protocol (docs/protocol.md, Extensions), all off by default. Only the fields given change.";

const RATE_LIMIT_DESCRIPTION =
  "The channel's own inbound rate limit; past it the webhook answers 429 with Retry-After. Absent: unchanged (on create: the default). null: back to the default (INBOUND_RATE_LIMIT_PER_SECOND, INBOUND_RATE_LIMIT_BURST).";

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
    description:
      'Absolute https URL (http when ALLOW_HTTP_WEBHOOKS=true), no user info. Stored normalised (the WHATWG URL href).',
  })
  @IsString()
  webhookUrl!: string;

  @ApiPropertyOptional({
    example: 'client-secret-token',
    writeOnly: true,
    maxLength: 1024,
    pattern: '^[\\x21-\\x7E]+$',
    nullable: true,
    type: String,
    description:
      'Visible ASCII (0x21 to 0x7E). Sent as `Authorization: Token …`; never returned. Absent or null: no token (unique-URL mode).',
  })
  @IsOptional()
  @IsString()
  @Length(1, 1024)
  @Matches(WEBHOOK_TOKEN_PATTERN, WEBHOOK_TOKEN_RULE)
  webhookToken?: string | null;

  @ApiPropertyOptional({ example: true, default: false })
  @IsOptional()
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ type: InboundRateLimitDto, nullable: true, description: RATE_LIMIT_DESCRIPTION })
  @IsOptional()
  @ValidateNested()
  @Type(() => InboundRateLimitDto)
  inboundRateLimit?: InboundRateLimitDto | null;

  @ApiPropertyOptional({ type: CapabilitiesDto, description: CAPABILITIES_DESCRIPTION })
  @PresentNotNull()
  @ValidateNested()
  @Type(() => CapabilitiesDto)
  capabilities?: CapabilitiesDto;

  @ApiPropertyOptional({ example: false, default: false, description: REQUIRE_SIGNED_DESCRIPTION })
  @IsOptional()
  @IsBoolean()
  requireSignedWebhooks?: boolean;

  @ApiPropertyOptional({ type: DeliveryRateLimitDto, nullable: true, description: DELIVERY_RATE_DESCRIPTION })
  @IsOptional()
  @ValidateNested()
  @Type(() => DeliveryRateLimitDto)
  deliveryRateLimit?: DeliveryRateLimitDto | null;
}

/**
 * An optional field that cannot be null: absent skips it, anything else (null included) is validated. `@IsOptional()`
 * would let null through to a NOT NULL column (found by the admin fuzz suite: `{"active": null}` was a 500).
 */
function PresentNotNull(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
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
    description:
      'Stored normalised (the WHATWG URL href). Changing it without a new webhookToken clears the stored token.',
  })
  @PresentNotNull()
  @IsString()
  webhookUrl?: string;

  @ApiPropertyOptional({
    example: 'client-secret-token',
    nullable: true,
    type: String,
    writeOnly: true,
    maxLength: 1024,
    pattern: '^[\\x21-\\x7E]+$',
    description: 'Visible ASCII (0x21 to 0x7E). A string sets it, null clears it.',
  })
  @IsOptional()
  @ValidateIf((_object, value) => value !== null)
  @IsString()
  @Length(1, 1024)
  @Matches(WEBHOOK_TOKEN_PATTERN, WEBHOOK_TOKEN_RULE)
  webhookToken?: string | null;

  @ApiPropertyOptional({ example: true })
  @PresentNotNull()
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ type: InboundRateLimitDto, nullable: true, description: RATE_LIMIT_DESCRIPTION })
  @IsOptional()
  @ValidateNested()
  @Type(() => InboundRateLimitDto)
  inboundRateLimit?: InboundRateLimitDto | null;

  @ApiPropertyOptional({ type: CapabilitiesDto, description: CAPABILITIES_DESCRIPTION })
  @PresentNotNull()
  @ValidateNested()
  @Type(() => CapabilitiesDto)
  capabilities?: CapabilitiesDto;

  @ApiPropertyOptional({ example: true, description: REQUIRE_SIGNED_DESCRIPTION })
  @PresentNotNull()
  @IsBoolean()
  requireSignedWebhooks?: boolean;

  @ApiPropertyOptional({ type: DeliveryRateLimitDto, nullable: true, description: DELIVERY_RATE_DESCRIPTION })
  @IsOptional()
  @ValidateNested()
  @Type(() => DeliveryRateLimitDto)
  deliveryRateLimit?: DeliveryRateLimitDto | null;
}

export class ChannelWarningDto {
  @ApiProperty({ enum: ['CHANNEL_UNREACHABLE', 'WEBHOOK_REGISTRATION_FAILED'], example: 'CHANNEL_UNREACHABLE' })
  code!: string;

  @ApiProperty({ example: "Can't reach channel" })
  message!: string;
}

export class InboundRateLimitInForceDto extends InboundRateLimitDto {
  @ApiProperty({
    enum: ['channel', 'default'],
    example: 'default',
    description: "'channel': the channel's own; 'default': the environment's.",
  })
  source!: 'channel' | 'default';
}

export class ChannelHealthDto {
  @ApiProperty({
    enum: ['active', 'paused'],
    example: 'active',
    description:
      'paused: no send_message is attempted, replies are held (not failed) until a probe answers 2xx or it is resumed.',
  })
  state!: 'active' | 'paused';

  @ApiProperty({ example: null, nullable: true, type: String, format: 'date-time', description: 'When it was paused.' })
  since!: Date | null;

  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description: "Why: 'The client server answered 410 Gone', or no 2xx for CHANNEL_PAUSE_AFTER.",
  })
  reason!: string | null;
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

  @ApiProperty({
    example: true,
    description:
      'Whether requests to the client server are signed (Standard Webhooks). False only for a channel created before signing, until rotate-signing-secret.',
  })
  signingSecretSet!: boolean;

  @ApiPropertyOptional({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description:
      "The Standard Webhooks signing secret: in the answer of the channel's creation and of rotate-signing-secret only, never again.",
  })
  signingSecret?: string;

  @ApiProperty({ example: false, description: REQUIRE_SIGNED_DESCRIPTION })
  requireSignedWebhooks!: boolean;

  @ApiProperty({ type: ChannelHealthDto, description: 'Endpoint health (docs/outbound.md, "Endpoint health").' })
  health!: ChannelHealthDto;

  @ApiProperty({ type: DeliveryRateLimitDto, nullable: true, description: DELIVERY_RATE_DESCRIPTION })
  deliveryRateLimit!: DeliveryRateLimitDto | null;

  @ApiProperty({
    type: InboundRateLimitInForceDto,
    description: 'The inbound rate limit in force (docs/protocol.md, row 2a).',
  })
  inboundRateLimit!: InboundRateLimitInForceDto;

  @ApiProperty({
    type: CapabilitiesInForceDto,
    description: 'The capabilities in force (docs/protocol.md, Extensions).',
  })
  capabilities!: CapabilitiesInForceDto;

  @ApiProperty({ example: '2026-11-23T10:00:00.000Z' })
  createdAt!: Date;

  @ApiProperty({ example: '2026-11-23T10:00:00.000Z' })
  updatedAt!: Date;

  @ApiPropertyOptional({ type: [ChannelWarningDto], description: 'On create and PATCH only; empty when none.' })
  warnings?: ChannelWarningDto[];
}
