export { InboundModule } from './inbound.module.js';
export { parseInboundEvent } from './inbound-event.parser.js';
export {
  MESSAGE_KINDS,
  VISITOR_FIELDS,
  type InboundEvent,
  type MessageKind,
  type ParsedEvent,
} from './inbound-event.js';
export { WebhookHandler, WEBHOOK_OPENAPI_PATH, WEBHOOK_ROUTE } from './webhook.handler.js';
