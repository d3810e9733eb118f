package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/entry"
)

// The door of a sale's queue: the fans' proof-of-work challenge and the operators' access codes.

// ChallengeBody is a proof of work in ALTCHA's protocol, as its widget and client library take it.
type ChallengeBody struct {
	Algorithm string `json:"algorithm" enum:"SHA-256" doc:"The hash: find the number n, 0 ≤ n ≤ maxnumber, for which the hex SHA-256 of salt followed by n in decimal is challenge."`
	Challenge string `json:"challenge" doc:"The hash to find, in hex."`
	Salt      string `json:"salt" doc:"Prefix of what is hashed; it names the sale and the expiry (10 minutes) as URL parameters. Send it back as it came."`
	Signature string `json:"signature" doc:"The service's HMAC of challenge: nothing is kept until the solution comes back."`
	MaxNumber int64  `json:"maxnumber" doc:"The largest number to try: the sale's difficulty (entry.pow_max_number)."`
}

type challengeInput struct {
	SaleID string `query:"sale_id" required:"true" doc:"The sale to join." example:"boxoffice-live"`
}

type challengeOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         ChallengeBody
}

// registerChallenge registers the proof of work a sale may ask of a join.
func registerChallenge(api huma.API, s *server) {
	huma.Register(api, huma.Operation{
		OperationID: "tokenChallenge",
		Method:      http.MethodGet,
		Path:        "/api/token/challenge",
		Summary:     "Get a proof-of-work challenge to join a sale's queue",
		Description: "For a sale that asks each join for a proof of work (entry.pow_max_number above 0): an ALTCHA challenge " +
			"for one join of that sale, good for 10 minutes. Solve it with ALTCHA's widget or client library (or any " +
			"SHA-256 search) and send the solution in POST /api/token's altcha. 404 for a sale that asks none; 400 for " +
			"an unknown sale; 410 for a sale that has closed.",
		Tags:   []string{"queue"},
		Errors: []int{http.StatusBadRequest, http.StatusNotFound, http.StatusGone},
		// Anyone may ask, as anyone may join: the solution is what a join then pays with.
		Security: []map[string][]string{},
	}, func(ctx context.Context, in *challengeInput) (*challengeOutput, error) {
		c, err := s.Door.Challenge(ctx, in.SaleID)
		if err != nil {
			return nil, problemIn(ctx, s.Logger, "query.", err)
		}
		return &challengeOutput{CacheControl: "no-store", Body: ChallengeBody{Algorithm: c.Algorithm, Challenge: c.Challenge,
			Salt: c.Salt, Signature: c.Signature, MaxNumber: c.MaxNumber}}, nil
	})
}

// AccessCodeBody is an access code as operators read it.
type AccessCodeBody struct {
	Code      string     `json:"code" doc:"What a fan sends in POST /api/token's access_code." example:"7KQ2-M9XD-4HTB-WR3C"`
	Uses      int        `json:"uses" doc:"Fans it lets in, in all; a fan who redeemed it comes back in on it without taking another use."`
	UsesLeft  int        `json:"uses_left" doc:"Fans it still lets in, besides those who redeemed it."`
	ExpiresAt *time.Time `json:"expires_at,omitempty" doc:"When it stops letting fans in (RFC 3339, UTC); absent: when the presale ends."`
}

type createCodesBody struct {
	Count     int        `json:"count" minimum:"1" maximum:"10000" doc:"How many codes to make." example:"100"`
	Uses      int        `json:"uses,omitempty" minimum:"1" maximum:"1000000" doc:"Fans each code lets in; 1 when absent. A fan who redeemed a code comes back in on it without taking another use." example:"1"`
	ExpiresAt *time.Time `json:"expires_at,omitempty" doc:"When the codes stop letting fans in (RFC 3339, in the future); when the presale ends if absent."`
}

type (
	createCodesInput struct {
		SaleInPath
		Body createCodesBody
	}
	codesOutput struct {
		Body []AccessCodeBody
	}
	createdCodesOutput struct {
		Body struct {
			Codes []AccessCodeBody `json:"codes"`
		}
	}
)

const accessCodesDoc = "While a sale is in presale (until its entry.presale_until), POST /api/token takes only fans who send an " +
	"access code, each join redeeming one of the code's uses, once however the requests race."

// registerAccessCodes registers the operators' access codes of a sale.
func registerAccessCodes(api huma.API, o *operators) {
	const path = "/api/admin/sales/{sale_id}/access-codes"
	huma.Register(api, admin(huma.Operation{
		OperationID: "createAccessCodes", Method: http.MethodPost, Path: path, DefaultStatus: http.StatusCreated,
		Summary:     "Make access codes for a sale's presale",
		Description: accessCodesDoc + " Codes are random (80 bits); hand each to its fan.",
		Tags:        []string{"admin"},
	}, http.StatusBadRequest, http.StatusNotFound), func(ctx context.Context, in *createCodesInput) (*createdCodesOutput, error) {
		spec := entry.CodeSpec{Count: in.Body.Count, Uses: in.Body.Uses}
		if in.Body.ExpiresAt != nil {
			spec.ExpiresAt = *in.Body.ExpiresAt
		}
		codes, err := o.door.CreateCodes(ctx, core.SaleID(in.SaleID), spec)
		if err != nil {
			return nil, o.adminProblem(ctx, err)
		}
		out := &createdCodesOutput{}
		out.Body.Codes = codeBodies(codes)
		return out, nil
	})
	huma.Register(api, admin(huma.Operation{
		OperationID: "listAccessCodes", Method: http.MethodGet, Path: path,
		Summary:     "List a sale's access codes and their uses left",
		Description: accessCodesDoc,
		Tags:        []string{"admin"},
	}, http.StatusNotFound), func(ctx context.Context, in *SaleInPath) (*codesOutput, error) {
		codes, err := o.door.Codes(ctx, core.SaleID(in.SaleID))
		if err != nil {
			return nil, o.adminProblem(ctx, err)
		}
		return &codesOutput{Body: codeBodies(codes)}, nil
	})
}

func codeBodies(codes []entry.AccessCode) []AccessCodeBody {
	out := make([]AccessCodeBody, len(codes))
	for i, c := range codes {
		out[i] = AccessCodeBody{Code: c.Code, Uses: c.Uses, UsesLeft: c.UsesLeft}
		if !c.ExpiresAt.IsZero() {
			at := c.ExpiresAt.UTC()
			out[i].ExpiresAt = &at
		}
	}
	return out
}
