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

// Every command that reads DATABASE_URL names it when it is malformed.
func TestDatabaseURLIsNamedWhenItIsWrong(t *testing.T) {
	for name, run := range map[string]func(context.Context, []string) error{"migrate": runMigrate, "audit": runAudit} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("DATABASE_URL", "postgres://%zz")
			if err := run(context.Background(), nil); err == nil || !strings.HasPrefix(err.Error(), "DATABASE_URL: ") {
				t.Fatalf("boxoffice %s with a malformed DATABASE_URL: %v, want an error naming it", name, err)
			}
		})
	}
	if _, _, _, err := openDatabase(context.Background(), config{DatabaseURL: "postgres://%zz"}); err == nil || !strings.HasPrefix(err.Error(), "DATABASE_URL: ") {
		t.Fatalf("the roles with a malformed DATABASE_URL: %v, want an error naming it", err)
	}
}
