import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Endpoint health and the client server's pace: a channel can be paused (its replies held), its send lane held
 * for a Retry-After, and its send_message calls capped per second. Every existing channel is active, not held, uncapped.
 */
export class ChannelHealth1796700000001 implements MigrationInterface {
  name = 'ChannelHealth1796700000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "channels" ADD "paused_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "channels" ADD "pause_reason" text`);
    await queryRunner.query(`ALTER TABLE "channels" ADD "delivery_failing_since" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "channels" ADD "probe_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "channels" ADD "send_held_until" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "channels" ADD "delivery_rate_per_second" integer`);
    await queryRunner.query(`ALTER TABLE "channels" ADD "delivery_tat" TIMESTAMP WITH TIME ZONE`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "channels" DROP COLUMN "delivery_tat"`);
    await queryRunner.query(`ALTER TABLE "channels" DROP COLUMN "delivery_rate_per_second"`);
    await queryRunner.query(`ALTER TABLE "channels" DROP COLUMN "send_held_until"`);
    await queryRunner.query(`ALTER TABLE "channels" DROP COLUMN "probe_at"`);
    await queryRunner.query(`ALTER TABLE "channels" DROP COLUMN "delivery_failing_since"`);
    await queryRunner.query(`ALTER TABLE "channels" DROP COLUMN "pause_reason"`);
    await queryRunner.query(`ALTER TABLE "channels" DROP COLUMN "paused_at"`);
  }
}
