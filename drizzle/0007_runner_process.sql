ALTER TABLE "runs" ADD COLUMN "runner_pid" integer;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "runner_started_at_ticks" bigint;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "shutdown_interrupted_at" timestamp (3) with time zone;