package main

import (
	"context"
	"strings"
	"testing"
)

// A malformed DATABASE_DIRECT_URL is refused naming that setting, before anything listens or
// migrates through it; without it the store listens through DATABASE_URL.
func TestDatabaseDirectURLIsNamedWhenItIsWrong(t *testing.T) {
	if opts, err := listenDirect(config{}); err != nil || len(opts) != 0 {
		t.Fatalf("no DATABASE_DIRECT_URL: %d options, %v; want none", len(opts), err)
	}
	if opts, err := listenDirect(config{DatabaseDirectURL: "postgres://postgres@127.0.0.1:5432/db"}); err != nil || len(opts) != 1 {
		t.Fatalf("a DATABASE_DIRECT_URL: %d options, %v; want one", len(opts), err)
	}
	bad := config{DatabaseURL: "postgres://postgres@127.0.0.1:5432/db", DatabaseDirectURL: "postgres://%zz"}
	if _, err := listenDirect(bad); err == nil || !strings.Contains(err.Error(), "DATABASE_DIRECT_URL") {
		t.Fatalf("a malformed DATABASE_DIRECT_URL: %v, want an error naming it", err)
	}
	if _, _, err := migrateDirect(context.Background(), bad, nil); err == nil || !strings.Contains(err.Error(), "DATABASE_DIRECT_URL") {
		t.Fatalf("migrating through a malformed DATABASE_DIRECT_URL: %v, want an error naming it", err)
	}
}
