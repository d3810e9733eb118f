package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	boxsql "github.com/boxoffice/boxoffice/sql"
)

// Migrate applies every embedded migration the database does not have yet, then the SQL
// functions, and returns how many migrations it applied.
func Migrate(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	n, err := migrateDB(ctx, db)
	if err != nil {
		return n, err
	}
	return n, applyFunctions(ctx, pool)
}

// applyFunctions (re)creates the SQL functions from sql/functions, in one transaction under a
// lock, so instances starting together take turns and callers see the old or the new ones.
func applyFunctions(ctx context.Context, pool *pgxpool.Pool) error {
	files, err := fs.Glob(boxsql.Schema, "functions/*.sql")
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended('boxoffice: sql functions', 0))"); err != nil {
			return err
		}
		for _, f := range files {
			body, err := fs.ReadFile(boxsql.Schema, f)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return fmt.Errorf("apply %s: %w", f, err)
			}
		}
		return nil
	})
}

// MigrateTo applies the embedded migrations up to version and no further, without the SQL
// functions, which follow the latest schema: for tests that start from an older schema and
// upgrade it, as a deployment of an older release would.
func MigrateTo(ctx context.Context, pool *pgxpool.Pool, version int64) error {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	provider, err := newProvider(db)
	if err != nil {
		return err
	}
	if _, err := provider.UpTo(ctx, version); err != nil {
		return fmt.Errorf("apply migrations up to %d: %w", version, err)
	}
	return nil
}

func migrateDB(ctx context.Context, db *sql.DB) (int, error) {
	provider, err := newProvider(db)
	if err != nil {
		return 0, err
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("apply migrations: %w", err)
	}
	return len(results), nil
}

func newProvider(db *sql.DB) (*goose.Provider, error) {
	migrations, err := fs.Sub(boxsql.Schema, "migrations")
	if err != nil {
		return nil, err
	}
	// The session lock lets any number of instances start at once: one migrates, the rest wait.
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, db, migrations, goose.WithSessionLocker(locker))
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return provider, nil
}
