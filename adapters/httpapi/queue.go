package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/boxoffice/boxoffice/adapters/signing"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/danielgtaylor/huma/v2"
)

// QueueInfo is where a token stands.
type QueueInfo struct {
	Position          int64  `json:"position" minimum:"0" doc:"Fans ahead of you; 0 once admitted, and 0 before a scheduled opening, when nobody is ahead yet."`
	EstimatedWaitTime string `json:"estimated_wait_time" doc:"ISO 8601 duration until admission, e.g. PT2M30S: from the admission rate measured over the last minute or so, and never shorter than the position over the admission rate in force; PT0S once admitted. Before a scheduled opening, the time until it. PT24H while stalled is true." example:"PT2M30S"`
	// Stalled says admission has stopped moving, so no estimate can be given.
	Stalled bool `json:"stalled,omitempty" doc:"Present and true when admission has not moved for a while (at least 10 s) although fans wait: the ceiling of admitted fans is full and nobody leaves, or admission is not running. estimated_wait_time is then PT24H, meaning unknown; keep polling, it returns to an estimate at the next admission."`
	// SoldOut says every seat of the sale's dates to come is taken.
	SoldOut bool `json:"sold_out,omitempty" doc:"Present and true when every seat of the sale's dates to come is held or sold: waiting may still pay off if holds lapse, but likely not."`
	// OpensAt says the sale has not opened yet.
	OpensAt *time.Time `json:"opens_at,omitempty" doc:"Present while the sale has not opened: when it opens (RFC 3339, UTC). Fans who arrive before then are placed in line by a random draw at that moment; later arrivals queue behind them in order."`
}

// TokenBody is the answer of POST and GET /api/token.
type TokenBody struct {
	Token     string    `json:"token" doc:"Queue token: send it as Authorization: Bearer <token>."`
	SaleID    string    `json:"sale_id" doc:"The sale the token queues for: its dates, seats, holds and payments are that sale's."`
	Status    string    `json:"status" enum:"waiting,active" doc:"waiting: in the queue; active: admitted, may book."`
	QueueInfo QueueInfo `json:"queue_info"`
	// AdmittedAt lets clients and audits check that admission followed arrival order.
	AdmittedAt *time.Time `json:"admitted_at,omitempty" doc:"When the token was admitted (RFC 3339, UTC); absent while waiting."`
}

type tokenOutput struct {
	Body TokenBody
}

type issueTokenInput struct {
	Body struct {
		UserID     userIDField `json:"user_id,omitempty" doc:"Your user id: 1 to 64 letters, digits or . _ @ -. Required unless the service takes identity from the platform (BOXOFFICE_IDENTITY=jwt), where the ID token's sub is the user id and a different user_id is 400." example:"fan-42"`
		SaleID     saleIDField `json:"sale_id,omitempty" doc:"The sale to queue for (see GET /api/sales); the default sale when absent." example:"boxoffice-live"`
		Altcha     string      `json:"altcha,omitempty" maxLength:"2048" doc:"The solved proof of work, for a sale that asks one (its challenge from GET /api/token/challenge): base64 of the JSON ALTCHA's widget and client library produce ({algorithm, challenge, number, salt, signature}; fields they add, such as took, are accepted). Each solution is good for one join: a solution sent again is 400."`
		AccessCode string      `json:"access_code,omitempty" maxLength:"64" doc:"During a sale's presale, the access code that lets you in: a fan's first join on it redeems one of its uses (asking again for a live token, or coming back on it once a token ended, redeems nothing). Letters are read case-insensitively and dashes may be left out. Ignored once the presale is over." example:"7KQ2-M9XD-4HTB-WR3C"`
	}
}

func registerQueue(api huma.API, s *server) {
	huma.Register(api, huma.Operation{
		OperationID: "issueToken",
		Method:      http.MethodPost,
		Path:        "/api/token",
		Summary:     "Join the queue",
		Description: "Returns a queue token for a sale with your position and an estimated wait. Asking again while your token " +
			"is live returns the same token; a fan may queue for several sales at once, with a token for each. Without " +
			"sale_id you join the default sale. A sale that has closed takes no new fans (410). A sale may ask each join for a " +
			"proof of work (altcha: 400 when missing, wrong, forged, expired, another sale's or spent) and, during its " +
			"presale, for an access code (403 without a valid one); each client address may take a number of new tokens " +
			"a minute in each sale (429 with Retry-After past it). A join refused for any reason redeems no access code.",
		Tags:   []string{"queue"},
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusGone, http.StatusTooManyRequests},
		// Anyone may join the queue under BOXOFFICE_IDENTITY=open; under jwt, with the platform's ID token.
		Security:     []map[string][]string{{}, {idTokenScheme: {}}},
		MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *issueTokenInput) (*tokenOutput, error) {
		user, err := s.fan(ctx, string(in.Body.UserID))
		if err != nil {
			return nil, err
		}
		if err := s.limit(ctx, s.limiters.tokenAddr, s.limiters.tokenUser, user); err != nil {
			return nil, err
		}
		st, err := s.Entrance.Join(ctx, queue.Join{UserID: user, SaleID: string(in.Body.SaleID), Proof: in.Body.Altcha,
			AccessCode: in.Body.AccessCode, Address: ctx.Value(clientAddrKey{}).(string)})
		if err != nil {
			return nil, bodyProblem(ctx, s.Logger, err)
		}
		return s.tokenOutput(ctx, st)
	})

	huma.Register(api, secured(huma.Operation{
		OperationID: "pollToken",
		Method:      http.MethodGet,
		Path:        "/api/token",
		Summary:     "Poll your place in the queue",
		Description: "Returns your token's status, position and estimated wait, and your token (the same one unless its place was just drawn at the opening: keep the one returned). Poll every few seconds until status is active, or stream with GET /api/token/events. A fan who neither polls nor streams for BOXOFFICE_ABANDON_AFTER (2 minutes by default) is taken to have left: their place is skipped and their token expires. Once the sale has closed the answer is 410.",
		Tags:        []string{"queue"},
	}, http.StatusGone), func(ctx context.Context, _ *struct{}) (*tokenOutput, error) {
		st, err := s.Entrance.Status(ctx, caller(ctx))
		if err != nil {
			return nil, problemFor(ctx, s.Logger, err)
		}
		return s.tokenOutput(ctx, st)
	})
}

