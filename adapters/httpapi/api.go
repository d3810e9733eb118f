// Package httpapi is boxoffice's HTTP edge: the seed spec's seven endpoints, the token poll and
// stream, the sales fans queue for and the operators' API, built with huma v2, which also generates the OpenAPI document. It drives core's use cases and
// turns their errors into RFC 9457 problems, in one place (problems.go).
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/boxoffice/boxoffice/adapters/signing"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/core/entry"
	"github.com/boxoffice/boxoffice/core/queue"
	"github.com/boxoffice/boxoffice/core/waitlist"
	"github.com/boxoffice/boxoffice/core/wallet"
	"github.com/boxoffice/boxoffice/core/webhook"
)

// Version is the API version in the OpenAPI document.
const Version = "1.0.0"

// Security schemes: queue tokens for fans, the platform's ID tokens for taking one under
// BOXOFFICE_IDENTITY=jwt, the admin key for operators.
const (
	bearerScheme  = "queueToken"
	idTokenScheme = "idToken"
	ticketScheme  = "ticketCredential"
	adminScheme   = "adminKey"
)

// Deps is what the edge needs: the use cases it drives and its own parts. The use cases and
// Tokens may be nil when only the OpenAPI document is wanted.
type Deps struct {
	Entrance   *queue.Entrance     // fans' tokens
	Control    *queue.Control      // operators' admission controls
	Directory  *catalog.Directory  // the sales fans can queue for, and the default one
	Admin      *catalog.Admin      // operators' sales
	Listings   *catalog.Listings   // dates and seats
	SeatHolder *booking.SeatHolder // holds
	OrderTaker *booking.OrderTaker // orders of several seats
	Checkout   *booking.Checkout   // payments
	FanTickets *booking.FanTickets // a fan's tickets
	Returns    *booking.Returns    // tickets given back
	CheckIns   *booking.CheckIns   // check-in at the gates
	// ShowCanceller cancels performances for operators.
	ShowCanceller *booking.ShowCanceller
	Cashier       *wallet.Cashier // balances
	// Webhooks are the operators' webhook endpoints and their deliveries.
	Webhooks *webhook.Admin
	// Waitlist is where fans wait for seats of a sold-out date.
	Waitlist *waitlist.Waitlist
	// Door makes the proof-of-work challenges and operators' access codes.
	Door   *entry.Door
	Tokens *signing.TokenSigner
	// Tickets signs and verifies ticket credentials; their key is published in the JWKS too.
	Tickets *signing.TicketSigner
	// Identity verifies the platform's ID tokens (BOXOFFICE_IDENTITY=jwt); nil takes the user_id
	// a fan sends (open).
	Identity *signing.Identity
	Logger   *slog.Logger
	// Ready lists the checks /readyz runs (database, Temporal), by name.
	Ready map[string]func(context.Context) error
	// Limits bounds token issue and holds per user and per client address; zero is unlimited.
	Limits RateLimits
	// TrustedProxies are the proxies whose X-Forwarded-For tells the client's address.
	TrustedProxies TrustedProxies
	// AdminKey guards the operators' endpoints (/api/admin/…); empty turns them off.
	AdminKey string
	// Stopping, once closed, ends the event streams so a graceful shutdown can drain.
	Stopping <-chan struct{}
	// StreamInterval and StreamHeartbeat pace the event streams; zero takes the defaults.
	StreamInterval, StreamHeartbeat time.Duration
}

// Driving returns d driving a's use cases.
func (d Deps) Driving(a *app.App) Deps {
	d.Entrance, d.Control = a.Queue.Entrance, a.Queue.Control
	d.Directory, d.Admin, d.Listings = a.Catalog.Directory, a.Catalog.Admin, a.Catalog.Listings
	d.SeatHolder, d.Checkout, d.FanTickets, d.Returns = a.Booking.SeatHolder, a.Booking.Checkout, a.Booking.FanTickets, a.Booking.Returns
	d.OrderTaker = a.Booking.OrderTaker
	d.CheckIns, d.ShowCanceller = a.Booking.CheckIns, a.Booking.ShowCanceller
	d.Webhooks, d.Waitlist, d.Door = a.Webhook.Admin, a.Waitlist, a.Door
	d.Cashier = a.Wallet.Cashier
	return d
}

type server struct {
	Deps
	api      huma.API
	limiters limiters
}

// humaConfigured is set once ConfigureHuma has run.
var humaConfigured atomic.Bool

// ConfigureHuma sets huma's package-level settings the API is built on; the process calls it
// once, at start-up, before New (a test package in its TestMain). They are huma's globals, so
// they belong to the process, not to a constructor.
func ConfigureHuma() {
	// Every error huma raises is a problem in the API's words.
	huma.NewError = newProblem
	// Arrays in bodies are never null: SDKs get plain lists, not pointers to them.
	huma.DefaultArrayNullable = false
	// Field names are exact, as JSON's are: {"AMOUNT": 5} names no field of the API, so it is
	// refused like any unknown one (Go's decoder would fill amount with it).
	huma.ValidateStrictCasing = true
	humaConfigured.Store(true)
}

