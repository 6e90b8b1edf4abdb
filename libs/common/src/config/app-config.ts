import type { TracingConfig } from './tracing-config.js';

export const ROLES = ['all', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type NodeEnv = 'production' | 'development' | 'test';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface AppConfigFields {
  nodeEnv: NodeEnv;
  /** `null` outside production means: start the embedded PostgreSQL. */
  databaseUrl: string | null;
  port: number;
  publicBaseUrl: string;
  platformAdminToken: string;
  /** True when the operator token was generated (and kept in DATA_DIR), not given: only then the banner shows it. */
  platformAdminTokenGenerated: boolean;
  secretsKey: Buffer;
  agentRuntimeUrl: string | null;
  /** AGENT_DELIVERY_EVENTS: each reply's and action's final outcome is posted to the Agent runtime (`type: "delivery"`). */
  agentDeliveryEvents: boolean;
  outboundAllowPrivateNetworks: boolean;
  allowHttpWebhooks: boolean;
  deliveryRetryDelaysMs: readonly number[];
  channelMaxInFlight: number;
  /** A channel's inbound budget unless it has its own: messages per second sustained, and the burst. */
  inboundRatePerSecond: number;
  inboundBurst: number;
  /** Node's headersTimeout: the request line and headers must arrive within this. */
  httpHeadersTimeoutMs: number;
  /** Node's requestTimeout: the whole request, body included, must arrive within this. */
  httpRequestTimeoutMs: number;
  /** MESSAGE_RETENTION: how long an ended message is kept, unless its tenant has its own. */
  messageRetentionSeconds: number;
  /** RETENTION_SWEEP_INTERVAL: how often a worker runs the retention sweep and the purge of deleted data. */
  retentionSweepIntervalSeconds: number;
  /** CHANNEL_PAUSE_AFTER: a channel whose client server has answered no send_message with a 2xx for this long is paused. */
  channelPauseAfterSeconds: number;
  /** CHANNEL_PROBE_INTERVAL: while paused, one held reply is tried this often. */
  channelProbeIntervalSeconds: number;
  role: Role;
  migrateOnStart: boolean;
  logLevel: LogLevel;
  /** LOG_FORMAT: `json`, or `pretty` (pino-pretty, one line each); null: pretty in development on a terminal, else json. */
  logFormat: LogFormat | null;
  /** The OTEL_* variables: where traces are exported; null: tracing is off. */
  tracing: TracingConfig | null;
  dataDir: string;
}

/** The validated configuration; the DI token for it too. Built only by `loadConfig`. */
export class AppConfig implements AppConfigFields {
  readonly nodeEnv!: NodeEnv;
  readonly databaseUrl!: string | null;
  readonly port!: number;
  readonly publicBaseUrl!: string;
  readonly platformAdminToken!: string;
  readonly platformAdminTokenGenerated!: boolean;
  readonly secretsKey!: Buffer;
  readonly agentRuntimeUrl!: string | null;
  readonly agentDeliveryEvents!: boolean;
  readonly outboundAllowPrivateNetworks!: boolean;
  readonly allowHttpWebhooks!: boolean;
  readonly deliveryRetryDelaysMs!: readonly number[];
  readonly channelMaxInFlight!: number;
  readonly inboundRatePerSecond!: number;
  readonly inboundBurst!: number;
  readonly httpHeadersTimeoutMs!: number;
  readonly httpRequestTimeoutMs!: number;
  readonly messageRetentionSeconds!: number;
  readonly retentionSweepIntervalSeconds!: number;
  readonly channelPauseAfterSeconds!: number;
  readonly channelProbeIntervalSeconds!: number;
  readonly role!: Role;
  readonly migrateOnStart!: boolean;
  readonly logLevel!: LogLevel;
  readonly logFormat!: LogFormat | null;
  readonly tracing!: TracingConfig | null;
  readonly dataDir!: string;

  constructor(fields: AppConfigFields) {
    Object.assign(this, fields);
    Object.freeze(this);
  }

  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }

  get runsHttp(): boolean {
    return this.role !== 'worker';
  }

  get runsWorkers(): boolean {
    return this.role !== 'api';
  }

  with(changes: Partial<AppConfigFields>): AppConfig {
    return new AppConfig({ ...this, ...changes });
  }
}
