package core

// UserID identifies a fan. It is chosen by the client: 1 to 64 characters from letters,
// digits and . _ @ -
type UserID string

// MaxUserIDLength is the longest user id accepted.
const MaxUserIDLength = 64

// UserIDPattern is the user id's alphabet as a regular expression, for schemas; ParseUserID
// checks the same characters (the fuzz test holds the two to each other).
const UserIDPattern = "^[A-Za-z0-9._@-]+$"

// ParseUserID validates a client-supplied user id.
func ParseUserID(s string) (UserID, error) {
	if len(s) == 0 || len(s) > MaxUserIDLength {
		return "", InvalidField("user_id", "must be 1 to %d characters long", MaxUserIDLength)
	}
	for i := 0; i < len(s); i++ {
		if !userIDChar(s[i]) {
			return "", InvalidField("user_id", "character %q at position %d is not allowed; use letters, digits and . _ @ -", s[i], i)
		}
	}
	return UserID(s), nil
}

func userIDChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '@' || c == '-'
}

// Caller is who a request comes from, as proven by a verified queue token.
type Caller struct {
	TokenID ID
	UserID  UserID
	// SaleID is the sale the token queues for; empty in a token signed before tokens named
	// their sale, which is then read from the token itself.
	SaleID SaleID
	// Seq is the sequence number the token was signed with: 0 for an early token signed before
	// the opening draw gave it its place.
	Seq int64
}
