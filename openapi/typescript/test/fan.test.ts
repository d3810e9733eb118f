// The SDK against a live boxoffice: BOXOFFICE_BASE_URL (and BOXOFFICE_ADMIN_KEY for the
// operator's calls). `go test ./cmd/boxoffice -run TestTypeScriptSDK` starts a `boxoffice dev`
// and runs these; by hand: `make run`, then `npm test` here with the two variables set.

import assert from "node:assert/strict";
import { test } from "node:test";

import { adminKey, bearer, createBoxofficeClient, followPlace, isProblem, type Order, type OrderPayment, type PlaceEvent, type Problem } from "../src/index.js";

const base = process.env.BOXOFFICE_BASE_URL ?? "http://127.0.0.1:8080";
const operator = process.env.BOXOFFICE_ADMIN_KEY ?? "";
const api = createBoxofficeClient(base);
const stamp = Date.now();

/** admitted takes a token for user and follows its place until admitted: the active token. */
async function admitted(user: string): Promise<string> {
  const { data, error } = await api.POST("/api/token", { body: { user_id: user } });
  assert.ok(data, `take a token: ${JSON.stringify(error)}`);
  let token = data.token;
  const statuses: string[] = [];
  await followPlace(base, token, (e: PlaceEvent) => {
    if (e.event === "status") {
      statuses.push(e.data.status);
      token = e.data.token;
    }
  }, AbortSignal.timeout(30_000));
  assert.equal(statuses.at(-1), "active", `the stream ended at ${statuses.join(", ")}`);
  return token;
}

/** problem asserts an error is a problem of status and returns it. */
function problem(error: unknown, status: number): Problem {
  assert.ok(isProblem(error), `want a problem, got ${JSON.stringify(error)}`);
  assert.equal(error.status, status, JSON.stringify(error));
  assert.ok(error.title && error.detail, "a problem says what went wrong");
  return error;
}

test("a fan's whole visit: the queue's stream, dates, seats, a hold, a top-up, the payment, the ticket", async () => {
  const user = `ts-fan-${stamp}`;
  const token = await admitted(user);
  const dates = await api.GET("/api/tickets/dates", { headers: bearer(token) });
  assert.ok(dates.data && dates.data.length > 0, JSON.stringify(dates.error));
  const date = dates.data[0];
  const seats = await api.GET("/api/tickets/seats", { params: { query: { date } }, headers: bearer(token) });
  assert.ok(seats.data, JSON.stringify(seats.error));
  const free = seats.data.find((s) => s.status === "available");
  assert.ok(free, "a free seat");
  const hold = await api.POST("/api/tickets", { body: { date, seat_id: free.seat_id }, headers: bearer(token) });
  assert.ok(hold.data, JSON.stringify(hold.error));
  assert.equal(hold.data.status, "reserved");
  const pay = { ticket_id: hold.data.ticket_id, seat_id: free.seat_id, date };
  // Short of money: 402, saying how much is needed.
  const short = await api.POST("/api/payment", { body: pay, headers: bearer(token) });
  assert.equal(problem(short.error, 402).needed, hold.data.price);
  const charged = await api.POST("/api/balance", { body: { amount: hold.data.price }, headers: bearer(token) });
  assert.equal(charged.data?.balance, hold.data.price);
  const key = `ts-pay-${stamp}`;
  const paid = await api.POST("/api/payment", { body: pay, params: { header: { "Idempotency-Key": key } }, headers: bearer(token) });
  assert.ok(paid.data, JSON.stringify(paid.error));
  assert.equal(paid.data.receipt.amount, hold.data.price);
  // The payment ended the session; queued again, the fan sees the ticket and its credential.
  const again = await api.POST("/api/token", { body: { user_id: user } });
  assert.ok(again.data);
  const tickets = await api.GET("/api/tickets", { headers: bearer(again.data.token) });
  assert.ok(tickets.data, JSON.stringify(tickets.error));
  const mine = tickets.data.find((t) => t.ticket_id === hold.data.ticket_id);
  assert.equal(mine?.status, "paid");
  assert.ok(mine?.credential, "a paid ticket carries its credential");
});

