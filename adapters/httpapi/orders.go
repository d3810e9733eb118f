package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
)

type placeOrderInput struct {
	Body struct {
		Date    string      `json:"date" format:"date" doc:"Performance date, YYYY-MM-DD." example:"2026-12-24"`
		SeatIDs []seatField `json:"seat_ids,omitempty" maxItems:"100" doc:"The seats you choose, taken all or none. Leave out to ask for the best available with quantity." example:"[12,13,14,15]"`
		// The best available: how many seats, in which section, side by side or not.
		Quantity int    `json:"quantity,omitempty" minimum:"1" maximum:"100" doc:"How many of the best available seats (the lowest numbers) to take, up to the sale's max_tickets_per_fan. Leave out with seat_ids."`
		Section  string `json:"section,omitempty" maxLength:"100" doc:"The section to take the best available in; left out, the first section (by first seat) that can."`
		Together bool   `json:"together,omitempty" doc:"With quantity: only consecutive seat numbers in one section."`
	}
}

// OrderTicketBody is one seat of an order: a ticket of its own, checked in and given back on
// its own.
type OrderTicketBody struct {
	TicketID string `json:"ticket_id" format:"uuid" doc:"The seat's ticket, as GET /api/tickets lists it."`
	SeatID   int    `json:"seat_id"`
	Section  string `json:"section" doc:"The seat's price section."`
	Price    int64  `json:"price" doc:"Price in won: the section's price when the order was placed."`
	// Credential is set in a payment's answer.
	Credential string `json:"credential,omitempty" doc:"The paid ticket's signed credential to show at the gate (in the payment's answer)."`
}

// OrderBody is an order of one or more seats of one date, held together until expiration.
type OrderBody struct {
	OrderID    string            `json:"order_id" format:"uuid" doc:"Pay with POST /api/orders/{order_id}/payment; give back with DELETE /api/orders/{order_id}."`
	Status     string            `json:"status" enum:"reserved,paid,released" doc:"reserved → paid, or reserved → released when its hold ended unpaid or was given back."`
	Expiration time.Time         `json:"expiration" doc:"When the hold of every seat ends unless paid (RFC 3339, UTC)."`
	Date       string            `json:"date" format:"date"`
	Total      int64             `json:"total" doc:"What the payment charges, in won: the sum of the seats' prices."`
	Tickets    []OrderTicketBody `json:"tickets" doc:"The order's seats, in seat order."`
	Receipt    *ReceiptBody      `json:"receipt,omitempty" doc:"The order's one payment, once paid."`
}

type orderOutput struct {
	Body OrderBody
}

// OrderInPath is the order a fan's path names; exported, as huma reads only exported embedded
// fields.
type OrderInPath struct {
	OrderID string `path:"order_id" format:"uuid" doc:"The order_id from POST /api/orders."`
}

type orderInput struct {
	OrderInPath
}

type payOrderInput struct {
	OrderInPath
	IdempotencyKey idempotencyKeyField `header:"Idempotency-Key" doc:"Optional. Recorded with the payment; reusing it for another order or ticket is 422; while the first request with the key is still running, 409 with Retry-After."`
}

// OrderPaymentBody is the answer of an order's payment: one receipt, and each ticket with its
// credential.
type OrderPaymentBody struct {
	// Status is "success", as a seat's payment says; not declared an enum, so that the Go
	// client generated from the document keeps the name it has for the seat's (Success).
	Status  string            `json:"status" doc:"success."`
	Receipt ReceiptBody       `json:"receipt" doc:"The one payment of the order: amount is its total."`
	Tickets []OrderTicketBody `json:"tickets" doc:"The tickets paid for, in seat order, each with its credential (absent for one cancelled since)."`
}

type orderPaymentOutput struct {
	Body OrderPaymentBody
}

// registerOrders registers placing, showing, paying for and giving back orders.
func registerOrders(api huma.API, s *server) {
	registerPlaceOrder(api, s)
	registerShowOrder(api, s)
	registerPayOrder(api, s)
	registerGiveBackOrder(api, s)
}

func registerPlaceOrder(api huma.API, s *server) {
	huma.Register(api, secured(huma.Operation{
		OperationID:   "placeOrder",
		Method:        http.MethodPost,
		Path:          "/api/orders",
		DefaultStatus: http.StatusCreated,
		Summary:       "Hold several seats together",
		Description: "Holds seats of your token's sale for you in one order until expiration, all or none: the seats you " +
			"choose (`seat_ids`), or the best available (`quantity`, the lowest seat numbers; in `section` if given; " +
			"with `together`, consecutive numbers in one section). Pay for all of them at once with " +
			"POST /api/orders/{order_id}/payment before then, or they are released together. Each seat is a ticket, " +
			"listed by GET /api/tickets with the order's id. The sale's limit counts seats: 429 with Retry-After while " +
			"holds of yours make it up, 403 once bought tickets do. 409 when a chosen seat is taken (`taken` lists " +
			"every one; nothing is held) or there are not enough seats as asked (`available` says how many there " +
			"could have been).",
		Tags: []string{"orders"},
	}, http.StatusBadRequest, http.StatusForbidden, http.StatusConflict, http.StatusGone, http.StatusTooManyRequests, http.StatusServiceUnavailable), func(ctx context.Context, in *placeOrderInput) (*orderOutput, error) {
		if err := s.limit(ctx, s.limiters.holdAddr, s.limiters.holdUser, string(caller(ctx).UserID)); err != nil {
			return nil, err
		}
		seats := make([]int, len(in.Body.SeatIDs))
		for i, n := range in.Body.SeatIDs {
			seats[i] = int(n)
		}
		o, err := s.OrderTaker.PlaceOrder(ctx, caller(ctx), booking.PlaceOrderRequest{
			Date: in.Body.Date, Seats: seats, Quantity: in.Body.Quantity, Section: in.Body.Section, Together: in.Body.Together,
		})
		if err != nil {
			return nil, bodyProblem(ctx, s.Logger, err)
		}
		return &orderOutput{Body: orderBody(booking.OrderView{Order: o, Status: booking.OrderReserved})}, nil
	})
}

