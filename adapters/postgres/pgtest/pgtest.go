// Package pgtest gives each test its own PostgreSQL database, cloned from a template that has
// every migration applied. The server is BOXOFFICE_TEST_DATABASE_URL when set, else a
// testcontainers PostgreSQL when Docker answers; otherwise the test is skipped, saying why.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/testcontainers/testcontainers-go"
	tcpostgres "github.com/testcontainers/testcontainers-go/modules/postgres"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	boxsql "github.com/boxoffice/boxoffice/sql"
)

// EnvURL names the variable holding the admin URL of the test server.
const EnvURL = "BOXOFFICE_TEST_DATABASE_URL"

// Pool returns a pool on a fresh migrated database, closed and dropped when the test ends.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	dbURL := Database(t)
	pool, err := postgres.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Database creates a fresh migrated database and returns its URL; it is dropped when the
// test ends (after cleanups registered later, such as closing pools on it).
func Database(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, conn := connectAdmin(ctx, t)
	defer conn.Close(ctx)

	template := "boxoffice_template_" + migrationsHash(t)
	name := "boxoffice_test_" + randomSuffix()
	// Serialise template creation and cloning across test processes: CREATE DATABASE … TEMPLATE
	// fails while anyone else is connected to the template.
	lockKey := int64(binary.BigEndian.Uint64([]byte("boxoffic")))
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		t.Fatal(err)
	}
	err := func() error {
		defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", lockKey) //nolint:errcheck
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", template).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			if err := createTemplate(ctx, conn, admin, template); err != nil {
				return fmt.Errorf("create template %s: %w", template, err)
			}
		}
		_, err := conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, template))
		return err
	}()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	dropWhenDone(t, admin, name)
	return withDatabaseURL(admin, name)
}

// Empty creates a fresh database without any migration and returns its URL, for tests of the
// migrations themselves; it is dropped when the test ends.
func Empty(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, conn := connectAdmin(ctx, t)
	defer conn.Close(ctx)
	name := "boxoffice_test_" + randomSuffix()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	dropWhenDone(t, admin, name)
	return withDatabaseURL(admin, name)
}

// connectAdmin connects to the test server's admin URL.
func connectAdmin(ctx context.Context, t testing.TB) (string, *pgx.Conn) {
	t.Helper()
	admin := adminURL(t)
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", EnvURL, err)
	}
	return admin, conn
}

// dropWhenDone drops the database when the test ends.
func dropWhenDone(t testing.TB, admin, name string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Logf("pgtest: drop %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)); err != nil {
			t.Logf("pgtest: drop %s: %v", name, err)
		}
	})
}

func createTemplate(ctx context.Context, conn *pgx.Conn, admin, template string) error {
	building := template + "_building"
	if _, err := conn.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", building)); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+building); err != nil {
		return err
	}
	pool, err := postgres.Connect(ctx, withDatabaseURL(admin, building))
	if err != nil {
		return err
	}
	_, err = postgres.Migrate(ctx, pool)
	pool.Close()
	if err != nil {
		return err
	}
	// Renamed only once complete, so a crash mid-migration never leaves a broken template.
	_, err = conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", building, template))
	return err
}

var (
	containerOnce sync.Once
	containerURL  string
	containerErr  error
)

func adminURL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	if err := dockerHealthy(); err != nil {
		t.Skipf("pgtest: PostgreSQL tests skipped: %s is not set and Docker is not available for testcontainers (%v)", EnvURL, err)
	}
	containerOnce.Do(func() {
		ctx := context.Background()
		c, err := tcpostgres.Run(ctx, "postgres:15-alpine",
			tcpostgres.WithDatabase("postgres"), tcpostgres.WithUsername("postgres"), tcpostgres.WithPassword("postgres"),
			tcpostgres.BasicWaitStrategies())
		if err != nil {
			containerErr = err
			return
		}
		containerURL, containerErr = c.ConnectionString(ctx, "sslmode=disable")
	})
	if containerErr != nil {
		t.Fatalf("pgtest: start PostgreSQL container: %v", containerErr)
	}
	return containerURL
}

func dockerHealthy() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	provider, err := testcontainers.ProviderDefault.GetProvider()
	if err != nil {
		return err
	}
	defer provider.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return provider.Health(ctx)
}

func withDatabaseURL(admin, name string) string {
	u, err := url.Parse(admin)
	if err != nil || u.Scheme == "" {
		// Keyword/value form: a later dbname wins.
		return admin + " dbname=" + name
	}
	u.Path = "/" + name
	return u.String()
}

// migrationsHash names the template after the schema (migrations and functions), so changing
// either builds a new one.
func migrationsHash(t testing.TB) string {
	h := sha256.New()
	err := fs.WalkDir(boxsql.Schema, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(boxsql.Schema, path)
		h.Write([]byte(path))
		h.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func randomSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
