import { Global, Module } from '@nestjs/common';
import { ChannelHealth } from './channel-health.js';
import { ChatLanes } from './chat-lanes.js';
import { LaneWakeups } from './lane-wakeups.js';
import { ChatLanesRepository } from './lanes.repository.js';

/** The delivery engine, for every role; global: one set of wake-ups per process. */
@Global()
@Module({
  providers: [ChatLanesRepository, ChatLanes, LaneWakeups, ChannelHealth],
  exports: [ChatLanes, ChatLanesRepository, ChannelHealth],
})
export class LanesModule {}
