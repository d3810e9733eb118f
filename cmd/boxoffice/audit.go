package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/core"
)

// errBreach makes `boxoffice audit` exit non-zero once it has printed its report.
var errBreach = errors.New("audit found breaches")

// runAudit checks the books in DATABASE_URL, sale by sale and across the wallets, and prints
// each invariant with its count of breaches.
func runAudit(ctx context.Context, args []string) error {
	var grace time.Duration
	c, err := parseFlags("audit", args, func(fs *flag.FlagSet) {
		fs.DurationVar(&grace, "grace", 30*time.Second, "how long past its deadline a hold may still be held (its release in flight)")
	})
	if err != nil {
		return err
	}
	if c.DatabaseURL == "" {
		return fmt.Errorf("audit needs DATABASE_URL (or --database-url)")
	}
	pool, err := postgres.Connect(ctx, c.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	report, err := postgres.NewStore(pool).Audit(ctx, grace, core.SystemClock{}.Now())
	if err != nil {
		return err
	}
	for _, sale := range report.Sales {
		t := sale.Totals
		fmt.Printf("audit of sale %s: %d seats, %d sold, %d payments, %d won, %d holds released, %d tokens, %d refunds, %d won refunded, %d checked in\n",
			sale.Sale, t.Seats, t.Sold, t.Payments, t.Revenue, t.Released, t.Tokens, t.Refunds, t.Refunded, t.CheckedIn)
		printChecks(sale.Checks)
	}
	fmt.Println("audit of the wallets, across sales:")
	printChecks(report.Wallets)
	if !report.OK() {
		return errBreach
	}
	fmt.Println("audit: all invariants hold")
	return nil
}

func printChecks(checks []postgres.AuditCheck) {
	for _, check := range checks {
		verdict := "ok"
		if check.Breaches != 0 {
			verdict = "BREACH"
		}
		fmt.Printf("  %-6s %6d  %s\n", verdict, check.Breaches, check.Name)
	}
}
