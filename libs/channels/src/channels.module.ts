import { Module } from '@nestjs/common';
import { TenancyModule } from '#tenancy';
import { ActivationChecks } from './activation.checks.js';
import { ChannelLookup } from './channel-lookup.js';
import { AgentsController } from './agents.controller.js';
import { AgentsRepository } from './agents.repository.js';
import { AgentsService } from './agents.service.js';
import { ChannelsController } from './channels.controller.js';
import { ChannelsRepository } from './channels.repository.js';
import { ChannelsService } from './channels.service.js';

@Module({
  imports: [TenancyModule],
  controllers: [AgentsController, ChannelsController],
  providers: [AgentsRepository, AgentsService, ChannelsRepository, ChannelsService, ActivationChecks, ChannelLookup],
  exports: [ChannelsRepository, AgentsRepository, ChannelLookup],
})
export class ChannelsModule {}
