// GET / serves the chat page from web/ (index.html, chat.js, style.css): self-contained, no CDN,
// so a strict Content-Security-Policy of 'self' applies. Files are read once at startup.

import { readFileSync } from "node:fs";
import type { Hono } from "hono";

/** web/ sits three levels above this file both in src/server/routes and dist/server/routes. */
const WEB_DIR = new URL("../../../web/", import.meta.url);

const FILES: Record<string, string> = {
  "/": "index.html",
  "/chat.js": "chat.js",
  "/style.css": "style.css",
};
const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

export const WEB_PATHS = Object.keys(FILES);

export function registerWeb(app: Hono): void {
  for (const [path, file] of Object.entries(FILES)) {
    const body = readFileSync(new URL(file, WEB_DIR));
    const type = TYPES[file.split(".").pop()!]!;
    app.get(path, (c) =>
      c.body(body, 200, {
        "Content-Type": type,
        "Content-Security-Policy": "default-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-cache",
      }),
    );
  }
}
