package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"sync"

	"github.com/danielgtaylor/huma/v2"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// MaxSaleBodyBytes bounds the body of an operator's new sale: room for a season of dates with
// many sections each (a fan's request stays within MaxBodyBytes).
const MaxSaleBodyBytes = 256 << 10

type saleOutput struct {
	Body SaleBody
}

type salesOutput struct {
	Body []SaleBody
}

// SaleInPath is the sale an operator's path names; input types embed it (exported, as huma
// reads only exported embedded fields).
type SaleInPath struct {
	SaleID saleIDField `path:"sale_id" doc:"The sale's id." example:"autumn-nights"`
}

type createSaleInput struct {
	Body SaleSpecBody
}

type changeSaleInput struct {
	SaleInPath
	// RawBody tells a cancellation policy set to null (removed) from one left out (kept).
	RawBody []byte
	Body    struct {
		State            string             `json:"state,omitempty" enum:"draft,on_sale,paused,closed" doc:"draft → on_sale ↔ paused, any → closed (final)."`
		Title            *titleField        `json:"title,omitempty" doc:"1 to 200 characters with a visible one, no control characters (a tab is one) or bidirectional overrides and isolates."`
		Venue            *titleField        `json:"venue,omitempty" doc:"Under the title's rules."`
		MaxTicketsPerFan *ticketLimitField  `json:"max_tickets_per_fan,omitempty" doc:"Lowering it refuses new holds beyond it; tickets held or bought stay."`
		Cancellation     *cancellationPatch `json:"cancellation,omitempty" nullable:"true" doc:"The new policy; null makes tickets not cancellable."`
		Entry            *EntryBody         `json:"entry,omitempty" doc:"The new entry rules, as a whole: a field left out takes its default (no proof of work, no presale). Apply from the next join."`
	}
}

type addPerformanceInput struct {
	SaleInPath
	Body PerformanceSpecBody
}

type repriceInput struct {
	SaleID  saleIDField `path:"sale_id" doc:"The sale's id." example:"autumn-nights"`
	Date    string      `path:"date" format:"date" doc:"The performance's date." example:"2030-09-01"`
	Section string      `path:"name" doc:"The section's name." example:"Floor"`
	Body    struct {
		Price priceField `json:"price" doc:"The new price, in won."`
	}
}

// RepricedBody says what a reprice did.
type RepricedBody struct {
	SaleID   string `json:"sale_id"`
	Date     string `json:"date" format:"date"`
	Section  string `json:"section"`
	Price    int64  `json:"price"`
	Repriced int    `json:"repriced" doc:"Seats that take the new price: those neither held nor sold now. Held and sold seats keep the price they were taken at."`
}

type repricedOutput struct {
	Body RepricedBody
}

// registerAdminSales registers the operators' sales: putting them on and reading them, changing
// them, and their dates and prices.
func registerAdminSales(api huma.API, o *operators) {
	registerSaleCreateAndRead(api, o)
	registerSaleChange(api, o)
	registerSaleDatesAndPrices(api, o)
}

