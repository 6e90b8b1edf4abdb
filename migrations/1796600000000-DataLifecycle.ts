import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Data lifecycle (docs/operations.md, "Data lifecycle"):
 * - a tenant's own message retention (null: MESSAGE_RETENTION);
 * - `deleted_at` on tenants, agents and channels: a deleted one is gone from the API at once and its data is
 *   removed in the background in bounded batches;
 * - the retention sweep's index: the ended messages of a tenant by age (pending messages are never in it);
 * - a channel's chats by visitor, for erasure and export;
 * - no foreign key from messages to channels: a channel's messages go with its chats (messages → chats → channels
 *   both cascade), and that key made every channel delete scan the whole messages table (no index leads with
 *   channel_id for every row).
 */
export class DataLifecycle1796600000000 implements MigrationInterface {
  name = 'DataLifecycle1796600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tenants" ADD "message_retention_seconds" integer`);
    await queryRunner.query(`ALTER TABLE "tenants" ADD "deleted_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "agents" ADD "deleted_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "channels" ADD "deleted_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `CREATE INDEX "messages_ended_idx" ON "messages" ("tenant_id", "created_at") WHERE "status" IN ('answered', 'delivered', 'failed', 'skipped')`,
    );
    await queryRunner.query(`CREATE INDEX "chats_channel_visitor_idx" ON "chats" ("channel_id", "visitor_id")`);
    await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "FK_86b9109b155eb70c0a2ca3b4b6d"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "FK_86b9109b155eb70c0a2ca3b4b6d" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`DROP INDEX "public"."chats_channel_visitor_idx"`);
    await queryRunner.query(`DROP INDEX "public"."messages_ended_idx"`);
    await queryRunner.query(`ALTER TABLE "channels" DROP COLUMN "deleted_at"`);
    await queryRunner.query(`ALTER TABLE "agents" DROP COLUMN "deleted_at"`);
    await queryRunner.query(`ALTER TABLE "tenants" DROP COLUMN "deleted_at"`);
    await queryRunner.query(`ALTER TABLE "tenants" DROP COLUMN "message_retention_seconds"`);
  }
}
