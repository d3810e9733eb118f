// Package sql holds boxoffice's PostgreSQL schema, embedded so the binary can migrate a
// database by itself (`boxoffice migrate`): goose migrations, applied once each, and the SQL
// functions, applied after them every time; and, beside them, the sqlc query files.
package sql

import "embed"

// Schema holds migrations/*.sql (goose, in order) and functions/*.sql (CREATE OR REPLACE).
//
//go:embed migrations/*.sql functions/*.sql
var Schema embed.FS
