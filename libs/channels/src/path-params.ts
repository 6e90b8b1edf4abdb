import { PathId } from '#common';
import { isUuid } from '#tenancy';
import { agentNotFound } from './agents.service.js';
import { AGENT_ID_PATTERN } from './channels.dto.js';
import { channelNotFound } from './channels.service.js';

/** `{channelId}`: anything but a uuid is answered "Channel not found." before any SQL. */
export const ChannelIdParam = (): ParameterDecorator => PathId('channelId', isUuid, channelNotFound);

/** `{agentId}` of an agent that must exist: an id no agent can have is answered "Agent not found.". */
export const AgentIdParam = (): ParameterDecorator =>
  PathId('agentId', (value) => AGENT_ID_PATTERN.test(value), agentNotFound);
