package wallet_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/core/wallet"
	"github.com/boxoffice/boxoffice/internal/apptest"
)

var ctx = context.Background()

var wantErr = apptest.WantErr

func TestWallet(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	waiting := w.Fan(t, "wes", false)
	for _, amount := range []int64{0, -1, 10_000_001} {
		_, err := w.Wallet.Cashier.Charge(ctx, waiting, amount, "")
		var field *core.InvalidFieldError
		if !errors.As(err, &field) || field.Field != "amount" {
			t.Fatalf("charge %d: %v, want an invalid amount", amount, err)
		}
	}
	bal, err := w.Wallet.Cashier.Balance(ctx, waiting)
	if err != nil || bal != 0 {
		t.Fatalf("balance after refused charges: %d, %v", bal, err)
	}
	if bal, err = w.Wallet.Cashier.Charge(ctx, waiting, 10_000_000, ""); err != nil || bal != 10_000_000 {
		t.Fatalf("a waiting fan charging the maximum: %d, %v", bal, err)
	}
	_, err = w.Wallet.Cashier.Charge(ctx, core.Caller{TokenID: core.NewID(), UserID: "wes"}, 1, "")
	wantErr(t, err, queue.ErrTokenUnknown)
}

func TestConcurrentRetriesOfAKeyedCharge(t *testing.T) {
	w := apptest.New(t, app.DefaultPolicy)
	ann := w.Fan(t, "ann", false)
	var mu sync.Mutex
	answers := map[string]int{}
	var wg sync.WaitGroup
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bal, err := w.Wallet.Cashier.Charge(ctx, ann, 4_000, "retry-me")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && bal == 4_000:
				answers["first balance"]++
			case errors.Is(err, core.ErrRequestInFlight):
				answers["in flight"]++
			default:
				t.Errorf("retry answered %d, %v", bal, err)
			}
		}()
	}
	wg.Wait()
	if bal, _ := w.Store.Balance(ctx, "ann"); bal != 4_000 || answers["first balance"] == 0 {
		t.Fatalf("balance %d after 30 retries (%v), want one charge of 4000", bal, answers)
	}
}

func TestParseCharge(t *testing.T) {
	for _, tc := range []struct {
		in int64
		ok bool
	}{{1, true}, {10_000_000, true}, {0, false}, {-5, false}, {10_000_001, false}} {
		if _, err := wallet.ParseCharge(tc.in); (err == nil) != tc.ok {
			t.Errorf("ParseCharge(%d) error = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}
