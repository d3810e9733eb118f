package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// SaleListingBody is a sale as fans find it.
type SaleListingBody struct {
	SaleID   string   `json:"sale_id" doc:"Queue for it with POST /api/token {user_id, sale_id}."`
	Title    string   `json:"title"`
	Venue    string   `json:"venue"`
	State    string   `json:"state" enum:"on_sale,paused" doc:"paused: the queue keeps its fans and admits nobody until the sale resumes."`
	Dates    []string `json:"dates" doc:"Its performance dates from today on (YYYY-MM-DD)."`
	MinPrice int64    `json:"min_price" doc:"The cheapest seat of those dates, in won."`
	MaxPrice int64    `json:"max_price" doc:"The dearest seat of those dates, in won."`
	SoldOut  bool     `json:"sold_out" doc:"Every seat of those dates is held or sold."`
	// OpensAt is the scheduled opening while it is to come.
	OpensAt *time.Time `json:"opens_at,omitempty" doc:"When its queue opens (RFC 3339, UTC), while that is to come: fans who arrive before are placed by a random draw then."`
	// ProofOfWork says a join must carry a solved challenge.
	ProofOfWork bool `json:"proof_of_work,omitempty" doc:"Present and true when each join must carry a solved proof of work: GET /api/token/challenge?sale_id= gives it."`
	// PresaleUntil is the end of a presale under way.
	PresaleUntil *time.Time `json:"presale_until,omitempty" doc:"While its presale lasts, when it ends (RFC 3339, UTC): until then only fans with an access code may join (POST /api/token's access_code)."`
}

type salesListingOutput struct {
	Body []SaleListingBody
}

// registerSales registers the public list of sales fans can queue for.
func registerSales(api huma.API, s *server) {
	huma.Register(api, huma.Operation{
		OperationID: "listSales",
		Method:      http.MethodGet,
		Path:        "/api/sales",
		Summary:     "List the sales you can queue for",
		Description: "The sales on sale or paused, oldest first, answered from a copy at most a second old.",
		Tags:        []string{"sales"},
		Security:    []map[string][]string{},
	}, func(ctx context.Context, _ *struct{}) (*salesListingOutput, error) {
		listings, err := s.Directory.Public(ctx)
		if err != nil {
			return nil, problemFor(ctx, s.Logger, err)
		}
		out := &salesListingOutput{Body: make([]SaleListingBody, len(listings))}
		for i, l := range listings {
			b := SaleListingBody{
				SaleID: string(l.Sale.ID), Title: l.Sale.Title, Venue: l.Sale.Venue, State: l.Sale.State.String(),
				Dates: make([]string, len(l.Dates)), MinPrice: int64(l.MinPrice), MaxPrice: int64(l.MaxPrice), SoldOut: l.SoldOut,
				ProofOfWork: l.Sale.Entry.PowMaxNumber > 0,
			}
			if l.Sale.Entry.Presale(time.Now()) {
				at := l.Sale.Entry.PresaleUntil.UTC()
				b.PresaleUntil = &at
			}
			for j, d := range l.Dates {
				b.Dates[j] = d.String()
			}
			opens, err := s.Entrance.Opening(ctx, l.Sale.ID)
			if err != nil {
				return nil, problemFor(ctx, s.Logger, err)
			}
			if !opens.IsZero() {
				at := opens.UTC()
				b.OpensAt = &at
			}
			out.Body[i] = b
		}
		return out, nil
	})
}
