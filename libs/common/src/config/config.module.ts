import { Global, Module, type DynamicModule } from '@nestjs/common';
import { SecretBox } from '../crypto/secret-box.service.js';
import { Tracing } from '../tracing/tracing.js';
import { AppConfig } from './app-config.js';

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: AppConfig, useValue: config }, SecretBox, Tracing],
      exports: [AppConfig, SecretBox, Tracing],
    };
  }
}