// New returns the HTTP handler of the API, with /docs, /openapi.yaml, /healthz, /readyz and
// /.well-known/jwks.json beside the endpoints.
func New(deps Deps) (http.Handler, huma.API) {
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if !humaConfigured.Load() {
		panic("httpapi: ConfigureHuma must run once before New (main does it at start-up; a test package, in its TestMain)")
	}
	mux := http.NewServeMux()
	cfg := huma.DefaultConfig("boxoffice", Version)
	cfg.Formats = map[string]huma.Format{"application/json": jsonFormat, "json": jsonFormat}
	cfg.Info.Description = "A concert box office for ticket-sale rushes: many sales, each with priced sections and a " +
		"fair waiting room of its own, seat holds that release themselves, a prepaid wallet and payment. Find a sale " +
		"with GET /api/sales, take a queue token with POST /api/token and send it as `Authorization: Bearer <token>`. " +
		"Errors are RFC 9457 problem details."
	cfg.Info.License = &huma.License{Name: "Proprietary: the boxoffice authors, all rights reserved", Identifier: "LicenseRef-Proprietary"}
	cfg.Servers = []*huma.Server{{URL: "/", Description: "The server this document is served from (boxoffice dev: http://127.0.0.1:8080)."}}
	cfg.CreateHooks = nil // no $schema field in bodies: responses carry exactly the spec's fields
	cfg.DocsPath = ""     // served from the binary instead of a CDN (docs.go)
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		bearerScheme: {Type: "http", Scheme: "bearer", BearerFormat: "JWT",
			Description: "The queue token from POST /api/token (an EdDSA-signed JWT)."},
		idTokenScheme: {Type: "http", Scheme: "bearer", BearerFormat: "JWT",
			Description: "The ticketing platform's ID token (RS256, ES256 or EdDSA), required by POST /api/token when the " +
				"service runs with BOXOFFICE_IDENTITY=jwt, as `Authorization: Bearer <ID token>` (another scheme is 401): exp, iss, " +
				"aud and sub of their RFC 7519 types (exp, nbf and iat numbers, iss and sub strings, aud a string or an array of " +
				"strings), each at most once; its sub is the fan's user id."},
		ticketScheme: {Type: "http", Scheme: "bearer", BearerFormat: "JWT",
			Description: "A paid ticket's own credential (the `credential` of its payment's answer or of GET /api/tickets): " +
				"it shows that ticket, whatever became of the sale and of its holder's queue tokens."},
		adminScheme: {Type: "apiKey", In: "header", Name: adminKeyHeader,
			Description: "The operators' key, BOXOFFICE_ADMIN_KEY."},
	}
	api := humago.New(mux, cfg)
	s := &server{Deps: deps, api: api, limiters: newLimiters(deps.Limits)}
	api.UseMiddleware(s.authenticate)

	registerFans(api, s)
	ops := &operators{control: deps.Control, directory: deps.Directory, admin: deps.Admin, cancellations: deps.ShowCanceller,
		webhooks: deps.Webhooks, door: deps.Door, logger: deps.Logger}
	registerAdmin(api, ops)
	registerAccessCodes(api, ops)
	registerAdminSales(api, ops)
	registerPerformanceCancellation(api, ops)
	registerWebhooks(api, ops)
	registerCheckIn(api, s)
	documentStatuses(api.OpenAPI())

	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /.well-known/jwks.json", s.jwks)
	registerDocs(mux)
	registerFanPage(mux)
	return edge(mux), api
}

// registerFans registers the fans' endpoints.
func registerFans(api huma.API, s *server) {
	registerSales(api, s)
	registerQueue(api, s)
	registerLeaving(api, s)
	registerListings(api, s)
	registerHolds(api, s)
	registerPayments(api, s)
	registerOrders(api, s)
	registerWaitlist(api, s)
	registerChallenge(api, s)
	registerTickets(api, s)
	registerBalance(api, s)
	registerEvents(api, s)
}

type (
	callerKey     struct{}
	clientAddrKey struct{}
	idTokenKey    struct{}
	credentialKey struct{}
)

// presented is the caller a verified token speaks for, with the token as sent.
type presented struct {
	caller core.Caller
	raw    string
}

// authenticate checks the credentials of every operation that declares a security scheme: the
// bearer token (passing the caller on) or the admin key. Anything else is a 401 before the
// handler runs.
func (s *server) authenticate(ctx huma.Context, next func(huma.Context)) {
	ctx = huma.WithValue(ctx, clientAddrKey{}, s.TrustedProxies.clientAddress(ctx))
	sec := ctx.Operation().Security
	switch {
	case len(sec) == 0:
		next(ctx)
	case takesIDToken(sec):
		// Checked by the operation, which knows whether the service runs with identity; only a
		// Bearer credential is one, and another scheme is refused saying so rather than read.
		header := ctx.Header("Authorization")
		raw, ok := bearerToken(header)
		if !ok && header != "" && s.Identity != nil {
			s.unauthorized(ctx, signing.RefusedIDToken(notBearer(header)).Error())
			return
		}
		next(huma.WithValue(ctx, idTokenKey{}, raw))
	case sec[0][adminScheme] != nil:
		if msg := s.checkAdminKey(ctx.Header(adminKeyHeader)); msg != "" {
			_ = huma.WriteErr(s.api, ctx, http.StatusUnauthorized, msg)
			return
		}
		next(ctx)
	default:
		s.authenticateBearer(ctx, sec, next)
	}
}

