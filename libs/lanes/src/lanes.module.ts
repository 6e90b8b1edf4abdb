import { Global, Module } from '@nestjs/common';
import { ChatLanes } from './chat-lanes.js';
import { LaneWakeups } from './lane-wakeups.js';
import { ChatLanesRepository } from './lanes.repository.js';

/** The delivery engine, for every role; global: one set of wake-ups per process. */
@Global()
@Module({
  providers: [ChatLanesRepository, ChatLanes, LaneWakeups],
  exports: [ChatLanes, ChatLanesRepository],
})
export class LanesModule {}
