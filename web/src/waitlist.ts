// The waitlist's part of the fan page: the panel where a fan joins the waitlist of a sold-out
// date and follows their entries, and the words each entry is told in. The calls, the polling
// and the offer are fan.ts's; this file only builds and words, so it can be read alone.

import type { Schemas } from "../../openapi/typescript/src/index.js";

export type WaitlistEntry = Schemas["WaitlistEntryBody"];
type Order = Schemas["OrderBody"];

/** What a fan asks the waitlist for, as the join form is filled in. */
export type WaitlistWish = { date: string; quantity?: number; section?: string };

/** waitlistPanel builds the panel. It belongs to no single step of the page (a fan may join
 * while queueing or once admitted, and an offer comes whatever the step), so it stands after
 * the steps and stays while they switch. */
export function waitlistPanel(): HTMLElement {
  const panel = document.createElement("aside");
  panel.id = "waitlist";
  panel.hidden = true;
  panel.setAttribute("aria-labelledby", "waitlist-heading");
  // Static markup only: every value shown in it later is set as text, never as HTML. The
  // entries are redrawn at each read, so a screen reader hears their changes from the status
  // line alone, which is said only when something changed (and seen in the list).
  panel.innerHTML = `
    <h2 id="waitlist-heading" tabindex="-1">The waitlist</h2>
    <p id="waitlist-why"></p>
    <form id="waitlist-join" class="best" hidden>
      <h3>Join the waitlist</h3>
      <label for="waitlist-date">Date</label> <select id="waitlist-date" required></select>
      <label for="waitlist-quantity">Seats</label> <input id="waitlist-quantity" type="number" min="1" max="100" value="2" required>
      <label for="waitlist-section">in</label> <select id="waitlist-section"><option value="">any section</option></select>
      <button type="submit" id="waitlist-join-button">Join the waitlist</button>
    </form>
    <p id="waitlist-status" aria-live="polite" class="visually-hidden"></p>
    <ul id="waitlist-entries"></ul>`;
  return panel;
}

/** aheadOfYou says how many fans wait before this one for the same date. */
export function aheadOfYou(position: number): string {
  if (position === 0) return "no one ahead of you";
  return position === 1 ? "1 fan ahead of you" : `${position} fans ahead of you`;
}

/** waitedFor says what an entry waits for: how many seats, where and when. */
export function waitedFor(e: WaitlistEntry): string {
  return `${e.quantity} seat${e.quantity > 1 ? "s" : ""} in ${e.section ?? "any section"} on ${e.date}`;
}

/** offeredSeats names an offer's seats with their sections: "seats 4 (Floor), 5 (Floor)". */
export function offeredSeats(o: Order): string {
  return `seat${o.tickets.length > 1 ? "s" : ""} ${o.tickets.map((t) => `${t.seat_id} (${t.section})`).join(", ")}`;
}

/** standing says where an entry stands, in a sentence; an offer names its seats once its order
 * has been read. */
export function standing(e: WaitlistEntry, offer?: Order): string {
  const until = e.offer_expires ? new Date(e.offer_expires).toLocaleTimeString() : "the offer ends";
  switch (e.status) {
    case "waiting":
      return `Waiting for ${waitedFor(e)}: ${aheadOfYou(e.position ?? 0)}.`;
    case "offered":
      return offer
        ? `Seats came back for you: ${offeredSeats(offer)} on ${offer.date}, held for you until ${until}: pay for them before then.`
        : `Seats came back for you: ${waitedFor(e)}, held for you until ${until}: pay for them before then.`;
    case "claimed":
      return `Waited for ${waitedFor(e)}: offered and paid, the tickets are yours.`;
    case "expired":
      return `Waited for ${waitedFor(e)}: the offer ended unpaid (it ran out or was turned down, or your limit no longer allowed it) and went to the next fan.`;
    case "left":
      return `You left the waitlist for ${waitedFor(e)}.`;
  }
}

/** stillOpen says whether an entry may yet change by itself: waiting for seats, or offered. */
export function stillOpen(e: WaitlistEntry): boolean {
  return e.status === "waiting" || e.status === "offered";
}