// authenticateBearer passes on the caller of a queue token, or, where the operation takes one
// instead, a ticket's credential (verified here) or the platform's ID token (verified by the
// operation, which knows whether the service runs with identity).
func (s *server) authenticateBearer(ctx huma.Context, sec []map[string][]string, next func(huma.Context)) {
	header := ctx.Header("Authorization")
	raw, ok := bearerToken(header)
	if !ok {
		what := "missing queue token"
		if header != "" {
			what = notBearer(header)
		}
		s.unauthorized(ctx, what+": send `Authorization: Bearer <token>` with the token from POST /api/token")
		return
	}
	caller, err := s.Tokens.Verify(raw, time.Now())
	switch {
	case err == nil:
		next(huma.WithValue(ctx, callerKey{}, presented{caller: caller, raw: raw}))
		return
	case takes(sec, ticketScheme):
		if cred, credErr := s.Tickets.Verify(raw); credErr == nil {
			next(huma.WithValue(ctx, credentialKey{}, cred))
			return
		}
	case takes(sec, idTokenScheme) && s.Identity != nil:
		next(huma.WithValue(ctx, idTokenKey{}, raw))
		return
	}
	s.unauthorized(ctx, err.Error())
}

// takesIDToken reports an operation that may be called with the platform's ID token and no
// queue token: joining the queue.
func takesIDToken(sec []map[string][]string) bool {
	return takes(sec, idTokenScheme) && !takes(sec, bearerScheme)
}

// takes reports an operation that may be called with the security scheme.
func takes(sec []map[string][]string, scheme string) bool {
	for _, alt := range sec {
		if _, ok := alt[scheme]; ok {
			return true
		}
	}
	return false
}

// bearerToken is the credential of an Authorization header of the Bearer scheme, whose name is
// case-insensitive (RFC 9110 §11.1); "" and false for any other header.
func bearerToken(header string) (string, bool) {
	scheme, raw, _ := strings.Cut(strings.TrimSpace(header), " ")
	raw = strings.TrimSpace(raw)
	if !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return "", false
	}
	return raw, true
}

// notBearer says what is wrong with an Authorization header that carries no Bearer credential,
// naming its scheme when it is one HTTP allows (Basic), and never echoing anything else of it.
func notBearer(header string) string {
	scheme, _, _ := strings.Cut(strings.TrimSpace(header), " ")
	if strings.EqualFold(scheme, "Bearer") {
		return "the Authorization header has no token after Bearer"
	}
	for _, known := range namedSchemes {
		if strings.EqualFold(scheme, known) {
			return "the Authorization header uses the " + known + " scheme, and only Bearer is taken"
		}
	}
	if scheme != "" && strings.Contains(strings.TrimSpace(header), " ") {
		// Not named back: what stands in a scheme's place may be a secret sent by mistake.
		return "the Authorization header uses another scheme than Bearer, and only Bearer is taken"
	}
	return "the Authorization header is not of the form Bearer <token>"
}

// namedSchemes are the authentication schemes a refusal names back (as written here, not as
// sent): well-known short names, which can be no one's secret.
var namedSchemes = []string{"Basic", "Digest", "DPoP", "HOBA", "Mutual", "OAuth", "Token", "vapid"}

func (s *server) unauthorized(ctx huma.Context, msg string) {
	ctx.SetHeader("WWW-Authenticate", `Bearer realm="boxoffice"`)
	_ = huma.WriteErr(s.api, ctx, http.StatusUnauthorized, msg)
}

// limit answers 429 with Retry-After when the client address or the user is over its rate.
func (s *server) limit(ctx context.Context, byAddr, byUser *limiterSet, user string) error {
	now := time.Now()
	wait := byAddr.wait(ctx.Value(clientAddrKey{}).(string), now)
	if wait == 0 {
		wait = byUser.wait(user, now)
	}
	if wait == 0 {
		return nil
	}
	secs := strconv.Itoa(int((wait + time.Second - 1) / time.Second))
	return huma.ErrorWithHeaders(huma.NewError(http.StatusTooManyRequests, "too many requests; retry after "+secs+" s"),
		http.Header{"Retry-After": {secs}})
}

func caller(ctx context.Context) core.Caller {
	return presentedToken(ctx).caller
}

func presentedToken(ctx context.Context) presented {
	p, _ := ctx.Value(callerKey{}).(presented)
	return p
}

// MaxBodyBytes bounds every request body; the largest valid one is under 200 bytes.
const MaxBodyBytes = 8 << 10

// secured marks an operation as needing a queue token and lists its error statuses.
func secured(op huma.Operation, errs ...int) huma.Operation {
	op.Security = []map[string][]string{{bearerScheme: {}}}
	op.Errors = append([]int{http.StatusUnauthorized}, errs...)
	op.MaxBodyBytes = MaxBodyBytes
	return op
}
