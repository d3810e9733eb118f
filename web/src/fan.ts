// The fan page: pick a sale, wait in its queue (the event stream, falling back to polling),
// then pick a date and take the best available seats or choose them on the map, hold them
// together with one countdown, top up, pay once and see each ticket's QR code and one's
// tickets. A date with no seats left (or fewer than wanted) has a waitlist: the fan joins it,
// while queueing or once admitted, follows their place, and pays the seats it offers them with
// the same countdown and payment. A sale may ask each join for a proof of work, which the page
// solves (entry.ts), and, while its presale lasts, for an access code. Every call goes through
// the TypeScript SDK; every problem the API answers is shown in words.

import {
  bearer,
  createBoxofficeClient,
  followPlace,
  isProblem,
  type PlaceEvent,
  type Problem,
  type Schemas,
} from "../../openapi/typescript/src/index.js";
import { door, inPresale, presaleEnds, tooManyJoins, type Joined } from "./entry.js";
import { offeredSeats, standing, stillOpen, waitlistPanel, type WaitlistEntry, type WaitlistWish } from "./waitlist.js";

const api = createBoxofficeClient(location.origin);
const entry = door(api, (status) => say("entry-status", status));

type Order = Schemas["OrderBody"];
type Sale = Schemas["SaleListingBody"];
type TokenStatus = Schemas["TokenBody"];

const state: {
  user: string;
  sale: string;
  listing?: Sale; // the sale as listed when the fan joined it, for what its door asks
  code?: string; // the access code the fan joined with, during a presale
  presale?: Sale; // the sale whose access code the form asks for
  saleDates: string[]; // every date of the sale from today on, sold out or not (GET /api/sales)
  token: string;
  admitted: boolean; // whether the token was admitted, or is still waiting in the queue
  date?: string;
  sections: Map<string, string[]>; // each date's sections, once its seat map was read
  chosen: Set<number>; // seats chosen on the map, to hold together
  order?: Order;
  offer?: WaitlistEntry; // the waitlist entry whose offer is the order on the page
  holding?: boolean;
  countdown?: number;
  wait?: AbortController;
  clockSkew: number;
  waitlist: {
    entries: WaitlistEntry[]; // as last read
    said: Map<string, string>; // what the page last said of each entry, to announce changes only
    offers: Map<string, Order>; // the offers' orders read, by order id
    poll?: number;
    reads: number; // reads begun: an answer older than the newest is dropped
  };
} = {
  user: "",
  sale: "",
  saleDates: [],
  token: "",
  admitted: false,
  sections: new Map(),
  chosen: new Set(),
  clockSkew: 0, // server time minus this browser's, from the answers' Date header
  waitlist: { entries: [], said: new Map(), offers: new Map(), reads: 0 },
};

/** How often the page reads the fan's waitlist while an entry waits or is offered. */
const waitlistPollMs = 3000;

/** What the waitlist promises, said wherever the page offers it. */
const waitlistPromise =
  "Join its waitlist: seats that come back (a hold that ran out, a ticket given back) are offered to the first fan waiting for them, held for you for a few minutes, and you pay for them here.";

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
    // A sold-out sale can still be queued for: its dates' waitlists are reached from the queue.
    const why = sale.sold_out ? " — sold out: queue to join a date's waitlist" : sale.state === "paused" ? " — paused: you can queue, admission waits" : "";
    const presale = inPresale(sale) ? ` — presale until ${presaleEnds(sale)}: with an access code` : "";
    button.textContent = `${sale.title} — ${sale.venue} (${sale.dates.join(", ")})${why}${presale}`;
    button.dataset.sale = sale.sale_id;
    if (inPresale(sale)) {
      // It opens the form that asks for an access code.
      button.setAttribute("aria-controls", "entry");
      button.setAttribute("aria-expanded", "false");
    }
    button.addEventListener("click", guarded(button, () => chooseSale(sale)));
    item.append(button);
    list.append(item);
  }
}

/** chooseSale joins the sale's queue, or, while its presale lasts, asks for an access code
 * first (solving the sale's proof of work meanwhile, so the join waits no longer). */
async function chooseSale(sale: Sale): Promise<void> {
  clearAlert();
  if (inPresale(sale)) return askCode(sale);
  closeCodeForm();
  await join(sale);
}

