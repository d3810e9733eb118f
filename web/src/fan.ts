// The fan page: pick a sale, wait in its queue (the event stream, falling back to polling),
// then pick a date and a seat, hold it with a countdown, top up, pay and see the ticket's QR
// code. Every call goes through the TypeScript SDK; every problem the API answers is shown in
// its own words.

import {
  bearer,
  createBoxofficeClient,
  followPlace,
  isProblem,
  type PlaceEvent,
  type Problem,
  type Schemas,
} from "../../openapi/typescript/src/index.js";

const api = createBoxofficeClient(location.origin);

type Hold = Schemas["HoldBody"];
type Sale = Schemas["SaleListingBody"];

const state: { user: string; sale: string; token: string; hold?: Hold; countdown?: number; leave?: AbortController } = {
  user: "",
  sale: "",
  token: "",
};

function el<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

function show(section: string): void {
  for (const s of document.querySelectorAll<HTMLElement>("main > section")) {
    s.hidden = s.id !== section;
  }
  el<HTMLElement>(section).querySelector<HTMLElement>("h2")?.focus();
}

/** say puts a message where a screen reader announces it. */
function say(id: string, text: string): void {
  el(id).textContent = text;
}

/** problemText is what a problem says, in words. */
function problemText(p: Problem): string {
  return `${p.title ?? "Error"}: ${p.detail ?? "the request failed"}`;
}

function fail(error: unknown): void {
  say("alert", isProblem(error) ? problemText(error) : `The request failed: ${String(error)}`);
}

function clearAlert(): void {
  say("alert", "");
}

const won = new Intl.NumberFormat(undefined, { style: "currency", currency: "KRW" });

async function listSales(): Promise<void> {
  const { data, error } = await api.GET("/api/sales");
  if (!data) return fail(error);
  const list = el<HTMLUListElement>("sales");
  list.replaceChildren();
  for (const sale of data as Sale[]) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = `${sale.title} — ${sale.venue} (${sale.dates.join(", ")})`;
    button.disabled = sale.sold_out || sale.state !== "on_sale";
    button.addEventListener("click", () => void join(sale.sale_id));
    item.append(button);
    list.append(item);
  }
}

async function join(sale: string): Promise<void> {
  clearAlert();
  const user = el<HTMLInputElement>("user").value.trim();
  if (user === "") {
    say("alert", "Enter your name (your user id) first.");
    el<HTMLInputElement>("user").focus();
    return;
  }
  const { data, error } = await api.POST("/api/token", { body: { user_id: user, sale_id: sale } });
  if (!data) return fail(error);
  Object.assign(state, { user, sale, token: data.token });
  if ("Notification" in window && Notification.permission === "default") void Notification.requestPermission();
  show("queue");
  place(data);
  if (data.status !== "active") await wait();
  if (state.token !== "") await admitted();
}

/** place shows the fan's place in the queue. */
function place(t: Schemas["TokenBody"]): void {
  state.token = t.token;
  const q = t.queue_info;
  say("position", t.status === "active" ? "It is your turn." : `Fans ahead of you: ${q.position}. Estimated wait: ${readableWait(q.estimated_wait_time)}.`);
}

function readableWait(iso: string): string {
  const m = /PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?/.exec(iso);
  if (!m) return iso;
  const [h, min, s] = [Number(m[1] ?? 0), Number(m[2] ?? 0), Math.round(Number(m[3] ?? 0))];
  return h > 0 ? `${h} h ${min} min` : min > 0 ? `${min} min ${s} s` : `${s} s`;
}

/** wait follows the place until admitted: the stream, or polling where it cannot stream. */
async function wait(): Promise<void> {
  state.leave = new AbortController();
  let active = false;
  try {
    await followPlace(location.origin, state.token, (e: PlaceEvent) => {
      if (e.event === "status") {
        place(e.data);
        active = e.data.status === "active";
      } else if (e.event === "ended") {
        say("alert", e.data.detail);
      }
    }, state.leave.signal);
  } catch (error) {
    if (state.leave.signal.aborted) return;
    if (isProblem(error)) return fail(error);
  }
  while (!active && !state.leave.signal.aborted) {
    await new Promise((r) => setTimeout(r, 2000));
    const { data, error } = await api.GET("/api/token", { headers: bearer(state.token) });
    if (!data) return fail(error);
    place(data);
    active = data.status === "active";
  }
}

function leave(): void {
  state.leave?.abort();
  state.token = "";
  say("position", "You left the queue.");
  show("pick");
}

async function admitted(): Promise<void> {
  if ("Notification" in window && Notification.permission === "granted" && document.hidden) {
    new Notification("boxoffice: it is your turn", { body: "Pick your seat now." });
  }
  const { data, error } = await api.GET("/api/tickets/dates", { headers: bearer(state.token) });
  if (!data) return fail(error);
  const dates = el<HTMLUListElement>("dates");
  dates.replaceChildren();
  for (const date of data) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = date;
    button.addEventListener("click", () => void seats(date));
    item.append(button);
    dates.append(item);
  }
  show("book");
}

/** seats shows the date's seat map; a listing may be up to BOXOFFICE_SEATS_STALENESS old. */
async function seats(date: string): Promise<void> {
  const { data, error } = await api.GET("/api/tickets/seats", { params: { query: { date } }, headers: bearer(state.token) });
  if (!data) return fail(error);
  const map = el<HTMLDivElement>("seats");
  map.replaceChildren();
  const sections = [...new Set(data.map((s) => s.section))];
  for (const seat of data) {
    const button = document.createElement("button");
    button.type = "button";
    const free = seat.status === "available";
    button.textContent = String(seat.seat_id);
    button.className = `seat section-${sections.indexOf(seat.section) % 4} ${free ? "free" : "taken"}`;
    button.disabled = !free;
    button.setAttribute("aria-label", `Seat ${seat.seat_id}, ${seat.section}, ${won.format(seat.price)}, ${free ? "available" : "taken"}`);
    button.title = button.getAttribute("aria-label") ?? "";
    button.addEventListener("click", () => void hold(date, seat.seat_id, button));
    map.append(button);
  }
  say("legend", sections.map((s) => `${s}: ${won.format(data.find((x) => x.section === s)!.price)}`).join(" · ") + " — taken seats are crossed out and cannot be picked.");
}