func registerShowOrder(api huma.API, s *server) {
	huma.Register(api, secured(huma.Operation{
		OperationID: "showOrder",
		Method:      http.MethodGet,
		Path:        "/api/orders/{order_id}",
		Summary:     "Show one of your orders",
		Description: "One of your orders in your token's sale, with any live token: reserved, paid (with its receipt) or " +
			"released. Another fan's order, or one of another sale, is 404.",
		Tags: []string{"orders"},
	}, http.StatusBadRequest, http.StatusNotFound), func(ctx context.Context, in *orderInput) (*orderOutput, error) {
		v, err := s.OrderTaker.Order(ctx, caller(ctx), in.OrderID)
		if err != nil {
			return nil, problemFor(ctx, s.Logger, err)
		}
		return &orderOutput{Body: orderBody(v)}, nil
	})
}

func registerPayOrder(api huma.API, s *server) {
	huma.Register(api, secured(huma.Operation{
		OperationID: "payOrder",
		Method:      http.MethodPost,
		Path:        "/api/orders/{order_id}/payment",
		Summary:     "Pay for an order, every seat at once",
		Description: "Pays from your balance the order's total, once, for every seat together. On success the seats are " +
			"yours, each a ticket with its credential, and your queue token expires unless another hold of yours in " +
			"the sale is still to pay. 402 says your balance and the total needed, and changes nothing. 409 when the " +
			"order's hold has ended (its deadline passed, or it was given back). Paying a paid order again returns the " +
			"same receipt, even with the token that payment expired, so a retry is charged once.",
		Tags: []string{"orders", "payment"},
	}, http.StatusBadRequest, http.StatusPaymentRequired, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusGone,
		http.StatusUnprocessableEntity, http.StatusServiceUnavailable), func(ctx context.Context, in *payOrderInput) (*orderPaymentOutput, error) {
		paid, err := s.Checkout.PayOrder(ctx, caller(ctx), in.OrderID, string(in.IdempotencyKey))
		if err != nil {
			return nil, problemFor(ctx, s.Logger, err)
		}
		body, err := s.orderPaymentBody(ctx, paid)
		if err != nil {
			return nil, problemFor(ctx, s.Logger, err)
		}
		return &orderPaymentOutput{Body: body}, nil
	})
}

func registerGiveBackOrder(api huma.API, s *server) {
	huma.Register(api, secured(huma.Operation{
		OperationID:   "giveBackOrder",
		Method:        http.MethodDelete,
		Path:          "/api/orders/{order_id}",
		DefaultStatus: http.StatusNoContent,
		Summary:       "Give an unpaid order back",
		Description: "Releases every seat of your unpaid order at once, for others to take; GET then shows it released. " +
			"Giving back a released order again changes nothing. A paid order is 409: give its tickets back one by one " +
			"with POST /api/tickets/{ticket_id}/cancel.",
		Tags: []string{"orders"},
	}, http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict), func(ctx context.Context, in *orderInput) (*struct{}, error) {
		if err := s.OrderTaker.GiveBack(ctx, caller(ctx), in.OrderID); err != nil {
			return nil, problemFor(ctx, s.Logger, err)
		}
		return nil, nil
	})
}

// orderBody is an order as the API shows it.
func orderBody(v booking.OrderView) OrderBody {
	b := OrderBody{
		OrderID: string(v.ID), Status: v.Status.String(), Expiration: v.HeldUntil.UTC(), Date: v.Date.String(), Total: int64(v.Total()),
		Tickets: make([]OrderTicketBody, len(v.Tickets)),
	}
	for i, t := range v.Tickets {
		b.Tickets[i] = OrderTicketBody{TicketID: string(t.ID), SeatID: t.Seat, Section: t.Section, Price: int64(t.Price)}
	}
	if v.Receipt != nil {
		rc := orderReceiptBody(*v.Receipt, v.Date)
		b.Receipt = &rc
	}
	return b
}

// orderReceiptBody is an order's payment as one receipt of its total.
func orderReceiptBody(rc booking.OrderReceipt, d core.Date) ReceiptBody {
	return ReceiptBody{PaymentID: string(rc.PaymentID()), Amount: int64(rc.Total()), Date: rc.PaidAt().UTC(), PerformanceDate: d.String(), PaidAt: rc.PaidAt().UTC()}
}

// orderPaymentBody is the answer of an order's payment: its receipt, and each ticket with its
// signed credential.
func (s *server) orderPaymentBody(ctx context.Context, paid booking.OrderView) (OrderPaymentBody, error) {
	body := OrderPaymentBody{Status: "success", Receipt: orderReceiptBody(*paid.Receipt, paid.Date), Tickets: orderBody(paid).Tickets}
	for _, rc := range paid.Receipt.Tickets {
		i := slices.IndexFunc(body.Tickets, func(t OrderTicketBody) bool { return t.TicketID == string(rc.ReservationID) })
		if i < 0 {
			return OrderPaymentBody{}, fmt.Errorf("the order's payment has a receipt of ticket %s, which is not the order's", rc.ReservationID)
		}
		var err error
		if body.Tickets[i].Credential, err = s.credential(ctx, rc); err != nil {
			return OrderPaymentBody{}, err
		}
	}
	return body, nil
}
