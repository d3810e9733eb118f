// The fan page: pick a sale, wait in its queue (the event stream, falling back to polling),
// then pick a date and take the best available seats or choose them on the map, hold them
// together with one countdown, top up, pay once and see each ticket's QR code and one's
// tickets. Every call goes through the TypeScript SDK; every problem the API
// answers is shown in words.

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

type Order = Schemas["OrderBody"];
type Sale = Schemas["SaleListingBody"];
type TokenStatus = Schemas["TokenBody"];

const state: {
  user: string;
  sale: string;
  token: string;
  date?: string;
  chosen: Set<number>; // seats chosen on the map, to hold together
  order?: Order;
  holding?: boolean;
  countdown?: number;
  wait?: AbortController;
  clockSkew: number;
} = {
  user: "",
  sale: "",
  token: "",
  chosen: new Set(),
  clockSkew: 0, // server time minus this browser's, from the answers' Date header
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

/** problemText is what a problem says, in words, with what each of its details says. */
function problemText(p: Problem): string {
  const details = (p.errors ?? []).map((e) => e.message).filter(Boolean);
  return `${p.title ?? "Error"}: ${p.detail ?? "the request failed"}${details.length > 0 ? ` (${details.join("; ")})` : ""}`;
}

function fail(error: unknown): void {
  say("alert", isProblem(error) ? problemText(error) : `The request failed: ${String(error)}; check your connection and try again.`);
}

function clearAlert(): void {
  say("alert", "");
}

/** guarded runs a control's action once at a time, its control disabled meanwhile, and shows a
 * failure that escapes it. */
function guarded(button: HTMLButtonElement, action: () => Promise<void>): () => void {
  return () => {
    if (button.disabled) return;
    button.disabled = true;
    action()
      .catch(fail)
      .finally(() => {
        if (button.isConnected) button.disabled = button.dataset.stayDisabled === "true";
      });
  };
}

/** learnClock keeps the server's clock from an answer, for the countdown. */
function learnClock(res: Response): void {
  const date = res.headers.get("Date");
  if (date) state.clockSkew = new Date(date).getTime() - Date.now();
}

const won = new Intl.NumberFormat(undefined, { style: "currency", currency: "KRW" });

/** A ticket's credential kept on this device: it shows the ticket (GET /api/tickets/{id} with
 * the credential as its bearer token) whatever became of the sale and of the fan's tokens. */
type Kept = { ticket_id: string; sale_id: string; credential: string };

const keptKey = "boxoffice.tickets";

function keptTickets(): Kept[] {
  try {
    const kept = JSON.parse(localStorage.getItem(keptKey) ?? "[]") as Kept[];
    return Array.isArray(kept) ? kept : [];
  } catch {
    return [];
  }
}

/** keep remembers a paid ticket's credential on this device (the newest one per ticket). */
function keep(t: Kept): void {
  const kept = keptTickets().filter((k) => k.ticket_id !== t.ticket_id);
  kept.unshift(t);
  try {
    localStorage.setItem(keptKey, JSON.stringify(kept));
  } catch {
    // Storage full or refused: the ticket is still listed while a token of its sale can be had.
  }
}

/** showKept lists the tickets kept on this device, each read with its own credential, with its
 * QR code while it is paid. */
async function showKept(): Promise<void> {
  const list = el<HTMLUListElement>("kept");
  list.replaceChildren();
  const kept = keptTickets();
  el<HTMLElement>("kept-none").hidden = kept.length > 0;
  for (const k of kept) {
    const item = document.createElement("li");
    const res = await api.GET("/api/tickets/{ticket_id}", { params: { path: { ticket_id: k.ticket_id } }, headers: bearer(k.credential) });
    const data = res.data as Schemas["TicketBody"] | undefined; // the JSON of its two answers (the other is a PNG)
    if (!data) {
      item.textContent = `Ticket ${k.ticket_id} of ${k.sale_id}: it cannot be read just now.`;
      list.append(item);
      continue;
    }
    item.textContent = `${k.sale_id}: seat ${data.seat_id} (${data.section}) on ${data.date}: ${data.status}. `;
    if (data.status === "paid") {
      const res = await fetch(`/api/tickets/${k.ticket_id}`, { headers: { ...bearer(k.credential), Accept: "image/png" } });
      if (res.ok) {
        const img = document.createElement("img");
        img.src = URL.createObjectURL(await res.blob());
        img.alt = `QR code of seat ${data.seat_id} on ${data.date}: show it at the gate`;
        img.width = img.height = 160;
        item.append(img);
      }
    }
    list.append(item);
  }
}

async function listSales(): Promise<void> {
  const { data, error } = await api.GET("/api/sales");
  if (!data) return fail(error);
  const list = el<HTMLUListElement>("sales");
  list.replaceChildren();
  for (const sale of data as Sale[]) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    const why = sale.sold_out ? " — sold out" : sale.state === "paused" ? " — paused: you can queue, admission waits" : "";
    button.textContent = `${sale.title} — ${sale.venue} (${sale.dates.join(", ")})${why}`;
    button.disabled = sale.sold_out;
    button.addEventListener("click", guarded(button, () => join(sale.sale_id)));
    item.append(button);
    list.append(item);
  }
}

