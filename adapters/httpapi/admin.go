package httpapi

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/entry"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/core/webhook"
	"github.com/danielgtaylor/huma/v2"
)

// adminKeyHeader carries the operators' key.
const adminKeyHeader = "X-Admin-Key"

// checkAdminKey returns why a request may not use the admin API, or "" if it may.
func (s *server) checkAdminKey(got string) string {
	switch {
	case s.AdminKey == "":
		return "the admin API is off: start the service with BOXOFFICE_ADMIN_KEY set"
	case got == "":
		return "missing admin key: send it in the " + adminKeyHeader + " header"
	case subtle.ConstantTimeCompare([]byte(got), []byte(s.AdminKey)) != 1:
		return "wrong admin key"
	}
	return ""
}

// operators serve the operators' API: each sale's queue and admission, the sales themselves
// and their performances' cancellation.
type operators struct {
	control       *queue.Control
	directory     *catalog.Directory
	admin         *catalog.Admin
	cancellations *booking.ShowCanceller
	webhooks      *webhook.Admin
	door          *entry.Door
	logger        *slog.Logger
}

// QueueReportBody is what operators see of the waiting room.
type QueueReportBody struct {
	SaleID            string  `json:"sale_id" doc:"The sale whose queue this is."`
	Waiting           int64   `json:"waiting" doc:"Fans waiting (including those who left but were not reached yet)."`
	Active            int64   `json:"active" doc:"Fans admitted and still in their session."`
	AdmittedPerMinute float64 `json:"admitted_per_minute" doc:"Admission rate measured over the last minute or so (a moving average); the configured rate before any was measured."`
	AdmittedTotal     int64   `json:"admitted_total" doc:"Fans admitted since the queue began."`
	AbandonedTotal    int64   `json:"abandoned_total" doc:"Fans skipped at admission because they stopped polling."`
	OldestWait        string  `json:"oldest_wait" doc:"ISO 8601 duration the fan at the head of the queue has waited; PT0S when nobody waits."`
	Stalled           bool    `json:"stalled" doc:"Fans wait and admission has not moved for at least 10 s: the ceiling is full and nobody leaves, or no worker runs the admission loop."`
	LastSeq           int64   `json:"last_seq" doc:"Sequence number of the latest token."`
	AdmittedThrough   int64   `json:"admitted_through" doc:"Every token numbered up to this one has left the queue."`
	AdmitRate         int     `json:"admit_rate" doc:"Configured fans admitted per second."`
	MaxActive         int     `json:"max_active" doc:"Configured ceiling on admitted fans at once."`
	SessionTTL        string  `json:"session_ttl" doc:"ISO 8601 duration an admitted fan may book for."`
	// The scheduled opening, if any.
	OpensAt  *time.Time `json:"opens_at,omitempty" doc:"Scheduled opening (RFC 3339, UTC)."`
	DrawSeed *int64     `json:"draw_seed,omitempty" doc:"Seed of the opening draw: the draw is reproducible from it."`
	Drawn    bool       `json:"drawn" doc:"Whether the opening draw has placed the early fans."`
	// AdmissionUnavailable says the admission workflow did not answer.
	AdmissionUnavailable bool `json:"admission_unavailable,omitempty" doc:"Present and true when the sale's admission workflow did not answer (is a worker running?): the counters are current, the settings are the ones recorded last, and admission may not be running; changing them answers 503 until it answers."`
}

type queueReportOutput struct {
	Body QueueReportBody
}

type changeAdmissionBody struct {
	AdmitRate  *admitRateField `json:"admit_rate,omitempty" doc:"Fans admitted per second."`
	MaxActive  *ceilingField   `json:"max_active,omitempty" doc:"Ceiling on fans admitted at once."`
	SessionTTL string          `json:"session_ttl,omitempty" doc:"ISO 8601 duration a fan admitted from now on may book for, above zero and at most PT24H." example:"PT10M"`
}

type scheduleOpeningBody struct {
	OpensAt  time.Time `json:"opens_at" doc:"When the sale opens (RFC 3339); must be in the future."`
	DrawSeed *int64    `json:"draw_seed,omitempty" minimum:"0" doc:"Seed of the opening draw; a random one is chosen and recorded when absent."`
}

type (
	changeAdmissionInput struct {
		Body changeAdmissionBody
	}
	changeSaleAdmissionInput struct {
		SaleInPath
		Body changeAdmissionBody
	}
	scheduleOpeningInput struct {
		Body scheduleOpeningBody
	}
	scheduleSaleOpeningInput struct {
		SaleInPath
		Body scheduleOpeningBody
	}
)

