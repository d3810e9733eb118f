package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// idempotencyKeyHeader names the header that makes a retry replay the first answer.
const idempotencyKeyHeader = "Idempotency-Key"

// BalanceBody is a wallet's balance, the fan's across every sale.
type BalanceBody struct {
	Balance int64 `json:"balance" minimum:"0" doc:"Balance in won."`
}

type balanceOutput struct {
	Body BalanceBody
}

type chargeInput struct {
	IdempotencyKey idempotencyKeyField `header:"Idempotency-Key" doc:"Optional. Retrying with the same key and body replays the first answer and charges once; the same key with another amount is 422; while the first request with the key is still running, 409 with Retry-After."`
	Body           struct {
		Amount chargeField `json:"amount" doc:"Won to add: a whole number from 1 to 10,000,000." example:"100000"`
	}
}

func registerBalance(api huma.API, s *server) {
	huma.Register(api, secured(huma.Operation{
		OperationID: "chargeBalance",
		Method:      http.MethodPost,
		Path:        "/api/balance",
		Summary:     "Add money to your balance",
		Description: "Works with a waiting or an admitted token, so fans can top up while they queue. The balance is the fan's, across every sale.",
		Tags:        []string{"balance"},
	}, http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity), func(ctx context.Context, in *chargeInput) (*balanceOutput, error) {
		bal, err := s.Cashier.Charge(ctx, caller(ctx), int64(in.Body.Amount), string(in.IdempotencyKey))
		if err != nil {
			return nil, bodyProblem(ctx, s.Logger, err)
		}
		return &balanceOutput{Body: BalanceBody{Balance: int64(bal)}}, nil
	})

	huma.Register(api, secured(huma.Operation{
		OperationID: "readBalance",
		Method:      http.MethodGet,
		Path:        "/api/balance",
		Summary:     "Read your balance",
		Tags:        []string{"balance"},
	}), func(ctx context.Context, _ *struct{}) (*balanceOutput, error) {
		bal, err := s.Cashier.Balance(ctx, caller(ctx))
		if err != nil {
			return nil, problemFor(ctx, s.Logger, err)
		}
		return &balanceOutput{Body: BalanceBody{Balance: int64(bal)}}, nil
	})
}