async function join(sale: string): Promise<void> {
  clearAlert();
  const input = el<HTMLInputElement>("user");
  const user = input.value.trim();
  if (user === "" || !input.checkValidity()) {
    say("alert", "Enter your name (your user id: letters, digits and . _ @ - only) first.");
    input.focus();
    return;
  }
  const { data, error } = await api.POST("/api/token", { body: { user_id: user, sale_id: sale } });
  if (!data) return fail(error);
  Object.assign(state, { user, sale, token: data.token });
  if ("Notification" in window && Notification.permission === "default") void Notification.requestPermission();
  show("queue");
  place(data);
  const outcome = data.status === "active" ? "admitted" : await wait();
  if (outcome === "admitted") await admitted();
  if (outcome === "ended") show("pick"); // its reason stays in the alert
}

/** place shows the fan's place in the queue. */
function place(t: TokenStatus): void {
  state.token = t.token;
  const q = t.queue_info;
  let text: string;
  if (t.status === "active") text = "It is your turn.";
  else if (q.sold_out) text = "The sale is sold out: no seats are left to wait for.";
  else if (q.opens_at && new Date(q.opens_at).getTime() > Date.now() + state.clockSkew)
    text = `The sale opens at ${new Date(q.opens_at).toLocaleTimeString()}; places are drawn then among those who came before.`;
  else if (q.stalled) text = `Fans ahead of you: ${q.position}. Admission is held up just now; your place is kept.`;
  else text = `Fans ahead of you: ${q.position}. Estimated wait: ${readableWait(q.estimated_wait_time)}.`;
  say("position", text);
}

function readableWait(iso: string): string {
  const m = /PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?/.exec(iso);
  if (!m) return iso;
  const [h, min, s] = [Number(m[1] ?? 0), Number(m[2] ?? 0), Math.round(Number(m[3] ?? 0))];
  return h > 0 ? `${h} h ${min} min` : min > 0 ? `${min} min ${s} s` : `${s} s`;
}

/** wait follows the place until admitted (the stream, or polling where it cannot stream, with
 * retries on failures that pass), until the token or the sale ends, or until the fan leaves. */