func registerSaleCreateAndRead(api huma.API, o *operators) {
	huma.Register(api, admin(huma.Operation{
		OperationID:   "createSale",
		Method:        http.MethodPost,
		Path:          "/api/admin/sales",
		Summary:       "Put a sale on",
		DefaultStatus: http.StatusCreated,
		Description: "Creates a sale with its performances, their priced sections and seats, and opens its waiting room. " +
			"A sale has at most 100 dates, each of at most 100,000 seats, and 500,000 seats in all. " +
			"A refused field is named in the problem's errors[].location (body.performances[0].sections).",
		MaxBodyBytes: MaxSaleBodyBytes,
	}, http.StatusBadRequest, http.StatusConflict, http.StatusServiceUnavailable), func(ctx context.Context, in *createSaleInput) (*saleOutput, error) {
		spec, err := in.Body.spec()
		if err != nil {
			return nil, bodyProblem(ctx, o.logger, err)
		}
		r, err := o.admin.CreateSale(ctx, spec)
		if err != nil {
			return nil, bodyProblem(ctx, o.logger, err)
		}
		return o.saleOutput(ctx, r)
	})

	huma.Register(api, admin(huma.Operation{
		OperationID: "listAllSales",
		Method:      http.MethodGet,
		Path:        "/api/admin/sales",
		Summary:     "List every sale",
		Description: "Every sale, drafts and closed ones included, oldest first, as GET /api/admin/sales/{sale_id} gives each. " +
			"Each queue is read from the database alone (its admission workflow is not asked, so the list stays cheap with " +
			"thousands of sales): its settings as last recorded, and marked admission_unavailable when fans wait and no " +
			"admission round has run for a while. GET /api/admin/sales/{sale_id} asks the workflow.",
	}), func(ctx context.Context, _ *struct{}) (*salesOutput, error) {
		sales, err := o.admin.Sales(ctx)
		if err != nil {
			return nil, problemFor(ctx, o.logger, err)
		}
		bodies, err := o.readSales(ctx, sales)
		if err != nil {
			return nil, err
		}
		return &salesOutput{Body: bodies}, nil
	})

	huma.Register(api, admin(huma.Operation{
		OperationID: "readSale",
		Method:      http.MethodGet,
		Path:        "/api/admin/sales/{sale_id}",
		Summary:     "Read a sale",
		Description: "The sale as created, each performance with the live counts of its seats, and its queue's statistics " +
			"(marked admission_unavailable when its admission workflow does not answer).",
	}, http.StatusNotFound), func(ctx context.Context, in *SaleInPath) (*saleOutput, error) {
		b, err := o.readSale(ctx, core.SaleID(in.SaleID))
		if err != nil {
			return nil, err
		}
		return &saleOutput{Body: b}, nil
	})
}

func registerSaleChange(api huma.API, o *operators) {
	huma.Register(api, admin(huma.Operation{
		OperationID: "changeSale",
		Method:      http.MethodPatch,
		Path:        "/api/admin/sales/{sale_id}",
		Summary:     "Change a sale's state, title, venue, limit, cancellation policy or entry rules",
		Description: "Fields left out keep their value. Pausing keeps the queue's fans and admits nobody, and refuses new " +
			"holds while holds already made can be paid; closing is final: no new tokens, and waiting fans are told.",
	}, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusServiceUnavailable), func(ctx context.Context, in *changeSaleInput) (*saleOutput, error) {
		change, err := in.change()
		if err != nil {
			return nil, bodyProblem(ctx, o.logger, err)
		}
		r, err := o.admin.ChangeSale(ctx, core.SaleID(in.SaleID), change)
		if err != nil {
			return nil, o.adminProblem(ctx, err)
		}
		return o.saleOutput(ctx, r)
	})
}

func registerSaleDatesAndPrices(api huma.API, o *operators) {
	huma.Register(api, admin(huma.Operation{
		OperationID: "addPerformance",
		Method:      http.MethodPost,
		Path:        "/api/admin/sales/{sale_id}/performances",
		Summary:     "Add a date to a sale",
		Description: "A sale has at most 100 dates and 500,000 seats in all, cancelled dates included; a date past either is 400 " +
			"naming date or sections.",
		DefaultStatus: http.StatusCreated,
		MaxBodyBytes:  MaxSaleBodyBytes,
	}, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusGone, http.StatusServiceUnavailable), func(ctx context.Context, in *addPerformanceInput) (*saleOutput, error) {
		r, err := o.admin.AddPerformance(ctx, core.SaleID(in.SaleID), in.Body.spec())
		if err != nil {
			return nil, o.adminProblem(ctx, err)
		}
		return o.saleOutput(ctx, r)
	})

	huma.Register(api, admin(huma.Operation{
		OperationID: "repriceSection",
		Method:      http.MethodPatch,
		Path:        "/api/admin/sales/{sale_id}/performances/{date}/sections/{name}",
		Summary:     "Reprice a section's unsold seats",
		Description: "The new price applies to the section's seats that are neither held nor sold on that date, and to " +
			"every hold from now on; held and sold seats keep the price they were taken at. Moving seats between " +
			"sections is not offered, so no change here can touch a held or sold seat. A price that could never apply " +
			"is 409 saying why: the sale has closed, or the performance was cancelled or has passed.",
	}, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict), func(ctx context.Context, in *repriceInput) (*repricedOutput, error) {
		n, err := o.admin.RepriceSection(ctx, core.SaleID(in.SaleID), in.Date, in.Section, int64(in.Body.Price))
		if err != nil {
			return nil, o.adminProblem(ctx, err)
		}
		return &repricedOutput{Body: RepricedBody{SaleID: string(in.SaleID), Date: in.Date, Section: in.Section, Price: int64(in.Body.Price), Repriced: n}}, nil
	})
}

