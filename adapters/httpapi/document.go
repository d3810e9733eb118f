package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
)

// Statuses every operation can answer with besides its own: oversized header fields are refused
// before routing, and any operation can fail internally.
var everyOperation = []int{http.StatusRequestHeaderFieldsTooLarge, http.StatusInternalServerError}

// Statuses every operation that reads a request body can answer with.
var withBody = []int{http.StatusRequestTimeout, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType}

// statusMeaning is what each error status means across the API; meaningFor refines it per
// operation.
var statusMeaning = map[int]string{
	http.StatusBadRequest:                  "The request is malformed or names something that does not exist; the problem's errors say where.",
	http.StatusUnauthorized:                "No usable queue token: missing, forged, expired or revoked by a payment. Take one with POST /api/token.",
	http.StatusPaymentRequired:             "The balance does not cover the price; the problem carries balance and needed.",
	http.StatusForbidden:                   "The token is still waiting in the queue; the problem carries position and estimated_wait_time (and opens_at before a scheduled opening, stalled when admission has stopped moving).",
	http.StatusRequestTimeout:              "The request body did not arrive in time.",
	http.StatusConflict:                    "The request lost a race for a shared resource.",
	http.StatusNotFound:                    "No sale, date or section by the name the path gives.",
	http.StatusGone:                        "The sale has closed, or the performance was cancelled: it takes no new fans or holds.",
	http.StatusUnsupportedMediaType:        "The request body is not JSON (send Content-Type: application/json).",
	http.StatusUnprocessableEntity:         "The Idempotency-Key was used before for a different request; use a new key for a new request.",
	http.StatusTooManyRequests:             "Too many requests from this user or client address; retry after Retry-After seconds.",
	http.StatusRequestHeaderFieldsTooLarge: fmt.Sprintf("The request's header fields are larger than %d bytes.", MaxHeaderBytes),
	http.StatusInternalServerError:         "An internal error; the problem says nothing of internals, and the request may be retried.",
	http.StatusServiceUnavailable:          "A dependency (the workflow engine) did not answer in time; retry after Retry-After seconds.",
}

