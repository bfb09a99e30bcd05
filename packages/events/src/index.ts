export type { EventBus, Events, EventsErrorContext, EventsErrorHandler, LogStreams } from "./events.ts";
export { reportToConsole } from "./events.ts";
export { createMemoryEvents, type MemoryEventsOptions } from "./memory-events.ts";
// The Redis implementation lives at "@terrapod/events/redis" so the embedded shape never loads ioredis.
