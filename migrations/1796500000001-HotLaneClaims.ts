import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A claim no longer moves the lane's due time (an indexed column) to the end of its lease: the lease gets a column of
 * its own, `*_claimed_until`, which no index covers, so a claim is a HOT update (no index entry written, the old row
 * version pruned in place, with no vacuum). `fillfactor` 70 leaves the room on each page that HOT updates need. A chat
 * held at the upgrade keeps its lease: due now, claimed until the old lease ends, as a lease the new code reads.
 */
export class HotLaneClaims1796500000001 implements MigrationInterface {
  name = 'HotLaneClaims1796500000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "chats" ADD "agent_claimed_until" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "chats" ADD "send_claimed_until" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `UPDATE chats SET agent_claimed_until = agent_due_at, agent_due_at = now() WHERE agent_claimed AND agent_due_at > now()`,
    );
    await queryRunner.query(
      `UPDATE chats SET send_claimed_until = send_due_at, send_due_at = now() WHERE send_claimed AND send_due_at > now()`,
    );
    await queryRunner.query(`ALTER TABLE "chats" DROP COLUMN "agent_claimed"`);
    await queryRunner.query(`ALTER TABLE "chats" DROP COLUMN "send_claimed"`);
    await queryRunner.query(`ALTER TABLE "chats" SET (fillfactor = 70)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "chats" RESET (fillfactor)`);
    await queryRunner.query(`ALTER TABLE "chats" ADD "send_claimed" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "chats" ADD "agent_claimed" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(
      `UPDATE chats SET agent_claimed = true, agent_due_at = agent_claimed_until WHERE agent_claimed_until > now()`,
    );
    await queryRunner.query(
      `UPDATE chats SET send_claimed = true, send_due_at = send_claimed_until WHERE send_claimed_until > now()`,
    );
    await queryRunner.query(`ALTER TABLE "chats" DROP COLUMN "send_claimed_until"`);
    await queryRunner.query(`ALTER TABLE "chats" DROP COLUMN "agent_claimed_until"`);
  }
}
