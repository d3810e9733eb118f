// Package signingtest helps tests hold the verifiers of adapters/signing to the exact token
// they signed.
package signingtest

import "strings"

// OtherSpellings are strings a lenient base64url decoder reads as token: a line break in its
// signature, and its last letter with the unused bits set.
func OtherSpellings(token string) []string {
	mid := len(token) - 10
	last := token[len(token)-1]
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	sibling := alphabet[strings.IndexByte(alphabet, last)|3]
	return []string{token[:mid] + "\r" + token[mid:], token[:mid] + "\n" + token[mid:], token[:len(token)-1] + string(sibling)}
}