/** askCode opens the form that asks for the presale's access code. */
function askCode(sale: Sale, why?: string): void {
  if (state.presale?.sale_id !== sale.sale_id) el<HTMLInputElement>("access-code").value = "";
  state.presale = sale;
  for (const b of document.querySelectorAll<HTMLButtonElement>("#sales button")) {
    if (b.hasAttribute("aria-controls")) b.setAttribute("aria-expanded", String(b.dataset.sale === sale.sale_id));
  }
  say("entry-heading", `Presale: ${sale.title}`);
  say("entry-why", sale.presale_until ? `Until ${presaleEnds(sale)} only fans with an access code may join the queue.` : "The sale takes only fans with an access code just now.");
  codeError(why ?? "");
  el("entry").hidden = false;
  entry.prepare(sale);
  el("access-code").focus();
}

/** closeCodeForm closes the access code's form, and stops solving ahead for its sale. */
function closeCodeForm(): void {
  if (!state.presale) return;
  state.presale = undefined;
  entry.drop();
  el("entry").hidden = true;
  for (const b of document.querySelectorAll<HTMLButtonElement>("#sales button[aria-expanded]")) b.setAttribute("aria-expanded", "false");
}

/** codeError shows why the access code did not let the fan in, next to it ("" clears it). */
function codeError(why: string): void {
  say("access-code-error", why);
  const input = el<HTMLInputElement>("access-code");
  if (why) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

/** joinWithCode joins the presale the form is open for with the code typed. */
async function joinWithCode(): Promise<void> {
  const sale = state.presale;
  if (!sale) return;
  clearAlert();
  codeError("");
  const code = el<HTMLInputElement>("access-code").value.trim();
  if (code === "") {
    codeError("Enter the access code you were given.");
    el("access-code").focus();
    return;
  }
  await join(sale, code);
}

/** join takes a token of the sale (with the access code of its presale, if any, and through
 * its door) and follows the fan's place. */
async function join(sale: Sale, code?: string): Promise<void> {
  clearAlert();
  const input = el<HTMLInputElement>("user");
  const user = input.value.trim();
  if (user === "" || !input.checkValidity()) {
    say("alert", "Enter your name (your user id: letters, digits and . _ @ - only) first.");
    input.focus();
    return;
  }
  const res = await entry.join(sale, { user_id: user, ...(code ? { access_code: code } : {}) });
  const data = res.data;
  if (!data) return refused(sale, res);
  closeCodeForm();
  Object.assign(state, { user, sale: sale.sale_id, listing: sale, code, saleDates: sale.dates, token: data.token, admitted: false });
  state.sections.clear();
  if ("Notification" in window && Notification.permission === "default") void Notification.requestPermission();
  show("queue");
  place(data);
  startWaitlist();
  if (data.status === "active") await admitted();
  else await followQueue();
}

/** refused says why a join was refused: too many joins from the fan's network, or, next to the
 * access code's field, a presale that does not let the fan in (a sale listed before its
 * presale was set opens the field); the proof of work is solved ahead again for the next try. */
function refused(sale: Sale, res: Joined): void {
  if (res.response.status === 429) {
    say("alert", tooManyJoins(res.response));
  } else if (res.response.status === 403 && res.error) {
    const why = res.error.detail ?? problemText(res.error);
    askCode(sale, `${why.charAt(0).toUpperCase()}${why.slice(1)}`);
  } else {
    fail(res.error);
  }
  if (state.presale?.sale_id === sale.sale_id) entry.prepare(sale);
}

/** followQueue follows the fan's place until admitted, then shows the dates; a place that
 * ends sends the fan back to the sales. */
async function followQueue(): Promise<void> {
  const outcome = await wait();
  if (outcome === "admitted") await admitted();
  if (outcome === "ended") {
    stopWaitlist();
    show("pick"); // its reason stays in the alert
  }
}

/** followingQueue says whether the page follows a place still waiting in the queue. */
function followingQueue(): boolean {
  return !state.admitted && state.wait !== undefined && !state.wait.signal.aborted;
}

/** place shows the fan's place in the queue. */
function place(t: TokenStatus): void {
  state.token = t.token;
  const q = t.queue_info;
  let text: string;
  if (t.status === "active") text = "It is your turn.";
  else if (q.sold_out) text = "The sale is sold out: every seat is held or sold. Join a date's waitlist below: seats that come back are offered to the fans waiting for them.";
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
  const waitlisted = state.waitlist.entries.some(stillOpen);
  stopWaitlist();
  say("alert", `You left the queue: your place went to the fans behind you.${waitlisted ? " Your waitlist entries are kept: queue again to follow them." : ""}`);
  show("pick");
  await showKept();
}

async function admitted(): Promise<void> {
  state.admitted = true;
  if ("Notification" in window && Notification.permission === "granted" && document.hidden) {
    new Notification("boxoffice: it is your turn", { body: "Pick your seat now." });
  }
  const { data, error } = await api.GET("/api/tickets/dates", { headers: bearer(state.token) });
  if (!data) return fail(error);
  // The dates listed are those with a seat left; the sale's others are sold out, and have a
  // waitlist.
  const open = new Set(data);
  const dates = el<HTMLUListElement>("dates");
  dates.replaceChildren();
  for (const date of [...new Set([...state.saleDates, ...data])].sort()) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    if (open.has(date)) {
      button.textContent = date;
      button.addEventListener("click", guarded(button, () => seats(date)));
    } else {
      button.textContent = `${date} — sold out: join the waitlist`;
      button.dataset.soldOut = date;
      button.addEventListener("click", () => offerWaitlist(`No seat is left on ${date}. ${waitlistPromise}`, { date }));
    }
    item.append(button);
    dates.append(item);
  }
  closeWaitlistForm(); // the queue's form; a date with no seats opens it again
  if (!state.order) show("book"); // an offer paid for from the queue stays on screen; then the dates
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
  state.sections.set(date, sections);
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
  if (!data.some((s) => s.status === "available")) {
    offerWaitlist(`Every seat on ${date} is held or sold. ${waitlistPromise}`, { date });
  }
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
      if (error.available !== undefined && body.quantity !== undefined) {
        // Not enough seats as asked: the waitlist offers them as they come back.
        offerWaitlist(`Only ${error.available} could be had as you asked. ${waitlistPromise}`, { date, quantity: body.quantity, section: body.section });
      } else {
        el<HTMLDivElement>("seats").focus();
      }
      window.setTimeout(() => void seats(date).catch(fail), 500);
    }
    return;
  }
  const where = data.tickets.map((t) => `${t.seat_id} (${t.section})`).join(", ");
  showHeld(data, data.expiration, `Seat${data.tickets.length > 1 ? "s" : ""} ${where} on ${data.date} ${data.tickets.length > 1 ? "are" : "is"} yours for now: ${won.format(data.total)} in all.`);
}

