package signing

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/adapters/internal/strictjson"
	"github.com/golang-jwt/jwt/v5"
)

// idClaims are an ID token's registered claims, each read only under its exact name and only
// as the type RFC 7519 gives it: exp, nbf and iat NumericDates (JSON numbers of seconds since
// 1970), iss, sub and jti strings, aud a string or an array of strings. Go's decoder, left to
// itself, takes "exp": "1700000000" for a date and "ISS" for iss. Other claims are not read.
type idClaims struct {
	jwt.RegisteredClaims
}

// claimError is a claim refused for its type or its repetition; it says which, in the
// API's words.
type claimError struct{ why string }

func (e *claimError) Error() string { return e.why }

// maxNumericDate is the latest NumericDate read, 9999-12-31T23:59:59Z: later ones are no
// date a token could mean, and time.Time's arithmetic stays exact up to it.
const maxNumericDate = 253402300799

// UnmarshalJSON implements json.Unmarshaler: the token's payload, read strictly.
func (c *idClaims) UnmarshalJSON(data []byte) error {
	if !json.Valid(data) {
		return &claimError{why: "its payload is not JSON"}
	}
	doc, err := strictjson.Read(data, "")
	var twice *strictjson.DuplicateError
	if errors.As(err, &twice) {
		return &claimError{why: "it names its " + strings.TrimPrefix(twice.Location, ".") + " claim twice"}
	} else if err != nil {
		return &claimError{why: "its payload is not JSON"}
	}
	claims, ok := doc.(map[string]any)
	if !ok {
		return &claimError{why: "its payload is not a JSON object of claims"}
	}
	for name, v := range claims {
		if err := c.set(name, v); err != nil {
			return err
		}
	}
	return nil
}

// claimTypes are the types of the claims an ID token's check reads, in the API's words.
var claimTypes = map[string]string{
	"iss": "a string", "sub": "a string", "jti": "a string", "aud": "a string or an array of strings",
	"exp": numericDateType, "nbf": numericDateType, "iat": numericDateType,
}

const numericDateType = "a NumericDate (a JSON number of seconds since 1970)"

// set takes one claim's value if it is of its type; claims not in claimTypes are not read.
func (c *idClaims) set(name string, v any) error {
	var ok bool
	switch name {
	case "iss":
		c.Issuer, ok = v.(string)
	case "sub":
		c.Subject, ok = v.(string)
	case "jti":
		c.ID, ok = v.(string)
	case "aud":
		c.Audience, ok = audience(v)
	case "exp":
		c.ExpiresAt, ok = numericDate(v)
	case "nbf":
		c.NotBefore, ok = numericDate(v)
	case "iat":
		c.IssuedAt, ok = numericDate(v)
	default:
		return nil
	}
	if !ok {
		return &claimError{why: fmt.Sprintf("its %s claim is not %s", name, claimTypes[name])}
	}
	return nil
}

func audience(v any) (jwt.ClaimStrings, bool) {
	switch x := v.(type) {
	case string:
		return jwt.ClaimStrings{x}, true
	case []any:
		out := make(jwt.ClaimStrings, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

// numericDate reads a NumericDate, which may have a fraction of a second.
func numericDate(v any) (*jwt.NumericDate, bool) {
	n, ok := v.(strictjson.Number)
	if !ok {
		return nil, false
	}
	secs, err := strconv.ParseFloat(n.Literal, 64)
	if err != nil || math.Abs(secs) > maxNumericDate {
		return nil, false
	}
	whole, frac := math.Modf(secs)
	return jwt.NewNumericDate(time.Unix(int64(whole), int64(frac*1e9))), true
}

// missingClaim says which claim boxoffice requires an ID token lacks: its expiry, its issuer or
// its audience, in that order.
func missingClaim(c *idClaims) string {
	switch {
	case c.ExpiresAt == nil:
		return "it has no expiry (exp)"
	case c.Issuer == "":
		return "it names no issuer (iss)"
	case len(c.Audience) == 0:
		return "it names no audience (aud)"
	}
	return "it lacks a claim this service requires (exp, iss and aud)"
}
