package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/boxoffice/boxoffice/testbed/pgbouncer"
	"github.com/boxoffice/boxoffice/testbed/temporaltest"
)

// ThroughPgBouncer returns dbURL reached through a PgBouncer in transaction mode started for
// the test and stopped when it ends. Without pgbouncer installed the test is skipped, or fails
// where BOXOFFICE_E2E_REQUIRED is set (as in CI).
func ThroughPgBouncer(t testing.TB, dbURL string) string {
	t.Helper()
	if _, err := pgbouncer.Binary(); err != nil {
		temporaltest.Missing(t, err)
	}
	u, err := url.Parse(dbURL)
	if err != nil || u.Scheme == "" || u.Port() == "" {
		temporaltest.Missing(t, fmt.Errorf("pgtest: PgBouncer tests need a postgres://host:port URL, not %q", dbURL))
	}
	password, _ := u.User.Password()
	b, err := pgbouncer.Start(context.Background(), pgbouncer.Options{Upstream: u.Host, User: u.User.Username(), Password: password})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Stop(); err != nil {
			t.Error(err)
		}
	})
	through, err := b.URL(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	return through
}
