import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/**
 * Keyboard rows of `{id, text}` buttons. A nested array needs its schema spelled out: from the TypeScript type Swagger
 * would document an array of strings. `id` is what a request may send; a stored message gives it back as a string.
 */
function buttonRows(id: { type: 'string' } | { oneOf: { type: 'string' | 'integer' }[] }) {
  const button = { type: 'object', required: ['id', 'text'], properties: { id, text: { type: 'string' } } };
  return { type: 'array', items: { type: 'array', items: button } } as const;
}

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class ChatDto {
  @ApiProperty({ example: '7d1f3c2a-5b6e-4f80-9a1b-2c3d4e5f6a7b' })
  id!: string;

  @ApiProperty({
    example: 1042,
    description: "The client's chat_id, with the JSON type it was sent with.",
    oneOf: [{ type: 'integer' }, { type: 'string' }],
  })
  clientChatId!: number | string;

  @ApiProperty({ example: '1042|omnichannel' })
  channelChatId!: string;

  @ApiProperty({ example: 'v-77' })
  visitorId!: string;

  @ApiProperty({ example: { name: 'Ann', email: 'ann@example.com' } })
  variables!: Record<string, string>;

  @ApiProperty({ example: '2026-11-23T10:00:00.000Z' })
  createdAt!: Date;

  @ApiProperty({ example: '2026-11-23T10:05:00.000Z' })
  lastMessageAt!: Date;

  @ApiProperty({
    enum: ['open', 'closed'],
    example: 'open',
    description:
      'closed: by the Agent (its close action delivered as close_chat) or by the client server (a chat_closed event); the next visitor message reopens it.',
  })
  state!: 'open' | 'closed';

  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When it was closed; null while open.',
  })
  closedAt!: Date | null;

  @ApiProperty({
    enum: ['agent', 'client'],
    nullable: true,
    example: null,
    description: 'Who closed it; null while open.',
  })
  closedBy!: 'agent' | 'client' | null;
}

export class MessageDto {
  @ApiProperty({ example: '0f6c2b1e-3d4a-4b5c-8d9e-0a1b2c3d4e5f' })
  id!: string;

  @ApiProperty({ enum: ['inbound', 'outbound'] })
  direction!: string;

  @ApiProperty({
    enum: [
      'visitor',
      'file_visitor',
      'keyboard_response',
      'chat_closed',
      'operator',
      'file_operator',
      'keyboard',
      'redirect',
      'close',
    ],
    example: 'visitor',
    description:
      'The protocol kind: inbound visitor | file_visitor | keyboard_response (as the client sent it) | chat_closed (the client server closed the chat; told to the Agent runtime in order); outbound ' +
      'operator (text, or a file link) | file_operator (a file, on a channel with capabilities.files "file") | keyboard (buttons) | redirect, close (the Agent\'s actions, sent as redirect_chat / close_chat).',
  })
  kind!: string;

  @ApiProperty({ example: 'Hello', nullable: true, type: String })
  text!: string | null;

  @ApiPropertyOptional({ ...buttonRows({ type: 'string' }), example: [[{ id: '1', text: 'Yes' }]] })
  buttons?: unknown[];

  @ApiPropertyOptional({
    example: { url: 'https://files.example.com/a.pdf', name: 'a.pdf', mediaType: 'application/pdf' },
    description: "An outbound file reply's file, whether it was sent as a file_operator message or as its link.",
  })
  file?: { url: string; name?: string; mediaType?: string };

  @ApiPropertyOptional({
    example: { type: 'redirect', operatorId: '42' },
    description: 'An action (kind redirect or close): its type and parameters.',
  })
  action?: { type: string; operatorId?: string; departmentKey?: string };

  @ApiPropertyOptional({ example: 'm-1' })
  clientMessageId?: string;

  @ApiProperty({
    example: 'received',
    description:
      'inbound: received | answered | failed; outbound: queued | delivered | failed | skipped (an action the channel does not accept: never sent, the reason in lastError)',
  })
  status!: string;

  @ApiProperty({ example: 0 })
  attempts!: number;

  @ApiPropertyOptional({ example: 'HTTP 503: upstream unavailable' })
  lastError?: string;

  @ApiProperty({ example: '2026-11-23T10:00:00.000Z' })
  createdAt!: Date;

  @ApiPropertyOptional({ example: '2026-11-23T10:00:01.000Z' })
  deliveredAt?: Date;
}

export class ChatPageDto {
  @ApiProperty({ type: [ChatDto] })
  items!: ChatDto[];

  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}

export class MessagePageDto {
  @ApiProperty({ type: [MessageDto] })
  items!: MessageDto[];

  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}

/** The Agent (or any Platform service) writing into an existing chat: the shape of one Agent reply. */
export class WriteMessageDto {
  @ApiPropertyOptional({ example: 'Hi Ann! How can I help?', description: 'Sent as an operator message.' })
  @IsOptional()
  @IsString()
  text?: string;

  @ApiPropertyOptional({
    ...buttonRows({ oneOf: [{ type: 'string' }, { type: 'integer' }] }),
    example: [
      [
        { id: '1', text: 'Yes' },
        { id: '2', text: 'No' },
      ],
    ],
    description: 'Rows of {id, text}: one keyboard message, sent after the text.',
  })
  @IsOptional()
  @IsArray()
  buttons?: unknown[];

  @ApiPropertyOptional({
    example: { url: 'https://files.example.com/a.pdf', name: 'a.pdf', mediaType: 'application/pdf' },
    description:
      'Sent as a file_operator message on a channel with capabilities.files "file"; otherwise as a link: an operator message whose text is the URL.',
  })
  @IsOptional()
  @IsObject()
  file?: Record<string, unknown>;

  @ApiPropertyOptional({
    example: { type: 'redirect', departmentKey: 'sales' },
    description:
      'Instead of a reply, an action: {"type": "redirect", "operatorId"? | "departmentKey"?} (neither: the general queue) or {"type": "close"}; sent as POST redirect_chat / close_chat on a channel whose capabilities accept it, else stored as skipped (docs/protocol.md, Extensions).',
  })
  @IsOptional()
  @IsObject()
  action?: Record<string, unknown>;
}

export class QueuedMessageDto extends MessageDto {
  @ApiPropertyOptional({
    type: [MessageDto],
    description:
      'When the request made more than one message (text, file link, keyboard), the others, in sending order.',
  })
  followUps?: MessageDto[];
}
