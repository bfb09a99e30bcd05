/** Runs created by the CLIs (cloud block, remote backend): their users watch the log stream. */
export const cliRunSources = ["terraform+cloud", "terraform"] as const;

/** How long an auto-applied CLI run's apply waits for the CLI to finish reading the plan log. */
export const cliApplyHoldMs = 10_000;
