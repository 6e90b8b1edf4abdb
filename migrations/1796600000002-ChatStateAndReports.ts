import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A chat's state (closed by the Agent's `close_chat` or by the client server's `chat_closed`, reopened by the next
 * visitor message), and the report lane: delivery reports for the Agent runtime (AGENT_DELIVERY_EVENTS) in a table of
 * their own, with the lane's due time, lease and counter on the chat like the other two lanes'. Nothing existing
 * changes meaning: every chat is open and has no report waiting.
 */
export class ChatStateAndReports1796600000002 implements MigrationInterface {
  name = 'ChatStateAndReports1796600000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "chats" ADD "report_due_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "chats" ADD "report_claimed_until" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "chats" ADD "report_seq" bigint NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "chats" ADD "closed_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "chats" ADD "closed_by" text`);
    await queryRunner.query(
      `CREATE INDEX "chats_report_due_idx" ON "chats" ("report_due_at") WHERE "report_due_at" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE TABLE "agent_reports" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "tenant_id" uuid NOT NULL, "chat_id" uuid NOT NULL, "message_id" uuid NOT NULL, "message_kind" text NOT NULL, "outcome" text NOT NULL, "error" text, "attempts" integer NOT NULL DEFAULT '0', "last_error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_agent_reports" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "agent_reports_chat_idx" ON "agent_reports" ("chat_id", "id")`);
    await queryRunner.query(
      `ALTER TABLE "agent_reports" ADD CONSTRAINT "FK_b2de10db5fba69d5b8d6a74a98d" FOREIGN KEY ("chat_id") REFERENCES "chats"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "agent_reports"`);
    await queryRunner.query(`DROP INDEX "public"."chats_report_due_idx"`);
    await queryRunner.query(`ALTER TABLE "chats" DROP COLUMN "closed_by"`);
    await queryRunner.query(`ALTER TABLE "chats" DROP COLUMN "closed_at"`);
    await queryRunner.query(`ALTER TABLE "chats" DROP COLUMN "report_seq"`);
    await queryRunner.query(`ALTER TABLE "chats" DROP COLUMN "report_claimed_until"`);
    await queryRunner.query(`ALTER TABLE "chats" DROP COLUMN "report_due_at"`);
  }
}
