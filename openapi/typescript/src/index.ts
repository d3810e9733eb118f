// The boxoffice API for TypeScript: the calls and bodies are generated from openapi/openapi.yaml
// (schema.d.ts, by openapi-typescript; calls through openapi-fetch). What the document cannot
// say is typed here: the headers that carry a fan's token and an operator's key, the problem
// every error answers with, and the waiting room's event stream.

import createClient from "openapi-fetch";
import type { Client, ClientOptions } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths };
export type Schemas = components["schemas"];
/** An RFC 9457 problem: every error the API answers (application/problem+json). */
export type Problem = Schemas["Problem"];
/** The body of POST and GET /api/token, and of each `status` event. */
export type TokenStatus = Schemas["TokenBody"];
export type BoxofficeClient = Client<paths>;

/** A client of the API at baseUrl (for `boxoffice dev`, http://127.0.0.1:8080). */
export function createBoxofficeClient(baseUrl: string, options: Omit<ClientOptions, "baseUrl"> = {}): BoxofficeClient {
  return createClient<paths>({ ...options, baseUrl });
}

/** The header a fan's queue token travels in: pass as `headers` of a call. */
export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

/** The header an operator's key (BOXOFFICE_ADMIN_KEY) travels in, for /api/admin/… calls. */
export function adminKey(key: string): { "X-Admin-Key": string } {
  return { "X-Admin-Key": key };
}

/** Whether a call's error is a problem (every answer of the API that is not a success). */
export function isProblem(error: unknown): error is Problem {
  return typeof error === "object" && error !== null && typeof (error as Problem).status === "number";
}

/** What the waiting room's stream (GET /api/token/events) sends. */
export type PlaceEvent =
  | { event: "status"; data: TokenStatus }
  | { event: "heartbeat"; data: Schemas["Heartbeat"] }
  | { event: "ended"; data: Schemas["StreamEnded"] };

/**
 * followPlace streams the token's place in the queue, calling onEvent for each event, until the
 * stream ends (after the status that says active, or an `ended`) or signal aborts. A refusal to
 * open the stream (401, 410, 429) rejects with its Problem. Clients that cannot stream poll GET
 * /api/token instead.
 */
export async function followPlace(baseUrl: string, token: string, onEvent: (e: PlaceEvent) => void, signal?: AbortSignal): Promise<void> {
  const res = await fetch(new URL("/api/token/events", baseUrl), { headers: { ...bearer(token), Accept: "text/event-stream" }, signal });
  if (!res.ok || res.body === null) {
    throw (await res.json()) as Problem;
  }
  const decoder = new TextDecoder();
  const reader = res.body.getReader(); // not for await: browsers' streams need not be iterable
  let buffered = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      return;
    }
    buffered += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const message = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const event = parseEvent(message);
      if (event !== undefined) {
        onEvent(event);
      }
    }
  }
}

/** parseEvent reads one Server-Sent Events message: its event name and JSON data. */
export function parseEvent(message: string): PlaceEvent | undefined {
  let name = "message";
  const data: string[] = [];
  for (const line of message.split("\n")) {
    if (line.startsWith("event:")) {
      name = line.slice(6).trim();
    } else if (line.startsWith("data:")) {
      data.push(line.slice(5).trimStart());
    }
  }
  if (data.length === 0 || (name !== "status" && name !== "heartbeat" && name !== "ended")) {
    return undefined;
  }
  return { event: name, data: JSON.parse(data.join("\n")) } as PlaceEvent;
}
