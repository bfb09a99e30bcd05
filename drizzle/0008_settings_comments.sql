CREATE TABLE "run_comments" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"body" text NOT NULL,
	"author" text,
	"author_user_id" text,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workspace_remote_state_consumers" (
	"workspace_id" text NOT NULL,
	"consumer_id" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "workspace_remote_state_consumers_workspace_id_consumer_id_pk" PRIMARY KEY("workspace_id","consumer_id")
);
--> statement-breakpoint
ALTER TABLE "run_events" ADD COLUMN "actor_user_id" text;--> statement-breakpoint
ALTER TABLE "run_events" ADD COLUMN "comment_id" text;--> statement-breakpoint
ALTER TABLE "workspaces" ADD COLUMN "auto_destroy_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "run_comments" ADD CONSTRAINT "run_comments_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_comments" ADD CONSTRAINT "run_comments_author_user_id_users_id_fk" FOREIGN KEY ("author_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_remote_state_consumers" ADD CONSTRAINT "workspace_remote_state_consumers_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_remote_state_consumers" ADD CONSTRAINT "workspace_remote_state_consumers_consumer_id_workspaces_id_fk" FOREIGN KEY ("consumer_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "run_comments_run_idx" ON "run_comments" USING btree ("run_id","created_at");--> statement-breakpoint
CREATE INDEX "workspace_remote_state_consumers_consumer_idx" ON "workspace_remote_state_consumers" USING btree ("consumer_id");--> statement-breakpoint
ALTER TABLE "run_events" ADD CONSTRAINT "run_events_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_events" ADD CONSTRAINT "run_events_comment_id_run_comments_id_fk" FOREIGN KEY ("comment_id") REFERENCES "public"."run_comments"("id") ON DELETE set null ON UPDATE no action;