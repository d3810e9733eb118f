package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
	"github.com/boxoffice/boxoffice/adapters/signing"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/core/waitlist"
	"github.com/boxoffice/boxoffice/core/webhook"
	"github.com/boxoffice/boxoffice/workflows"
	"github.com/boxoffice/boxoffice/workflows/cancellation"
	"github.com/boxoffice/boxoffice/workflows/sweep"
)

// config is every setting of every role. Each has a flag and an environment variable; the flag
// wins when both are given.
type config struct {
	Addr              string
	DatabaseURL       string
	DatabaseDirectURL string
	TemporalAddress   string
	TemporalNamespace string
	TemporalCLI       string
	TemporalState     string
	TokenKey          string
	TicketKey         string
	HoldTTL           time.Duration
	SessionTTL        time.Duration
	AdmitRate         int
	MaxActive         int
	DefaultSale       string
	Identity          string
	IdentityJWKS      string
	IdentityIssuer    string
	IdentityAudience  string
	AdmitTick         time.Duration
	LogLevel          string
	RateLimit         string
	AbandonAfter      time.Duration
	QueueRefresh      time.Duration
	SeatsStaleness    time.Duration
	AdminKey          string
	DebugAddr         string
	WorkerPollers     int
	MetricsAddr       string
	SweepEvery        time.Duration
	CancellationBatch int
	WebhookAllow      string
	WaitlistOfferTTL  time.Duration
	TrustedProxies    string
	JoinPerAddress    int
}

// setting documents one configuration variable; the README's table lists the same.
type setting struct {
	env, flag, usage string
}