// cancellationPatch is a cancellation policy in a PATCH, where null removes it.
type cancellationPatch CancellationBody

// Schema implements huma.SchemaProvider: CancellationBody's, or null.
func (cancellationPatch) Schema(r huma.Registry) *huma.Schema {
	s := huma.SchemaFromType(r, reflect.TypeFor[CancellationBody]())
	s.Nullable = true
	return s
}

// change is the catalog's change of a PATCH body; a cancellation of null removes the policy.
func (in *changeSaleInput) change() (catalog.SaleChange, error) {
	var c catalog.SaleChange
	b := in.Body
	if b.State != "" {
		st, err := core.ParseSaleState("state", b.State)
		if err != nil {
			return c, err
		}
		c.State = &st
	}
	c.Title, c.Venue = (*string)(b.Title), (*string)(b.Venue)
	c.MaxTicketsPerFan = (*int)(b.MaxTicketsPerFan)
	if b.Entry != nil {
		rules := b.Entry.rules()
		c.Entry = &rules
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(in.RawBody, &fields); err == nil {
		_, c.SetCancellation = fields["cancellation"]
	}
	var err error
	c.Cancellation, err = (*CancellationBody)(b.Cancellation).policy("cancellation")
	return c, err
}

// adminProblem is bodyProblem for operations on a sale named in the path: a sale, date or
// section the path names that does not exist is 404, with the operators' route to turn to.
func (o *operators) adminProblem(ctx context.Context, err error) error {
	for _, missing := range []struct {
		err  error
		hint string
	}{
		{core.ErrUnknownSale, "; GET /api/admin/sales lists every sale"},
		{catalog.ErrUnknownDate, "; GET /api/admin/sales/{sale_id} lists its performances"},
		{catalog.ErrUnknownSection, "; GET /api/admin/sales/{sale_id} lists each performance's sections"},
	} {
		if errors.Is(err, missing.err) {
			return huma.Error404NotFound(missing.err.Error() + missing.hint)
		}
	}
	return bodyProblem(ctx, o.logger, err)
}

// readsAtOnce bounds the sales a list reads at once: each may wait on its admission
// workflow's answer up to the query's deadline.
const readsAtOnce = 16

// readSales reads each sale as readSale does, several at once, in the order given.
func (o *operators) readSales(ctx context.Context, sales []catalog.Sale) ([]SaleBody, error) {
	bodies := make([]SaleBody, len(sales))
	errs := make([]error, len(sales))
	slots := make(chan struct{}, readsAtOnce)
	var wg sync.WaitGroup
	for i, sl := range sales {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			bodies[i], errs[i] = o.listedSale(ctx, sl.ID)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return bodies, nil
}

// listedSale is a sale as the operators' list shows it: its queue from the store alone, its
// loop not asked (RecordedReport).
func (o *operators) listedSale(ctx context.Context, id core.SaleID) (SaleBody, error) {
	r, err := o.admin.Report(ctx, id)
	if err != nil {
		return SaleBody{}, o.adminProblem(ctx, err)
	}
	q, err := o.queueReportBy(ctx, id, o.control.RecordedReport)
	if err != nil {
		return SaleBody{}, err
	}
	return saleBody(r, q), nil
}

func (o *operators) readSale(ctx context.Context, id core.SaleID) (SaleBody, error) {
	r, err := o.admin.Report(ctx, id)
	if err != nil {
		return SaleBody{}, o.adminProblem(ctx, err)
	}
	return o.saleBody(ctx, r)
}

func (o *operators) saleOutput(ctx context.Context, r catalog.SaleReport) (*saleOutput, error) {
	b, err := o.saleBody(ctx, r)
	if err != nil {
		return nil, err
	}
	return &saleOutput{Body: b}, nil
}

// saleBody is the operators' view of a sale with its queue's statistics.
func (o *operators) saleBody(ctx context.Context, r catalog.SaleReport) (SaleBody, error) {
	q, err := o.queueReport(ctx, r.Sale.ID)
	if err != nil {
		return SaleBody{}, err
	}
	return saleBody(r, q), nil
}
