export type { EventBus, Events, EventsErrorContext, EventsErrorHandler, LogStreams } from "./events.ts";
export { reportToConsole } from "./events.ts";
export { createMemoryEvents, type MemoryEventsOptions } from "./memory-events.ts";
export { createRedisEvents, type RedisEventsConfig } from "./redis-events.ts";
