// Package sql holds boxoffice's PostgreSQL schema as goose migrations, embedded so the binary
// can migrate a database by itself (`boxoffice migrate`), and the sqlc query files.
package sql

import "embed"

// Migrations are the goose migration files, in order.
//
//go:embed migrations/*.sql
var Migrations embed.FS
