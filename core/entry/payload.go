package entry

import "encoding/json"

// payload is what ALTCHA's widget sends, base64-encoded JSON; fields it adds (took) are ignored.
type payload struct {
	Algorithm string          `json:"algorithm"`
	Challenge string          `json:"challenge"`
	Number    json.RawMessage `json:"number"`
	Salt      string          `json:"salt"`
	Signature string          `json:"signature"`
}

// decodePayload reads a payload as encoding/json would. The widget's own payloads, a flat object
// of plain strings and integers, are read in one pass (reflection and validation were two
// thirds of a join's check); anything else, escapes and case-folded keys included, goes to
// encoding/json. FuzzDecodePayload holds the two to the same answers.
func decodePayload(raw []byte) (payload, error) {
	if pl, ok := scanPayload(raw); ok {
		return pl, nil
	}
	var pl payload
	err := json.Unmarshal(raw, &pl)
	return pl, err
}

// scanPayload reads raw if it is an object whose keys are the payload's and took, exactly, whose
// values are strings of printable ASCII without escapes, or integers; it reports false for
// anything else.
func scanPayload(raw []byte) (pl payload, ok bool) {
	s := string(raw)
	i := skipSpace(s, 0)
	if i == len(s) || s[i] != '{' {
		return pl, false
	}
	for i = skipSpace(s, i+1); i < len(s) && s[i] != '}'; {
		key, next, isString := scanValue(s, i)
		if !isString {
			return pl, false
		}
		if i = skipSpace(s, next); i == len(s) || s[i] != ':' {
			return pl, false
		}
		value, next, isString := scanValue(s, skipSpace(s, i+1))
		if value == "" || !pl.set(key, value, isString) {
			return pl, false
		}
		switch i = skipSpace(s, next); {
		case i < len(s) && s[i] == ',':
			if i = skipSpace(s, i+1); i == len(s) || s[i] == '}' {
				return pl, false // a trailing comma
			}
		case i == len(s) || s[i] != '}':
			return pl, false
		}
	}
	return pl, i < len(s) && skipSpace(s, i+1) == len(s)
}

// set sets the field key names to value, and reports false for a key or a value's kind the fast
// path leaves to encoding/json.
func (pl *payload) set(key, value string, isString bool) bool {
	if key == "number" {
		if isString {
			value = `"` + value + `"`
		}
		pl.Number = json.RawMessage(value)
		return true
	}
	var field *string
	switch key {
	case "algorithm":
		field = &pl.Algorithm
	case "challenge":
		field = &pl.Challenge
	case "salt":
		field = &pl.Salt
	case "signature":
		field = &pl.Signature
	case "took":
		return true
	}
	if field == nil || !isString {
		return false
	}
	*field = value
	return true
}

// scanValue reads, at i, a string of printable ASCII without escapes (its contents, isString)
// or an integer in JSON's form; value is "" for anything else, and for an empty string.
func scanValue(s string, i int) (value string, next int, isString bool) {
	if i < len(s) && s[i] == '"' {
		for j := i + 1; j < len(s); j++ {
			switch c := s[j]; {
			case c == '"':
				return s[i+1 : j], j + 1, j > i+1
			case c < 0x20 || c > 0x7e || c == '\\':
				return "", i, false
			}
		}
		return "", i, false
	}
	j := i
	if j < len(s) && s[j] == '-' {
		j++
	}
	digits := j
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == digits || (s[digits] == '0' && j > digits+1) || (j < len(s) && (s[j] == '.' || s[j] == 'e' || s[j] == 'E')) {
		return "", i, false
	}
	return s[i:j], j, false
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}