/** showHeld shows an order held for the fan, their own or the waitlist's offer, with one
 * countdown to expires, and the ways to pay for it or give it up. */
function showHeld(data: Order, expires: string, held: string): void {
  state.order = data;
  say("held", held);
  el("release").textContent = state.offer ? "Turn the offer down" : "Give the seats back";
  window.clearInterval(state.countdown);
  let announced = Infinity;
  const tick = (): void => {
    const left = Math.max(0, Math.round((new Date(expires).getTime() - (Date.now() + state.clockSkew)) / 1000));
    el("countdown").textContent = `Pay within ${Math.floor(left / 60)} min ${left % 60} s.`;
    for (const mark of [120, 60, 30]) {
      if (left <= mark && announced > mark) {
        announced = mark;
        say("remaining", `${mark >= 60 ? `${mark / 60} min` : `${mark} s`} left to pay.`);
      }
    }
    if (left === 0) {
      const seatList = data.tickets.map((t) => t.seat_id).join(", ");
      endOrder(
        state.offer
          ? `The offer of seats ${seatList} ran out unpaid: they went to the next fan on the waitlist.`
          : `Your hold on seats ${seatList} has ended: the seats are released. Choose seats again.`,
      );
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

/** endOrder forgets the order held, says why, and goes back to where the fan was: the map of
 * the date they chose, or the queue they still wait in. */
function endOrder(why: string): void {
  window.clearInterval(state.countdown);
  state.order = undefined;
  const wasOffer = state.offer !== undefined;
  state.offer = undefined;
  say("alert", why);
  if (state.admitted) {
    show("book");
    if (state.date) void seats(state.date).catch(fail);
  } else {
    show("queue");
    openQueueWaitlistForm();
  }
  if (wasOffer) void refreshWaitlist().catch(fail);
}

/** release gives the order back at once, for others to take; an offer is turned down by
 * leaving its waitlist, which a fan still in the queue may do too. */
async function release(): Promise<void> {
  clearAlert();
  const o = state.order;
  if (!o) return;
  if (state.offer) return leaveWaitlist(state.offer);
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
  // Paying for an offer from the queue ends the token's place there, and its stream with it:
  // the page stops following the place first, so that ending does not send the fan back to the
  // sales, and follows it again if the payment fails.
  const fromQueue = followingQueue();
  if (fromQueue) state.wait?.abort();
  const { data, error } = await api.POST("/api/orders/{order_id}/payment", {
    params: { path: { order_id: o.order_id }, header: { "Idempotency-Key": `${state.user}-${o.order_id}` } },
    headers: bearer(state.token),
  });
  if (!data) {
    if (fromQueue) void followQueue().catch(fail);
    return fail(error);
  }
  window.clearInterval(state.countdown);
  state.order = undefined;
  const offer = state.offer;
  state.offer = undefined;
  const seatList = data.tickets.map((t) => t.seat_id).join(", ");
  say("receipt", `Paid ${won.format(data.receipt.amount)} for seat${data.tickets.length > 1 ? "s" : ""} ${seatList} on ${data.receipt.performance_date} (payment ${data.receipt.payment_id}).`);
  for (const t of data.tickets) {
    if (t.credential) keep({ ticket_id: t.ticket_id, sale_id: state.sale, credential: t.credential });
  }
  show("ticket");
  await showQRCodes(data.tickets);
  if (offer) await refreshWaitlist(); // claimed now
}

/** requeue takes a token of the sale again: the payment ended the session, and any live token
 * of the sale shows the fan's tickets. */
async function requeue(): Promise<boolean> {
  if (!state.listing) return false;
  const again = await entry.join(state.listing, { user_id: state.user, ...(state.code ? { access_code: state.code } : {}) });
  if (!again.data) {
    if (again.response.status === 429) say("alert", tooManyJoins(again.response));
    else fail(again.error);
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

/** startWaitlist shows the waitlist of the sale the fan just queued for: their entries, if
 * any, and the form, which a fan still in the queue may use too (the dates' seats are not
 * shown before their turn, so it is there for any date). */
function startWaitlist(): void {
  stopWaitlist();
  state.waitlist = { entries: [], said: new Map(), offers: new Map(), reads: state.waitlist.reads };
  el("waitlist-entries").replaceChildren();
  say("waitlist-status", "");
  openQueueWaitlistForm();
  void refreshWaitlist().catch(fail);
}

/** openQueueWaitlistForm opens the form for a fan in the queue, who cannot see yet which dates
 * are sold out. */
function openQueueWaitlistForm(): void {
  if (state.saleDates.length === 0) return;
  const chosen = el<HTMLSelectElement>("waitlist-date").value; // kept when the form opens again
  const date = state.saleDates.includes(chosen) ? chosen : state.saleDates[0];
  openWaitlistForm(`Is the date you want sold out? ${waitlistPromise} You may join while you wait, and pay for an offer before your turn.`, { date });
}

/** stopWaitlist stops reading the waitlist and hides it: the fan has no token to read it with. */
function stopWaitlist(): void {
  window.clearTimeout(state.waitlist.poll);
  state.waitlist.reads++; // a read under way is dropped
  el("waitlist").hidden = true;
}

/** offerWaitlist opens the waitlist's form for a wish the seats cannot meet, and takes the fan
 * there. */
function offerWaitlist(why: string, wish: WaitlistWish): void {
  openWaitlistForm(why, wish);
  el("waitlist-heading").focus();
}

/** openWaitlistForm fills the join form in with the wish and shows it, saying why. */
function openWaitlistForm(why: string, wish: WaitlistWish): void {
  const dates = el<HTMLSelectElement>("waitlist-date");
  const known = state.saleDates.includes(wish.date) ? state.saleDates : [...state.saleDates, wish.date].sort();
  dates.replaceChildren(...known.map((d) => new Option(d, d)));
  dates.value = wish.date;
  fillWaitlistSections(wish.date, wish.section);
  if (wish.quantity !== undefined) el<HTMLInputElement>("waitlist-quantity").valueAsNumber = wish.quantity;
  say("waitlist-why", why);
  el("waitlist-join").hidden = false;
  el("waitlist").hidden = false;
}

/** fillWaitlistSections offers the date's sections, once its seat map has been read (before
 * the fan's turn, "any section" only). */
function fillWaitlistSections(date: string, chosen = ""): void {
  const sections = state.sections.get(date) ?? [];
  const select = el<HTMLSelectElement>("waitlist-section");
  select.replaceChildren(new Option("any section", ""), ...sections.map((s) => new Option(s, s)));
  select.value = sections.includes(chosen) ? chosen : "";
}

function closeWaitlistForm(): void {
  el("waitlist-join").hidden = true;
  say("waitlist-why", "");
  showWaitlistIfUsed();
}

/** showWaitlistIfUsed shows the waitlist while its form is open or an entry is listed. */
function showWaitlistIfUsed(): void {
  el("waitlist").hidden = el("waitlist-join").hidden && el("waitlist-entries").childElementCount === 0;
}

/** joinWaitlist puts the fan on the waitlist of the date the form names. */
async function joinWaitlist(): Promise<void> {
  clearAlert();
  const quantity = el<HTMLInputElement>("waitlist-quantity");
  if (!quantity.checkValidity()) {
    say("alert", "Say how many seats you wait for: a whole number, 1 or more.");
    quantity.focus();
    return;
  }
  const section = el<HTMLSelectElement>("waitlist-section").value;
  const body = { date: el<HTMLSelectElement>("waitlist-date").value, quantity: quantity.valueAsNumber, ...(section ? { section } : {}) };
  const { data, error } = await api.POST("/api/waitlist", { body, headers: bearer(state.token) });
  if (!data) return fail(error); // 409 says whether seats are free to hold instead, or the fan waits already
  const said = standing(data);
  state.waitlist.said.set(data.waitlist_id, said);
  say("waitlist-status", `You joined the waitlist. ${said}`);
  if (state.admitted) closeWaitlistForm(); // the list shows the entry; a sold-out date opens the form again
  await refreshWaitlist();
}

/** leaveWaitlist takes the fan off an entry's waitlist; an offer of it goes to the next fan. */
async function leaveWaitlist(entry: WaitlistEntry): Promise<void> {
  clearAlert();
  const { error, response } = await api.DELETE("/api/waitlist/{waitlist_id}", {
    params: { path: { waitlist_id: entry.waitlist_id } },
    headers: bearer(state.token),
  });
  if (response.status !== 204) return fail(error);
  const offered = entry.status === "offered";
  const said = `You left the waitlist for ${entry.date}${offered ? ": the seats offered to you go to the next fan" : ""}.`;
  if (state.offer?.waitlist_id === entry.waitlist_id) endOrder(said);
  say("waitlist-status", said);
  await refreshWaitlist();
}

/** refreshWaitlist reads the fan's entries, shows them, announces what changed, takes up a new
 * offer, and reads again in a few seconds while one still waits or is offered. A read that
 * fails on the way is tried again; the sale closed ends the reading. */
async function refreshWaitlist(): Promise<void> {
  window.clearTimeout(state.waitlist.poll);
  const read = ++state.waitlist.reads;
  let again = true;
  try {
    const res = await withToken(() => api.GET("/api/waitlist", { headers: bearer(state.token) }));
    if (read !== state.waitlist.reads) return; // a newer read, or the fan left
    if (!res) {
      again = false; // no token could be had again: requeue said why
      return;
    }
    if (!res.data) {
      if (res.response.status === 410) {
        fail(res.error);
        again = false;
      }
      return;
    }
    await readOffers(res.data);
    if (read !== state.waitlist.reads) return;
    showEntries(res.data);
    again = res.data.some(stillOpen);
  } catch {
    // Offline for a moment: the next read tells.
  } finally {
    if (again && read === state.waitlist.reads) {
      window.clearTimeout(state.waitlist.poll);
      state.waitlist.poll = window.setTimeout(() => void refreshWaitlist().catch(fail), waitlistPollMs);
    }
  }
}

/** readOffers reads the order of each new offer, to name its seats. */
async function readOffers(entries: WaitlistEntry[]): Promise<void> {
  for (const e of entries) {
    if (e.status !== "offered" || !e.order_id || state.waitlist.offers.has(e.order_id)) continue;
    const { data } = await api.GET("/api/orders/{order_id}", { params: { path: { order_id: e.order_id } }, headers: bearer(state.token) });
    if (data) state.waitlist.offers.set(e.order_id, data); // else named by what was waited for, and read again next time
  }
}

/** showEntries lists the fan's entries (those left are only said), announces each that changed,
 * opens a new offer when nothing else is held on the page, and ends the offer on the page if
 * it ended elsewhere. */
function showEntries(entries: WaitlistEntry[]): void {
  state.waitlist.entries = entries;
  const list = el<HTMLUListElement>("waitlist-entries");
  list.replaceChildren();
  let changed: string | undefined;
  for (const e of entries) {
    const offer = e.order_id ? state.waitlist.offers.get(e.order_id) : undefined;
    const said = standing(e, offer);
    const before = state.waitlist.said.get(e.waitlist_id);
    state.waitlist.said.set(e.waitlist_id, said);
    if (said !== before && e.status !== "left") changed = said;
    if (e.status === "offered" && offer && before !== said) takeUpOffer(e, offer);
    if (e.status === "left") continue;
    list.append(entryItem(e, said));
  }
  if (changed) say("waitlist-status", changed);
  const shown = state.offer && entries.find((e) => e.waitlist_id === state.offer?.waitlist_id);
  if (shown && shown.status !== "offered" && shown.status !== "claimed") {
    endOrder(`The offer of ${state.order ? offeredSeats(state.order) : "seats"} has ended unpaid: they went to the next fan on the waitlist.`);
  }
  showWaitlistIfUsed();
}

/** entryItem is an entry as listed, with what the fan can do with it. */
function entryItem(e: WaitlistEntry, said: string): HTMLLIElement {
  const item = document.createElement("li");
  item.dataset.status = e.status;
  item.textContent = `${said} `;
  if (e.status === "offered") {
    const pay = document.createElement("button");
    pay.type = "button";
    pay.textContent = "Pay for the offered seats";
    pay.addEventListener("click", guarded(pay, () => openOffer(e)));
    item.append(pay, " ");
  }
  if (stillOpen(e)) {
    const leave = document.createElement("button");
    leave.type = "button";
    leave.textContent = "Leave the waitlist";
    leave.setAttribute("aria-label", `Leave the waitlist for ${e.date}`);
    leave.addEventListener("click", guarded(leave, () => leaveWaitlist(e)));
    item.append(leave);
  }
  return item;
}

/** takeUpOffer tells the fan seats came back for them, and shows the offer to pay at once
 * unless the page holds another order (then the entry's button shows it later). */
function takeUpOffer(e: WaitlistEntry, offer: Order): void {
  if ("Notification" in window && Notification.permission === "granted" && document.hidden) {
    new Notification("boxoffice: seats came back for you", { body: "Pay for them before the offer ends." });
  }
  if (!state.order && !state.holding) showOffer(e, offer);
}

/** openOffer shows an offer to pay, from the entry's button. */
async function openOffer(e: WaitlistEntry): Promise<void> {
  if (state.offer?.waitlist_id === e.waitlist_id) return show("hold");
  if (state.order) {
    say("alert", "Pay for or give back the seats you hold first; the offer is kept until it ends.");
    return;
  }
  await readOffers([e]);
  const offer = e.order_id ? state.waitlist.offers.get(e.order_id) : undefined;
  if (!offer) {
    say("alert", "The offer cannot be read just now; try again in a moment.");
    return;
  }
  showOffer(e, offer);
}

/** showOffer shows an offer as an order held for the fan, counting down to its end. */
function showOffer(e: WaitlistEntry, offer: Order): void {
  state.offer = e;
  closeWaitlistForm(); // the offer is the fan's business now; the entry stays listed
  const seats = offeredSeats(offer);
  const are = offer.tickets.length > 1 ? "are" : "is";
  showHeld(offer, e.offer_expires ?? offer.expiration, `${seats[0].toUpperCase()}${seats.slice(1)} on ${offer.date} came back and ${are} held for you from the waitlist: ${won.format(offer.total)} in all.`);
}

document.querySelector("main")?.append(waitlistPanel());
el<HTMLSelectElement>("waitlist-date").addEventListener("change", (e) => fillWaitlistSections((e.target as HTMLSelectElement).value));
el<HTMLFormElement>("waitlist-join").addEventListener("submit", (e) => {
  e.preventDefault();
  guarded(el<HTMLButtonElement>("waitlist-join-button"), joinWaitlist)();
});
el<HTMLFormElement>("who").addEventListener("submit", (e) => e.preventDefault());
el<HTMLFormElement>("entry").addEventListener("submit", (e) => {
  e.preventDefault();
  guarded(el<HTMLButtonElement>("entry-join"), joinWithCode)();
});
el<HTMLInputElement>("access-code").addEventListener("input", () => codeError(""));
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
