// The door of a sale's queue, on the fan page: the proof of work a sale may ask of each join,
// solved with ALTCHA's own client library, and the access code its presale asks for. fan.ts
// joins through the door made here and shows its form; this file fetches and solves the
// challenges, sends the join with what the sale asks, and words the door's refusals.

import { solveChallenge } from "altcha-lib/v1";
import { isProblem, type BoxofficeClient, type Problem, type Schemas } from "../../openapi/typescript/src/index.js";

type Sale = Schemas["SaleListingBody"];
type Challenge = Schemas["ChallengeBody"];

/** What POST /api/token answered, as the SDK gives it. */
export type Joined = { data?: Schemas["TokenBody"]; error?: Problem; response: Response };

/** A solution of one challenge of a sale, under way or solved: ALTCHA's payload, or undefined
 * when the sale asks for no proof of work after all (its listing was older than its rules). */
type Proof = { sale: string; payload: Promise<string | undefined>; controller: AbortController };

/** What the page says while the browser solves a challenge. */
const checking = "Checking your browser…";

/** inPresale says whether the sale takes only fans with an access code: the listing says until
 * when while its presale lasts. */
export function inPresale(sale: Sale): boolean {
  return sale.presale_until !== undefined;
}

/** presaleEnds says when the sale's presale ends, for the fan. */
export function presaleEnds(sale: Sale): string {
  return sale.presale_until ? new Date(sale.presale_until).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "";
}

/** tooManyJoins words a 429 from the answer's Retry-After (seconds, as the API sends it). */
export function tooManyJoins(response: Response): string {
  const wait = Number(response.headers.get("Retry-After"));
  return `Too many joins from your network; try again in ${Number.isFinite(wait) && wait > 0 ? `${Math.ceil(wait)} s` : "a moment"}.`;
}

/** How long each slice of the solving keeps the page's thread, in milliseconds. */
const sliceMs = 50;

/** solveInSlices solves a challenge with ALTCHA's solveChallenge a slice of numbers at a time,
 * giving the page its thread back between slices: solved in one run, the hashing's chain of
 * promises keeps timers, typing and painting waiting until it ends (seconds). Each slice is
 * sized to take about sliceMs. took is the whole solving's, as ALTCHA's widget reports it. */
async function solveInSlices(c: Challenge, signal: AbortSignal): Promise<{ number: number; took: number } | null> {
  const started = Date.now();
  let size = 1000;
  for (let start = 0; start <= c.maxnumber && !signal.aborted; ) {
    const end = Math.min(start + size - 1, c.maxnumber);
    const began = performance.now();
    const work = solveChallenge(c.challenge, c.salt, c.algorithm, end, start);
    const stop = (): void => work.controller.abort();
    signal.addEventListener("abort", stop);
    const found = await work.promise;
    signal.removeEventListener("abort", stop);
    if (found) return { number: found.number, took: Date.now() - started };
    size = Math.min(Math.max(Math.round((size * sliceMs) / Math.max(1, performance.now() - began)), 100), 1_000_000);
    start = end + 1;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return null;
}

/** refusedProof says whether a join was refused for its proof of work (missing, spent, expired
 * or another way wrong): a fresh one may let it in. */
function refusedProof(error: unknown): boolean {
  return isProblem(error) && error.status === 400 && (error.errors ?? []).some((e) => e.location === "body.altcha");
}

/** A sale's door: prepare solves a challenge of a sale ahead of the fan's join, drop forgets it,
 * and join sends the fan's join with a solution and the access code when the sale asks. */
export type Door = {
  prepare(sale: Sale): void;
  drop(): void;
  join(sale: Sale, body: { user_id: string; access_code?: string }): Promise<Joined>;
};

/** door makes the fan page's door on api; tell shows what it is doing (checking the browser,
 * or nothing) where a screen reader announces it. */
export function door(api: BoxofficeClient, tell: (status: string) => void): Door {
  let ready: Proof | undefined; // solved ahead for the sale the fan chose
  let solving = 0; // solutions under way, for the status

  /** solve fetches a challenge of the sale and solves it, saying so meanwhile. */
  function solve(sale: string): Proof {
    const controller = new AbortController();
    const payload = (async (): Promise<string | undefined> => {
      const { data, error, response } = await api.GET("/api/token/challenge", { params: { query: { sale_id: sale } }, signal: controller.signal });
      if (response.status === 404) return undefined; // the sale asks for none any more
      if (!data) throw error;
      if (solving++ === 0) tell(checking);
      try {
        const solution = await solveInSlices(data, controller.signal);
        if (!solution) throw new Error(controller.signal.aborted ? "the browser check was stopped" : "the browser check found no answer; try again");
        // As ALTCHA's widget sends it: base64 of its JSON, with the time it took.
        const { algorithm, challenge, salt, signature } = data;
        return btoa(JSON.stringify({ algorithm, challenge, number: solution.number, salt, signature, took: solution.took }));
      } finally {
        if (--solving === 0) tell("");
      }
    })();
    payload.catch(() => {}); // a failure is told to the join that takes it; one dropped is not
    return { sale, payload, controller };
  }

  /** take hands a solution of the sale to one join: the one solved ahead, or a new one. */
  function take(sale: string): Proof {
    const proof = ready?.sale === sale ? ready : solve(sale);
    if (ready !== proof) drop();
    ready = undefined; // each solution lets one join in
    return proof;
  }

  function drop(): void {
    ready?.controller.abort();
    ready = undefined;
  }

  return {
    prepare(sale) {
      if (!sale.proof_of_work || ready?.sale === sale.sale_id) return;
      drop();
      ready = solve(sale.sale_id);
    },
    drop,
    async join(sale, body) {
      let proof = sale.proof_of_work ? take(sale.sale_id) : undefined;
      for (let tries = 1; ; tries++) {
        const altcha = await proof?.payload;
        const res = await api.POST("/api/token", { body: { ...body, sale_id: sale.sale_id, ...(altcha ? { altcha } : {}) } });
        // A solution spent or expired meanwhile (or a proof the listing did not say the sale
        // asks for): one more try, with a fresh one.
        if (res.data || tries > 1 || !refusedProof(res.error)) return res;
        proof = take(sale.sale_id);
      }
    },
  };
}
