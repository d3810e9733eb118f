package signing

// compactJWS reports a token made only of base64url letters and the dots between its parts.
// Go's base64 decoder skips CR and LF even in strict mode, so the JWT library alone would read a
// token with a line break inside as the token without it: every verifier here refuses such a
// token first and decodes strictly (a last letter's unused bits must be zero), so a credential
// has exactly one spelling.
func compactJWS(raw string) bool {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