// admin marks an operation as the operators': the admin key, and its error statuses.
func admin(op huma.Operation, errs ...int) huma.Operation {
	op.Security = []map[string][]string{{adminScheme: {}}}
	op.Tags = []string{"admin"}
	op.Errors = append([]int{http.StatusUnauthorized}, errs...)
	if op.MaxBodyBytes == 0 {
		op.MaxBodyBytes = MaxBodyBytes
	}
	return op
}

// Descriptions shared by the default sale's queue endpoints and each sale's.
const (
	changeAdmissionDoc = "Sends the change to the sale's admission workflow; it applies from the next tick. Fields left out keep their value. " +
		"A closed sale's waiting room admits nobody and cannot change (409)."
	scheduleOpeningDoc = "Fans who take a token before the opening wait in a pre-queue; at the opening their places are drawn " +
		"uniformly at random from the recorded seed, and later arrivals queue behind them in order. The opening can be " +
		"moved until it comes; it cannot be scheduled on a queue that already admits first come, first served (409)."
	defaultSaleDoc = " This path acts on the default sale (BOXOFFICE_DEFAULT_SALE, else the earliest created on sale or paused); " +
		"/api/admin/sales/{sale_id}/queue on any sale."
)

// registerAdmin registers the operators' queue endpoints: those of the default sale, where the
// seed's single queue was, and each sale's.
func registerAdmin(api huma.API, o *operators) {
	huma.Register(api, admin(huma.Operation{
		OperationID: "queueReport", Method: http.MethodGet, Path: "/api/admin/queue",
		Summary:     "Read the default sale's queue statistics and admission settings",
		Description: "The waiting room's counters, measured rate and settings." + defaultSaleDoc,
	}, http.StatusBadRequest), func(ctx context.Context, _ *struct{}) (*queueReportOutput, error) {
		return o.defaultSale(ctx, o.queueReportOutput)
	})
	huma.Register(api, admin(huma.Operation{
		OperationID: "changeAdmission", Method: http.MethodPatch, Path: "/api/admin/queue",
		Summary:     "Change the default sale's admission rate, ceiling or session length",
		Description: changeAdmissionDoc + defaultSaleDoc,
	}, http.StatusBadRequest, http.StatusConflict, http.StatusServiceUnavailable), func(ctx context.Context, in *changeAdmissionInput) (*queueReportOutput, error) {
		return o.defaultSale(ctx, func(ctx context.Context, sale core.SaleID) (*queueReportOutput, error) {
			return o.changeAdmission(ctx, sale, in.Body)
		})
	})
	huma.Register(api, admin(huma.Operation{
		OperationID: "scheduleOpening", Method: http.MethodPut, Path: "/api/admin/queue/opening",
		Summary:     "Schedule the default sale's opening",
		Description: scheduleOpeningDoc + defaultSaleDoc,
	}, http.StatusBadRequest, http.StatusConflict, http.StatusServiceUnavailable), func(ctx context.Context, in *scheduleOpeningInput) (*queueReportOutput, error) {
		return o.defaultSale(ctx, func(ctx context.Context, sale core.SaleID) (*queueReportOutput, error) {
			return o.scheduleOpening(ctx, sale, in.Body)
		})
	})

	huma.Register(api, admin(huma.Operation{
		OperationID: "saleQueueReport", Method: http.MethodGet, Path: "/api/admin/sales/{sale_id}/queue",
		Summary: "Read a sale's queue statistics and admission settings",
	}, http.StatusNotFound), func(ctx context.Context, in *SaleInPath) (*queueReportOutput, error) {
		return o.knownSale(ctx, in.SaleID, o.queueReportOutput)
	})
	huma.Register(api, admin(huma.Operation{
		OperationID: "changeSaleAdmission", Method: http.MethodPatch, Path: "/api/admin/sales/{sale_id}/queue",
		Summary:     "Change a sale's admission rate, ceiling or session length",
		Description: changeAdmissionDoc,
	}, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusServiceUnavailable), func(ctx context.Context, in *changeSaleAdmissionInput) (*queueReportOutput, error) {
		return o.knownSale(ctx, in.SaleID, func(ctx context.Context, sale core.SaleID) (*queueReportOutput, error) {
			return o.changeAdmission(ctx, sale, in.Body)
		})
	})
	huma.Register(api, admin(huma.Operation{
		OperationID: "scheduleSaleOpening", Method: http.MethodPut, Path: "/api/admin/sales/{sale_id}/queue/opening",
		Summary:     "Schedule a sale's opening",
		Description: scheduleOpeningDoc,
	}, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusServiceUnavailable), func(ctx context.Context, in *scheduleSaleOpeningInput) (*queueReportOutput, error) {
		return o.knownSale(ctx, in.SaleID, func(ctx context.Context, sale core.SaleID) (*queueReportOutput, error) {
			return o.scheduleOpening(ctx, sale, in.Body)
		})
	})
}