async function wait(): Promise<"admitted" | "ended" | "left"> {
  state.wait?.abort();
  const mine = new AbortController();
  state.wait = mine;
  let outcome: "admitted" | "ended" | undefined;
  try {
    await followPlace(location.origin, state.token, (e: PlaceEvent) => {
      if (mine.signal.aborted) return;
      if (e.event === "status") {
        place(e.data);
        if (e.data.status === "active") outcome = "admitted";
      } else if (e.event === "ended") {
        say("alert", e.data.detail);
        outcome = "ended";
      }
    }, mine.signal);
  } catch (error) {
    // 429 (streams open in other tabs) or no stream at all: poll instead.
    if (isProblem(error) && error.status === 401) {
      fail(error);
      return "ended";
    }
  }
  for (let pause = 2000; outcome === undefined && !mine.signal.aborted; ) {
    await new Promise((r) => setTimeout(r, pause));
    if (mine.signal.aborted) break;
    try {
      const { data, error, response } = await api.GET("/api/token", { headers: bearer(state.token) });
      if (data) {
        place(data);
        if (data.status === "active") outcome = "admitted";
        pause = 2000;
      } else if (response.status === 401 || response.status === 410) {
        fail(error);
        outcome = "ended";
      } else {
        pause = Math.min(pause * 2, 15000); // a failure that passes: keep the place, ask again
      }
    } catch {
      pause = Math.min(pause * 2, 15000);
    }
  }
  return mine.signal.aborted ? "left" : (outcome ?? "left");
}

/** leave gives the fan's place up (DELETE /api/token: the fans behind move up at once) and
 * stops following it; a token the server no longer knows as live is simply dropped. */
async function leave(): Promise<void> {
  state.wait?.abort();
  const token = state.token;
  state.token = "";
  if (token) {
    try {
      await api.DELETE("/api/token", { headers: bearer(token) });
    } catch {
      // Offline: the place is skipped once the fan is not seen for BOXOFFICE_ABANDON_AFTER.
    }
  }
  say("alert", "You left the queue: your place went to the fans behind you.");
  show("pick");
  await showKept();
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
    button.addEventListener("click", guarded(button, () => seats(date)));
    item.append(button);
    dates.append(item);
  }
  show("book");
}

/** seats shows the date's seat map, where the fan chooses seats to hold together, and the
 * sections the best available can be asked in; a listing may be up to BOXOFFICE_SEATS_STALENESS
 * old. */
async function seats(date: string): Promise<void> {
  const { data, error } = await api.GET("/api/tickets/seats", { params: { query: { date } }, headers: bearer(state.token) });
  if (!data) return fail(error);
  state.date = date;
  state.chosen.clear();
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
    button.dataset.seat = String(seat.seat_id);
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-label", `Seat ${seat.seat_id}, ${seat.section}, ${won.format(seat.price)}, ${free ? "available" : "taken"}`);
    button.title = button.getAttribute("aria-label") ?? "";
    button.tabIndex = -1; // the map is one stop of Tab; arrow keys move within it (roving)
    button.addEventListener("click", () => choose(seat.seat_id, button));
    button.addEventListener("focus", () => rove(button));
    map.append(button);
  }
  const first = map.querySelector<HTMLButtonElement>("button:not(:disabled)");
  if (first) first.tabIndex = 0;
  const legend = el("legend");
  legend.replaceChildren();
  for (const [i, s] of sections.entries()) {
    const swatch = document.createElement("span");
    swatch.className = `swatch section-${i % 4}`;
    swatch.setAttribute("aria-hidden", "true");
    legend.append(swatch, ` ${s}: ${won.format(data.find((x) => x.section === s)!.price)}   `);
  }
  legend.append("Taken seats are crossed out and cannot be chosen; hover or focus a seat for its section.");
  const section = el<HTMLSelectElement>("section");
  section.replaceChildren(new Option("any section", ""), ...sections.map((s) => new Option(s, s)));
  chosenChanged();
  el<HTMLElement>("choosing").hidden = false;
}

/** rove makes the seat focused the map's one stop of Tab. */
function rove(to: HTMLButtonElement): void {
  for (const b of el<HTMLDivElement>("seats").querySelectorAll<HTMLButtonElement>("button")) b.tabIndex = b === to ? 0 : -1;
}

/** moveOnMap moves the focus to the next or previous seat that can be chosen, with the arrow
 * keys (Home and End: the first and the last). */