test("a family of four buys together: the best available, one payment, four tickets", async () => {
  const user = `ts-family-${stamp}`;
  const token = await admitted(user);
  const dates = await api.GET("/api/tickets/dates", { headers: bearer(token) });
  const date = dates.data![0];
  const placed = await api.POST("/api/orders", { body: { date, quantity: 4, together: true }, headers: bearer(token) });
  assert.ok(placed.data, JSON.stringify(placed.error));
  const order: Order = placed.data;
  assert.equal(order.status, "reserved");
  assert.equal(order.tickets.length, 4);
  const seats = order.tickets.map((t) => t.seat_id);
  assert.deepEqual(seats, [seats[0], seats[0] + 1, seats[0] + 2, seats[0] + 3], "four seats side by side");
  const path = { order_id: order.order_id };
  // Short of money: 402 needs the whole total, and nothing changes.
  const short = await api.POST("/api/orders/{order_id}/payment", { params: { path }, headers: bearer(token) });
  assert.equal(problem(short.error, 402).needed, order.total);
  assert.ok((await api.POST("/api/balance", { body: { amount: order.total }, headers: bearer(token) })).data);
  const paid = await api.POST("/api/orders/{order_id}/payment", { params: { path, header: { "Idempotency-Key": `ts-order-${stamp}` } }, headers: bearer(token) });
  assert.ok(paid.data, JSON.stringify(paid.error));
  const payment: OrderPayment = paid.data;
  assert.equal(payment.receipt.amount, order.total);
  assert.ok(payment.tickets.every((t) => t.credential), "each ticket carries its credential");
  // One seat of it cannot be paid or given back alone as an order; the order shows paid.
  const again = await api.POST("/api/token", { body: { user_id: user } });
  assert.ok(again.data);
  const shown = await api.GET("/api/orders/{order_id}", { params: { path }, headers: bearer(again.data.token) });
  assert.equal(shown.data?.status, "paid");
  assert.equal(shown.data?.receipt?.payment_id, payment.receipt.payment_id);
  const tickets = await api.GET("/api/tickets", { headers: bearer(again.data.token) });
  assert.equal(tickets.data?.filter((t) => t.order_id === order.order_id && t.status === "paid").length, 4);
});

test("each class of error is a typed problem", async () => {
  // 400: a malformed user id, naming the field.
  const bad = await api.POST("/api/token", { body: { user_id: "two words" } });
  assert.ok(problem(bad.error, 400).errors?.some((e) => e.location?.includes("user_id")));
  // 401: no token.
  problem((await api.GET("/api/tickets/dates", {})).error, 401);
  // 404: no such ticket.
  const ann = await admitted(`ts-ann-${stamp}`);
  problem((await api.GET("/api/tickets/{ticket_id}", { params: { path: { ticket_id: "00000000-0000-4000-8000-000000000000" } }, headers: bearer(ann) })).error, 404);
  // 409: a seat another fan holds.
  const dates = await api.GET("/api/tickets/dates", { headers: bearer(ann) });
  const date = dates.data![0];
  const seats = await api.GET("/api/tickets/seats", { params: { query: { date } }, headers: bearer(ann) });
  const seat = seats.data!.filter((s) => s.status === "available").at(-1)!.seat_id;
  assert.ok((await api.POST("/api/tickets", { body: { date, seat_id: seat }, headers: bearer(ann) })).data);
  const ben = await admitted(`ts-ben-${stamp}`);
  problem((await api.POST("/api/tickets", { body: { date, seat_id: seat }, headers: bearer(ben) })).error, 409);
  // 403 while a paused sale admits nobody, 410 once it has closed; the operator's calls.
  assert.ok(operator, "BOXOFFICE_ADMIN_KEY is needed for the operator's calls");
  const sale = `ts-sale-${stamp}`;
  const day = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
  const created = await api.POST("/api/admin/sales", {
    body: { sale_id: sale, title: "TypeScript Night", venue: "Node Hall", performances: [{ date: day, sections: [{ name: "All", first_seat: 1, last_seat: 10, price: 10_000 }] }] },
    headers: adminKey(operator),
  });
  assert.ok(created.data, JSON.stringify(created.error));
  assert.ok((await api.PATCH("/api/admin/sales/{sale_id}", { params: { path: { sale_id: sale } }, body: { state: "paused" }, headers: adminKey(operator) })).data);
  const waiting = await api.POST("/api/token", { body: { user_id: `ts-cy-${stamp}`, sale_id: sale } });
  assert.equal(waiting.data?.status, "waiting");
  problem((await api.GET("/api/tickets/dates", { headers: bearer(waiting.data!.token) })).error, 403);
  assert.ok((await api.PATCH("/api/admin/sales/{sale_id}", { params: { path: { sale_id: sale } }, body: { state: "closed" }, headers: adminKey(operator) })).data);
  problem((await api.POST("/api/token", { body: { user_id: `ts-dee-${stamp}`, sale_id: sale } })).error, 410);
  // An operator's call without the key.
  problem((await api.GET("/api/admin/sales", {})).error, 401);
});

test("a fan leaves the queue: the fans behind move up, and the token is spent", async () => {
  const stamp = Date.now();
  const first = await api.POST("/api/token", { body: { user_id: `ts-first-${stamp}` } });
  const second = await api.POST("/api/token", { body: { user_id: `ts-second-${stamp}` } });
  assert.ok(first.data && second.data, JSON.stringify(first.error ?? second.error));
  const left = await api.DELETE("/api/token", { headers: bearer(first.data.token) });
  assert.equal(left.response.status, 204);
  problem((await api.GET("/api/token", { headers: bearer(first.data.token) })).error, 401);
  problem((await api.DELETE("/api/token", { headers: bearer(first.data.token) })).error, 401);
  const polled = await api.GET("/api/token", { headers: bearer(second.data.token) });
  assert.ok(polled.data, JSON.stringify(polled.error));
  assert.ok(polled.data.queue_info.position <= second.data.queue_info.position, "the fan behind did not move back");
});
