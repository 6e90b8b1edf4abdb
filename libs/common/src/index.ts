export {
  AppConfig,
  ROLES,
  LOG_LEVELS,
  type Role,
  type LogLevel,
  type NodeEnv,
  type AppConfigFields,
} from './config/app-config.js';
export { ConfigError } from './config/config.error.js';
export { ConfigModule } from './config/config.module.js';
export { configFromEnvironment, databaseSettingsFromEnvironment, readEnvironment } from './config/environment.js';
export {
  loadConfig,
  loadDatabaseSettings,
  DEFAULT_RETRY_DELAYS_MS,
  DEFAULT_CHANNEL_MAX_IN_FLIGHT,
  DEFAULT_HTTP_HEADERS_TIMEOUT_MS,
  DEFAULT_HTTP_REQUEST_TIMEOUT_MS,
  type Environment,
  type DevSecrets,
  type DatabaseSettings,
} from './config/load-config.js';
export { loadOrCreateDevSecrets } from './config/dev-secrets.js';
export { AppError, type ErrorBody, type FieldError } from './errors/app-error.js';
export { ErrorCode, STATUS_OF_CODE, codeForStatus } from './errors/error-code.js';
export { AllExceptionsFilter } from './errors/all-exceptions.filter.js';
export {
  createValidationPipe,
  flattenValidationErrors,
  inputProblems,
  validationFailed,
  MAX_INPUT_DEPTH,
} from './errors/validation.js';
export { PathId, PathIdPipe, anyText } from './errors/path-params.js';
export {
  LoggingModule,
  ROOT_LOGGER,
  assignRequestId,
  logLevelForStatus,
  requestLogOptions,
} from './logging/logging.module.js';
export { redactWebhookToken, redactRequestUrl, REDACTED, type LogDestination } from './logging/redact.js';
export { QuietStartupLogger, logFormatOf, stdoutDestination } from './logging/log-format.js';
export { MetricsModule } from './metrics/metrics.module.js';
export { MetricsService, UNMATCHED_ROUTE } from './metrics/metrics.service.js';
export { SERVICE_NAME, SERVICE_VERSION, USER_AGENT } from './service-info.js';
export { sha256, randomToken, constantTimeEquals, encryptSecret, decryptSecret } from './crypto/secrets.js';
export { SecretBox } from './crypto/secret-box.service.js';
export {
  newSigningSecret,
  signWebhook,
  webhookSignatureProblem,
  webhookSignatureHeadersProblem,
  SIGNING_SECRET_PREFIX,
  SIGNATURE_TOLERANCE_SECONDS,
  type WebhookSignatureHeaders,
} from './crypto/webhook-signature.js';
export { methodUrl } from './http/method-url.js';
export { OutboundHttpModule } from './http/outbound-http.module.js';
export {
  OutboundHttpClient,
  OutboundFailure,
  CONNECT_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  type OutboundRequest,
  type OutboundResponse,
  type OutboundFailureKind,
} from './http/outbound-http.client.js';
export { readAtMost, type BoundedRead } from './http/bounded-read.js';
export {
  ApiErrors,
  ErrorResponseDto,
  FieldErrorDto,
  UNAUTHORIZED_DOC,
  type DocumentedError,
} from './errors/api-docs.js';
export { uuid7 } from './ids/uuid7.js';
export {
  Tracing,
  SpanKind,
  injectTraceContext,
  traceFields,
  type SpanOptions,
  type SpanParent,
  type TraceSpan,
} from './tracing/tracing.js';
export { OTLP_PROTOCOLS, type OtlpProtocol, type TracingConfig } from './config/tracing-config.js';
export { parseDuration, formatDuration, DURATION_RULE, MAX_DURATION_SECONDS } from './time/duration.js';
export { Coalescer } from './batching/coalescer.js';
export { textProblem, isWellFormedText, scrubText, wellFormedExcerpt } from './text/well-formed.js';
export { redactSecrets } from './text/redact-secrets.js';
