import { Injectable } from '@nestjs/common';
import { ChannelsRepository, capabilitiesOf, channelNotFound, type ChannelEntity } from '#channels';
import { AppConfig, AppError, ErrorCode, uuid7, type FieldError } from '#common';
import { ChatLanes } from '#lanes';
import { channelChatIdOf, chatState, clientChatIdOf } from './chat.entity.js';
import type { ChatDto, ChatPageDto, MessagePageDto, QueuedMessageDto, WriteMessageDto } from './chats.dto.js';
import { ConversationsRepository, type ChatRow } from './conversations.repository.js';
import { toMessage } from './message.mapper.js';
import { decodeCursor, encodeCursor } from './page-cursor.js';
import type { ReplayDto, ReplayResultDto } from './replay.dto.js';
import { draftsFor, readAction, readReply } from './replies.js';

export const DEFAULT_PAGE_SIZE = 50;

export function chatNotFound(): AppError {
  return new AppError(ErrorCode.NOT_FOUND, 'Chat not found.');
}

function page<Row extends { id: string; position: string }, Item>(
  rows: Row[],
  limit: number,
  toItem: (row: Row) => Item,
): { items: Item[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(toItem),
    nextCursor: rows.length > limit && last ? encodeCursor({ micros: last.position, id: last.id }) : null,
  };
}

function toChat(row: ChatRow): ChatDto {
  return {
    id: row.id,
    clientChatId: clientChatIdOf(row),
    channelChatId: channelChatIdOf(row),
    visitorId: row.visitorId,
    variables: row.variables,
    createdAt: row.createdAt,
    lastMessageAt: row.lastMessageAt,
    ...chatState(row),
  };
}

/** The admin view of a channel's chats and their messages (docs/admin-api.md "Chats and messages"). */
@Injectable()
export class ConversationsService {
  constructor(
    private readonly conversations: ConversationsRepository,
    private readonly channels: ChannelsRepository,
    private readonly lanes: ChatLanes,
    private readonly config: AppConfig,
  ) {}

  async listChats(
    tenantId: string,
    channelId: string,
    limit = DEFAULT_PAGE_SIZE,
    cursor?: string,
  ): Promise<ChatPageDto> {
    const after = cursor === undefined ? null : decodeCursor(cursor);
    await this.requireChannel(tenantId, channelId);
    return page(await this.conversations.listChats(tenantId, channelId, limit, after), limit, toChat);
  }

  async listMessages(
    tenantId: string,
    channelId: string,
    chatId: string,
    limit = DEFAULT_PAGE_SIZE,
    cursor?: string,
  ): Promise<MessagePageDto> {
    const after = cursor === undefined ? null : decodeCursor(cursor);
    await this.requireChannel(tenantId, channelId);
    const id = await this.requireChat(tenantId, channelId, chatId);
    return page(await this.conversations.listMessages(tenantId, id, limit, after), limit, toMessage);
  }

  /** The Agent (or any Platform service) writing first into an existing chat; delivered like any reply. */
  async write(tenantId: string, channelId: string, chatId: string, body: WriteMessageDto): Promise<QueuedMessageDto> {
    const problems: FieldError[] = [];
    const { action: actionBody, ...replyBody } = body;
    const isAction = actionBody !== undefined && actionBody !== null;
    if (isAction && Object.values(replyBody).some((value) => value !== undefined && value !== null))
      problems.push({
        field: 'action',
        message: 'must come alone: send either a reply (text, buttons, file) or an action',
      });
    const reply = isAction ? null : readReply(replyBody, '', problems);
    const action = isAction ? readAction(actionBody, 'action', problems) : null;
    if ((!reply && !action) || problems.length > 0) {
      throw new AppError(
        ErrorCode.VALIDATION_FAILED,
        `The request is invalid: check ${[...new Set(problems.map((p) => p.field))].join(', ')}.`,
        problems,
      );
    }
    const channel = await this.requireChannel(tenantId, channelId);
    const id = await this.requireChat(tenantId, channelId, chatId);
    const drafts = draftsFor(reply ? [reply] : [], capabilitiesOf(channel.capabilities), action ? [action] : []).map(
      (draft) => ({ ...draft, id: uuid7() }),
    );
    const rows = await this.lanes.transaction(
      (tx) =>
        this.conversations.insertOutbound(
          tx,
          { tenantId, channelId, chatId: id },
          drafts,
          this.config.agentDeliveryEvents,
        ),
      (inserted) =>
        inserted.some((row) => row.status === 'skipped' && this.config.agentDeliveryEvents)
          ? ['send', 'report']
          : inserted.length > 0
            ? 'send'
            : null,
    );
    // The chat went away between the lookup and the insert (its channel deleted).
    if (rows.length === 0) throw chatNotFound();
    const [first, ...followUps] = rows;
    return followUps.length > 0 ? { ...toMessage(first), followUps: followUps.map(toMessage) } : toMessage(first);
  }

  private async requireChat(tenantId: string, channelId: string, chatId: string): Promise<string> {
    const id = await this.conversations.findChatId(tenantId, channelId, chatId);
    if (!id) throw chatNotFound();
    return id;
  }

  /**
   * Bulk replay: the channel's failed messages created in [since, until) back in their lanes, each chat's in its
   * order, their retry schedules starting over. A message replayed is no longer failed, so a second run requeues it
   * only if it failed again.
   */
  async replay(tenantId: string, channelId: string, body: ReplayDto): Promise<ReplayResultDto> {
    const since = new Date(body.since);
    const until = body.until === undefined ? new Date() : new Date(body.until);
    if (!(since.getTime() < until.getTime()))
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'The request is invalid: check since.', [
        { field: 'since', message: 'since must be before until (default: now)' },
      ]);
    await this.requireChannel(tenantId, channelId);
    const requeued = await this.lanes.transaction(
      (tx) => this.conversations.requeueFailedIn(tx, tenantId, channelId, since, until),
      (result) => [
        ...(result.inbound > 0 ? (['agent'] as const) : []),
        ...(result.outbound > 0 ? (['send'] as const) : []),
      ],
    );
    return { requeued: requeued.inbound + requeued.outbound };
  }

  private async requireChannel(tenantId: string, channelId: string): Promise<ChannelEntity> {
    const channel = await this.channels.find(tenantId, channelId);
    if (!channel) throw channelNotFound();
    return channel;
  }
}