// defaultSale runs f on the default sale.
func (o *operators) defaultSale(ctx context.Context, f func(context.Context, core.SaleID) (*queueReportOutput, error)) (*queueReportOutput, error) {
	sale, err := o.directory.Default(ctx)
	if err != nil {
		return nil, problemFor(ctx, o.logger, err)
	}
	return f(ctx, sale)
}

// knownSale runs f on a sale the path names, 404 if there is none.
func (o *operators) knownSale(ctx context.Context, id saleIDField, f func(context.Context, core.SaleID) (*queueReportOutput, error)) (*queueReportOutput, error) {
	if _, err := o.directory.Status(ctx, core.SaleID(id)); err != nil {
		return nil, o.adminProblem(ctx, err)
	}
	return f(ctx, core.SaleID(id))
}

func (o *operators) changeAdmission(ctx context.Context, sale core.SaleID, b changeAdmissionBody) (*queueReportOutput, error) {
	change := queue.Change{AdmitRate: (*int)(b.AdmitRate), MaxActive: (*int)(b.MaxActive)}
	if b.SessionTTL != "" {
		ttl, err := parseSessionTTL("session_ttl", b.SessionTTL)
		if err != nil {
			return nil, bodyProblem(ctx, o.logger, err)
		}
		change.SessionTTL = &ttl
	}
	if _, err := o.control.ChangeAdmission(ctx, sale, change); err != nil {
		return nil, bodyProblem(ctx, o.logger, err)
	}
	return o.queueReportOutput(ctx, sale)
}

func (o *operators) scheduleOpening(ctx context.Context, sale core.SaleID, b scheduleOpeningBody) (*queueReportOutput, error) {
	if _, err := o.control.ScheduleOpening(ctx, sale, b.OpensAt, b.DrawSeed); err != nil {
		return nil, bodyProblem(ctx, o.logger, err)
	}
	return o.queueReportOutput(ctx, sale)
}

func (o *operators) queueReportOutput(ctx context.Context, sale core.SaleID) (*queueReportOutput, error) {
	body, err := o.queueReport(ctx, sale)
	if err != nil {
		return nil, err
	}
	return &queueReportOutput{Body: body}, nil
}

// queueReport is a sale's queue as operators see it (its loop asked), or the problem why it
// cannot be read.
func (o *operators) queueReport(ctx context.Context, sale core.SaleID) (QueueReportBody, error) {
	return o.queueReportBy(ctx, sale, o.control.Report)
}

// queueReportBy is queueReport by a way of reporting: asking the loop, or from the store alone.
func (o *operators) queueReportBy(ctx context.Context, sale core.SaleID, report func(context.Context, core.SaleID) (queue.Report, error)) (QueueReportBody, error) {
	r, err := report(ctx, sale)
	if err != nil {
		return QueueReportBody{}, problemFor(ctx, o.logger, err)
	}
	st := r.Stats
	body := QueueReportBody{
		SaleID:  string(sale),
		Waiting: st.Waiting(), Active: st.Active, AdmittedPerMinute: r.AdmittedPerMinute,
		AdmittedTotal: st.AdmittedTotal, AbandonedTotal: st.AbandonedTotal, OldestWait: core.FormatISODuration(r.OldestWait), Stalled: r.Stalled,
		LastSeq: st.LastSeq, AdmittedThrough: st.AdmittedThrough,
		AdmitRate: r.Settings.AdmitRate, MaxActive: r.Settings.MaxActive, SessionTTL: core.FormatISODuration(r.Settings.SessionTTL), Drawn: st.Drawn,
		AdmissionUnavailable: r.LoopUnavailable,
	}
	if !st.OpensAt.IsZero() {
		at, seed := st.OpensAt.UTC(), st.DrawSeed
		body.OpensAt, body.DrawSeed = &at, &seed
	}
	return body, nil
}
