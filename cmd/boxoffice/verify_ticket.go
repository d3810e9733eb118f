package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/boxoffice/boxoffice/adapters/signing"
	"github.com/boxoffice/boxoffice/core"
)

// maxJWKSBytes bounds the JWKS read; the box office's is under a kilobyte.
const maxJWKSBytes = 1 << 20

// verifiedTicket is what verify-ticket prints of a credential that verifies.
type verifiedTicket struct {
	Verified  bool      `json:"verified"`
	TicketID  string    `json:"ticket_id"`
	SaleID    string    `json:"sale_id"`
	Date      string    `json:"date"`
	SeatID    int       `json:"seat_id"`
	Section   string    `json:"section"`
	Holder    string    `json:"holder"`
	PaymentID string    `json:"payment_id"`
	IssuedAt  time.Time `json:"issued_at"`
	Note      string    `json:"note"`
}

// runVerifyTicket checks a ticket's credential as a gate without a network does, with the ticket
// key of the box office's JWKS (a file saved from /.well-known/jwks.json, or that URL, read once),
// and prints what the ticket says; a credential that is no ticket of ours is an error saying why.
func runVerifyTicket(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("boxoffice verify-ticket", flag.ContinueOnError)
	jwksFrom := fs.String("jwks", "", "the box office's JWKS: a file saved from /.well-known/jwks.json, or that URL (required)")
	sale := fs.String("sale", "", "the sale this gate admits to; a ticket of another sale is refused")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: boxoffice verify-ticket -jwks FILE|URL [-sale SALE_ID] [CREDENTIAL | -]\n\n"+
			"Verifies a ticket's credential (what its QR code holds; read from standard input when - or left out)\n"+
			"offline and prints what it says. Whether it was used or cancelled only POST /api/admin/checkin knows.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *jwksFrom == "" {
		fs.Usage()
		return errors.New("verify-ticket: -jwks is required")
	}
	credential, err := credentialArg(fs.Arg(0), stdin)
	if err != nil {
		return err
	}
	raw, err := readJWKS(ctx, *jwksFrom)
	if err != nil {
		return err
	}
	keys, err := keyfunc.NewJWKSetJSON(raw)
	if err != nil {
		return fmt.Errorf("read the JWKS from %s: %w", *jwksFrom, err)
	}
	cred, err := signing.VerifyTicket(credential, ticketKeys(keys.Keyfunc))
	if err != nil {
		return err
	}
	if *sale != "" && cred.SaleID != core.SaleID(*sale) {
		return fmt.Errorf("the ticket is for sale %s, not this gate's %s", cred.SaleID, *sale)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(verifiedTicket{
		Verified: true, TicketID: string(cred.TicketID), SaleID: string(cred.SaleID), Date: cred.Date.String(), SeatID: cred.Seat,
		Section: cred.Section, Holder: string(cred.Holder), PaymentID: string(cred.PaymentID), IssuedAt: cred.IssuedAt,
		Note: "signed by this box office's ticket key; whether it was used or cancelled only POST /api/admin/checkin knows",
	})
}

// credentialArg is the credential given as the argument, or read from stdin for - or none.
func credentialArg(arg string, stdin io.Reader) (string, error) {
	if arg != "" && arg != "-" {
		return strings.TrimSpace(arg), nil
	}
	raw, err := io.ReadAll(io.LimitReader(stdin, 16<<10))
	if err != nil {
		return "", fmt.Errorf("read the credential from standard input: %w", err)
	}
	if s := strings.TrimSpace(string(raw)); s != "" {
		return s, nil
	}
	return "", errors.New("verify-ticket: no credential given (as the argument, or on standard input)")
}

// ticketKeys gives the verification key of a ticket's kid, refusing the JWKS's other keys (the
// queue tokens'): a ticket is signed with a ticket key.
func ticketKeys(keys jwt.Keyfunc) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); !strings.HasPrefix(kid, signing.TicketKeyPrefix) {
			return nil, fmt.Errorf("kid %q is not a ticket key", kid)
		}
		return keys(t)
	}
}

// readJWKS reads a JWKS file, or fetches it from an http(s) URL.
func readJWKS(ctx context.Context, from string) ([]byte, error) {
	if !strings.HasPrefix(from, "http://") && !strings.HasPrefix(from, "https://") {
		f, err := os.Open(from)
		if err != nil {
			return nil, fmt.Errorf("read the JWKS: %w", err)
		}
		defer f.Close()
		raw, err := io.ReadAll(io.LimitReader(f, maxJWKSBytes))
		if err != nil {
			return nil, fmt.Errorf("read the JWKS from %s: %w", from, err)
		}
		return raw, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, from, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch the JWKS: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch the JWKS: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch the JWKS from %s: %s", from, res.Status)
	}
	return io.ReadAll(io.LimitReader(res.Body, maxJWKSBytes))
}
