package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/temporal"
)

// TestConfigurationErrorsSayWhatToDo runs each command with a setting missing or wrong: it must
// stop before doing anything and name the setting.
func TestConfigurationErrorsSayWhatToDo(t *testing.T) {
	// Flags, not the environment, so that the machine's variables cannot change the outcome.
	noServices := []string{"-database-url=", "-temporal-address="}
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"serve without services", func() error { return runRoles(context.Background(), "serve", noServices, roleAPI|roleWorker) }, "DATABASE_URL and TEMPORAL_ADDRESS"},
		{"api without services", func() error { return runRoles(context.Background(), "api", noServices, roleAPI) }, "`boxoffice dev` runs without them"},
		{"migrate without a database", func() error { return runMigrate(context.Background(), []string{"-database-url="}) }, "DATABASE_URL"},
		{"audit without a database", func() error { return runAudit(context.Background(), []string{"-database-url="}) }, "DATABASE_URL"},
		{"unknown log level", func() error {
			return runRoles(context.Background(), "api", append(noServices, "-log-level=loud"), roleAPI)
		}, `log level "loud"`},
		{"stray argument", func() error { return runMigrate(context.Background(), []string{"now"}) }, "unexpected arguments"},
		{"sweep too often", func() error {
			return runRoles(context.Background(), "worker", append(noServices, "-sweep-every=10ms"), roleWorker)
		}, "BOXOFFICE_SWEEP_EVERY"},
		{"cancellation batch of none", func() error {
			return runRoles(context.Background(), "worker", append(noServices, "-cancellation-batch=0"), roleWorker)
		}, "BOXOFFICE_CANCELLATION_BATCH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestTokenKeyErrors(t *testing.T) {
	for key, want := range map[string]string{
		"":         "BOXOFFICE_TOKEN_KEY is not set",
		"%%%":      "not base64",
		"c2hvcnQ=": "", // "short": decodes, but NewTokenSigner refuses its length
	} {
		seed, err := config{TokenKey: key}.tokenSeed()
		if want == "" {
			if err != nil || len(seed) == 32 {
				t.Errorf("key %q: %v, %d bytes", key, err, len(seed))
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("key %q: %v, want %q", key, err, want)
		}
	}
}

func TestIdentityConfiguration(t *testing.T) {
	ctx := context.Background()
	if id, err := (config{Identity: "open"}).identity(ctx, nil); err != nil || id != nil {
		t.Fatalf("open: %v, %v; want no verifier", id, err)
	}
	for c, want := range map[config]string{
		{Identity: "trust-me"}: `BOXOFFICE_IDENTITY is "trust-me": use open or jwt`,
		{Identity: "jwt", IdentityIssuer: "https://id.example/", IdentityAudience: "boxoffice"}:               "BOXOFFICE_IDENTITY_JWKS",
		{Identity: "jwt", IdentityJWKS: "/nonexistent/jwks.json", IdentityIssuer: "i", IdentityAudience: "a"}: "/nonexistent/jwks.json",
	} {
		if _, err := c.identity(ctx, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: %v, want an error naming %q", c, err, want)
		}
	}
}

// A request that waits on Temporal must be answered before the server gives up writing it: the
// calls' deadlines, with the database work around them, fit inside the write timeout.
func TestCallsToTemporalEndBeforeTheWriteTimeout(t *testing.T) {
	if margin := writeTimeout - temporal.CallTimeout; margin < 10*time.Second {
		t.Fatalf("write timeout %s leaves %s after a Temporal call's %s deadline; keep at least 10 s", writeTimeout, margin, temporal.CallTimeout)
	}
}
