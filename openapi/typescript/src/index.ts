// The boxoffice API for TypeScript: the calls and bodies are generated from openapi/openapi.yaml
// (schema.ts, by openapi-typescript; calls through openapi-fetch). What the document cannot
// say is typed here: the headers that carry a fan's token and an operator's key, the problem
// every error answers with, and the waiting room's event stream. An operator's webhook receiver
// imports @boxoffice/sdk/webhooks (webhooks.ts) instead: it types the events boxoffice posts and
// verifies their signatures, with a library a browser page has no use for.

import createClient from "openapi-fetch";
import type { Client, ClientOptions } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths };
export type Schemas = components["schemas"];
/** An RFC 9457 problem: every error the API answers (application/problem+json). */
export type Problem = Schemas["Problem"];
/** The body of POST and GET /api/token, and of each `status` event. */
export type TokenStatus = Schemas["TokenBody"];
/** An order of several seats held together (POST and GET /api/orders). */
export type Order = Schemas["OrderBody"];
/** The answer of an order's payment: one receipt, and each ticket with its credential. */
export type OrderPayment = Schemas["OrderPaymentBody"];
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
 * stream ends (after the status that says active, or an `ended`) or signal aborts (then it
 * resolves too). A refusal to open the stream (401; 429 when the token has streams open
 * already, where the client should poll GET /api/token instead) rejects with its Problem.
 */
export async function followPlace(baseUrl: string, token: string, onEvent: (e: PlaceEvent) => void, signal?: AbortSignal): Promise<void> {
  let res: Response;
  try {
    res = await fetch(new URL("/api/token/events", baseUrl), { headers: { ...bearer(token), Accept: "text/event-stream" }, signal });
  } catch (error) {
    if (signal?.aborted) return;
    throw error;
  }
  if (!res.ok || res.body === null) {
    throw await problemOf(res);
  }
  const decoder = new TextDecoder();
  const reader = res.body.getReader(); // not for await: browsers' streams need not be iterable
  let buffered = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        return;
      }
      buffered += decoder.decode(value, { stream: true }).replaceAll("\r\n", "\n");
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
  } catch (error) {
    if (signal?.aborted) return;
    throw error;
  } finally {
    reader.cancel().catch(() => {}); // the server frees the stream (a token may hold two)
  }
}

/** problemOf reads a failed answer's problem; an answer that carries none becomes one. */
export async function problemOf(res: Response): Promise<Problem> {
  const type = res.headers.get("Content-Type") ?? "";
  if (type.includes("json")) {
    const body: unknown = await res.json().catch(() => undefined);
    if (isProblem(body)) return body;
  }
  return { type: "about:blank", status: res.status, title: res.statusText || "Error", detail: `the server answered ${res.status} without a problem` };
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