async function hold(date: string, seat: number, button: HTMLButtonElement): Promise<void> {
  clearAlert();
  const { data, error } = await api.POST("/api/tickets", { body: { date, seat_id: seat }, headers: bearer(state.token) });
  if (!data) {
    fail(error);
    if (isProblem(error) && error.status === 409) {
      // Someone was faster: the seat is taken whatever a listing a moment old says.
      button.disabled = true;
      button.className = button.className.replace(" free", " taken");
      button.setAttribute("aria-label", (button.getAttribute("aria-label") ?? "").replace(/available$/, "taken"));
      window.setTimeout(() => void seats(date), 500);
    }
    return;
  }
  state.hold = data;
  say("held", `Seat ${data.seat_id} (${data.section}) on ${data.date} is yours for now: ${won.format(data.price)}.`);
  el<HTMLButtonElement>("pay").disabled = false;
  el<HTMLButtonElement>("topup").disabled = false;
  window.clearInterval(state.countdown);
  const tick = (): void => {
    const left = Math.max(0, Math.round((new Date(data.expiration).getTime() - Date.now()) / 1000));
    el("countdown").textContent = `Pay within ${Math.floor(left / 60)} min ${left % 60} s.`;
    if (left === 0) {
      window.clearInterval(state.countdown);
      state.hold = undefined;
      say("alert", `Your hold on seat ${data.seat_id} has ended: the seat is released. Pick a seat again.`);
      show("book");
      void seats(date);
    }
  };
  tick();
  state.countdown = window.setInterval(tick, 1000);
  show("hold");
}

async function topUp(): Promise<void> {
  clearAlert();
  if (!state.hold) return;
  const { data, error } = await api.POST("/api/balance", { body: { amount: state.hold.price }, headers: bearer(state.token) });
  if (!data) return fail(error);
  say("balance", `Your balance: ${won.format(data.balance)}.`);
}

async function pay(): Promise<void> {
  clearAlert();
  const h = state.hold;
  if (!h) return;
  const key = `${state.user}-${h.ticket_id}`;
  const { data, error } = await api.POST("/api/payment", {
    body: { ticket_id: h.ticket_id, seat_id: h.seat_id, date: h.date },
    params: { header: { "Idempotency-Key": key } },
    headers: bearer(state.token),
  });
  if (!data) return fail(error);
  window.clearInterval(state.countdown);
  say("receipt", `Paid ${won.format(data.receipt.amount)} for seat ${h.seat_id} on ${data.receipt.performance_date} (payment ${data.receipt.payment_id}).`);
  show("ticket");
  await showQRCode(h.ticket_id);
}

/** showQRCode queues again (the payment ended the session: any live token of the sale shows
 * the fan's tickets) and shows the ticket's QR code and the fan's tickets. */
async function showQRCode(ticket: string): Promise<void> {
  const again = await api.POST("/api/token", { body: { user_id: state.user, sale_id: state.sale } });
  if (!again.data) return fail(again.error);
  state.token = again.data.token;
  const res = await fetch(`/api/tickets/${ticket}`, { headers: { ...bearer(state.token), Accept: "image/png" } });
  if (!res.ok) return fail(await res.json());
  const img = el<HTMLImageElement>("qr");
  img.src = URL.createObjectURL(await res.blob());
  img.hidden = false;
  await myTickets();
}

/** myTickets lists the fan's tickets of the sale, each paid one with a way to give it back. */
async function myTickets(): Promise<void> {
  const { data, error } = await api.GET("/api/tickets", { headers: bearer(state.token) });
  if (!data) return fail(error);
  const list = el<HTMLUListElement>("tickets");
  list.replaceChildren();
  for (const t of data) {
    const item = document.createElement("li");
    item.textContent = `Seat ${t.seat_id} (${t.section}) on ${t.date}: ${t.status}${t.refund ? `, ${won.format(t.refund.amount)} refunded` : ""}. `;
    if (t.status === "paid") {
      const cancel = document.createElement("button");
      cancel.type = "button";
      cancel.textContent = "Give it back";
      cancel.setAttribute("aria-label", `Give back seat ${t.seat_id} on ${t.date}`);
      cancel.addEventListener("click", () => void giveBack(t.ticket_id));
      item.append(cancel);
    }
    list.append(item);
  }
}

async function giveBack(ticket: string): Promise<void> {
  clearAlert();
  const { data, error } = await api.POST("/api/tickets/{ticket_id}/cancel", {
    params: { path: { ticket_id: ticket }, header: { "Idempotency-Key": `${state.user}-${ticket}-cancel` } },
    headers: bearer(state.token),
  });
  if (!data) return fail(error);
  say("receipt", `Given back: ${won.format(data.refund.amount)} is back in your wallet (a fee of ${won.format(data.refund.fee)} kept).`);
  el<HTMLImageElement>("qr").hidden = true;
  await myTickets();
}

el<HTMLFormElement>("who").addEventListener("submit", (e) => e.preventDefault());
el<HTMLButtonElement>("leave").addEventListener("click", leave);
el<HTMLButtonElement>("topup").addEventListener("click", () => void topUp());
el<HTMLButtonElement>("pay").addEventListener("click", () => void pay());
void listSales();
