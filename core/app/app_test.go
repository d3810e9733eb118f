package app_test

import (
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/adapters/memory"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/app"
	"github.com/boxoffice/boxoffice/core/booking"
	"github.com/boxoffice/boxoffice/core/queue"
)

func TestNewRejectsMissingPortsAndBadPolicy(t *testing.T) {
	store := memory.NewStore()
	ports := app.Ports{Stores: app.StoresOf(store), Loop: memory.NewAdmission(queue.Settings{}), Clock: core.SystemClock{},
		Lifecycle:     func(s *booking.Settler) booking.Lifecycle { return memory.NewLifecycle(core.SystemClock{}, s) },
		Cancellations: func(r *booking.Refunder) booking.Cancellations { return memory.NewCancellations(r) }}
	if _, err := app.New(ports, app.DefaultPolicy); err != nil {
		t.Fatal(err)
	}
	noClock := ports
	noClock.Clock = nil
	if _, err := app.New(noClock, app.DefaultPolicy); err == nil {
		t.Error("missing clock accepted")
	}
	noAdmission := ports
	noAdmission.Loop = nil
	if _, err := app.New(noAdmission, app.DefaultPolicy); err == nil {
		t.Error("missing admission control accepted")
	}
	noCancellations := ports
	noCancellations.Cancellations = nil
	if _, err := app.New(noCancellations, app.DefaultPolicy); err == nil {
		t.Error("missing cancellations accepted")
	}
	for _, change := range []func(p *app.Policy){
		func(p *app.Policy) { p.Booking.HoldTTL = 0 },
		func(p *app.Policy) { p.Queue.Admission.SessionTTL = 0 },
		func(p *app.Policy) { p.Queue.Admission.AdmitRate = 0 },
		func(p *app.Policy) { p.Queue.Admission.MaxActive = 0 },
		func(p *app.Policy) { p.Queue.Admission.Tick = 0 },
		func(p *app.Policy) { p.DefaultSale = "Not A Sale Id" },
		func(p *app.Policy) { p.Queue.AbandonAfter = queue.MinAbandonAfter - time.Second },
		func(p *app.Policy) { p.Queue.Refresh = -time.Second },
		func(p *app.Policy) { p.Queue.Refresh = 6 * time.Second },
	} {
		p := app.DefaultPolicy
		change(&p)
		if _, err := app.New(ports, p); err == nil {
			t.Errorf("policy %+v accepted", p)
		}
	}
}
