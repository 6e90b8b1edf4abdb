import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ChannelsModule } from '#channels';
import {
  AppConfig,
  ConfigModule,
  LoggingModule,
  MetricsModule,
  OutboundHttpModule,
  type LogDestination,
} from '#common';
import { DatabaseModule } from '#database';
import { ConversationsModule } from '#conversations';
import { InboundModule } from '#inbound';
import { LanesModule } from '#lanes';
import { OutboundModule } from '#outbound';
import { TenancyModule } from '#tenancy';
import { HealthController } from './health/health.controller.js';
import { SCHEMA } from './schema.js';

export interface AppModuleOptions {
  /** Where JSON log lines go; stdout unless a test captures them. */
  logDestination?: LogDestination;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config, options.logDestination),
        MetricsModule,
        DatabaseModule.forRoot(SCHEMA),
        TerminusModule.forRoot({ logger: false }),
        OutboundHttpModule,
        // A worker replica serves only /health and /metrics, and runs the Agent bridge and the dispatcher.
        ...(config.runsHttp ? [TenancyModule, ChannelsModule, InboundModule] : []),
        LanesModule,
        ConversationsModule.forRoot(config),
        OutboundModule.forRoot(config),
      ],
      controllers: [HealthController],
    };
  }
}