// bindFlags defines every setting's flag on fs with its variable's value as the default; it
// reports the variables whose values do not parse.
func bindFlags(fs *flag.FlagSet, c *config) error {
	var bad []error
	str := func(p *string, s setting, def string) {
		fs.StringVar(p, s.flag, envOr(s.env, def), s.usage+" ($"+s.env+")")
	}
	dur := func(p *time.Duration, s setting, def time.Duration) {
		v, err := time.ParseDuration(envOr(s.env, def.String()))
		if err != nil {
			bad, v = append(bad, fmt.Errorf("$%s: %w", s.env, err)), def
		}
		fs.DurationVar(p, s.flag, v, s.usage+" ($"+s.env+")")
	}
	num := func(p *int, s setting, def int) {
		v, err := strconv.Atoi(envOr(s.env, strconv.Itoa(def)))
		if err != nil {
			bad, v = append(bad, fmt.Errorf("$%s: %w", s.env, err)), def
		}
		fs.IntVar(p, s.flag, v, s.usage+" ($"+s.env+")")
	}
	p, q := booking.DefaultPolicy, queue.DefaultPolicy
	str(&c.Addr, setting{"BOXOFFICE_ADDR", "addr", "HTTP listen address"}, "127.0.0.1:8080")
	str(&c.DatabaseURL, setting{"DATABASE_URL", "database-url", "PostgreSQL URL; dev uses memory when empty"}, "")
	str(&c.DatabaseDirectURL, setting{"DATABASE_DIRECT_URL", "database-direct-url", "PostgreSQL URL of a direct session where DATABASE_URL goes through a pooler in transaction mode (PgBouncer): migrations (a session lock) and the listener for other instances' changes use it; empty: DATABASE_URL"}, "")
	str(&c.TemporalAddress, setting{"TEMPORAL_ADDRESS", "temporal-address", "Temporal frontend host:port; dev starts a local dev server when empty"}, "")
	str(&c.TemporalNamespace, setting{"TEMPORAL_NAMESPACE", "temporal-namespace", "Temporal namespace"}, "default")
	str(&c.TemporalCLI, setting{"TEMPORAL_CLI", "temporal-cli", "path of the temporal CLI that dev starts; PATH and $GOPATH/bin are searched when empty"}, "")
	str(&c.TemporalState, setting{"BOXOFFICE_TEMPORAL_STATE", "temporal-state", "file where dev's Temporal dev server keeps its state when DATABASE_URL is set; empty: a file per database under $XDG_STATE_HOME/boxoffice (~/.local/state/boxoffice)"}, "")
	str(&c.TokenKey, setting{"BOXOFFICE_TOKEN_KEY", "token-key", "base64 32-byte Ed25519 seed that signs queue tokens, shared by every instance; dev generates one when empty"}, "")
	str(&c.TicketKey, setting{"BOXOFFICE_TICKET_KEY", "ticket-key", "base64 32-byte Ed25519 seed that signs ticket credentials (another key than the token key), shared by every instance; dev generates one when empty"}, "")
	dur(&c.HoldTTL, setting{"BOXOFFICE_HOLD_TTL", "hold-ttl", "how long a held seat waits for payment"}, p.HoldTTL)
	dur(&c.SessionTTL, setting{"BOXOFFICE_SESSION_TTL", "session-ttl", "how long an admitted fan may book, in a sale that sets none"}, q.Admission.SessionTTL)
	num(&c.AdmitRate, setting{"BOXOFFICE_ADMIT_RATE", "admit-rate", "fans admitted from the queue per second, in a sale that sets none"}, q.Admission.AdmitRate)
	num(&c.MaxActive, setting{"BOXOFFICE_MAX_ACTIVE", "max-active", "ceiling on admitted fans at once, in a sale that sets none"}, q.Admission.MaxActive)
	dur(&c.AdmitTick, setting{"BOXOFFICE_ADMIT_TICK", "admit-tick", "time between admission rounds"}, q.Admission.Tick)
	str(&c.Identity, setting{"BOXOFFICE_IDENTITY", "identity", "open: a fan is the user_id they send; jwt: the sub of the ticketing platform's ID token, sent as Authorization: Bearer to POST /api/token"}, "open")
	str(&c.IdentityJWKS, setting{"BOXOFFICE_IDENTITY_JWKS", "identity-jwks", "with identity jwt: the identity provider's JWKS, a URL or a file path"}, "")
	str(&c.IdentityIssuer, setting{"BOXOFFICE_IDENTITY_ISSUER", "identity-issuer", "with identity jwt: the iss ID tokens must carry"}, "")
	str(&c.IdentityAudience, setting{"BOXOFFICE_IDENTITY_AUDIENCE", "identity-audience", "with identity jwt: the aud ID tokens must carry (this service)"}, "")
	str(&c.DefaultSale, setting{"BOXOFFICE_DEFAULT_SALE", "default-sale", "the sale POST /api/token joins when it names none; empty: the earliest-created sale on sale or paused"}, "")
	dur(&c.AbandonAfter, setting{"BOXOFFICE_ABANDON_AFTER", "abandon-after", "a waiting fan not seen (polling or streaming) for this long is skipped at admission; at least 30s"}, q.AbandonAfter)
	dur(&c.QueueRefresh, setting{"BOXOFFICE_QUEUE_REFRESH", "queue-refresh", "how stale the queue counters that positions are computed from may be, 0 to 5s"}, q.Refresh)
	dur(&c.SeatsStaleness, setting{"BOXOFFICE_SEATS_STALENESS", "seats-staleness", "how old a seat listing may be (one read a date per instance however many fans ask; holds always decide on the database), 0 to 5s; 0 reads on every request"}, catalog.DefaultPolicy.SeatsStaleness)
	str(&c.AdminKey, setting{"BOXOFFICE_ADMIN_KEY", "admin-key", "key of the operators' API (/api/admin/…, header X-Admin-Key); empty turns it off, dev generates one"}, "")
	str(&c.MetricsAddr, setting{"BOXOFFICE_METRICS_ADDR", "metrics-addr", "if set, serve the metrics (Prometheus text format, /metrics) on this address; dev serves them on " + devMetricsAddr + " unless set"}, "")
	str(&c.DebugAddr, setting{"BOXOFFICE_DEBUG_ADDR", "debug-addr", "if set, serve Go's profiler (/debug/pprof/) on this address; keep it on loopback"}, "")
	num(&c.WorkerPollers, setting{"BOXOFFICE_WORKER_POLLERS", "worker-pollers", "the worker's pollers of workflow tasks, and of activity tasks, on the Temporal task queue (at least 2)"}, workflows.DefaultPollers)
	dur(&c.SweepEvery, setting{"BOXOFFICE_SWEEP_EVERY", "sweep-every", "time between sweeps of holds long past their deadline whose release never ran (the last resort behind each hold's own timer); at least 100ms"}, sweep.Every)
	num(&c.CancellationBatch, setting{"BOXOFFICE_CANCELLATION_BATCH", "cancellation-batch", "holds ended and tickets refunded per round of a cancelled performance's workflow, 1 to 1000"}, cancellation.DefaultBatch)
	dur(&c.WaitlistOfferTTL, setting{"BOXOFFICE_WAITLIST_OFFER_TTL", "waitlist-offer-ttl", "how long seats offered to a waitlist entry are held for its fan before they go to the next"}, waitlist.DefaultOfferTTL)
	str(&c.WebhookAllow, setting{"BOXOFFICE_WEBHOOK_ALLOW", "webhook-allow", "host names and CIDRs (comma-separated) webhook endpoints may reach over http or https whatever their address; others must be https to a public address"}, "")
	str(&c.TrustedProxies, setting{"BOXOFFICE_TRUSTED_PROXIES", "trusted-proxies", "CIDRs (comma-separated) of the proxies in front of the API: from a peer among them, the client's address is the right-most X-Forwarded-For entry that is not one of them; empty believes no one's X-Forwarded-For"}, "")
	num(&c.JoinPerAddress, setting{"BOXOFFICE_JOIN_PER_ADDRESS", "join-per-address", "new queue tokens one client address may take in each sale per minute, across every instance; 0 is no quota"}, 0)
	str(&c.LogLevel, setting{"BOXOFFICE_LOG_LEVEL", "log-level", "debug, info, warn or error"}, "info")
	str(&c.RateLimit, setting{"BOXOFFICE_RATE_LIMIT", "rate-limit", "per-user and per-address limits on token issue and holds, name=rate/burst,…, or off"}, httpapi.DefaultRateLimits)
	return errors.Join(bad...)
}

