// Command boxoffice runs the box office: `dev` for a laptop, `serve`, `api` and `worker` for
// production roles, `migrate` for the database, `openapi` to print the API document and
// `verify-ticket` for a gate to check a ticket offline.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
)

const usage = `boxoffice: a concert box office for ticket-sale rushes

usage: boxoffice <command> [flags]

commands:
  dev       everything in one process on embedded defaults: memory store (or DATABASE_URL),
            a local Temporal dev server (or TEMPORAL_ADDRESS) and the demo sale
  serve     API and Temporal worker (production; needs DATABASE_URL and TEMPORAL_ADDRESS)
  api       API only
  worker    Temporal worker only (runs holds, payments and queue admission)
  migrate   apply database migrations (--demo also puts the demo sale on)
  audit     check the books in DATABASE_URL after a sale; exits 1 on any breach
  openapi   print the OpenAPI document (YAML)
  verify-ticket
            check a ticket's credential offline with the box office's JWKS, as a gate would

Run 'boxoffice <command> -h' for the flags; each also reads the environment variable it names.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	httpapi.ConfigureHuma()
	cmd, args := os.Args[1], os.Args[2:]
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch cmd {
	case "dev":
		err = runDev(ctx, args)
	case "serve":
		err = runRoles(ctx, "serve", args, roleAPI|roleWorker)
	case "api":
		err = runRoles(ctx, "api", args, roleAPI)
	case "worker":
		err = runRoles(ctx, "worker", args, roleWorker)
	case "migrate":
		err = runMigrate(ctx, args)
	case "audit":
		err = runAudit(ctx, args)
	case "openapi":
		err = runOpenAPI(args)
	case "verify-ticket":
		err = runVerifyTicket(ctx, args, os.Stdin, os.Stdout)
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "boxoffice: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "boxoffice:", err)
	os.Exit(1)
}

func parseFlags(name string, args []string, extra func(*flag.FlagSet)) (config, error) {
	var c config
	fs := flag.NewFlagSet("boxoffice "+name, flag.ContinueOnError)
	if err := bindFlags(fs, &c); err != nil {
		return c, err
	}
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return c, c.validate()
}

func newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: use debug, info, warn or error", level)
	}
	return slog.New(httpapi.LogHandler(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))), nil
}
