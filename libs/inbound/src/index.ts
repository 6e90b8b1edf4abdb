export { InboundModule } from './inbound.module.js';
export { ChatEntity, channelChatIdOf, clientChatIdOf } from './chat.entity.js';
export { MessageEntity, type MessageDirection, type InboundStatus, type OutboundStatus } from './message.entity.js';
export { AGENT_DELIVER_QUEUE, type AgentDeliveryJob } from './agent-delivery.job.js';
export { parseInboundEvent } from './inbound-event.parser.js';
export { MESSAGE_KINDS, VISITOR_FIELDS, type InboundEvent, type MessageKind, type ParsedEvent } from './inbound-event.js';
export { WebhookHandler, WEBHOOK_OPENAPI_PATH, WEBHOOK_ROUTE } from './webhook.handler.js';
