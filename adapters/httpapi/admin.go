package httpapi

import (
	"context"
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/boxoffice/boxoffice/core/queue"
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

// QueueReportBody is what operators see of the waiting room.
type QueueReportBody struct {
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
	// The scheduled opening, if any.
	OpensAt  *time.Time `json:"opens_at,omitempty" doc:"Scheduled opening (RFC 3339, UTC)."`
	DrawSeed *int64     `json:"draw_seed,omitempty" doc:"Seed of the opening draw: the draw is reproducible from it."`
	Drawn    bool       `json:"drawn" doc:"Whether the opening draw has placed the early fans."`
}

type queueReportOutput struct {
	Body QueueReportBody
}

type changeAdmissionInput struct {
	Body struct {
		AdmitRate *admitRateField `json:"admit_rate,omitempty" doc:"Fans admitted per second."`
		MaxActive *ceilingField   `json:"max_active,omitempty" doc:"Ceiling on fans admitted at once."`
	}
}

type scheduleOpeningInput struct {
	Body struct {
		OpensAt  time.Time `json:"opens_at" doc:"When the sale opens (RFC 3339); must be in the future."`
		DrawSeed *int64    `json:"draw_seed,omitempty" minimum:"0" doc:"Seed of the opening draw; a random one is chosen and recorded when absent."`
	}
}

func registerAdmin(api huma.API, s *server) {
	admin := func(op huma.Operation, errs ...int) huma.Operation {
		op.Security = []map[string][]string{{adminScheme: {}}}
		op.Tags = []string{"admin"}
		op.Errors = append([]int{http.StatusUnauthorized}, errs...)
		op.MaxBodyBytes = MaxBodyBytes
		return op
	}
	huma.Register(api, admin(huma.Operation{
		OperationID: "queueReport",
		Method:      http.MethodGet,
		Path:        "/api/admin/queue",
		Summary:     "Read the queue's statistics and admission settings",
	}, http.StatusServiceUnavailable), func(ctx context.Context, _ *struct{}) (*queueReportOutput, error) {
		return s.queueReport(ctx)
	})

	huma.Register(api, admin(huma.Operation{
		OperationID: "changeAdmission",
		Method:      http.MethodPatch,
		Path:        "/api/admin/queue",
		Summary:     "Change the admission rate or ceiling during a sale",
		Description: "Sends the change to the admission workflow; it applies from the next tick. Fields left out keep their value.",
	}, http.StatusBadRequest, http.StatusServiceUnavailable), func(ctx context.Context, in *changeAdmissionInput) (*queueReportOutput, error) {
		change := queue.Change{AdmitRate: (*int)(in.Body.AdmitRate), MaxActive: (*int)(in.Body.MaxActive)}
		if _, err := s.Control.ChangeAdmission(ctx, change); err != nil {
			return nil, problemFor(ctx, s.Logger, err)
		}
		return s.queueReport(ctx)
	})

	huma.Register(api, admin(huma.Operation{
		OperationID: "scheduleOpening",
		Method:      http.MethodPut,
		Path:        "/api/admin/queue/opening",
		Summary:     "Schedule the sale's opening",
		Description: "Fans who take a token before the opening wait in a pre-queue; at the opening their places are drawn " +
			"uniformly at random from the recorded seed, and later arrivals queue behind them in order. The opening can be " +
			"moved until it comes; it cannot be scheduled on a queue that already admits first come, first served (409).",
	}, http.StatusBadRequest, http.StatusConflict), func(ctx context.Context, in *scheduleOpeningInput) (*queueReportOutput, error) {
		if _, err := s.Control.ScheduleOpening(ctx, in.Body.OpensAt, in.Body.DrawSeed); err != nil {
			return nil, problemFor(ctx, s.Logger, err)
		}
		return s.queueReport(ctx)
	})
}

func (s *server) queueReport(ctx context.Context) (*queueReportOutput, error) {
	r, err := s.Control.Report(ctx)
	if err != nil {
		return nil, problemFor(ctx, s.Logger, err)
	}
	st := r.Stats
	body := QueueReportBody{
		Waiting: st.Waiting(), Active: st.Active, AdmittedPerMinute: r.AdmittedPerMinute,
		AdmittedTotal: st.AdmittedTotal, AbandonedTotal: st.AbandonedTotal, OldestWait: isoDuration(r.OldestWait), Stalled: r.Stalled,
		LastSeq: st.LastSeq, AdmittedThrough: st.AdmittedThrough,
		AdmitRate: r.Settings.AdmitRate, MaxActive: r.Settings.MaxActive, Drawn: st.Drawn,
	}
	if !st.OpensAt.IsZero() {
		at, seed := st.OpensAt.UTC(), st.DrawSeed
		body.OpensAt, body.DrawSeed = &at, &seed
	}
	return &queueReportOutput{Body: body}, nil
}
