package webhook_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/webhook"
)

func TestAnEndpointsURLIsHTTPSToAPublicAddressUnlessAllowed(t *testing.T) {
	none, _ := webhook.ParseDestinations("")
	allowed, err := webhook.ParseDestinations(" hooks.test, 10.0.0.0/8 ,::1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		url        string
		d          webhook.Destinations
		refusedFor string // "" when allowed
	}{
		{"https://platform.example.com/hooks", none, ""},
		{"https://93.184.216.34/hooks", none, ""},
		{"https://[2606:2800:220:1::1]/hooks", none, ""},
		{"http://platform.example.com/hooks", none, "https"},
		{"https://127.0.0.1/", none, "not a public address"},
		{"https://[::1]/", none, "not a public address"},
		{"https://[::ffff:127.0.0.1]/", none, "not a public address"},
		{"https://10.1.2.3/", none, "not a public address"},
		{"https://169.254.169.254/latest/meta-data", none, "not a public address"},
		{"https://[64:ff9b::a9fe:a9fe]/", none, "not a public address"}, // NAT64 of the metadata address
		{"https://[2002:a00:1::]/", none, "not a public address"},       // 6to4 of 10.0.0.1
		{"https://100.64.0.1/", none, "not a public address"},
		{"https://0.0.0.0/", none, "not a public address"},
		{"https://localhost/", none, "loopback"},
		{"https://api.localhost/", none, "loopback"},
		{"https://u:p@platform.example.com/", none, "credentials"},
		{"ftp://platform.example.com/", none, "scheme"},
		{"platform.example.com/hooks", none, "absolute URL"},
		{"https:///hooks", none, "absolute URL"},
		{"https://platform.example.com:99999/", none, "port"},
		{"https://platform.example.com:0/", none, "port"},
		{"https://198.18.0.1/", none, "not a public address"},
		{"https://[64:ff9b::7f00:1]/", none, "not a public address"},
		{"http://hooks.test:8080/in", allowed, ""},
		{"http://10.9.8.7/in", allowed, ""},
		{"http://[::1]:9000/in", allowed, ""},
		{"http://11.0.0.1/in", allowed, "https"},
	} {
		err := c.d.CheckURL("url", c.url)
		var field *core.InvalidFieldError
		switch {
		case c.refusedFor == "" && err != nil:
			t.Errorf("%s: refused (%v), want allowed", c.url, err)
		case c.refusedFor != "" && (!errors.As(err, &field) || field.Field != "url" || !strings.Contains(err.Error(), c.refusedFor)):
			t.Errorf("%s: %v, want refused at url for %q", c.url, err, c.refusedFor)
		}
	}
}

func TestADeliveryDialsOnlyPublicOrAllowedAddresses(t *testing.T) {
	d, _ := webhook.ParseDestinations("hooks.test,192.168.1.0/24")
	for _, c := range []struct {
		host, addr string
		allowed    bool
	}{
		{"platform.example.com", "93.184.216.34", true},
		{"platform.example.com", "127.0.0.1", false}, // a public name that resolves to loopback
		{"platform.example.com", "::ffff:10.0.0.1", false},
		{"platform.example.com", "169.254.169.254", false},
		{"platform.example.com", "64:ff9b::a9fe:a9fe", false},
		{"hooks.test", "127.0.0.1", true},      // the host is allowed, whatever its address
		{"192.168.1.20", "192.168.1.20", true}, // a literal in an allowed CIDR
		{"other.test", "192.168.1.20", false},  // a name that resolves into it is not
		{"other.test", "192.168.2.20", false},
	} {
		err := d.DialAllowed(c.host, netip.MustParseAddr(c.addr))
		if (err == nil) != c.allowed {
			t.Errorf("%s at %s: %v, want allowed %v", c.host, c.addr, err, c.allowed)
		}
	}
}

func TestTheAllowListRefusesWhatIsNotAHostOrACIDR(t *testing.T) {
	if _, err := webhook.ParseDestinations("10.0.0.0/33"); err == nil {
		t.Error("a CIDR of 33 bits was accepted")
	}
}

func TestRetriesWaitFourSecondsDoublingToTenMinutes(t *testing.T) {
	var waits []string
	for attempt := 1; attempt <= 10; attempt++ {
		waits = append(waits, webhook.RetryWait(attempt).String())
	}
	if got, want := strings.Join(waits, " "), "4s 8s 16s 32s 1m4s 2m8s 4m16s 8m32s 10m0s 10m0s"; got != want {
		t.Fatalf("waits %s, want %s", got, want)
	}
	for code, delivered := range map[int]bool{199: false, 200: true, 204: true, 299: true, 301: false, 410: false, 503: false, 0: false} {
		if webhook.DeliveredBy(code) != delivered {
			t.Errorf("status %d delivers: %v", code, !delivered)
		}
	}
}

func TestAnEndpointHearsItsTypesOfItsSale(t *testing.T) {
	ep := webhook.Endpoint{Events: []webhook.EventType{webhook.OrderPaid}, SaleID: "spring"}
	for _, c := range []struct {
		e     webhook.Event
		hears bool
	}{
		{webhook.Event{Type: webhook.OrderPaid, SaleID: "spring"}, true},
		{webhook.Event{Type: webhook.OrderPaid, SaleID: "autumn"}, false},
		{webhook.Event{Type: webhook.TicketCancelled, SaleID: "spring"}, false},
	} {
		if ep.Hears(c.e) != c.hears {
			t.Errorf("hears %+v: %v", c.e, !c.hears)
		}
	}
	if _, err := webhook.ParseEventType("events", "order.refunded"); err == nil || !strings.Contains(err.Error(), "order.paid") {
		t.Errorf("an unknown type: %v, want the known ones named", err)
	}
	key, err := webhook.NewSecret().Key()
	if err != nil || len(key) != 32 {
		t.Errorf("a new secret's key: %d bytes, %v", len(key), err)
	}
}
