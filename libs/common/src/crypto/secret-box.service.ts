import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { decryptSecret, encryptSecret } from './secrets.js';

/** Encrypts stored tokens with SECRETS_KEY. */
@Injectable()
export class SecretBox {
  constructor(private readonly config: AppConfig) {}

  seal(plaintext: string): string {
    return encryptSecret(plaintext, this.config.secretsKey);
  }

  open(sealed: string): string {
    return decryptSecret(sealed, this.config.secretsKey);
  }
}