// meaningFor is what a status means for one operation.
var meaningFor = map[string]map[int]string{
	"holdSeat": {
		http.StatusForbidden:          "The token is still waiting in the queue (the problem carries position and estimated_wait_time), or the fan has bought as many tickets of the sale as one may (max_tickets_per_fan).",
		http.StatusConflict:           "The seat is already reserved (pick another from GET /api/tickets/seats), or the sale is paused: no seats can be held until it resumes.",
		http.StatusTooManyRequests:    "Too many hold attempts from this user or address, or the fan's holds and tickets in the sale reach its max_tickets_per_fan while holds make part of it; retry after Retry-After seconds, when the earliest hold ends.",
		http.StatusServiceUnavailable: "The hold's timer could not be started, so the seat was given back; retry after Retry-After seconds.",
	},
	"pay": {
		http.StatusConflict:           "A request with the same Idempotency-Key is still being processed; retry after Retry-After seconds for its answer.",
		http.StatusGone:               "The performance was cancelled before the payment went through: nothing was charged, and the hold ends.",
		http.StatusServiceUnavailable: "The payment did not complete in time; retry it after Retry-After seconds: a payment that went through returns its receipt.",
	},
	"placeOrder": {
		http.StatusForbidden:          "The token is still waiting in the queue (the problem carries position and estimated_wait_time), or the fan's bought tickets leave no room, or room for fewer seats than asked, under max_tickets_per_fan.",
		http.StatusConflict:           "A chosen seat is taken (the problem's taken lists every one; nothing was held), there are not enough seats as asked (available says the most this order could have had), or the sale is paused.",
		http.StatusTooManyRequests:    "Too many attempts from this user or address, or the fan's holds and tickets in the sale with this order's seats pass its max_tickets_per_fan while holds make part of it; retry after Retry-After seconds, when the earliest hold ends.",
		http.StatusServiceUnavailable: "The order's timer could not be started, so its seats were given back; retry after Retry-After seconds.",
	},
	"showOrder": {
		http.StatusBadRequest: "The order_id is not a UUID.",
		http.StatusNotFound:   "You have no order by that id in your token's sale.",
	},
	"payOrder": {
		http.StatusBadRequest:          "The order_id is not a UUID, or the Idempotency-Key is malformed.",
		http.StatusNotFound:            "You have no order by that id in your token's sale.",
		http.StatusPaymentRequired:     "The balance does not cover the order's total; the problem carries balance and needed (the total), and nothing changed.",
		http.StatusConflict:            "The order's hold has ended (its deadline passed, it was given back, or its performance was cancelled), or a request with the same Idempotency-Key is still being processed (Retry-After). A payment the API accepted before the deadline is still taken, retried, until a minute after it.",
		http.StatusGone:                "The performance was cancelled before the payment went through: nothing was charged, and the order ends.",
		http.StatusServiceUnavailable:  "The payment did not complete in time; retry it after Retry-After seconds: a payment that went through returns its receipt.",
		http.StatusUnprocessableEntity: "The Idempotency-Key paid for another order or ticket; use a new key for a new request.",
	},
	"giveBackOrder": {
		http.StatusBadRequest: "The order_id is not a UUID.",
		http.StatusNotFound:   "You have no order by that id in your token's sale.",
		http.StatusConflict:   "The order is paid (give its tickets back one by one with POST /api/tickets/{ticket_id}/cancel), or its payment is under way.",
	},
	"joinWaitlist": {
		http.StatusBadRequest: "A field is wrong: the date is not one of the sale's, the quantity is 0 or above the sale's max_tickets_per_fan, or the section is not one of the date's; the problem's errors say which.",
		http.StatusConflict:   "Enough seats of that kind are free (hold them with POST /api/orders instead), you wait for that date already (GET /api/waitlist), or the sale is paused.",
		http.StatusGone:       "The sale has closed, or the performance was cancelled.",
	},
	"leaveWaitlist": {
		http.StatusBadRequest: "The waitlist_id is not a UUID.",
		http.StatusNotFound:   "You have no waitlist entry by that id.",
		http.StatusConflict:   "The entry has ended: claimed (its offer is paid; give the tickets back instead) or expired.",
	},
	"registerWebhook": {
		http.StatusBadRequest:         "The URL is not allowed (https to a public address, or a host in BOXOFFICE_WEBHOOK_ALLOW), an event type is unknown, none is named, or the sale does not exist; the problem's errors say which.",
		http.StatusServiceUnavailable: "The endpoint's deliveries could not be started (the workflow engine did not answer): nothing was registered; retry after Retry-After seconds.",
	},
	"showWebhook":    {http.StatusBadRequest: "The webhook_id is not a UUID.", http.StatusNotFound: "No endpoint by that id (or it was removed)."},
	"removeWebhook":  {http.StatusBadRequest: "The webhook_id is not a UUID.", http.StatusNotFound: "No endpoint by that id (or it was removed)."},
	"listDeliveries": {http.StatusBadRequest: "The webhook_id is not a UUID.", http.StatusNotFound: "No endpoint by that id (or it was removed)."},
	"retryDelivery": {
		http.StatusBadRequest: "The webhook_id or the event_id is not a UUID.",
		http.StatusNotFound:   "No endpoint by that id, or no delivery of that event to it.",
		http.StatusConflict:   "The delivery is pending (it is being tried) or delivered: only a failed one is tried again.",
	},
	"chargeBalance": {
		http.StatusConflict: "A request with the same Idempotency-Key is still being processed; retry after Retry-After seconds for its answer.",
	},
	"streamToken": {
		http.StatusTooManyRequests: fmt.Sprintf("This token already has %d event streams open on this server; close one, or poll GET /api/token.", StreamsPerToken),
	},
	"scheduleOpening": {
		http.StatusConflict: "The queue has already opened (its pre-queue closed, fans were admitted, or it admits first come, first served), or the sale has closed.",
	},
	"scheduleSaleOpening": {
		http.StatusConflict: "The queue has already opened (its pre-queue closed, fans were admitted, or it admits first come, first served), or the sale has closed.",
	},
	"changeAdmission": {
		http.StatusConflict: "The sale has closed: its waiting room admits nobody any more, so its admission cannot change.",
	},
	"changeSaleAdmission": {
		http.StatusConflict: "The sale has closed: its waiting room admits nobody any more, so its admission cannot change.",
	},
	"createSale": {
		http.StatusConflict:           "A sale with this sale_id exists already; choose another id.",
		http.StatusServiceUnavailable: "The sale was created but its queue did not open (no worker answered); it opens when a worker starts.",
	},
	"changeSale": {
		http.StatusConflict: "The sale cannot move to that state: draft → on_sale ↔ paused, and any → closed, which is final.",
	},
	"addPerformance": {
		http.StatusConflict: "The sale has a performance on that date already.",
		http.StatusGone:     "The sale has closed: it takes no new dates.",
	},
	"showTicket": {
		http.StatusBadRequest: "The ticket_id is not a UUID.",
		http.StatusNotFound:   "You have no ticket by that id in your token's sale.",
		http.StatusConflict:   "A QR code was asked for a ticket not paid: only a paid ticket has a credential.",
		http.StatusGone:       "A QR code was asked for a cancelled ticket: it admits nobody.",
	},
	"cancelTicket": {
		http.StatusBadRequest:          "The ticket_id is not a UUID, or the Idempotency-Key is malformed.",
		http.StatusNotFound:            "You have no ticket by that id in your token's sale.",
		http.StatusConflict:            "The ticket cannot be cancelled: not paid, already cancelled, the sale takes no cancellations, past the deadline (cancellable_until), checked in (checked_in_at), or its performance was cancelled and it is refunded in full; or a request with the same Idempotency-Key is still being processed (Retry-After).",
		http.StatusServiceUnavailable:  "A dependency did not answer in time; retry after Retry-After seconds: nothing is refunded twice.",
		http.StatusUnprocessableEntity: "The Idempotency-Key cancelled another ticket; use a new key for a new request.",
	},
	"checkIn": {
		http.StatusBadRequest: "Not a ticket of this box office (a queue token, a forged or altered credential, garbage), or a ticket of another sale than the gate's sale_id.",
		http.StatusConflict:   "The ticket was checked in already; the problem's checked_in_at says when.",
		http.StatusGone:       "The ticket was cancelled, or its performance was: it admits nobody.",
	},
	"cancelPerformance": {
		http.StatusNotFound:           "No sale or date by the names the path gives.",
		http.StatusServiceUnavailable: "The date is closed but its cancellation could not be started (no Temporal answer); ask again: nothing is refunded twice.",
	},
	"performanceCancellation": {
		http.StatusNotFound: "No sale or date by those names, or the performance is not cancelled.",
	},
	"issueToken": {
		http.StatusBadRequest: "The user id is not valid, or no sale of that sale_id is on (or none is on sale to be the default).",
	},
}

