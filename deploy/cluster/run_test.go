package cluster

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/boxoffice/boxoffice/adapters/postgres/pgtest"
	"github.com/boxoffice/boxoffice/adapters/temporal"
	"github.com/boxoffice/boxoffice/testbed/pgbouncer"
	"github.com/boxoffice/boxoffice/testbed/temporalserver"
	"github.com/boxoffice/boxoffice/testbed/temporaltest"
)

// The schema script, rendered for the test's PostgreSQL, creates both databases at the latest
// schema, and a second run (a restarted container, an upgrade) succeeds and changes nothing.
func TestTheSchemaScriptSetsUpTheDatabasesAndRunsAgain(t *testing.T) {
	dir := os.Getenv("BOXOFFICE_TEMPORAL_SERVER")
	admin := os.Getenv(pgtest.EnvURL)
	if dir == "" || admin == "" {
		temporaltest.Missing(t, fmt.Errorf("the schema script's test needs the Temporal server's schema tool (BOXOFFICE_TEMPORAL_SERVER, make temporal-server) and %s", pgtest.EnvURL))
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	prefix := "schema_script_" + time.Now().Format("150405")
	to := schemaTarget{postgres: u.Host, user: u.User.Username(), temporalDB: prefix + "_temporal",
		visibilityDB: prefix + "_visibility", schemaDir: filepath.Join(dir, "schema")}
	t.Cleanup(func() { _ = temporalserver.DropDatabases(context.Background(), admin, prefix) })
	// The image names the tool temporal-sql-tool; make temporal-server names it sql.
	bin := t.TempDir()
	if err := os.Symlink(filepath.Join(dir, "sql"), filepath.Join(bin, "temporal-sql-tool")); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "schema.sh")
	if err := os.WriteFile(script, []byte(schemaScript(to)), 0o755); err != nil {
		t.Fatal(err)
	}
	password, _ := u.User.Password()
	tables := func() (n int) {
		t.Helper()
		db := *u
		db.Path = "/" + to.temporalDB
		c, err := pgx.Connect(context.Background(), db.String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(context.Background())
		if err := c.QueryRow(context.Background(), "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var first int
	for run := 1; run <= 2; run++ {
		cmd := exec.Command("sh", script)
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "POSTGRES_PASSWORD="+password)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("run %d of the schema script: %v\n%s", run, err, out)
		}
		if run == 1 {
			first = tables()
		}
	}
	if first < 10 {
		t.Fatalf("the Temporal database has %d tables after the script", first)
	}
	if again := tables(); again != first {
		t.Fatalf("the second run changed the Temporal database's tables: %d, then %d", first, again)
	}
}

// The namespace script, run against a Temporal server with the CLI the image carries, registers
// a namespace it lacks with every search attribute boxoffice's workflows set, and runs again
// without adding them again or waiting.
func TestTheNamespaceScriptRegistersWhatTheWorkflowsNeed(t *testing.T) {
	server := temporaltest.Start(t)
	script := filepath.Join(t.TempDir(), "namespace.sh")
	if err := os.WriteFile(script, []byte(namespaceScript(server.FrontendHostPort(), "deploy-check")), 0o755); err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		cmd := exec.Command("sh", script)
		// The first run adds the attributes and waits for the services' caches (not here: it
		// would only slow the test); the second finds them and must not reach the wait, whose
		// sleep of a non-number would fail it.
		wait := "0"
		if run == 2 {
			wait = "not-reached"
		}
		cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(temporaltest.CLI())+":"+os.Getenv("PATH"), "SEARCH_ATTRIBUTE_CACHE_WAIT="+wait)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("run %d of the namespace script: %v\n%s", run, err, out)
		}
	}
	c, err := client.Dial(client.Options{HostPort: server.FrontendHostPort(), Namespace: "deploy-check"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	have, err := c.OperatorService().ListSearchAttributes(context.Background(), &operatorservice.ListSearchAttributesRequest{Namespace: "deploy-check"})
	if err != nil {
		t.Fatal(err)
	}
	for name, kind := range temporal.SearchAttributeTypes() {
		if have.CustomAttributes[name] != kind {
			t.Errorf("search attribute %s: registered as %v, the workflows set a %v", name, have.CustomAttributes[name], kind)
		}
	}
}

// PgBouncer (Debian's package, as in the image) checks its clients' passwords by SCRAM against
// a user list of the deployment's form. (The test server trusts loopback, so the password the
// bouncer logs in to it with is not checked here.)
func TestTheBouncerChecksPasswordsAsDeployed(t *testing.T) {
	admin := os.Getenv(pgtest.EnvURL)
	if admin == "" {
		temporaltest.Missing(t, fmt.Errorf("%s is not set", pgtest.EnvURL))
	}
	if _, err := pgbouncer.Binary(); err != nil {
		temporaltest.Missing(t, err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b, err := pgbouncer.Start(ctx, pgbouncer.Options{Upstream: u.Host, User: u.User.Username(), Password: "a-trial-password", AuthType: "scram-sha-256"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Stop()
	connect := func(password string) error {
		v := *u
		v.User = url.UserPassword(u.User.Username(), password)
		pooled, err := b.URL(v.String())
		if err != nil {
			t.Fatal(err)
		}
		c, err := pgx.Connect(ctx, pooled)
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		var one int
		return c.QueryRow(ctx, "SELECT 1").Scan(&one)
	}
	if err := connect("a-trial-password"); err != nil {
		t.Fatalf("with the listed password: %v", err)
	}
	if err := connect("another"); err == nil {
		t.Fatal("the bouncer let a client in with another password")
	}
}
