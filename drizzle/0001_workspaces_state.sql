CREATE TABLE "projects" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "state_version_outputs" (
	"id" text PRIMARY KEY NOT NULL,
	"state_version_id" text NOT NULL,
	"name" text NOT NULL,
	"sensitive" boolean NOT NULL,
	"type" jsonb,
	"value" text NOT NULL,
	"position" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "state_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"workspace_id" text NOT NULL,
	"serial" bigint NOT NULL,
	"lineage" text,
	"md5" text NOT NULL,
	"force" boolean DEFAULT false NOT NULL,
	"status" text NOT NULL,
	"size" bigint,
	"json_state_size" bigint,
	"pending_outputs" text,
	"terraform_version" text,
	"state_format_version" integer,
	"resources" jsonb,
	"resources_processed" boolean DEFAULT false NOT NULL,
	"run_id" text,
	"upload_started_at" timestamp (3) with time zone,
	"created_by" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"finalized_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "tags" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workspace_tags" (
	"workspace_id" text NOT NULL,
	"tag_id" text NOT NULL,
	CONSTRAINT "workspace_tags_workspace_id_tag_id_pk" PRIMARY KEY("workspace_id","tag_id")
);
--> statement-breakpoint
CREATE TABLE "workspaces" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"project_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"execution_mode" text DEFAULT 'remote' NOT NULL,
	"terraform_version" text DEFAULT 'latest' NOT NULL,
	"engine" text DEFAULT 'terraform' NOT NULL,
	"auto_apply" boolean DEFAULT false NOT NULL,
	"working_directory" text DEFAULT '' NOT NULL,
	"allow_destroy_plan" boolean DEFAULT true NOT NULL,
	"file_triggers_enabled" boolean DEFAULT true NOT NULL,
	"queue_all_runs" boolean DEFAULT false NOT NULL,
	"speculative_enabled" boolean DEFAULT true NOT NULL,
	"global_remote_state" boolean DEFAULT false NOT NULL,
	"assessments_enabled" boolean DEFAULT false NOT NULL,
	"trigger_prefixes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"trigger_patterns" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"source_name" text,
	"source_url" text,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"lock_holder" text,
	"lock_reason" text,
	"locked_at" timestamp (3) with time zone,
	"current_state_version_id" text,
	"current_run_id" text,
	"resource_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "state_version_outputs" ADD CONSTRAINT "state_version_outputs_state_version_id_state_versions_id_fk" FOREIGN KEY ("state_version_id") REFERENCES "public"."state_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "state_versions" ADD CONSTRAINT "state_versions_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tags" ADD CONSTRAINT "tags_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_tags" ADD CONSTRAINT "workspace_tags_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_tags" ADD CONSTRAINT "workspace_tags_tag_id_tags_id_fk" FOREIGN KEY ("tag_id") REFERENCES "public"."tags"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspaces" ADD CONSTRAINT "workspaces_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspaces" ADD CONSTRAINT "workspaces_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "projects_org_name_key" ON "projects" USING btree ("organization_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "state_version_outputs_sv_name_key" ON "state_version_outputs" USING btree ("state_version_id","name");--> statement-breakpoint
CREATE INDEX "state_versions_ws_created_idx" ON "state_versions" USING btree ("workspace_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "tags_org_name_key" ON "tags" USING btree ("organization_id","name");--> statement-breakpoint
CREATE INDEX "workspace_tags_tag_idx" ON "workspace_tags" USING btree ("tag_id");--> statement-breakpoint
CREATE UNIQUE INDEX "workspaces_org_name_key" ON "workspaces" USING btree ("organization_id","name");--> statement-breakpoint
CREATE INDEX "workspaces_project_idx" ON "workspaces" USING btree ("project_id");