// retryAfter lists the statuses whose answers carry Retry-After, per operation ("" for all).
var retryAfter = map[int][]string{
	http.StatusTooManyRequests:    {""},
	http.StatusServiceUnavailable: {""},
	http.StatusConflict:           {"pay", "chargeBalance"},
}

// documentStatuses completes the OpenAPI document's responses: each operation declares every
// status it can answer with, says what each means, and which carry Retry-After. huma declares
// schema failures as 422; they are answered with 400 (newProblem), so a 422 stays only where it
// means a reused Idempotency-Key.
func documentStatuses(oapi *huma.OpenAPI) {
	for _, item := range oapi.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete} {
			if op == nil || op.Responses == nil {
				continue
			}
			content := problemContent(op)
			if r, ok := op.Responses["422"]; ok && !takesIdempotencyKey(op) {
				delete(op.Responses, "422")
				if _, has := op.Responses["400"]; !has {
					op.Responses["400"] = r
				}
			}
			statuses := everyOperation
			if op.RequestBody != nil {
				statuses = append(slices.Clone(statuses), withBody...)
			}
			for key := range op.Responses {
				if status, _ := strconv.Atoi(key); status >= 400 {
					statuses = append(statuses, status)
				}
			}
			for _, status := range statuses {
				r := &huma.Response{Description: describe(op, status), Content: content}
				if carriesRetryAfter(op.OperationID, status) {
					r.Headers = map[string]*huma.Param{"Retry-After": {
						Description: "Seconds to wait before retrying.",
						Schema:      &huma.Schema{Type: "integer", Minimum: ptr(1.0)},
					}}
				}
				op.Responses[strconv.Itoa(status)] = r
			}
		}
	}
}

func takesIdempotencyKey(op *huma.Operation) bool {
	return slices.ContainsFunc(op.Parameters, func(p *huma.Param) bool { return p.In == "header" && p.Name == idempotencyKeyHeader })
}

func problemContent(op *huma.Operation) map[string]*huma.MediaType {
	for _, r := range op.Responses {
		if c, ok := r.Content["application/problem+json"]; ok {
			return map[string]*huma.MediaType{"application/problem+json": c}
		}
	}
	return nil
}

func describe(op *huma.Operation, status int) string {
	if m, ok := meaningFor[op.OperationID][status]; ok {
		return m
	}
	if status == http.StatusRequestEntityTooLarge {
		return fmt.Sprintf("The request body is larger than %d bytes.", op.MaxBodyBytes)
	}
	if status == http.StatusUnauthorized && len(op.Security) > 0 && op.Security[0][adminScheme] != nil {
		return "Missing or wrong " + adminKeyHeader + ", or the admin API is off (BOXOFFICE_ADMIN_KEY unset)."
	}
	if m, ok := statusMeaning[status]; ok {
		return m
	}
	return http.StatusText(status)
}

func carriesRetryAfter(operationID string, status int) bool {
	ops, ok := retryAfter[status]
	return ok && (slices.Contains(ops, "") || slices.Contains(ops, operationID))
}

func ptr[T any](v T) *T { return &v }
