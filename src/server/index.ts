// The server's public API (package export "llama.ts/server"): build the app around a loaded model,
// or start it on a socket.

export { createServerApp, PUBLIC_PATHS } from "./app.js";
export type { ServerApp, ServerAppOptions } from "./app.js";
export { startServer, checkBindSecurity, isLoopback } from "./server.js";
export type { RunningServer, StartServerOptions } from "./server.js";
export { parseUpstream } from "./upstream.js";
export type { Upstream } from "./upstream.js";
export { Scheduler } from "./scheduler.js";
export type { SchedulerOptions } from "./scheduler.js";
