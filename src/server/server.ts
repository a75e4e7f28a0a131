// Binds the app to a socket with @hono/node-server. Secure by default: loopback only; any other
// address needs API keys or an explicit `insecure: true`. Resolves once listening.

import { isIP } from "node:net";
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { createServerApp, type ServerApp, type ServerAppOptions } from "./app.js";

export interface StartServerOptions extends ServerAppOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Allow a non-loopback bind without API keys. */
  insecure?: boolean;
}

export interface RunningServer extends ServerApp {
  /** The base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  /** Cancels all sequences and closes the socket. */
  stop(): Promise<void>;
}

/** 127.0.0.0/8, ::1 and "localhost" (which resolves to one of them). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (h.startsWith("::ffff:")) return isLoopback(h.slice(7));
  return false;
}

/** Throws when binding `host` would expose an unauthenticated server. */
export function checkBindSecurity(host: string, hasKeys: boolean, insecure: boolean): void {
  if (isLoopback(host) || hasKeys || insecure) return;
  throw new RangeError(
    `Refusing to listen on "${host}" without an API key: anyone who can reach it could use the model; pass --api-key-file (or --api-key), or --insecure if this network is trusted`,
  );
}

export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const host = opts.host ?? "127.0.0.1";
  checkBindSecurity(host, (opts.apiKeys?.length ?? 0) > 0, !!opts.insecure);
  const built = createServerApp(opts);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: built.app.fetch, hostname: host, port: opts.port ?? 8080 }) as Server;
    s.once("error", reject);
    s.once("listening", () => {
      s.off("error", reject);
      resolve(s);
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    ...built,
    url: `http://${shown}:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        built.close();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
