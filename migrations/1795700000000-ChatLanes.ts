import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The chat lanes replace pg-boss. Lanes are derived from the messages' own statuses, so an upgrade with messages in
 * flight loses nothing: a chat with a `received` visitor message or a `queued` reply is due now. pg-boss's schema is
 * dropped: a replica of the previous version still running fails its inbound writes with 500 (the client server
 * sends again, to a new replica) instead of storing a message no lane would ever pick up.
 */
export class ChatLanes1795700000000 implements MigrationInterface {
  name = 'ChatLanes1795700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "chats" ADD "agent_due_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "chats" ADD "agent_claimed" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "chats" ADD "send_due_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "chats" ADD "send_claimed" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "chats" ADD "inbound_seq" bigint NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "chats" ADD "outbound_seq" bigint NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "messages" ADD "schedule_base" integer NOT NULL DEFAULT '0'`);
    await queryRunner.query(
      `CREATE INDEX "chats_agent_due_idx" ON "chats" ("agent_due_at") WHERE "agent_due_at" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "chats_send_due_idx" ON "chats" ("send_due_at") WHERE "send_due_at" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "messages_chat_pending_idx" ON "messages" ("chat_id", "created_at", "id") WHERE "status" IN ('received', 'queued')`,
    );
    await queryRunner.query(
      `UPDATE chats c SET agent_due_at = now() WHERE EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = c.id AND m.status = 'received')`,
    );
    await queryRunner.query(
      `UPDATE chats c SET send_due_at = now() WHERE EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = c.id AND m.status = 'queued')`,
    );
    await queryRunner.query(`DROP SCHEMA IF EXISTS pgboss CASCADE`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // pg-boss's schema is not restored: the previous version's `migration:run` installs it again.
    await queryRunner.query(`DROP INDEX "public"."messages_chat_pending_idx"`);
    await queryRunner.query(`DROP INDEX "public"."chats_send_due_idx"`);
    await queryRunner.query(`DROP INDEX "public"."chats_agent_due_idx"`);
    await queryRunner.query(`ALTER TABLE "messages" DROP COLUMN "schedule_base"`);
    await queryRunner.query(`ALTER TABLE "chats" DROP COLUMN "outbound_seq"`);
    await queryRunner.query(`ALTER TABLE "chats" DROP COLUMN "inbound_seq"`);
    await queryRunner.query(`ALTER TABLE "chats" DROP COLUMN "send_claimed"`);
    await queryRunner.query(`ALTER TABLE "chats" DROP COLUMN "send_due_at"`);
    await queryRunner.query(`ALTER TABLE "chats" DROP COLUMN "agent_claimed"`);
    await queryRunner.query(`ALTER TABLE "chats" DROP COLUMN "agent_due_at"`);
  }
}