// validate refuses settings whose values parse but cannot be used.
func (c config) validate() error {
	var bad []error
	if c.SweepEvery < 100*time.Millisecond {
		bad = append(bad, fmt.Errorf("BOXOFFICE_SWEEP_EVERY is %s: use 100ms or more", c.SweepEvery))
	}
	if c.WaitlistOfferTTL < time.Second {
		bad = append(bad, fmt.Errorf("BOXOFFICE_WAITLIST_OFFER_TTL is %s: use 1s or more", c.WaitlistOfferTTL))
	}
	if _, err := webhook.ParseDestinations(c.WebhookAllow); err != nil {
		bad = append(bad, fmt.Errorf("BOXOFFICE_WEBHOOK_ALLOW: %w", err))
	}
	if _, err := httpapi.ParseTrustedProxies(c.TrustedProxies); err != nil {
		bad = append(bad, fmt.Errorf("BOXOFFICE_TRUSTED_PROXIES: %w", err))
	}
	if c.JoinPerAddress < 0 {
		bad = append(bad, fmt.Errorf("BOXOFFICE_JOIN_PER_ADDRESS is %d: use 0 (no quota) or more", c.JoinPerAddress))
	}
	if c.CancellationBatch < 1 || c.CancellationBatch > 1000 {
		bad = append(bad, fmt.Errorf("BOXOFFICE_CANCELLATION_BATCH is %d: use 1 to 1000", c.CancellationBatch))
	}
	return errors.Join(bad...)
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func (c config) policy() app.Policy {
	return app.Policy{
		Queue: queue.Policy{AbandonAfter: c.AbandonAfter, Refresh: c.QueueRefresh,
			Admission: queue.Settings{AdmitRate: c.AdmitRate, MaxActive: c.MaxActive, Tick: c.AdmitTick, SessionTTL: c.SessionTTL}},
		Catalog:          catalog.Policy{SeatsStaleness: c.SeatsStaleness},
		Booking:          booking.Policy{HoldTTL: c.HoldTTL},
		WaitlistOfferTTL: c.WaitlistOfferTTL,
		JoinPerAddress:   c.JoinPerAddress,
		DefaultSale:      core.SaleID(c.DefaultSale),
	}
}

// tokenSeed decodes BOXOFFICE_TOKEN_KEY.
func (c config) tokenSeed() ([]byte, error) { return signingSeed("BOXOFFICE_TOKEN_KEY", c.TokenKey) }

// ticketSeed decodes BOXOFFICE_TICKET_KEY.
func (c config) ticketSeed() ([]byte, error) { return signingSeed("BOXOFFICE_TICKET_KEY", c.TicketKey) }

// challengeKey is the key that signs the proof-of-work challenges, derived from the token key
// so every instance shares it without another secret to hand out; nil (a random key, good for
// one process) when no token key is set.
func (c config) challengeKey() []byte {
	seed, err := c.tokenSeed()
	if err != nil {
		return nil
	}
	m := hmac.New(sha256.New, seed)
	m.Write([]byte("boxoffice: proof-of-work challenges"))
	return m.Sum(nil)
}

// signingSeed decodes the base64 seed of a signing key every API instance shares.
func signingSeed(name, value string) ([]byte, error) {
	if value == "" {
		return nil, fmt.Errorf("%s is not set: every API instance must share one signing key; generate one with `head -c32 /dev/urandom | base64`", name)
	}
	seed, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("%s is not base64: %w", name, err)
	}
	return seed, nil
}

// identity is the verifier of the platform's ID tokens under BOXOFFICE_IDENTITY=jwt, nil under
// open; it reloads the provider's keys until ctx ends.
func (c config) identity(ctx context.Context, log *slog.Logger) (*signing.Identity, error) {
	switch c.Identity {
	case "open":
		return nil, nil
	case "jwt":
		return signing.NewIdentity(ctx, signing.IdentityOptions{
			JWKS: c.IdentityJWKS, Issuer: c.IdentityIssuer, Audience: c.IdentityAudience, Logger: log,
		})
	}
	return nil, fmt.Errorf("BOXOFFICE_IDENTITY is %q: use open or jwt", c.Identity)
}

// webhookDestinations are the destinations webhook endpoints may have (validate checked them).
func (c config) webhookDestinations() webhook.Destinations {
	d, _ := webhook.ParseDestinations(c.WebhookAllow)
	return d
}
