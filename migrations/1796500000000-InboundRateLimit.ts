import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A channel's own inbound rate limit (docs/protocol.md, the 429 row). Null: the defaults from the environment
 * (INBOUND_RATE_LIMIT_PER_SECOND, INBOUND_RATE_LIMIT_BURST), so every existing channel keeps them.
 */
export class InboundRateLimit1796500000000 implements MigrationInterface {
  name = 'InboundRateLimit1796500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "channels" ADD "inbound_rate_per_second" integer`);
    await queryRunner.query(`ALTER TABLE "channels" ADD "inbound_burst" integer`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "channels" DROP COLUMN "inbound_burst"`);
    await queryRunner.query(`ALTER TABLE "channels" DROP COLUMN "inbound_rate_per_second"`);
  }
}
