import { ApiProperty, OmitType } from '@nestjs/swagger';
import { ChatDto, MessageDto } from '../chats.dto.js';

export class ErasedVisitorDto {
  @ApiProperty({ example: 2, description: 'Chats removed.' })
  chats!: number;

  @ApiProperty({ example: 37, description: 'Messages removed, in both directions, pending ones included.' })
  messages!: number;
}

/** A chat as the chats API shows it, under the client's `chatId` (its visitor is the export's), with its messages. */
export class ExportedChatDto extends OmitType(ChatDto, ['clientChatId', 'visitorId'] as const) {
  @ApiProperty({
    example: 1042,
    description: "The client's chat_id, with the JSON type it was sent with.",
    oneOf: [{ type: 'integer' }, { type: 'string' }],
  })
  chatId!: number | string;

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
