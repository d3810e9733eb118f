// The operator's page: the sales, each queue's statistics refreshed every two seconds, pause
// and resume, and the admission rate and ceiling. The admin key is entered here and kept in
// this tab only (sessionStorage), never sent anywhere but this API.

import { adminKey, createBoxofficeClient, isProblem, type Schemas } from "../../openapi/typescript/src/index.js";

const api = createBoxofficeClient(location.origin);
type Sale = Schemas["SaleBody"];

function el<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

function fail(error: unknown): void {
  el("alert").textContent = isProblem(error) ? `${error.title ?? "Error"}: ${error.detail ?? ""}` : `The request failed: ${String(error)}`;
}

function key(): string {
  return sessionStorage.getItem("boxoffice-admin-key") ?? "";
}

let refreshing: number | undefined;

async function refresh(): Promise<void> {
  const { data, error, response } = await api.GET("/api/admin/sales", { headers: adminKey(key()) });
  if (!data) {
    if (response.status === 401) {
      // A wrong key is forgotten, and asked for again.
      sessionStorage.removeItem("boxoffice-admin-key");
      window.clearInterval(refreshing);
      refreshing = undefined;
      el("sales").hidden = true;
    }
    return fail(error); // anything else passes: the next refresh asks again
  }
  el("alert").textContent = "";
  el("sales").hidden = false;
  const rows = el<HTMLTableSectionElement>("rows");
  // Not under the operator's hands: a focused control keeps its focus and its typing.
  if (!rows.contains(document.activeElement)) rows.replaceChildren(...(data as Sale[]).map(row));
  el("updated").textContent = `Updated at ${new Date().toLocaleTimeString()}.`;
}

function row(sale: Sale): HTMLTableRowElement {
  const q = sale.queue;
  const tr = document.createElement("tr");
  const cell = (text: string): void => {
    const td = document.createElement("td");
    td.textContent = text;
    tr.append(td);
  };
  cell(`${sale.title} (${sale.sale_id})`);
  cell(sale.state);
  cell(String(q.waiting));
  cell(`${q.active} of ${q.max_active}`);
  cell(String(q.admitted_total));
  cell(`${q.admitted_per_minute}/min (set ${q.admit_rate}/s)`);
  cell(`${q.oldest_wait}${q.stalled ? " — stalled" : ""}${q.admission_unavailable ? " — admission not answering (is a worker running?)" : ""}`);
  const actions = document.createElement("td");
  if (sale.state === "on_sale" || sale.state === "paused") {
    const toggle = document.createElement("button");
    toggle.type = "button";
    const next = sale.state === "on_sale" ? "paused" : "on_sale";
    toggle.textContent = next === "paused" ? "Pause" : "Resume";
    toggle.setAttribute("aria-label", `${toggle.textContent} ${sale.title}`);
    toggle.addEventListener("click", () => change(sale.sale_id, { state: next }).catch(fail));
    actions.append(toggle);
  }
  const form = document.createElement("form");
  const field = (name: string, label: string, value: number): HTMLInputElement => {
    const l = document.createElement("label");
    const input = document.createElement("input");
    Object.assign(input, { name, type: "number", min: "1", required: true, value: String(value) });
    input.setAttribute("aria-label", `${label} of ${sale.title}`);
    l.append(`${label} `, input, " ");
    form.append(l);
    return input;
  };
  const rate = field("rate", "rate a second", q.admit_rate);
  const ceiling = field("ceiling", "ceiling", q.max_active);
  const set = document.createElement("button");
  set.textContent = "Set";
  set.setAttribute("aria-label", `Set the admission of ${sale.title}`);
  form.append(set);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    admission(sale.sale_id, Number(rate.value), Number(ceiling.value)).catch(fail);
  });
  actions.append(form);
  tr.append(actions);
  return tr;
}

async function change(sale: string, body: { state: "on_sale" | "paused" }): Promise<void> {
  const { error } = await api.PATCH("/api/admin/sales/{sale_id}", { params: { path: { sale_id: sale } }, body, headers: adminKey(key()) });
  if (error) return fail(error);
  (document.activeElement as HTMLElement | null)?.blur(); // done: let the table show the change
  el("status").textContent = `${body.state === "paused" ? "Paused" : "Resumed"} ${sale}.`;
  await refresh();
}

async function admission(sale: string, rate: number, ceiling: number): Promise<void> {
  const { error } = await api.PATCH("/api/admin/sales/{sale_id}/queue", {
    params: { path: { sale_id: sale } },
    body: { admit_rate: rate, max_active: ceiling },
    headers: adminKey(key()),
  });
  if (error) return fail(error);
  (document.activeElement as HTMLElement | null)?.blur(); // done: let the table show the change
  el("status").textContent = `Set ${sale}'s admission to ${rate} a second, ${ceiling} at once.`;
  await refresh();
}

el<HTMLFormElement>("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem("boxoffice-admin-key", el<HTMLInputElement>("key").value);
  el<HTMLInputElement>("key").value = "";
  refresh().catch(fail);
  window.clearInterval(refreshing);
  refreshing = window.setInterval(() => refresh().catch(fail), 2000);
});
if (key() !== "") {
  refresh().catch(fail);
  refreshing = window.setInterval(() => refresh().catch(fail), 2000);
}
