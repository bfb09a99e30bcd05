CREATE TABLE "variable_set_projects" (
	"varset_id" text NOT NULL,
	"project_id" text NOT NULL,
	CONSTRAINT "variable_set_projects_varset_id_project_id_pk" PRIMARY KEY("varset_id","project_id")
);
--> statement-breakpoint
CREATE TABLE "variable_set_variables" (
	"id" text PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	"category" text NOT NULL,
	"hcl" boolean DEFAULT false NOT NULL,
	"sensitive" boolean DEFAULT false NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"version_id" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	"varset_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "variable_set_workspaces" (
	"varset_id" text NOT NULL,
	"workspace_id" text NOT NULL,
	CONSTRAINT "variable_set_workspaces_varset_id_workspace_id_pk" PRIMARY KEY("varset_id","workspace_id")
);
--> statement-breakpoint
CREATE TABLE "variable_sets" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"global" boolean DEFAULT false NOT NULL,
	"priority" boolean DEFAULT false NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "variables" (
	"id" text PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	"category" text NOT NULL,
	"hcl" boolean DEFAULT false NOT NULL,
	"sensitive" boolean DEFAULT false NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"version_id" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	"workspace_id" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "variable_set_projects" ADD CONSTRAINT "variable_set_projects_varset_id_variable_sets_id_fk" FOREIGN KEY ("varset_id") REFERENCES "public"."variable_sets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "variable_set_projects" ADD CONSTRAINT "variable_set_projects_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "variable_set_variables" ADD CONSTRAINT "variable_set_variables_varset_id_variable_sets_id_fk" FOREIGN KEY ("varset_id") REFERENCES "public"."variable_sets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "variable_set_workspaces" ADD CONSTRAINT "variable_set_workspaces_varset_id_variable_sets_id_fk" FOREIGN KEY ("varset_id") REFERENCES "public"."variable_sets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "variable_set_workspaces" ADD CONSTRAINT "variable_set_workspaces_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "variable_sets" ADD CONSTRAINT "variable_sets_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "variables" ADD CONSTRAINT "variables_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "variable_set_projects_prj_idx" ON "variable_set_projects" USING btree ("project_id");--> statement-breakpoint
CREATE UNIQUE INDEX "variable_set_variables_set_category_key_key" ON "variable_set_variables" USING btree ("varset_id","category","key");--> statement-breakpoint
CREATE INDEX "variable_set_workspaces_ws_idx" ON "variable_set_workspaces" USING btree ("workspace_id");--> statement-breakpoint
CREATE UNIQUE INDEX "variable_sets_org_name_key" ON "variable_sets" USING btree ("organization_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "variables_ws_category_key_key" ON "variables" USING btree ("workspace_id","category","key");