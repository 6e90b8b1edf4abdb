export { ChannelsModule } from './channels.module.js';
export { AgentEntity } from './agent.entity.js';
export { ChannelEntity, CHANNEL_TYPES, type ChannelType } from './channel.entity.js';
export { ChannelsRepository } from './channels.repository.js';
export { AgentsRepository } from './agents.repository.js';
export { ChannelLookup, LOOKUP_TTL_MS, type ActiveChannel } from './channel-lookup.js';
export { channelNotFound } from './channels.service.js';
export { ChannelIdParam, AgentIdParam } from './path-params.js';
export {
  capabilitiesOf,
  DEFAULT_CAPABILITIES,
  MAX_MESSAGE_LENGTH_LIMIT,
  type ChannelCapabilities,
} from './capabilities.js';
export { signingSecretsOf, SIGNING_OVERLAP_MS, type StoredSigningSecrets } from './signing.js';
