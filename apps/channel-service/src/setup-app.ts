import type { IncomingMessage, ServerResponse } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json } from 'express';
import { Logger } from 'nestjs-pino';
import {
  AllExceptionsFilter,
  AppConfig,
  MetricsService,
  QuietStartupLogger,
  SERVICE_VERSION,
  createValidationPipe,
} from '#common';
import { WebhookHandler, WEBHOOK_OPENAPI_PATH } from '#inbound';
import { AuthenticateFirstMiddleware } from '#tenancy';
import { AppModule, type AppModuleOptions } from './app.module.js';
import { serveConsole } from './console-static.js';
import { ExpressAdapterWithDeadlines } from './http-server.js';

/** Admin API bodies are small; the inbound webhook parses its own body under its own 1 MiB limit. */
export const JSON_BODY_LIMIT = '256kb';
/** No route outside the admin API takes a body: a larger one is refused (413) before it is read. */
export const OTHER_BODY_LIMIT = '4kb';

/** The webhook handler sees each request before Express does (see WebhookHandler). */
function serveWebhookFirst(app: NestExpressApplication): void {
  const webhook = app.get(WebhookHandler);
  const server = app.getHttpServer();
  const [express] = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeListener('request', express);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!webhook.handle(req, res)) express(req, res);
  });
}

/** Pipes, filters, body limits, logging, metrics and docs: shared by main.ts and every e2e test. */
export function setupApp(app: NestExpressApplication): NestExpressApplication {
  app.useLogger(new QuietStartupLogger(app.get(Logger)));
  app.flushLogs();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.use(app.get(MetricsService).httpMiddleware);
  const runsHttp = app.get(AppConfig).runsHttp;
  if (runsHttp) {
    // An admin body is read only once its sender is known (see AuthenticateFirstMiddleware).
    const authenticateFirst = app.get(AuthenticateFirstMiddleware);
    app.use('/api', authenticateFirst.use.bind(authenticateFirst));
    app.use('/api', json({ limit: JSON_BODY_LIMIT }));
    // Ahead of the parser below: the console takes no body, and answers every /console request with its headers.
    serveConsole(app);
  }
  app.use(json({ limit: OTHER_BODY_LIMIT }));
  if (runsHttp) serveWebhookFirst(app);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('channel-service')
      .setDescription('Admin REST API and Omnichannel public API of the Platform channel service.')
      .setVersion(SERVICE_VERSION)
      // Relative: the service wherever it is deployed (Swagger UI at /docs calls the host it was loaded from). A
      // generated client is given the service's URL instead (its `baseUrl`).
      .addServer('/', 'This service: the host that serves this document.')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque',
        description:
          'An opaque token, sent as `Authorization: Bearer <token>`: the operator token (PLATFORM_ADMIN_TOKEN) or a ' +
          'tenant API key (`csk_…`). Not a JWT.',
      })
      .build(),
  );
  Object.assign(document.paths, WEBHOOK_OPENAPI_PATH);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}

export async function createApp(config: AppConfig, options: AppModuleOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, options),
    new ExpressAdapterWithDeadlines(config),
    { bufferLogs: true, bodyParser: false, abortOnError: false },
  );
  return setupApp(app);
}

/**
 * Ctrl-C / SIGTERM: Nest stops the lane workers (no new claims; calls under way get their grace, then the chats still
 * held are given back), closes HTTP, then the wake-up connection and the database pool; `afterClose` then stops what
 * lives outside Nest (the embedded PostgreSQL). A second signal exits at once.
 */
export function installGracefulShutdown(
  app: NestExpressApplication,
  afterClose: () => Promise<void>,
  log: (message: string) => void,
): void {
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
