import { Global, Module } from '@nestjs/common';
import { HttpModule } from '@nestjs/axios';
import { AppConfig } from '../config/app-config.js';
import { OutboundHttpAgent, OutboundHttpsAgent } from './outbound-agents.js';
import { CONNECT_TIMEOUT_MS, OutboundHttpClient } from './outbound-http.client.js';

@Global()
@Module({
  imports: [
    HttpModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const options = {
          allowPrivateNetworks: config.outboundAllowPrivateNetworks,
          connectTimeoutMs: CONNECT_TIMEOUT_MS,
        };
        return {
          httpAgent: new OutboundHttpAgent(options),
          httpsAgent: new OutboundHttpsAgent(options),
          maxRedirects: 0,
          proxy: false,
        };
      },
    }),
  ],
  providers: [OutboundHttpClient],
  exports: [OutboundHttpClient],
})
export class OutboundHttpModule {}
