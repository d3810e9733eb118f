// The receiving end of boxoffice's webhooks: the events an endpoint hears, typed by their
// `type`, and their verification by the Standard Webhooks convention they are signed with.
// The OpenAPI document describes the registration calls but not the requests boxoffice makes,
// so the events' shapes are written here after core/webhook/event.go, which builds them.

import { Webhook, WebhookVerificationError } from "standardwebhooks";
import type { components } from "./schema.js";

/** A sale's state, as sale.state_changed names its two ends. */
export type SaleState = components["schemas"]["SaleBody"]["state"];

/** order.paid: every payment, of an order of several seats or of one seat held on its own. */
export interface OrderPaidData {
  /** The sale's id, a slug such as `spring-tour` (every other id is a UUID). */
  sale_id: string;
  /** The order's id; a seat held on its own is an order of one under its ticket's id. */
  order_id: string;
  payment_id: string;
  /** What was paid, in won. */
  amount: number;
  /** The performance's day, YYYY-MM-DD. */
  date: string;
  /** The ids of the tickets the payment bought. */
  tickets: string[];
}

/** ticket.cancelled: a paid ticket given back, or cancelled with its performance. */
export interface TicketCancelledData {
  sale_id: string;
  ticket_id: string;
  refund_id: string;
  /** What was refunded, in won. */
  amount: number;
  /** What was kept of the price, in won. */
  fee: number;
}

/** ticket.checked_in: a ticket came in at a gate. */
export interface TicketCheckedInData {
  sale_id: string;
  ticket_id: string;
  /** YYYY-MM-DD. */
  date: string;
  seat_id: number;
}

/** performance.cancelled: an operator cancelled a date; each ticket's refund follows as its own ticket.cancelled. */
export interface PerformanceCancelledData {
  sale_id: string;
  /** YYYY-MM-DD. */
  date: string;
}

/** sale.state_changed: every change of a sale's state after its creation. */
export interface SaleStateChangedData {
  sale_id: string;
  from: SaleState;
  to: SaleState;
}

/** sale.sold_out: a payment sold a date's last seat (again only after a seat came back and sold out once more). */
export interface SaleSoldOutData {
  sale_id: string;
  /** YYYY-MM-DD. */
  date: string;
}

/** waitlist.offered: seats that came back are held as an order for a waitlist entry's fan until the offer expires. */
export interface WaitlistOfferedData {
  sale_id: string;
  /** YYYY-MM-DD. */
  date: string;
  waitlist_id: string;
  /** The held order, to be paid with POST /api/orders/{order_id}/payment. */
  order_id: string;
  /** RFC 3339 in UTC with microseconds, e.g. 2030-09-01T18:30:00.000000Z. */
  offer_expires: string;
}

/** One event as its request's body carries it: the same id in every attempt to every endpoint. */
interface Envelope<Type extends string, Data> {
  /** The event's id (a UUID), also the webhook-id header: the key to deduplicate by. */
  id: string;
  type: Type;
  /** When it happened, RFC 3339 in UTC. */
  timestamp: string;
  data: Data;
}

/** An event boxoffice posts to a webhook endpoint; narrow on `type` to read its `data`. */
export type WebhookEvent =
  | Envelope<"order.paid", OrderPaidData>
  | Envelope<"ticket.cancelled", TicketCancelledData>
  | Envelope<"ticket.checked_in", TicketCheckedInData>
  | Envelope<"performance.cancelled", PerformanceCancelledData>
  | Envelope<"sale.state_changed", SaleStateChangedData>
  | Envelope<"sale.sold_out", SaleSoldOutData>
  | Envelope<"waitlist.offered", WaitlistOfferedData>;

/** The name of an event type, as POST /api/admin/webhooks takes them in `events`. */
export type WebhookEventType = WebhookEvent["type"];

// A record rather than a list, so that the compiler fails here when the union gains a type.
const knownEventTypes: Record<WebhookEventType, true> = {
  "order.paid": true,
  "ticket.cancelled": true,
  "ticket.checked_in": true,
  "performance.cancelled": true,
  "sale.state_changed": true,
  "sale.sold_out": true,
  "waitlist.offered": true,
};

/** Every event type, in the order the API documents them. */
export const webhookEventTypes = Object.keys(knownEventTypes) as WebhookEventType[];

/** Which check a webhook request failed; answer each with a 4xx, and boxoffice retries. */
export type WebhookRejection = "missing-header" | "timestamp" | "signature" | "body" | "event-type";

/** A webhook request that is not a genuine, current boxoffice event; `rejection` says which check failed. */
export class WebhookRejectedError extends Error {
  override readonly name = "WebhookRejectedError";

