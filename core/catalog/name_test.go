package catalog_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
	"github.com/boxoffice/boxoffice/internal/apptest"
)

// Titles, venues and section names display as written: each refusal names the field and says
// which rule it breaks; section names are also usable as the path segment that reprices them.
func TestNamesDisplayAsWritten(t *testing.T) {
	const (
		control  = "control characters"
		bidi     = "bidirectional overrides or isolates"
		invisble = "visible character"
		length   = "characters"
		path     = "usable in a path"
	)
	fields := map[string]func(*catalog.SaleSpec, string){
		"title":                            func(s *catalog.SaleSpec, v string) { s.Title = v },
		"venue":                            func(s *catalog.SaleSpec, v string) { s.Venue = v },
		"performances[0].sections[1].name": func(s *catalog.SaleSpec, v string) { s.Performances[0].Sections[1].Name = v },
	}
	refused := map[string]string{
		"Autumn\tNights": control, "Autumn\nNights": control, "Autumn\x7fNights": control, "Autumn\u0085": control,
		"Line\u2028break": control, "\u200b\u202e": bidi, "Floor\u202e": bidi, "\u202aA": bidi, "A\u2066B\u2069": bidi,
		"\u200b": invisble, "   ": invisble, "\u200b\u200c\u200d\u2060\ufeff": invisble, "\u3164": invisble, "\u00a0\u3000": invisble,
		"\u0301": invisble, "": length, "\xff": "UTF-8",
	}
	for field, set := range fields {
		for value, says := range refused {
			spec := concert()
			set(&spec, value)
			_, _, err := catalog.NewSale(spec, apptest.Start)
			var bad *core.InvalidFieldError
			if !errors.As(err, &bad) || bad.Field != field || !strings.Contains(bad.Reason, says) {
				t.Errorf("%s %q: %v, want it refused saying %q", field, value, err, says)
			}
		}
		for _, value := range []string{"Café Müller", "팬 콘서트", "مسرح\u200fالمدينة", "Floor – A (rear)", "50% off?", "#1", "A&B", "✨"} {
			spec := concert()
			set(&spec, value)
			if _, _, err := catalog.NewSale(spec, apptest.Start); err != nil {
				t.Errorf("%s %q: %v", field, value, err)
			}
		}
	}
	for _, name := range []string{".", "..", "a/b", "/", `a\b`} {
		spec := concert()
		spec.Performances[1].Sections[0].Name = name
		_, _, err := catalog.NewSale(spec, apptest.Start)
		var bad *core.InvalidFieldError
		if !errors.As(err, &bad) || bad.Field != "performances[1].sections[0].name" || !strings.Contains(bad.Reason, path) {
			t.Errorf("section %q: %v, want it refused as unusable in a path", name, err)
		}
	}
	spec := concert()
	spec.Title = "..."
	if _, _, err := catalog.NewSale(spec, apptest.Start); err != nil {
		t.Errorf("a title of dots (no path takes it): %v", err)
	}
}

// A sale stored before the rules (an invisible title) can still be changed in other ways and
// closed; a change that sets a name is held to them.
func TestOldNamesDoNotBlockOtherChanges(t *testing.T) {
	stored := catalog.Sale{ID: "old-sale", Title: "\u200b\u202e", Venue: "Hall\tA", State: core.OnSale, MaxTicketsPerFan: 4}
	closed, limit := core.Closed, 2
	s, err := catalog.SaleChange{MaxTicketsPerFan: &limit}.Apply(stored)
	if err != nil || s.MaxTicketsPerFan != 2 {
		t.Fatalf("a new limit for a sale with an old title: %+v, %v", s, err)
	}
	if s, err = (catalog.SaleChange{State: &closed}).Apply(s); err != nil || s.State != core.Closed || s.Title != stored.Title {
		t.Fatalf("closing a sale with an old title: %+v, %v", s, err)
	}
	venue := "Hall\tB"
	if _, err := (catalog.SaleChange{Venue: &venue}).Apply(stored); err == nil {
		t.Fatal("a new venue with a tab was taken")
	}
}

// FuzzNames feeds arbitrary text to a new sale as its title and a section's name: a name with a
// control character, a bidirectional override or isolate, or nothing visible is refused naming
// its field; an accepted section name reaches the reprice route intact through its escaped path.
func FuzzNames(f *testing.F) {
	for _, s := range []string{"Floor", "Autumn\tNights", "\u200b\u202e", "Floor\u202e", ".", "..", "a/b", "a%2Fb", "   ", "팬", "\u3164", "50% off?"} {
		f.Add(s)
	}
	mux := http.NewServeMux()
	var routed string
	mux.HandleFunc("PATCH /api/admin/sales/{sale_id}/performances/{date}/sections/{name}", func(_ http.ResponseWriter, r *http.Request) {
		routed = r.PathValue("name")
	})
	f.Fuzz(func(t *testing.T, s string) {
		spec := concert()
		spec.Title = s
		spec.Performances[0].Sections[0].Name = s
		_, _, err := catalog.NewSale(spec, apptest.Start)
		unfit := !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
			return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
		}) || strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) }) == ""
		if err == nil {
			if unfit {
				t.Fatalf("%q was taken as a name", s)
			}
			routed = ""
			req := httptest.NewRequest("PATCH", "/api/admin/sales/x/performances/2030-09-01/sections/"+url.PathEscape(s), nil)
			mux.ServeHTTP(httptest.NewRecorder(), req)
			if routed != s {
				t.Fatalf("section %q reached the reprice route as %q", s, routed)
			}
			return
		}
		var bad *core.InvalidFieldError
		if !errors.As(err, &bad) || (bad.Field != "title" && bad.Field != "performances[0].sections[0].name") {
			t.Fatalf("%q: %v, want a refusal naming the title or the section", s, err)
		}
	})
}
