import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A channel's capabilities beyond the seed's protocol (docs/protocol.md, "Extensions"): only what the channel set is
 * stored; `{}` means the defaults, all off, so every existing channel's client server sees no change.
 */
export class ChannelCapabilities1796600000001 implements MigrationInterface {
  name = 'ChannelCapabilities1796600000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "channels" ADD "capabilities" jsonb NOT NULL DEFAULT '{}'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "channels" DROP COLUMN "capabilities"`);
  }
}