function moveOnMap(e: KeyboardEvent): void {
  const free = [...el<HTMLDivElement>("seats").querySelectorAll<HTMLButtonElement>("button:not(:disabled)")];
  const at = free.indexOf(document.activeElement as HTMLButtonElement);
  const to = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: free.length - 1 }[e.key];
  if (to === undefined || free.length === 0) return;
  e.preventDefault();
  free[Math.min(Math.max(to, 0), free.length - 1)].focus();
}

/** choose adds a seat to the seats chosen, or takes it out. */
function choose(seat: number, button: HTMLButtonElement): void {
  if (state.chosen.delete(seat)) {
    button.setAttribute("aria-pressed", "false");
  } else {
    state.chosen.add(seat);
    button.setAttribute("aria-pressed", "true");
  }
  chosenChanged();
}

function chosenChanged(): void {
  const seats = [...state.chosen].sort((a, b) => a - b);
  const hold = el<HTMLButtonElement>("hold-chosen");
  hold.disabled = seats.length === 0;
  hold.textContent = seats.length === 1 ? "Hold the seat chosen" : `Hold the ${seats.length || ""} seats chosen`.replace("  ", " ");
  say("chosen", seats.length === 0 ? "No seat chosen yet." : `Chosen: ${seats.join(", ")}.`);
}

type OrderRequest = { date: string; seat_ids?: number[]; quantity?: number; section?: string; together?: boolean };

/** holdChosen holds the seats chosen on the map, all or none. */
async function holdChosen(): Promise<void> {
  if (!state.date || state.chosen.size === 0) return;
  await placeOrder({ date: state.date, seat_ids: [...state.chosen].sort((a, b) => a - b) });
}

/** takeBest holds the best available seats as the fan asks: how many, where, side by side. */
async function takeBest(): Promise<void> {
  if (!state.date) return;
  const quantity = el<HTMLInputElement>("quantity");
  if (!quantity.checkValidity()) {
    say("alert", "Say how many seats you want: a whole number, 1 or more.");
    quantity.focus();
    return;
  }
  const section = el<HTMLSelectElement>("section").value;
  await placeOrder({ date: state.date, quantity: quantity.valueAsNumber, together: el<HTMLInputElement>("together").checked, ...(section ? { section } : {}) });
}

async function placeOrder(body: OrderRequest): Promise<void> {
  if (state.order || state.holding) return; // one order at a time on this page
  state.holding = true;
  try {
    await holdOrder(body);
  } finally {
    state.holding = false;
  }
}

async function holdOrder(body: OrderRequest): Promise<void> {
  clearAlert();
  const date = body.date;
  const { data, error, response } = await api.POST("/api/orders", { body, headers: bearer(state.token) });
  learnClock(response);
  if (!data) {
    fail(error);
    if (isProblem(error) && error.status === 409) {
      // Someone was faster: the seats named are taken whatever a listing a moment old says.
      for (const seat of error.taken ?? []) markTaken(seat);
      el<HTMLDivElement>("seats").focus();
      window.setTimeout(() => void seats(date).catch(fail), 500);
    }
    return;
  }
  state.order = data;
  const where = data.tickets.map((t) => `${t.seat_id} (${t.section})`).join(", ");
  say("held", `Seat${data.tickets.length > 1 ? "s" : ""} ${where} on ${data.date} ${data.tickets.length > 1 ? "are" : "is"} yours for now: ${won.format(data.total)} in all.`);
  window.clearInterval(state.countdown);
  let announced = Infinity;
  const tick = (): void => {
    const left = Math.max(0, Math.round((new Date(data.expiration).getTime() - (Date.now() + state.clockSkew)) / 1000));
    el("countdown").textContent = `Pay within ${Math.floor(left / 60)} min ${left % 60} s.`;
    for (const mark of [120, 60, 30]) {
      if (left <= mark && announced > mark) {
        announced = mark;
        say("remaining", `${mark >= 60 ? `${mark / 60} min` : `${mark} s`} left to pay.`);
      }
    }
    if (left === 0) {
      endOrder(`Your hold on seats ${data.tickets.map((t) => t.seat_id).join(", ")} has ended: the seats are released. Choose seats again.`);
    }
  };
  tick();
  state.countdown = window.setInterval(tick, 1000);
  show("hold");
}