// leaveOutput is DELETE /api/token's empty answer (204).
type leaveOutput struct{}

func registerLeaving(api huma.API, s *server) {
	huma.Register(api, secured(huma.Operation{
		OperationID:   "leaveQueue",
		Method:        http.MethodDelete,
		Path:          "/api/token",
		Summary:       "Leave the queue",
		Description:   "Gives your place up at once: the token expires, and the fans behind a waiting one move up from the next answer on (positions and estimates count it out). An admitted fan's place under the ceiling is freed for the next. Anything done with the token afterwards, leaving again included, is 401; take a new token with POST /api/token to queue again, at the back.",
		Tags:          []string{"queue"},
		DefaultStatus: http.StatusNoContent,
	}), func(ctx context.Context, _ *struct{}) (*leaveOutput, error) {
		if err := s.Entrance.Leave(ctx, caller(ctx)); err != nil {
			return nil, problemFor(ctx, s.Logger, err)
		}
		return &leaveOutput{}, nil
	})
}

// fan is who takes a token: the user_id sent under BOXOFFICE_IDENTITY=open, the ID token's
// subject under jwt (where a user_id that differs is refused).
func (s *server) fan(ctx context.Context, sent string) (string, error) {
	if s.Identity == nil {
		if sent == "" {
			return "", huma.NewError(http.StatusBadRequest, humaValidationFailed, &huma.ErrorDetail{
				Location: "body.user_id", Message: "user_id is required: the fan's user id, 1 to 64 letters, digits or . _ @ -"})
		}
		return sent, nil
	}
	raw, _ := ctx.Value(idTokenKey{}).(string)
	if raw == "" {
		return "", problemFor(ctx, s.Logger, signing.RefusedIDToken("none was sent, and this service takes the fan's identity from the ticketing platform"))
	}
	user, err := s.Identity.Verify(ctx, raw, time.Now())
	if err != nil {
		return "", problemFor(ctx, s.Logger, err)
	}
	if sent != "" && sent != string(user) {
		return "", bodyProblem(ctx, s.Logger, core.InvalidField("user_id", "%q is not the fan the ID token names; leave user_id out, or send the ID token's own", sent))
	}
	return string(user), nil
}

func (s *server) tokenOutput(ctx context.Context, st queue.Status) (*tokenOutput, error) {
	body, err := s.tokenBody(ctx, st)
	if err != nil {
		return nil, problemFor(ctx, s.Logger, err)
	}
	return &tokenOutput{Body: body}, nil
}

// tokenBody answers with the token the caller presented while its claims still hold, and
// signs a new one otherwise (on issue, and once an early token's place is drawn).
func (s *server) tokenBody(ctx context.Context, st queue.Status) (TokenBody, error) {
	p := presentedToken(ctx)
	token := p.raw
	if token == "" || p.caller.TokenID != st.Token.ID || p.caller.Seq != st.SignedSeq() {
		var err error
		if token, err = s.Tokens.Sign(st.Token, st.SignedSeq(), time.Now()); err != nil {
			return TokenBody{}, err
		}
	}
	body := TokenBody{
		Token:  token,
		SaleID: string(st.Token.SaleID),
		Status: st.Token.State.String(),
		QueueInfo: QueueInfo{Position: st.Position, EstimatedWaitTime: core.FormatISODuration(st.EstimatedWait), Stalled: st.Stalled,
			SoldOut: st.SoldOut},
	}
	if !st.OpensAt.IsZero() {
		at := st.OpensAt.UTC()
		body.QueueInfo.OpensAt = &at
	}
	if !st.Token.AdmittedAt.IsZero() {
		at := st.Token.AdmittedAt.UTC()
		body.AdmittedAt = &at
	}
	return body, nil
}
