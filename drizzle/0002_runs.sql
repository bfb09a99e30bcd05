CREATE TABLE "configuration_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"workspace_id" text NOT NULL,
	"status" text NOT NULL,
	"error_message" text,
	"auto_queue_runs" boolean DEFAULT true NOT NULL,
	"speculative" boolean DEFAULT false NOT NULL,
	"provisional" boolean DEFAULT false NOT NULL,
	"source" text DEFAULT 'tfe-api' NOT NULL,
	"size" bigint,
	"upload_started_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL,
	"uploaded_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "run_events" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"action" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"actor" text,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" text PRIMARY KEY NOT NULL,
	"workspace_id" text NOT NULL,
	"configuration_version_id" text NOT NULL,
	"status" text NOT NULL,
	"message" text DEFAULT '' NOT NULL,
	"source" text DEFAULT 'tfe-api' NOT NULL,
	"is_destroy" boolean DEFAULT false NOT NULL,
	"refresh" boolean DEFAULT true NOT NULL,
	"refresh_only" boolean DEFAULT false NOT NULL,
	"target_addrs" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"replace_addrs" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"plan_only" boolean DEFAULT false NOT NULL,
	"speculative" boolean DEFAULT false NOT NULL,
	"save_plan" boolean DEFAULT false NOT NULL,
	"auto_apply" boolean DEFAULT false NOT NULL,
	"allow_empty_apply" boolean DEFAULT false NOT NULL,
	"terraform_version" text,
	"engine" text DEFAULT 'terraform' NOT NULL,
	"engine_version" text DEFAULT '' NOT NULL,
	"variables" text,
	"created_by" text,
	"has_changes" boolean,
	"error_message" text,
	"status_timestamps" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"queued_at" timestamp (3) with time zone,
	"plan_id" text NOT NULL,
	"plan_status" text DEFAULT 'pending' NOT NULL,
	"plan_timestamps" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"plan_additions" integer,
	"plan_changes" integer,
	"plan_destructions" integer,
	"plan_imports" integer,
	"apply_id" text NOT NULL,
	"apply_status" text DEFAULT 'pending' NOT NULL,
	"apply_timestamps" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"apply_additions" integer,
	"apply_changes" integer,
	"apply_destructions" integer,
	"apply_imports" integer,
	"claimed_by" text,
	"attempt" integer DEFAULT 0 NOT NULL,
	"heartbeat_at" timestamp (3) with time zone,
	"cancel_requested_at" timestamp (3) with time zone,
	"force_cancel_requested" boolean DEFAULT false NOT NULL,
	"confirmed_by" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "configuration_versions" ADD CONSTRAINT "configuration_versions_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_events" ADD CONSTRAINT "run_events_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_configuration_version_id_configuration_versions_id_fk" FOREIGN KEY ("configuration_version_id") REFERENCES "public"."configuration_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "configuration_versions_ws_created_idx" ON "configuration_versions" USING btree ("workspace_id","created_at");--> statement-breakpoint
CREATE INDEX "run_events_run_idx" ON "run_events" USING btree ("run_id","created_at");--> statement-breakpoint
CREATE INDEX "runs_ws_created_idx" ON "runs" USING btree ("workspace_id","created_at");--> statement-breakpoint
CREATE INDEX "runs_status_idx" ON "runs" USING btree ("status");--> statement-breakpoint
CREATE INDEX "runs_plan_id_idx" ON "runs" USING btree ("plan_id");--> statement-breakpoint
CREATE INDEX "runs_apply_id_idx" ON "runs" USING btree ("apply_id");