/** markTaken shows a seat taken on the map, and takes it out of the seats chosen. */
function markTaken(seat: number): void {
  const button = document.querySelector<HTMLButtonElement>(`#seats button[data-seat="${seat}"]`);
  state.chosen.delete(seat);
  if (!button) return;
  button.disabled = true;
  const next = el<HTMLDivElement>("seats").querySelector<HTMLButtonElement>("button:not(:disabled)");
  if (button.tabIndex === 0 && next) rove(next); // the map keeps its stop of Tab
  button.setAttribute("aria-pressed", "false");
  button.className = button.className.replace(" free", " taken");
  button.setAttribute("aria-label", (button.getAttribute("aria-label") ?? "").replace(/available$/, "taken"));
  chosenChanged();
}

/** endOrder forgets the order held, says why, and goes back to the map of its date. */
function endOrder(why: string): void {
  window.clearInterval(state.countdown);
  state.order = undefined;
  say("alert", why);
  show("book");
  if (state.date) void seats(state.date).catch(fail);
}

/** release gives the order back at once, for others to take. */
async function release(): Promise<void> {
  clearAlert();
  const o = state.order;
  if (!o) return;
  const { error, response } = await api.DELETE("/api/orders/{order_id}", { params: { path: { order_id: o.order_id } }, headers: bearer(state.token) });
  if (response.status !== 204) return fail(error);
  endOrder(`You gave back seats ${o.tickets.map((t) => t.seat_id).join(", ")}: they are free for others.`);
}

async function topUp(): Promise<void> {
  clearAlert();
  const o = state.order;
  if (!o) return;
  const { data, error } = await api.POST("/api/balance", {
    body: { amount: o.total },
    params: { header: { "Idempotency-Key": `${state.user}-${o.order_id}-topup` } }, // one top-up an order, however often clicked
    headers: bearer(state.token),
  });
  if (!data) return fail(error);
  say("balance", `Your balance: ${won.format(data.balance)}.`);
}

async function pay(): Promise<void> {
  clearAlert();
  const o = state.order;
  if (!o) return;
  const { data, error } = await api.POST("/api/orders/{order_id}/payment", {
    params: { path: { order_id: o.order_id }, header: { "Idempotency-Key": `${state.user}-${o.order_id}` } },
    headers: bearer(state.token),
  });
  if (!data) return fail(error);
  window.clearInterval(state.countdown);
  state.order = undefined;
  const seatList = data.tickets.map((t) => t.seat_id).join(", ");
  say("receipt", `Paid ${won.format(data.receipt.amount)} for seat${data.tickets.length > 1 ? "s" : ""} ${seatList} on ${data.receipt.performance_date} (payment ${data.receipt.payment_id}).`);
  for (const t of data.tickets) {
    if (t.credential) keep({ ticket_id: t.ticket_id, sale_id: state.sale, credential: t.credential });
  }
  show("ticket");
  await showQRCodes(data.tickets);
}

/** requeue takes a token of the sale again: the payment ended the session, and any live token
 * of the sale shows the fan's tickets. */
async function requeue(): Promise<boolean> {
  const again = await api.POST("/api/token", { body: { user_id: state.user, sale_id: state.sale } });
  if (!again.data) {
    fail(again.error);
    return false;
  }
  state.token = again.data.token;
  return true;
}

/** withToken calls f with the fan's token, and once more with a new one if that has expired. */
async function withToken<T extends { response: Response }>(f: () => Promise<T>): Promise<T | undefined> {
  const first = await f();
  if (first.response.status !== 401) return first;
  return (await requeue()) ? f() : undefined;
}

