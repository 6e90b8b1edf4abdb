import { Module } from '@nestjs/common';
import { ChannelsModule } from '#channels';
import { InboundRepository } from './inbound.repository.js';
import { InboundService } from './inbound.service.js';
import { WebhookHandler } from './webhook.handler.js';

/** The webhook: accepted visitor messages land on their chat's Agent lane (ConversationsModule, global). */
@Module({
  imports: [ChannelsModule],
  providers: [InboundRepository, InboundService, WebhookHandler],
  exports: [WebhookHandler],
})
export class InboundModule {}
