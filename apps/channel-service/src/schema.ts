import { AgentEntity, ChannelEntity } from '#channels';
import type { SchemaParts } from '#database';
import { AgentReportEntity, ChatEntity, MessageEntity } from '#conversations';
import { ApiKeyEntity, TenantEntity } from '#tenancy';
import { MIGRATIONS } from '#migrations';

/** Every entity of every lib, listed explicitly, and every migration: what the app and the CLI connect with. */
export const SCHEMA: SchemaParts = {
  entities: [TenantEntity, ApiKeyEntity, AgentEntity, ChannelEntity, ChatEntity, MessageEntity, AgentReportEntity],
  migrations: MIGRATIONS,
};
