package core_test

import (
	"context"
	"errors"
	"testing"

	"github.com/boxoffice/boxoffice/core"
)

func TestKeyedRequests(t *testing.T) {
	var r core.KeyedRequests
	release, ok := r.Begin("ivy", "k")
	if !ok {
		t.Fatal("first Begin refused")
	}
	if _, ok := r.Begin("ivy", "k"); ok {
		t.Fatal("a running key began twice")
	}
	other, ok := r.Begin("jon", "k")
	if !ok {
		t.Fatal("another user's key of the same name was locked out")
	}
	other()
	release()
	again, ok := r.Begin("ivy", "k")
	if !ok {
		t.Fatal("an ended key could not begin again")
	}
	// While it runs, Once refuses the same key and runs another.
	ran := false
	if _, err := core.Once(context.Background(), &r, "ivy", "k", func(context.Context) (int, error) { ran = true; return 0, nil }); !errors.Is(err, core.ErrRequestInFlight) || ran {
		t.Fatalf("Once with the key running: %v (ran %v), want ErrRequestInFlight without running", err, ran)
	}
	if n, err := core.Once(context.Background(), &r, "ivy", "other", func(context.Context) (int, error) { return 7, nil }); err != nil || n != 7 {
		t.Fatalf("Once with a free key: %d, %v", n, err)
	}
	if n, err := core.Once(context.Background(), &r, "ivy", "", func(context.Context) (int, error) { return 8, nil }); err != nil || n != 8 {
		t.Fatalf("Once without a key: %d, %v", n, err)
	}
	again()
}
