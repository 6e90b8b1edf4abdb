import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OpenTelemetry: a message carries the W3C `traceparent` of the trace it belongs to (the visitor message's webhook,
 * the Agent call its replies came from), so the replica that works it later continues that trace. Null when tracing
 * is off; a nullable column without a default is added without rewriting the table.
 */
export class MessageTraceContext1796800000000 implements MigrationInterface {
  name = 'MessageTraceContext1796800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "messages" ADD "trace_context" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "messages" DROP COLUMN "trace_context"`);
  }
}
