import { Global, Module } from '@nestjs/common';
import { OutboundHttpClient } from './outbound-http.client.js';

@Global()
@Module({
  providers: [OutboundHttpClient],
  exports: [OutboundHttpClient],
})
export class OutboundHttpModule {}
