import { ApiProperty } from '@nestjs/swagger';
import { MessageDto } from '../chats.dto.js';

export class ErasedVisitorDto {
  @ApiProperty({ example: 2, description: 'Chats removed.' })
  chats!: number;

  @ApiProperty({ example: 37, description: 'Messages removed, in both directions, pending ones included.' })
  messages!: number;
}

export class ExportedChatDto {
  @ApiProperty({
    example: 1042,
    description: "The client's chat_id, with the JSON type it was sent with.",
    oneOf: [{ type: 'integer' }, { type: 'string' }],
  })
  chatId!: number | string;

  @ApiProperty({ example: '7d1f3c2a-5b6e-4f80-9a1b-2c3d4e5f6a7b', description: 'The internal chat id.' })
  id!: string;

  @ApiProperty({ example: '1042|omnichannel' })
  channelChatId!: string;

  @ApiProperty({ example: { name: 'Ann', email: 'ann@example.com' } })
  variables!: Record<string, string>;

  @ApiProperty({ example: '2026-11-23T10:00:00.000Z' })
  createdAt!: Date;

  @ApiProperty({ example: '2026-11-23T10:05:00.000Z' })
  lastMessageAt!: Date;

  @ApiProperty({ type: [MessageDto], description: 'Every message of the chat, oldest first.' })
  messages!: MessageDto[];
}

export class VisitorExportDto {
  @ApiProperty({ example: 'v-77' })
  visitorId!: string;

  @ApiProperty({ type: [ExportedChatDto], description: "The visitor's chats in the channel, oldest first." })
  chats!: ExportedChatDto[];
}

export class DeletedTenantDto {
  @ApiProperty({ example: '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed' })
  id!: string;

  @ApiProperty({ enum: ['deleting'], example: 'deleting' })
  status!: 'deleting';
}
