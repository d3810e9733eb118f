package catalog

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/boxoffice/boxoffice/core"
)

// Names fans read (a sale's title, its venue, a section) display as they were written: no
// control characters, which break lines and tables (a tab is one), no bidirectional overrides
// or isolates, which reorder the text around them (U+202E makes "Floor" read backwards), and
// something visible, not only spaces or zero-width characters. Names stored before these rules
// are read as they are; only new ones are held to them.

// checkName reports a name that breaks those rules or is not 1 to max characters.
func checkName(field, s string, max int) error {
	switch n := utf8.RuneCountInString(s); {
	case !utf8.ValidString(s):
		return core.InvalidField(field, "must be text (UTF-8)")
	case strings.ContainsFunc(s, lineBreaking):
		return core.InvalidField(field, "must not contain control characters or line breaks (a tab is one)")
	case strings.ContainsFunc(s, reordering):
		return core.InvalidField(field, "must not contain bidirectional overrides or isolates (U+202A to U+202E, U+2066 to U+2069), which reorder the text around them")
	case n < 1 || n > max:
		return core.InvalidField(field, "must be 1 to %d characters", max)
	case !strings.ContainsFunc(s, visible):
		return core.InvalidField(field, "must have a visible character, not only spaces or zero-width characters")
	}
	return nil
}

// checkSectionName is checkName for a section, whose name is also a segment of the path that
// reprices it (PATCH …/sections/{name}): clients and servers resolve . and .. in paths, and many
// a proxy decodes %2F, so those can never reach it.
func checkSectionName(field, s string) error {
	if err := checkName(field, s, MaxSectionName); err != nil {
		return err
	}
	if s == "." || s == ".." || strings.ContainsAny(s, `/\`) {
		return core.InvalidField(field, "must be usable in a path (PATCH …/sections/{name}): no / or \\, and not . or ..")
	}
	return nil
}

func lineBreaking(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

func reordering(r rune) bool {
	return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069'
}

// visible reports a letter, digit, punctuation mark or symbol that shows: not a space, a mark
// with nothing to sit on, a format character (zero-width space, joiner) or a filler.
func visible(r rune) bool {
	return unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S) &&
		!unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}
