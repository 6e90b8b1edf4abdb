import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ChatsAndMessages1795465990153 implements MigrationInterface {
  name = 'ChatsAndMessages1795465990153';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "chats" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "client_chat_id" text NOT NULL, "client_chat_id_is_number" boolean NOT NULL, "visitor_id" text NOT NULL, "variables" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_message_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_0117647b3c4a4e5ff198aeb6206" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "chats_channel_last_message_idx" ON "chats"  ("channel_id", "last_message_at")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "chats_channel_client_chat_key" ON "chats"  ("channel_id", "client_chat_id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "messages" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "tenant_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "chat_id" uuid NOT NULL, "direction" text NOT NULL, "kind" text NOT NULL, "client_message_id" text, "text" text, "buttons" jsonb, "payload" jsonb, "status" text NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "last_error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "delivered_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_18325f38ae6de43878487eff986" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "messages_chat_created_idx" ON "messages"  ("chat_id", "created_at")`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "messages_channel_client_message_key" ON "messages"  ("channel_id", "client_message_id") WHERE "client_message_id" IS NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "chats" ADD CONSTRAINT "FK_9b244edb1b3635f5117dd96c2df" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "FK_86b9109b155eb70c0a2ca3b4b6d" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "FK_7540635fef1922f0b156b9ef74f" FOREIGN KEY ("chat_id") REFERENCES "chats"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "FK_7540635fef1922f0b156b9ef74f"`);
    await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "FK_86b9109b155eb70c0a2ca3b4b6d"`);
    await queryRunner.query(`ALTER TABLE "chats" DROP CONSTRAINT "FK_9b244edb1b3635f5117dd96c2df"`);
    await queryRunner.query(`DROP INDEX "public"."messages_channel_client_message_key"`);
    await queryRunner.query(`DROP INDEX "public"."messages_chat_created_idx"`);
    await queryRunner.query(`DROP TABLE "messages"`);
    await queryRunner.query(`DROP INDEX "public"."chats_channel_client_chat_key"`);
    await queryRunner.query(`DROP INDEX "public"."chats_channel_last_message_idx"`);
    await queryRunner.query(`DROP TABLE "chats"`);
  }
}
