// verifyWebhook without a server: requests are signed here as adapters/webhooks/sender.go signs
// them, once by hand with node:crypto (the convention's bytes, not the library's word for them)
// and once with the Standard Webhooks library's own signer, then verified or refused.

import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { test } from "node:test";
import { Webhook } from "standardwebhooks";

import { verifyWebhook, WebhookRejectedError, type WebhookEvent, type WebhookRejection } from "../src/webhooks.js";

/** A fresh secret as boxoffice makes one: whsec_ and the base64 of 32 random bytes. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** signByHand is the Go sender's signature: v1, and the base64 HMAC-SHA256 of id.timestamp.body keyed with the secret's base64 part decoded. */
function signByHand(secret: string, id: string, seconds: number, body: string): string {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${seconds}.${body}`).digest("base64")}`;
}

/** A signed request's headers, as the sender sets them. */
function headersOf(secret: string, id: string, seconds: number, body: string): Record<string, string> {
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(seconds),
    "webhook-signature": signByHand(secret, id, seconds, body),
  };
}

/** body writes an event as Go's json.Marshal of webhook.Event.Body does: id, type, timestamp, data, compact. */
function body(id: string, type: string, data: object): string {
  return JSON.stringify({ id, type, timestamp: "2030-09-01T18:30:00.123456789Z", data });
}

/** rejected asserts that fn throws a WebhookRejectedError for rejection. */
function rejected(fn: () => unknown, rejection: WebhookRejection): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof WebhookRejectedError, `want a WebhookRejectedError, got ${String(error)}`);
    assert.equal(error.rejection, rejection, error.message);
    return true;
  });
}

const now = () => Math.floor(Date.now() / 1000);
const sale = "spring-tour";
const eventId = "01928f6e-7a10-7cde-8f01-23456789abcd";
const orderId = "01928f6e-7a10-7cde-8f01-000000000001";
const tickets = ["01928f6e-7a10-7cde-8f01-000000000002", "01928f6e-7a10-7cde-8f01-000000000003"];
const orderPaid = body(eventId, "order.paid", { sale_id: sale, order_id: orderId, payment_id: "01928f6e-7a10-7cde-8f01-000000000004", amount: 240000, date: "2030-09-01", tickets });

test("the hand-made signature is the library's: the Go sender's format is the convention's", () => {
  const secret = newSecret();
  const at = now();
  assert.equal(new Webhook(secret).sign(eventId, new Date(at * 1000), orderPaid), signByHand(secret, eventId, at, orderPaid));
});

test("a request signed as the sender signs it verifies and yields the typed event", () => {
  const secret = newSecret();
  const event: WebhookEvent = verifyWebhook(secret, orderPaid, headersOf(secret, eventId, now(), orderPaid));
  assert.equal(event.id, eventId);
  assert.equal(event.type, "order.paid");
  if (event.type === "order.paid") { // narrowing is what the union is for: data's fields are typed
    assert.equal(event.data.amount, 240000);
    assert.deepEqual(event.data.tickets, tickets);
    assert.equal(event.data.order_id, orderId);
  }
});

test("every event type verifies, whatever form the headers and body come in", () => {
  const secret = newSecret();
  const signer = new Webhook(secret);
  const samples: Record<WebhookEvent["type"], object> = {
    "order.paid": JSON.parse(orderPaid).data,
    "ticket.cancelled": { sale_id: sale, ticket_id: tickets[0], refund_id: orderId, amount: 108000, fee: 12000 },
    "ticket.checked_in": { sale_id: sale, ticket_id: tickets[0], date: "2030-09-01", seat_id: 17 },
    "performance.cancelled": { sale_id: sale, date: "2030-09-01" },
    "sale.state_changed": { sale_id: sale, from: "draft", to: "on_sale" },
    "sale.sold_out": { sale_id: sale, date: "2030-09-01" },
    "waitlist.offered": { sale_id: sale, date: "2030-09-01", waitlist_id: tickets[1], order_id: orderId, offer_expires: "2030-08-20T12:00:00.000000Z" },
  };
  for (const [type, data] of Object.entries(samples)) {
    const payload = body(eventId, type, data);
    const at = new Date();
    // The Fetch API's Headers, with the names in another case, and the body as raw bytes.
    const headers = new Headers({ "Webhook-Id": eventId, "Webhook-Timestamp": String(Math.floor(at.getTime() / 1000)), "Webhook-Signature": signer.sign(eventId, at, payload) });
    const event = verifyWebhook(secret, new TextEncoder().encode(payload), headers);
    assert.equal(event.type, type);
    assert.deepEqual(event.data, data);
  }
});

test("a tampered body does not verify", () => {
  const secret = newSecret();
  const headers = headersOf(secret, eventId, now(), orderPaid);
  rejected(() => verifyWebhook(secret, orderPaid.replace("240000", "1"), headers), "signature");
});

test("another endpoint's secret does not verify", () => {
  const headers = headersOf(newSecret(), eventId, now(), orderPaid);
  rejected(() => verifyWebhook(newSecret(), orderPaid, headers), "signature");
});

test("a request signed more than five minutes ago, or ahead, is refused though its signature holds", () => {
  const secret = newSecret();
  rejected(() => verifyWebhook(secret, orderPaid, headersOf(secret, eventId, now() - 10 * 60, orderPaid)), "timestamp");
  rejected(() => verifyWebhook(secret, orderPaid, headersOf(secret, eventId, now() + 10 * 60, orderPaid)), "timestamp");
});

test("each missing signature header is named", () => {
  const secret = newSecret();
  for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
    const headers: Record<string, string | undefined> = { ...headersOf(secret, eventId, now(), orderPaid), [name]: undefined };
    assert.throws(() => verifyWebhook(secret, orderPaid, headers), (error: unknown) => {
      assert.ok(error instanceof WebhookRejectedError && error.rejection === "missing-header", String(error));
      assert.match(error.message, new RegExp(name));
      return true;
    });
  }
});

test("a genuine request of an event type this SDK does not know is refused as such", () => {
  const secret = newSecret();
  const payload = body(eventId, "sale.renamed", { sale_id: sale });
  rejected(() => verifyWebhook(secret, payload, headersOf(secret, eventId, now(), payload)), "event-type");
});

test("a secret that is not a Standard Webhooks secret is the receiver's fault, not a rejection", () => {
  assert.throws(() => verifyWebhook("whsec_", orderPaid, headersOf(newSecret(), eventId, now(), orderPaid)), (error: unknown) => {
    assert.ok(error instanceof Error && !(error instanceof WebhookRejectedError), String(error));
    return true;
  });
});
