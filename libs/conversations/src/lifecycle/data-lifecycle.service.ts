import { Injectable, Optional } from '@nestjs/common';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { ChannelLookup, ChannelsRepository, channelNotFound } from '#channels';
import { isWellFormedText, scrubText } from '#common';
import { isUuid, tenantNotFound } from '#tenancy';
import { channelChatIdOf, chatState, clientChatIdOf } from '../chat.entity.js';
import { ConversationsRepository } from '../conversations.repository.js';
import { toMessage } from '../message.mapper.js';
import type { PagePosition } from '../page-cursor.js';
import { DataLifecycleRepository } from './data-lifecycle.repository.js';
import { DataLifecycleWorker } from './data-lifecycle.worker.js';

/** Messages read per query while an export streams: memory stays bounded whatever the visitor's history. */
export const EXPORT_PAGE = 500;

/** Erasure, export and offboarding (docs/admin-api.md, "Data lifecycle"). */
@Injectable()
export class DataLifecycleService {
  constructor(
    private readonly repository: DataLifecycleRepository,
    private readonly conversations: ConversationsRepository,
    private readonly channels: ChannelsRepository,
    private readonly lookup: ChannelLookup,
    @Optional() private readonly worker?: DataLifecycleWorker,
  ) {}

  async eraseVisitor(
    tenantId: string,
    channelId: string,
    visitorId: string,
  ): Promise<{ chats: number; messages: number }> {
    await this.requireChannel(tenantId, channelId);
    // No visitor.id is ill-formed text (the webhook refuses it): nothing to erase, and nothing for the SQL to choke on.
    if (!isWellFormedText(visitorId)) return { chats: 0, messages: 0 };
    return this.repository.eraseVisitor(tenantId, channelId, visitorId);
  }

  /** Checks the channel before anything is written, so a 404 is still a plain JSON answer. */
  async requireChannel(tenantId: string, channelId: string): Promise<void> {
    if (!(await this.channels.find(tenantId, channelId))) throw channelNotFound();
  }

  /**
   * Streams `{"visitorId", "chats": [{chatId, …, "messages": [...]}]}` to `out`, EXPORT_PAGE messages per query, waiting
   * for the reader when the socket's buffer is full. The caller has checked the channel.
   */
  async exportVisitor(tenantId: string, channelId: string, visitorId: string, out: Writable): Promise<void> {
    const write = async (text: string): Promise<void> => {
      if (!out.write(text)) await once(out, 'drain');
    };
    await write(`{"visitorId":${JSON.stringify(scrubText(visitorId))},"chats":[`);
    const chats = isWellFormedText(visitorId) ? await this.repository.visitorChats(tenantId, channelId, visitorId) : [];
    for (const [index, chat] of chats.entries()) {
      const head = {
        chatId: clientChatIdOf(chat),
        id: chat.id,
        channelChatId: channelChatIdOf(chat),
        variables: chat.variables,
        createdAt: chat.createdAt,
        lastMessageAt: chat.lastMessageAt,
        ...chatState(chat),
      };
      await write(`${index === 0 ? '' : ','}${JSON.stringify(head).slice(0, -1)},"messages":[`);
      let after: PagePosition | null = null;
      let first = true;
      for (;;) {
        const rows = await this.conversations.listMessages(tenantId, chat.id, EXPORT_PAGE, after);
        const page = rows.slice(0, EXPORT_PAGE);
        for (const row of page) {
          await write(`${first ? '' : ','}${JSON.stringify(toMessage(row))}`);
          first = false;
        }
        if (rows.length <= EXPORT_PAGE) break;
        const last = page[page.length - 1];
        after = { micros: last.position, id: last.id };
      }
      await write(']}');
    }
    await write(']}');
  }

  /** 202: the tenant is gone from the API at once; its data goes in the background. */
  async deleteTenant(tenantId: string): Promise<void> {
    if (!isUuid(tenantId) || !(await this.repository.deleteTenant(tenantId))) throw tenantNotFound();
    this.lookup.forgetAll();
    void this.worker?.sweep();
  }
}
