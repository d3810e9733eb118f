package postgres

// The one place this store reads the driver's errors: every other file asks these what an
// error means (no row, a named constraint, a refusal raised by our SQL) and maps that to the
// domain's error itself.

import (
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// noRows reports whether a query that returns one row found none: a missing thing, or a
// guard in its WHERE that refused.
func noRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// notFound turns no row into the domain's error for a missing thing.
func notFound(err, domain error) error {
	if noRows(err) {
		return domain
	}
	return err
}

// isUniqueViolation reports whether err is a unique violation of the named index.
func isUniqueViolation(err error, index string) bool {
	return violates(err, "23505", index)
}

// isForeignKeyViolation reports whether err is a violation of the named foreign key.
func isForeignKeyViolation(err error, constraint string) bool {
	return violates(err, "23503", constraint)
}

func violates(err error, code, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code && pgErr.ConstraintName == constraint
}

// raised is the SQLSTATE and detail of an error our SQL raised (RAISE ... USING ERRCODE), or
// ok false for any other error.
func raised(err error) (code, detail string, ok bool) {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return "", "", false
	}
	return pgErr.Code, pgErr.Detail, true
}
