import type { BackingDataAction } from "@terrapod/core";

/** TFE's backing-data action paths (`…/actions/<name>`) and the core action each one is. */
export const backingDataActions: readonly (readonly [path: string, action: BackingDataAction])[] = [
  ["soft_delete_backing_data", "soft_delete"],
  ["restore_backing_data", "restore"],
  ["permanently_delete_backing_data", "permanently_delete"],
];
