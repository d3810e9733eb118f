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
  const { data, error } = await api.GET("/api/admin/sales", { headers: adminKey(key()) });
  if (!data) {
    window.clearInterval(refreshing);
    refreshing = undefined;
    el("sales").hidden = true;
    return fail(error);
  }
  el("alert").textContent = "";
  el("sales").hidden = false;
  const rows = el<HTMLTableSectionElement>("rows");
  const editing = rows.querySelector("input:focus") !== null; // do not redraw under the operator's typing
  if (!editing) rows.replaceChildren(...(data as Sale[]).map(row));
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
  cell(`${q.oldest_wait}${q.stalled ? " — stalled" : ""}`);
  const actions = document.createElement("td");
  if (sale.state === "on_sale" || sale.state === "paused") {
    const toggle = document.createElement("button");
    toggle.type = "button";
    const next = sale.state === "on_sale" ? "paused" : "on_sale";
    toggle.textContent = next === "paused" ? "Pause" : "Resume";
    toggle.setAttribute("aria-label", `${toggle.textContent} ${sale.title}`);
    toggle.addEventListener("click", () => void change(sale.sale_id, { state: next }));
    actions.append(toggle);
  }
  const form = document.createElement("form");
  form.innerHTML = `<label>rate/s <input name="rate" type="number" min="1" required></label> <label>ceiling <input name="ceiling" type="number" min="1" required></label> <button>Set</button>`;
  (form.elements.namedItem("rate") as HTMLInputElement).value = String(q.admit_rate);
  (form.elements.namedItem("ceiling") as HTMLInputElement).value = String(q.max_active);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const rate = Number((form.elements.namedItem("rate") as HTMLInputElement).value);
    const ceiling = Number((form.elements.namedItem("ceiling") as HTMLInputElement).value);
    (document.activeElement as HTMLElement | null)?.blur();
    void admission(sale.sale_id, rate, ceiling);
  });
  actions.append(form);
  tr.append(actions);
  return tr;
}

async function change(sale: string, body: { state: "on_sale" | "paused" }): Promise<void> {
  const { error } = await api.PATCH("/api/admin/sales/{sale_id}", { params: { path: { sale_id: sale } }, body, headers: adminKey(key()) });
  if (error) return fail(error);
  await refresh();
}

async function admission(sale: string, rate: number, ceiling: number): Promise<void> {
  const { error } = await api.PATCH("/api/admin/sales/{sale_id}/queue", {
    params: { path: { sale_id: sale } },
    body: { admit_rate: rate, max_active: ceiling },
    headers: adminKey(key()),
  });
  if (error) return fail(error);
  await refresh();
}

el<HTMLFormElement>("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem("boxoffice-admin-key", el<HTMLInputElement>("key").value);
  el<HTMLInputElement>("key").value = "";
  void refresh();
  window.clearInterval(refreshing);
  refreshing = window.setInterval(() => void refresh(), 2000);
});
if (key() !== "") {
  void refresh();
  refreshing = window.setInterval(() => void refresh(), 2000);
}
