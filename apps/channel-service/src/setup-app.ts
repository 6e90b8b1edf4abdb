import express, { type NextFunction, type Request, type Response } from 'express';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AllExceptionsFilter, AppConfig, MetricsService, SERVICE_VERSION, createValidationPipe } from '#common';
import { AppModule, type AppModuleOptions } from './app.module.js';

/** Admin API bodies are small; the inbound webhook parses its own body under its own 1 MiB limit. */
export const JSON_BODY_LIMIT = '256kb';
const WEBHOOK_PATH = /^\/[^/]+\/bot_api_webhook\/?$/;


/** Pipes, filters, body limits, logging, metrics and docs: shared by main.ts and every e2e test. */
export function setupApp(app: NestExpressApplication): NestExpressApplication {
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.use(app.get(MetricsService).httpMiddleware);
  const json = express.json({ limit: JSON_BODY_LIMIT });
  app.use((req: Request, res: Response, next: NextFunction) => (WEBHOOK_PATH.test(req.path) ? next() : json(req, res, next)));
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('channel-service')
      .setDescription('Admin REST API and Omnichannel public API of the Platform channel service.')
      .setVersion(SERVICE_VERSION)
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'PLATFORM_ADMIN_TOKEN (operator) or a tenant API key' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}

export async function createApp(config: AppConfig, options: AppModuleOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, options), {
    bufferLogs: true,
    bodyParser: false,
    abortOnError: false,
  });
  return setupApp(app);
}

/**
 * Ctrl-C / SIGTERM: Nest closes HTTP, then stops the queue and the database pool; `afterClose` then
 * stops what lives outside Nest (the embedded PostgreSQL). A second signal exits at once.
 */
export function installGracefulShutdown(app: NestExpressApplication, afterClose: () => Promise<void>, log: (message: string) => void): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      log(`${signal} again: exiting now.`);
      process.exit(130);
    }
    closing = true;
    log(`${signal} received: shutting down.`);
    app
      .close()
      .then(afterClose)
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log(`Shutdown failed: ${String(error)}`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