  constructor(readonly rejection: WebhookRejection, message: string, options?: ErrorOptions) {
    super(`webhook rejected: ${message}`, options);
  }
}

/** The headers a webhook request is signed in, which verification needs all of. */
const signatureHeaders = ["webhook-id", "webhook-timestamp", "webhook-signature"] as const;

/** A request's headers as Node's http (`req.headers`), Express or the Fetch API hand them over. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/**
 * verifyWebhook checks that a request came from boxoffice, signed with the endpoint's secret
 * (the `whsec_…` shown once when the endpoint was registered), within the last five minutes,
 * and returns its event. body must be the request's body exactly as received (a string or the
 * raw bytes, e.g. Express's `express.raw({ type: "application/json" })`): JSON parsed and
 * written again does not verify.
 *
 * It throws a WebhookRejectedError when a signature header is missing, the timestamp is more
 * than five minutes away from now (a replay; every retry is signed anew, so a retry is never
 * stale), the signature does not match, or the body is not an event of a known type (an
 * endpoint hears only the types it registered for, so an unknown one means this SDK is older
 * than the server). A secret that is not a Standard Webhooks secret throws a plain Error: that
 * is the receiver's configuration, not the request, at fault.
 *
 * Delivery is at least once: an event can arrive again after a 2xx that got lost, and a failed
 * delivery can be retried by hand. Deduplicate by the event's `id` (the webhook-id header),
 * which stays the same in every attempt, before acting on it.
 */
export function verifyWebhook(secret: string, body: string | Uint8Array, headers: WebhookHeaders): WebhookEvent {
  if (typeof body !== "string" && !(body instanceof Uint8Array)) {
    // The common mistake in JavaScript, where req.body is any: a body parsed by express.json().
    throw new TypeError("verifyWebhook needs the raw body, a string or bytes (express.raw), not parsed JSON");
  }
  let verifier: Webhook;
  try {
    verifier = new Webhook(secret);
  } catch (error) {
    throw new Error("the webhook secret is not a Standard Webhooks secret (whsec_ and base64)", { cause: error });
  }
  const signed: Record<string, string> = {};
  for (const name of signatureHeaders) {
    const value = headerValue(headers, name);
    if (value === undefined || value === "") {
      throw new WebhookRejectedError("missing-header", `the ${name} header is missing`);
    }
    signed[name] = value;
  }
  try {
    // The library verifies only; parsing here lets a body that is not JSON be told apart.
    verifier.verify(body, signed, { jsonParse: false });
  } catch (error) {
    throw rejectionOf(error);
  }
  return eventOf(typeof body === "string" ? body : new TextDecoder().decode(body));
}

/** headerValue reads one header whatever its name's case; a header sent twice counts as missing. */
function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) {
    return headers.get(name) ?? undefined;
  }
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) {
      return typeof value === "string" ? value : undefined;
    }
  }
  return undefined;
}

/** rejectionOf names the check the library's error stands for; the library says it only in its messages. */
function rejectionOf(error: unknown): Error {
  if (!(error instanceof WebhookVerificationError)) {
    return error instanceof Error ? error : new Error(String(error));
  }
  const message = error.message;
  if (/too old/i.test(message)) {
    return new WebhookRejectedError("timestamp", "the webhook-timestamp is more than five minutes old", { cause: error });
  }
  if (/too new/i.test(message)) {
    return new WebhookRejectedError("timestamp", "the webhook-timestamp is more than five minutes ahead of this clock", { cause: error });
  }
  if (/invalid signature headers/i.test(message)) {
    return new WebhookRejectedError("timestamp", "the webhook-timestamp is not a number of seconds", { cause: error });
  }
  if (/missing/i.test(message)) {
    return new WebhookRejectedError("missing-header", "a signature header is missing", { cause: error });
  }
  return new WebhookRejectedError("signature", "the webhook-signature does not match the body and the secret", { cause: error });
}

/** eventOf reads a verified body: an event's envelope and a type this SDK knows. */
function eventOf(json: string): WebhookEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new WebhookRejectedError("body", "the body is not JSON", { cause: error });
  }
  if (typeof parsed !== "object" || parsed === null) {
    throw new WebhookRejectedError("body", "the body is not a JSON object");
  }
  const { id, type, timestamp, data } = parsed as Record<string, unknown>;
  if (typeof id !== "string" || typeof type !== "string" || typeof timestamp !== "string" || typeof data !== "object" || data === null) {
    throw new WebhookRejectedError("body", "the body is not an event of {id, type, timestamp, data}");
  }
  if (!Object.hasOwn(knownEventTypes, type)) {
    throw new WebhookRejectedError("event-type", `${JSON.stringify(type)} is not an event type this SDK knows (${webhookEventTypes.join(", ")})`);
  }
  return parsed as WebhookEvent;
}
