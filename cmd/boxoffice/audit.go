package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/adapters/signing"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
)

// errBreach makes `boxoffice audit` exit non-zero once it has printed its report.
var errBreach = errors.New("audit found breaches")

// runAudit checks the books in DATABASE_URL, sale by sale and across the wallets, and prints
// each invariant with its count of breaches.
func runAudit(ctx context.Context, args []string) error {
	var grace time.Duration
	c, err := parseFlags("audit", args, func(fs *flag.FlagSet) {
		fs.DurationVar(&grace, "grace", 30*time.Second, "how long past its payment deadline a hold may still be held (its release in flight)")
	})
	if err != nil {
		return err
	}
	if c.DatabaseURL == "" {
		return fmt.Errorf("audit needs DATABASE_URL (or --database-url)")
	}
	pool, err := connectDatabase(ctx, c)
	if err != nil {
		return err
	}
	defer pool.Close()
	listen, err := listenDirect(c)
	if err != nil {
		return err
	}
	store := postgres.NewStore(pool, listen...)
	defer func() { _ = store.Close(context.WithoutCancel(ctx)) }()
	report, err := store.Audit(ctx, grace, core.SystemClock{}.Now())
	if err != nil {
		return err
	}
	for i, sale := range report.Sales {
		check, err := credentialsVerify(ctx, c, store, sale.Sale)
		if err != nil {
			return err
		}
		report.Sales[i].Checks = append(report.Sales[i].Checks, check)
		t := sale.Totals
		fmt.Printf("audit of sale %s: %d seats, %d sold, %d payments, %d won, %d holds released, %d tokens, %d refunds, %d won refunded, %d checked in\n",
			sale.Sale, t.Seats, t.Sold, t.Payments, t.Revenue, t.Released, t.Tokens, t.Refunds, t.Refunded, t.CheckedIn)
		printChecks(report.Sales[i].Checks)
	}
	fmt.Println("audit of the wallets, across sales:")
	printChecks(report.Wallets)
	fmt.Println("audit of the webhooks' deliveries, across sales:")
	printChecks(report.Webhooks)
	if !report.OK() {
		return errBreach
	}
	fmt.Println("audit: all invariants hold")
	return nil
}

// credentialsVerify counts the paid tickets of a sale whose credential would not admit them: no
// payment to name, claims that are no ticket's, or (with BOXOFFICE_TICKET_KEY set) a signature
// that does not verify with the key or describes another ticket.
func credentialsVerify(ctx context.Context, c config, store *postgres.Store, sale core.SaleID) (postgres.AuditCheck, error) {
	name := "every paid ticket's credential verifies"
	var signer *signing.TicketSigner
	if c.TicketKey == "" {
		name += " (claims only: set BOXOFFICE_TICKET_KEY to check signatures)"
	} else {
		seed, err := c.ticketSeed()
		if err == nil {
			signer, err = signing.NewTicketSigner(seed)
		}
		if err != nil {
			return postgres.AuditCheck{}, err
		}
	}
	tickets, err := store.TicketBook.PaidTicketsOfSale(ctx, sale)
	if err != nil {
		return postgres.AuditCheck{}, fmt.Errorf("list the paid tickets of %s: %w", sale, err)
	}
	check := postgres.AuditCheck{Name: name}
	for _, t := range tickets {
		if !credentialVerifies(t, signer) {
			check.Breaches++
		}
	}
	return check, nil
}

// credentialVerifies reports whether a paid ticket's credential admits it: signed, verified and
// matched against the ticket when signer is set, its claims valid otherwise.
func credentialVerifies(t booking.Ticket, signer *signing.TicketSigner) bool {
	cred, err := t.Credential()
	if err != nil || cred.Seat < 1 || cred.IssuedAt.IsZero() {
		return false
	}
	if _, err := core.ParseUserID(string(cred.Holder)); err != nil {
		return false
	}
	if signer == nil {
		return true
	}
	signed, err := signer.Sign(cred)
	if err != nil {
		return false
	}
	verified, err := signer.Verify(signed)
	return err == nil && verified.Matches(t) == nil
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
