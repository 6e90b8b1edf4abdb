import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signed requests (Standard Webhooks): each channel's signing secret, encrypted with SECRETS_KEY by the service (so
 * not generated here: a channel created before this has none, and its requests go unsigned until its secret is
 * rotated), the previous one for the 24 hours after a rotation, and the opt-in to signed webhooks from the client.
 */
export class SigningSecrets1796700000000 implements MigrationInterface {
  name = 'SigningSecrets1796700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "channels" ADD "signing_secret_encrypted" text`);
    await queryRunner.query(`ALTER TABLE "channels" ADD "previous_signing_secret_encrypted" text`);
    await queryRunner.query(`ALTER TABLE "channels" ADD "signing_secret_rotated_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "channels" ADD "require_signed_webhooks" boolean NOT NULL DEFAULT false`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "channels" DROP COLUMN "require_signed_webhooks"`);
    await queryRunner.query(`ALTER TABLE "channels" DROP COLUMN "signing_secret_rotated_at"`);
    await queryRunner.query(`ALTER TABLE "channels" DROP COLUMN "previous_signing_secret_encrypted"`);
    await queryRunner.query(`ALTER TABLE "channels" DROP COLUMN "signing_secret_encrypted"`);
  }
}
