import { Injectable, Logger } from '@nestjs/common';
import { OutboundFailure, OutboundHttpClient, methodUrl, uuid7 } from '#common';

export interface ChannelWarning {
  code: 'CHANNEL_UNREACHABLE' | 'WEBHOOK_REGISTRATION_FAILED';
  message: string;
}

export const CHANNEL_UNREACHABLE: ChannelWarning = { code: 'CHANNEL_UNREACHABLE', message: "Can't reach channel" };
export const WEBHOOK_REGISTRATION_FAILED: ChannelWarning = {
  code: 'WEBHOOK_REGISTRATION_FAILED',
  message: "Couldn't register agent webhook",
};

/** Protocol section 4: the reachability probe gets 5 s; set_webhook the usual 10 s; both run at once (≤ 11 s). */
const PROBE_TIMEOUT_MS = 5_000;

export interface ActivationTarget {
  channelId: string;
  webhookUrl: string;
  webhookToken: string | null;
  platformWebhookUrl: string;
  /** set_webhook is signed like every request to the client server (Standard Webhooks). */
  signingSecrets: string[];
}

/** Runs when a channel is saved active. Warnings never block the save. */
@Injectable()
export class ActivationChecks {
  private readonly logger = new Logger(ActivationChecks.name);

  constructor(private readonly http: OutboundHttpClient) {}

  async run(target: ActivationTarget): Promise<ChannelWarning[]> {
    const [reachable, registered] = await Promise.all([this.probe(target), this.registerWebhook(target)]);
    return [...(reachable ? [] : [CHANNEL_UNREACHABLE]), ...(registered ? [] : [WEBHOOK_REGISTRATION_FAILED])];
  }

  /** Any HTTP response counts as reachable. */
  private async probe(target: ActivationTarget): Promise<boolean> {
    try {
      await this.http.request({ method: 'GET', url: target.webhookUrl, timeoutMs: PROBE_TIMEOUT_MS });
      return true;
    } catch (error) {
      this.logFailure(target, 'reachability probe', error);
      return false;
    }
  }

  private async registerWebhook(target: ActivationTarget): Promise<boolean> {
    try {
      const response = await this.http.request({
        method: 'POST',
        url: methodUrl(target.webhookUrl, 'set_webhook'),
        headers: target.webhookToken ? { Authorization: `Token ${target.webhookToken}` } : {},
        body: { url: target.platformWebhookUrl },
        signing: { id: uuid7(), secrets: target.signingSecrets },
        secrets: [target.webhookToken, ...target.signingSecrets],
      });
      if (response.status >= 200 && response.status < 300) return true;
      this.logger.warn({ channelId: target.channelId, status: response.status }, 'set_webhook was not accepted');
      return false;
    } catch (error) {
      this.logFailure(target, 'set_webhook', error);
      return false;
    }
  }

  private logFailure(target: ActivationTarget, step: string, error: unknown): void {
    if (!(error instanceof OutboundFailure)) throw error;
    this.logger.warn(
      { channelId: target.channelId, failure: error.kind, reason: error.message },
      `Activation ${step} failed`,
    );
  }
}
