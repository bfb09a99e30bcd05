ALTER TABLE "configuration_versions" ADD COLUMN "backing_data" text DEFAULT 'present' NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "policy_paths" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "invoke_action_addrs" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "created_by_user_id" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "force_cancel_available_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "confirmed_by_user_id" text;--> statement-breakpoint
ALTER TABLE "state_versions" ADD COLUMN "backing_data" text DEFAULT 'present' NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_confirmed_by_user_id_users_id_fk" FOREIGN KEY ("confirmed_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;