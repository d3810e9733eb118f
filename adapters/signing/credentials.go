package signing

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/booking"
)

// TicketKeyPrefix starts the kid of every ticket key, telling it in a JWKS from the queue
// tokens' key.
const TicketKeyPrefix = "ticket-"

// TicketType is the JWS header typ of a ticket credential; a queue token's is JWT, so neither
// ever verifies as the other.
const TicketType = "boxoffice-ticket+jwt"

// TicketSigner signs and verifies ticket credentials: compact JWS (EdDSA) of a paid ticket, with
// a key of its own, published in the JWKS beside the queue tokens' so a gate can verify a ticket
// offline. A credential is a function of its ticket (Ed25519 signs deterministically), so it is
// signed whenever it is shown and never stored; a cancelled ticket's credential still verifies
// offline, and only the check-in, online, refuses it.
type TicketSigner struct {
	private ed25519.PrivateKey
	public  ed25519.PublicKey
	keyID   string
}

// NewTicketSigner signs with the Ed25519 key derived from a 32-byte seed (BOXOFFICE_TICKET_KEY),
// which every instance of a deployment shares.
func NewTicketSigner(seed []byte) (*TicketSigner, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("ticket key must be a %d-byte Ed25519 seed, got %d bytes", ed25519.SeedSize, len(seed))
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	sum := sha256.Sum256(pub)
	return &TicketSigner{private: priv, public: pub, keyID: TicketKeyPrefix + base64.RawURLEncoding.EncodeToString(sum[:9])}, nil
}

type ticketClaims struct {
	jwt.RegisteredClaims
	TicketID  string `json:"tid"`
	SaleID    string `json:"sale"`
	Date      string `json:"date"`
	Seat      int    `json:"seat"`
	Section   string `json:"section"`
	PaymentID string `json:"pid"`
}

// Sign returns a paid ticket's credential.
func (s *TicketSigner) Sign(c booking.Credential) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, ticketClaims{
		RegisteredClaims: jwt.RegisteredClaims{Subject: string(c.Holder), IssuedAt: jwt.NewNumericDate(c.IssuedAt)},
		TicketID:         string(c.TicketID), SaleID: string(c.SaleID), Date: c.Date.String(), Seat: c.Seat, Section: c.Section,
		PaymentID: string(c.PaymentID),
	})
	tok.Header["kid"] = s.keyID
	tok.Header["typ"] = TicketType
	return tok.SignedString(s.private)
}

// Verify checks a credential's signature, key, type and claims and returns what it says; every
// refusal is booking.ErrNotATicket, saying why.
func (s *TicketSigner) Verify(raw string) (booking.Credential, error) {
	return VerifyTicket(raw, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != s.keyID {
			return nil, errNotTicketKey
		}
		return s.public, nil
	})
}

// VerifyTicket checks a credential as a gate does, with the verification key keys gives for its
// header (its kid): its type, its EdDSA signature and its claims. A gate offline passes the
// keys of a JWKS it fetched from /.well-known/jwks.json; every refusal is booking.ErrNotATicket,
// saying why. Only the check-in knows whether the ticket was used or cancelled.
func VerifyTicket(raw string, keys jwt.Keyfunc) (booking.Credential, error) {
	var c ticketClaims
	if !compactJWS(raw) {
		return booking.Credential{}, ticketRefusal(jwt.ErrTokenMalformed)
	}
	_, err := jwt.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); typ != TicketType {
			return nil, errNotTicketType
		}
		key, err := keys(t)
		if err != nil {
			return nil, errors.Join(errNotTicketKey, err)
		}
		return key, nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}), jwt.WithStrictDecoding(), jwt.WithIssuedAt(), jwt.WithLeeway(clockSkew))
	if err != nil {
		return booking.Credential{}, ticketRefusal(err)
	}
	return credentialOf(c)
}

var (
	errNotTicketKey  = errors.New("not signed with the tickets' key")
	errNotTicketType = errors.New("not of type " + TicketType)
)

// credentialOf reads verified claims.
func credentialOf(c ticketClaims) (booking.Credential, error) {
	tid, tErr := core.ParseID("tid", c.TicketID)
	pid, pErr := core.ParseID("pid", c.PaymentID)
	sale, sErr := core.ParseSaleID("sale", c.SaleID)
	date, dErr := core.ParseDate(c.Date)
	holder, hErr := core.ParseUserID(c.Subject)
	if err := errors.Join(tErr, pErr, sErr, dErr, hErr); err != nil || c.IssuedAt == nil || c.Seat < 1 {
		return booking.Credential{}, &ticketError{why: "its claims are not those of a ticket"}
	}
	return booking.Credential{TicketID: tid, PaymentID: pid, SaleID: sale, Date: date, Seat: c.Seat, Section: c.Section,
		Holder: holder, IssuedAt: c.IssuedAt.UTC()}, nil
}

// ticketError is a refused credential: booking.ErrNotATicket, with why.
type ticketError struct{ why string }

func (e *ticketError) Error() string {
	return "not a ticket of this box office: " + e.why + "; scan the QR code of a paid ticket (GET /api/tickets/{ticket_id})"
}

func (e *ticketError) Unwrap() error { return booking.ErrNotATicket }

func ticketRefusal(err error) error {
	switch {
	case errors.Is(err, errNotTicketType):
		return &ticketError{why: "it is not a ticket credential (a queue token, perhaps)"}
	case errors.Is(err, errNotTicketKey):
		return &ticketError{why: "it is not signed with this box office's ticket key (kid)"}
	case errors.Is(err, jwt.ErrTokenMalformed):
		return &ticketError{why: "it is not a compact JWS (three parts separated by dots)"}
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return &ticketError{why: "its signature does not verify"}
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return &ticketError{why: "it was issued in the future"}
	}
	return &ticketError{why: "it does not verify"}
}

// JWK is the ticket key as the JWKS publishes it.
func (s *TicketSigner) JWK() JWK {
	return JWK{KeyType: "OKP", Curve: "Ed25519", X: base64.RawURLEncoding.EncodeToString(s.public), KeyID: s.keyID, Use: "sig", Alg: "EdDSA"}
}
