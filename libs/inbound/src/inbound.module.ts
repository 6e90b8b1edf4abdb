import { Module } from '@nestjs/common';
import { ChannelsModule } from '#channels';
import { InboundRateLimiter } from './inbound-rate-limit.js';
import { InboundRepository } from './inbound.repository.js';
import { InboundService } from './inbound.service.js';
import { WebhookHandler } from './webhook.handler.js';

/** The webhook: accepted visitor messages land on their chat's Agent lane (ConversationsModule, global). */
@Module({
  imports: [ChannelsModule],
  providers: [InboundRepository, InboundService, InboundRateLimiter, WebhookHandler],
  exports: [WebhookHandler],
})
export class InboundModule {}