/** showQRCodes shows each paid ticket's QR code, read with its own credential, then the fan's
 * tickets. */
async function showQRCodes(tickets: { ticket_id: string; seat_id: number; credential?: string }[]): Promise<void> {
  const codes = el<HTMLDivElement>("qrs");
  codes.replaceChildren();
  for (const t of tickets) {
    if (!t.credential) continue; // given back since
    const res = await fetch(`/api/tickets/${t.ticket_id}`, { headers: { ...bearer(t.credential), Accept: "image/png" } });
    if (!res.ok) return fail(await res.json().catch(() => res.statusText));
    const figure = document.createElement("figure");
    const img = document.createElement("img");
    img.src = URL.createObjectURL(await res.blob());
    img.alt = `QR code of seat ${t.seat_id}: show it at the gate`;
    img.width = img.height = 200;
    img.dataset.ticket = t.ticket_id;
    const caption = document.createElement("figcaption");
    caption.textContent = `Seat ${t.seat_id}`;
    figure.append(img, caption);
    codes.append(figure);
  }
  await myTickets();
}

/** myTickets lists the fan's tickets of the sale, each paid one with a way to give it back. */
async function myTickets(): Promise<void> {
  const res = await withToken(() => api.GET("/api/tickets", { headers: bearer(state.token) }));
  if (!res) return;
  if (!res.data) return fail(res.error);
  const list = el<HTMLUListElement>("tickets");
  list.replaceChildren();
  for (const t of res.data) {
    if (t.credential) keep({ ticket_id: t.ticket_id, sale_id: t.sale_id, credential: t.credential });
    const item = document.createElement("li");
    item.textContent = `Seat ${t.seat_id} (${t.section}) on ${t.date}: ${t.status}${t.refund ? `, ${won.format(t.refund.amount)} refunded` : ""}. `;
    if (t.status === "paid") {
      const cancel = document.createElement("button");
      cancel.type = "button";
      cancel.textContent = "Give it back";
      cancel.setAttribute("aria-label", `Give back seat ${t.seat_id} on ${t.date}`);
      cancel.addEventListener("click", guarded(cancel, () => giveBack(t.ticket_id)));
      item.append(cancel);
    }
    list.append(item);
  }
}

async function giveBack(ticket: string): Promise<void> {
  clearAlert();
  const res = await withToken(() =>
    api.POST("/api/tickets/{ticket_id}/cancel", {
      params: { path: { ticket_id: ticket }, header: { "Idempotency-Key": `${state.user}-${ticket}-cancel` } },
      headers: bearer(state.token),
    }),
  );
  if (!res) return;
  if (!res.data) return fail(res.error);
  say("receipt", `Given back: ${won.format(res.data.refund.amount)} is back in your wallet (a fee of ${won.format(res.data.refund.fee)} kept).`);
  document.querySelector(`#qrs img[data-ticket="${ticket}"]`)?.closest("figure")?.remove();
  await myTickets();
  el<HTMLElement>("tickets-heading").focus();
}

el<HTMLFormElement>("who").addEventListener("submit", (e) => e.preventDefault());
el<HTMLButtonElement>("leave").addEventListener("click", () => void leave());
el<HTMLButtonElement>("topup").addEventListener("click", guarded(el<HTMLButtonElement>("topup"), topUp));
el<HTMLButtonElement>("pay").addEventListener("click", guarded(el<HTMLButtonElement>("pay"), pay));
el<HTMLButtonElement>("release").addEventListener("click", guarded(el<HTMLButtonElement>("release"), release));
el<HTMLDivElement>("seats").addEventListener("keydown", moveOnMap);
el<HTMLButtonElement>("hold-chosen").addEventListener("click", guarded(el<HTMLButtonElement>("hold-chosen"), holdChosen));
el<HTMLFormElement>("best").addEventListener("submit", (e) => {
  e.preventDefault();
  guarded(el<HTMLButtonElement>("take-best"), takeBest)();
});
listSales().catch(fail);
showKept().catch(fail);
